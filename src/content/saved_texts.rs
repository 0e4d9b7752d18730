//! The text of every Markdown source as the last one-off build read it, saved in the state
//! folder (`<root>/.koho/output-<hash>/sources.bin`), so that a rebuild takes the text of each
//! unchanged file from one file instead of opening, reading and closing 30,000 (about 40 % of
//! the load stage at 10,000 releases).
//!
//! A file's saved text is used only when its stamp (`cache::Stamp`: size, mtime, inode, ctime,
//! read before the text was) is the one saved with it, the rule the up-to-date check already
//! trusts. The stamp is taken before the file is read, so a write during the read gives a new
//! stamp and the next build reads the file again. The text is the one `text::read_text`
//! accepted, so a file that was refused is never in it.
//!
//! Format, all integers little-endian: the line `koho-texts 2\n`; `u64` length of the index;
//! the index: per file `u32` path length, the path's bytes (`OsStr::as_encoded_bytes`), the
//! stamp (`u64` size, `u128` modified ns, `u64` inode, `u128` changed ns), `u64` start and
//! `u64` length of its text in the texts; then the texts, one after the other (UTF-8). The
//! texts are read into one buffer that the documents share (`content::SharedText`): a rebuild
//! holds them once, not once as read and once as parsed. Anything else (an older format, a
//! truncated file) is no saved text at all. The last 8 bytes are the XXH3-64 of every byte
//! before them, so a file changed by hand is no saved text either.

use rayon::prelude::*;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::SharedText;
use crate::cache::Stamp;

const MAGIC: &[u8] = b"koho-texts 2\n";

/// The saved texts, as read from the file (empty when there is none or it is unreadable).
#[derive(Default)]
pub struct SavedTexts {
    /// The texts, in buffers of about `CHUNK` bytes each.
    chunks: Vec<Arc<String>>,
    /// Path bytes → (stamp, chunk, range of the text in the chunk).
    entries: Entries,
}

/// The size of one buffer of saved texts. The documents share the buffers their texts are
/// in, and a buffer is freed once every document in it is rendered, so that a rebuild frees
/// its texts as it goes, as a fresh build does, instead of holding all of them (about 100 MB
/// at 10,000 releases × 3 languages) until the last page is rendered.
const CHUNK: usize = 1 << 20;

impl SavedTexts {
    /// The texts saved in `file`; none when it is missing or not in this format.
    pub fn load(file: &Path) -> SavedTexts {
        read(file).unwrap_or_default()
    }

    /// The saved text of `path` if its file still has `stamp`: shared, not copied.
    pub fn get(&self, path: &Path, stamp: Stamp) -> Option<SharedText> {
        let (saved, chunk, range) = self.entries.get(path.as_os_str().as_encoded_bytes())?;
        let buffer = self.chunks.get(*chunk)?;
        (*saved == stamp)
            .then(|| SharedText::new(buffer.clone(), range.clone()))
            .flatten()
    }

    /// How many files have a saved text.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no file has a saved text.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether `kept` texts, `changed` of which (read from their files, or saved for files now
/// gone) differ from the `saved` ones, are worth writing again: always when nothing was saved,
/// else when more than 32 or 1 % changed. Rewriting 13 MB at 10,000 releases × 3 languages was
/// a tenth of a one-release rebuild's CPU; a text left out of date only costs its file's read
/// in each build until then, since a saved text is used only with its file's stamp.
pub fn worth_saving_again(saved: usize, kept: usize, changed: usize) -> bool {
    (saved == 0 && kept > 0) || changed > (kept / 100).max(32)
}

/// Writes `texts` to `file` whole or not at all (`cache::replace_file`); a file that cannot be
/// written is removed, so that no older texts outlive it (they would still be right for their
/// stamps, but need not be kept). Failing to save is not an error of the build.
pub fn save<'a>(file: &Path, texts: impl Iterator<Item = (&'a Path, Stamp, &'a str)>) {
    let texts: Vec<(&[u8], Stamp, &str)> = texts
        .map(|(path, stamp, text)| (path.as_os_str().as_encoded_bytes(), stamp, text))
        .filter(|(path, _, _)| u32::try_from(path.len()).is_ok())
        .collect();
    let index_len: usize = texts.iter().map(|(path, _, _)| 4 + path.len() + 64).sum();
    // Streamed: built in memory first, the file (about as large as the site's Markdown) was
    // the largest allocation of a fresh build.
    let written = crate::cache::replace_file(file, |out| {
        let mut out = crate::cache::ChecksumWriter::new(out);
        out.write_all(MAGIC)?;
        out.write_all(&(index_len as u64).to_le_bytes())?;
        let mut start = 0u64;
        for (path, stamp, text) in &texts {
            out.write_all(&(path.len() as u32).to_le_bytes())?;
            out.write_all(path)?;
            out.write_all(&stamp.size.to_le_bytes())?;
            out.write_all(&stamp.modified_ns.to_le_bytes())?;
            out.write_all(&stamp.inode.to_le_bytes())?;
            out.write_all(&stamp.changed_ns.to_le_bytes())?;
            out.write_all(&start.to_le_bytes())?;
            out.write_all(&(text.len() as u64).to_le_bytes())?;
            start += text.len() as u64;
        }
        for (_, _, text) in &texts {
            out.write_all(text.as_bytes())?;
        }
        out.finish()
    });
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
}

type Entries = FxHashMap<Box<[u8]>, (Stamp, usize, Range<usize>)>;

/// One file of the index: its path's bytes, stamp and the range of its text in the texts.
type IndexEntry<'a> = (&'a [u8], Stamp, Range<usize>);

/// The saved texts of `file`, read in parts so that the texts land in their own buffers without
/// a copy: the magic line and the index, the texts chunk by chunk, the checksum.
fn read(file: &Path) -> Option<SavedTexts> {
    let mut opened = crate::cache::open_state_file(file)?;
    let total = opened.metadata().ok()?.len();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut head = vec![0; MAGIC.len() + 8];
    opened.read_exact(&mut head).ok()?;
    if !head.starts_with(MAGIC) {
        return None;
    }
    hasher.update(&head);
    let index_len = u64::from_le_bytes(head[MAGIC.len()..].try_into().ok()?);
    // Checked: a length changed by hand must not wrap around (and then ask for memory).
    let before_texts = (head.len() as u64).checked_add(index_len)?.checked_add(8)?;
    let texts_len = total.checked_sub(before_texts)?;
    let mut index = vec![0; usize::try_from(index_len).ok()?];
    opened.read_exact(&mut index).ok()?;
    hasher.update(&index);
    let listed = parse_index(&index, usize::try_from(texts_len).ok()?)?;
    let groups = chunk_groups(&listed);
    let mut read = Vec::with_capacity(groups.len());
    for group in &groups {
        let start = group.first()?.2.start;
        let mut bytes = vec![0; group.last()?.2.end - start];
        opened.read_exact(&mut bytes).ok()?;
        hasher.update(&bytes);
        read.push(bytes);
    }
    let mut checksum = [0; 8];
    opened.read_exact(&mut checksum).ok()?;
    if u64::from_le_bytes(checksum) != hasher.digest() {
        return None;
    }
    // Checked on every core (a third of the load's time on one): whole texts only, each UTF-8
    // when saved; a chunk that is not was changed by hand.
    let chunks: Vec<Arc<String>> = groups
        .par_iter()
        .zip(read)
        .map(|(group, bytes)| {
            let chunk = String::from_utf8(bytes).ok()?;
            let start = group.first()?.2.start;
            group
                .iter()
                .all(|(_, _, range)| chunk.is_char_boundary(range.start - start))
                .then(|| Arc::new(chunk))
        })
        .collect::<Option<_>>()?;
    let mut entries = Entries::default();
    for (number, group) in groups.iter().enumerate() {
        let start = group.first()?.2.start;
        for (path, stamp, range) in group.iter() {
            let within = range.start - start..range.end - start;
            entries.insert((*path).into(), (*stamp, number, within));
        }
    }
    Some(SavedTexts { chunks, entries })
}

/// The index's entries split into runs whose texts add up to about `CHUNK` bytes.
fn chunk_groups<'e, 'a>(listed: &'e [IndexEntry<'a>]) -> Vec<&'e [IndexEntry<'a>]> {
    let mut groups = Vec::new();
    let mut first = 0;
    for (i, (_, _, range)) in listed.iter().enumerate() {
        if range.end - listed[first].2.start >= CHUNK || i + 1 == listed.len() {
            groups.push(&listed[first..=i]);
            first = i + 1;
        }
    }
    groups
}

/// The index's entries in file order; `None` unless their texts follow one another from the
/// start of the texts to their end (`texts_len` bytes), as `save` writes them.
fn parse_index(index: &[u8], texts_len: usize) -> Option<Vec<IndexEntry<'_>>> {
    let mut reader = Reader {
        bytes: index,
        at: 0,
    };
    let mut listed = Vec::new();
    let mut end = 0;
    while reader.at < index.len() {
        let path_len = u32::from_le_bytes(reader.array()?) as usize;
        let path = reader.take(path_len)?;
        let stamp = Stamp {
            size: u64::from_le_bytes(reader.array()?),
            modified_ns: u128::from_le_bytes(reader.array()?),
            inode: u64::from_le_bytes(reader.array()?),
            changed_ns: u128::from_le_bytes(reader.array()?),
        };
        let start = usize::try_from(u64::from_le_bytes(reader.array()?)).ok()?;
        let len = usize::try_from(u64::from_le_bytes(reader.array()?)).ok()?;
        if start != end {
            return None;
        }
        end = start.checked_add(len)?;
        listed.push((path, stamp, start..end));
    }
    (end == texts_len).then_some(listed)
}

/// Reads the index front to back; `None` past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let taken = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn stamp(size: u64) -> Stamp {
        Stamp {
            size,
            modified_ns: 1_700_000_000_000_000_001,
            inode: 42,
            changed_ns: 1_700_000_000_000_000_002,
        }
    }

    #[test]
    fn a_text_comes_back_only_with_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sources.bin");
        let a = Path::new("/site/content/a.ja.md");
        let b = Path::new("/site/content/b.en.md");
        save(
            &file,
            [(a, stamp(9), "+++\n防護服\n"), (b, stamp(3), "")].into_iter(),
        );
        let saved = SavedTexts::load(&file);
        assert_eq!(saved.len(), 2);
        assert_eq!(saved.get(a, stamp(9)).as_deref(), Some("+++\n防護服\n"));
        assert_eq!(saved.get(b, stamp(3)).as_deref(), Some(""));
        assert!(saved.get(a, stamp(10)).is_none(), "another stamp");
        assert!(saved
            .get(Path::new("/site/content/c.md"), stamp(9))
            .is_none());
    }

    #[test]
    fn texts_come_back_from_many_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sources.bin");
        let paths: Vec<PathBuf> = (0..300)
            .map(|i| PathBuf::from(format!("/site/content/r{i}.ja.md")))
            .collect();
        let texts: Vec<String> = (0..300)
            .map(|i| format!("+++\n{i}\n+++\n{}", "防護服 ".repeat(i * 97 % 5000)))
            .chain(["x".repeat(3 * CHUNK)])
            .collect();
        let big = PathBuf::from("/site/content/big.md");
        let listed = paths.iter().chain([&big]).zip(&texts);
        save(
            &file,
            listed.map(|(p, t)| (p.as_path(), stamp(1), t.as_str())),
        );
        let saved = SavedTexts::load(&file);
        assert!(saved.chunks.len() > 3, "{} buffers", saved.chunks.len());
        for (path, text) in paths.iter().chain([&big]).zip(&texts) {
            assert_eq!(saved.get(path, stamp(1)).as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn texts_are_saved_again_first_and_after_many_changes_only() {
        assert!(worth_saving_again(0, 3, 3), "nothing saved yet");
        assert!(!worth_saving_again(0, 0, 0), "no text at all");
        assert!(!worth_saving_again(30_075, 30_075, 1), "one edit");
        assert!(!worth_saving_again(30_075, 30_075, 300));
        assert!(worth_saving_again(30_075, 30_075, 301), "over 1 %");
        assert!(!worth_saving_again(10, 10, 32));
        assert!(worth_saving_again(10, 40, 33), "over 32");
    }

    #[test]
    fn a_damaged_file_is_no_saved_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sources.bin");
        let a = Path::new("/site/content/a.ja.md");
        save(&file, [(a, stamp(9), "text")].into_iter());
        let whole = std::fs::read(&file).unwrap();
        std::fs::write(&file, &whole[..whole.len() - 1]).unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "truncated");
        // Not UTF-8, with a checksum that matches.
        let mut invalid = whole[..whole.len() - 8].to_vec();
        let last = invalid.len() - 1;
        invalid[last] = 0xff;
        crate::cache::append_checksum(&mut invalid);
        std::fs::write(&file, &invalid).unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "not UTF-8");
        let mut flipped = whole.clone();
        let at = whole.windows(4).position(|w| w == b"text").unwrap();
        flipped[at] = b'T';
        std::fs::write(&file, &flipped).unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "a byte changed");
        // An index length near 2^64 (with the checksum left as it was, or made to match).
        let mut huge = whole.clone();
        huge[MAGIC.len()..MAGIC.len() + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(&file, &huge).unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "index length 2^64 - 1");
        huge.truncate(huge.len() - 8);
        crate::cache::append_checksum(&mut huge);
        std::fs::write(&file, &huge).unwrap();
        assert!(
            SavedTexts::load(&file).is_empty(),
            "with a matching checksum"
        );
        std::fs::write(&file, b"koho-texts 0\n").unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "another format");
        // The first format: texts between the index entries.
        let mut first = b"koho-texts 1\n".to_vec();
        first.extend_from_slice(&whole[MAGIC.len()..]);
        std::fs::write(&file, &first).unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "another format");
        assert!(SavedTexts::load(&dir.path().join("missing")).is_empty());
    }
}
