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
//! Format, all integers little-endian: the line `koho-texts 1\n`, then per file `u32` path
//! length, the path's bytes (`OsStr::as_encoded_bytes`), the stamp (`u64` size, `u128`
//! modified ns, `u64` inode, `u128` changed ns), `u32` text length, the text (UTF-8). Anything
//! else (an older format, a truncated file) is no saved text at all. The last 8 bytes are the
//! XXH3-64 of every byte before them, so a file changed by hand is no saved text either.

use std::ops::Range;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::cache::Stamp;

const MAGIC: &[u8] = b"koho-texts 1\n";

/// The saved texts, as read from the file (empty when there is none or it is unreadable).
#[derive(Default)]
pub struct SavedTexts {
    bytes: Vec<u8>,
    /// Path bytes → (stamp, range of the text in `bytes`).
    entries: FxHashMap<Box<[u8]>, (Stamp, Range<usize>)>,
}

/// A file's text for the next save: borrowed from the saved file or read in this build.
pub enum Text<'a> {
    Saved(&'a str),
    Read(String),
}

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Saved(text) => text,
            Text::Read(text) => text,
        }
    }
}

impl SavedTexts {
    /// The texts saved in `file`; none when it is missing or not in this format.
    pub fn load(file: &Path) -> SavedTexts {
        let Some(mut bytes) = crate::cache::read_state_file(file) else {
            return SavedTexts::default();
        };
        if !crate::cache::strip_checksum(&mut bytes) {
            return SavedTexts::default();
        }
        match parse(&bytes) {
            Some(entries) => SavedTexts { bytes, entries },
            None => SavedTexts::default(),
        }
    }

    /// The saved text of `path` if its file still has `stamp`.
    pub fn get(&self, path: &Path, stamp: Stamp) -> Option<&str> {
        let (saved, range) = self.entries.get(path.as_os_str().as_encoded_bytes())?;
        // Validated as UTF-8 when parsed.
        (*saved == stamp).then(|| std::str::from_utf8(&self.bytes[range.clone()]).ok())?
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
    // Streamed: built in memory first, the file's bytes (about as many as the site's Markdown)
    // were the largest allocation of a fresh build.
    let written = crate::cache::replace_file(file, |out| {
        let mut out = crate::cache::ChecksumWriter::new(out);
        out.write_all(MAGIC)?;
        for (path, stamp, text) in texts {
            let path = path.as_os_str().as_encoded_bytes();
            let (Ok(path_len), Ok(text_len)) =
                (u32::try_from(path.len()), u32::try_from(text.len()))
            else {
                continue;
            };
            out.write_all(&path_len.to_le_bytes())?;
            out.write_all(path)?;
            out.write_all(&stamp.size.to_le_bytes())?;
            out.write_all(&stamp.modified_ns.to_le_bytes())?;
            out.write_all(&stamp.inode.to_le_bytes())?;
            out.write_all(&stamp.changed_ns.to_le_bytes())?;
            out.write_all(&text_len.to_le_bytes())?;
            out.write_all(text.as_bytes())?;
        }
        out.finish()
    });
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
}

type Entries = FxHashMap<Box<[u8]>, (Stamp, Range<usize>)>;

fn parse(bytes: &[u8]) -> Option<Entries> {
    let mut reader = Reader {
        bytes,
        at: MAGIC.len(),
    };
    if !bytes.starts_with(MAGIC) {
        return None;
    }
    let mut entries = Entries::default();
    while reader.at < bytes.len() {
        let path_len = u32::from_le_bytes(reader.array()?) as usize;
        let path = reader.take(path_len)?;
        let stamp = Stamp {
            size: u64::from_le_bytes(reader.array()?),
            modified_ns: u128::from_le_bytes(reader.array()?),
            inode: u64::from_le_bytes(reader.array()?),
            changed_ns: u128::from_le_bytes(reader.array()?),
        };
        let text_len = u32::from_le_bytes(reader.array()?) as usize;
        let start = reader.at;
        std::str::from_utf8(reader.take(text_len)?).ok()?;
        entries.insert(path.into(), (stamp, start..reader.at));
    }
    Some(entries)
}

/// Reads the saved file front to back; `None` past its end.
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
        assert_eq!(saved.get(a, stamp(9)), Some("+++\n防護服\n"));
        assert_eq!(saved.get(b, stamp(3)), Some(""));
        assert_eq!(saved.get(a, stamp(10)), None, "another stamp");
        assert_eq!(saved.get(Path::new("/site/content/c.md"), stamp(9)), None);
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
        std::fs::write(&file, b"koho-texts 0\n").unwrap();
        assert!(SavedTexts::load(&file).is_empty(), "another format");
        assert!(SavedTexts::load(&dir.path().join("missing")).is_empty());
    }
}
