//! What the last one-off build parsed of each Markdown source, saved in the state folder
//! (`<root>/.koho/output-<hash>/documents.bin`): the file's stamp, its checked front matter,
//! where its body starts and the hashes of its text. A rebuild takes an unchanged file's
//! document from here without reading the file, and reads its body only when a page needs it
//! (`MarkdownBody::read`). At 10,000 releases × 3 languages the texts are about 100 MB; reading
//! them again took a third of a one-release rebuild and was most of its peak memory.
//!
//! A saved document is used only when its file's stamp (`cache::Stamp`: size, mtime, inode,
//! ctime, taken before the text was read) is the one saved with it, the rule the up-to-date
//! check already trusts, and when this file was written by the same koho (`salt`: its version
//! and executable, since another one may check front matter differently). A body read later is
//! checked against the saved hash of its text, so a file changed during the build is an error,
//! never a page made of two versions.
//!
//! Format: the line `koho-documents 1\n`, then in postcard the salt and every `Entry`, then the
//! XXH3-64 of every byte before it (`cache::append_checksum`). Anything else is no saved
//! document at all.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::body::TextHashes;
use super::front_matter::{FrontMatter, SortBy};
use super::{Date, MarkdownBody};
use crate::cache::Stamp;

const MAGIC: &[u8] = b"koho-documents 1\n";

/// The saved documents, by path (empty when there is no file, it is unreadable, damaged, or
/// written by another koho).
#[derive(Default)]
pub struct SavedDocuments {
    entries: FxHashMap<Vec<u8>, Entry>,
}

/// One source's parse, as `parse_document` made it.
pub struct SavedDocument {
    pub front: FrontMatter,
    pub body: MarkdownBody,
    pub body_line: usize,
}

impl SavedDocuments {
    /// The documents saved in `file` by a koho whose `salt` is this one's.
    pub fn load(file: &Path, salt: u64) -> SavedDocuments {
        let entries = read(file)
            .filter(|saved| saved.salt == salt)
            .map(|saved| {
                let by_path = saved.entries.into_iter();
                by_path
                    .map(|mut e| (std::mem::take(&mut e.path), e))
                    .collect()
            })
            .unwrap_or_default();
        SavedDocuments { entries }
    }

    /// The saved document of `path` if its file still has `stamp`.
    pub fn get(&self, path: &Path, stamp: Stamp) -> Option<SavedDocument> {
        let entry = self.entries.get(path.as_os_str().as_encoded_bytes())?;
        (entry.stamp() == stamp).then_some(())?;
        Some(SavedDocument {
            front: entry.front.to_front_matter()?,
            body: MarkdownBody::unread(
                usize::try_from(entry.body_start).ok()?,
                TextHashes {
                    text: entry.text_hash,
                    body: entry.body_hash,
                },
            ),
            body_line: usize::try_from(entry.body_line).ok()?,
        })
    }

    /// How many sources have a saved document.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no source has a saved document.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether `kept` documents, `changed` of which (parsed from their files, or saved for files now
/// gone) differ from the `saved` ones, are worth writing again: always when nothing was saved,
/// else when more than 32 or 1 % changed. A document left out of date only costs its file's
/// read and parse in each build until then, since a saved one is used only with its file's
/// stamp.
pub fn worth_saving_again(saved: usize, kept: usize, changed: usize) -> bool {
    (saved == 0 && kept > 0) || changed > (kept / 100).max(32)
}

/// One document to save: its file's path and stamp, its front matter, body and body line.
pub type ToSave<'a> = (&'a Path, Stamp, &'a FrontMatter, &'a MarkdownBody, usize);

/// Writes `documents` to `file` whole or not at all (`cache::replace_file`), marked with
/// `salt`; a file that cannot be written is removed. Failing to save is not an error of the
/// build: the next one parses the files again.
pub fn save<'a>(file: &Path, salt: u64, documents: impl Iterator<Item = ToSave<'a>>) {
    let entries = documents
        .map(|(path, stamp, front, body, body_line)| {
            let hashes = body.hashes();
            Entry {
                path: path.as_os_str().as_encoded_bytes().to_vec(),
                size: stamp.size,
                modified_ns: stamp.modified_ns,
                inode: stamp.inode,
                changed_ns: stamp.changed_ns,
                text_hash: hashes.text,
                body_hash: hashes.body,
                body_start: body.start() as u64,
                body_line: body_line as u64,
                front: SavedFront::of(front),
            }
        })
        .collect();
    let saved = Saved { salt, entries };
    let written = postcard::to_stdvec(&saved)
        .map_err(std::io::Error::other)
        .and_then(|encoded| {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&encoded);
            crate::cache::append_checksum(&mut bytes);
            crate::cache::replace_file(file, |out| std::io::Write::write_all(out, &bytes))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
}

fn read(file: &Path) -> Option<Saved> {
    let mut bytes = crate::cache::read_state_file(file)?;
    if !crate::cache::strip_checksum(&mut bytes) {
        return None;
    }
    postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()
}

#[derive(Serialize, Deserialize)]
struct Saved {
    salt: u64,
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    /// The file's path (`OsStr::as_encoded_bytes`).
    path: Vec<u8>,
    size: u64,
    modified_ns: u128,
    inode: u64,
    changed_ns: u128,
    text_hash: u64,
    body_hash: u64,
    body_start: u64,
    body_line: u64,
    front: SavedFront,
}

impl Entry {
    fn stamp(&self) -> Stamp {
        Stamp {
            size: self.size,
            modified_ns: self.modified_ns,
            inode: self.inode,
            changed_ns: self.changed_ns,
        }
    }
}

/// `FrontMatter` as postcard can hold it: `[extra]` as JSON text (postcard cannot hold a value
/// whose type it does not know in advance), the date as numbers.
#[derive(Serialize, Deserialize)]
struct SavedFront {
    title: String,
    date: Option<(i32, u32, u32)>,
    description: Option<String>,
    draft: bool,
    weight: i64,
    slug: Option<String>,
    sort_by: u8,
    paginate_by: Option<u64>,
    translated_from: Option<String>,
    extra: String,
}

impl SavedFront {
    fn of(front: &FrontMatter) -> SavedFront {
        SavedFront {
            title: front.title.clone(),
            date: front.date.map(|d| (d.year, d.month, d.day)),
            description: front.description.clone(),
            draft: front.draft,
            weight: front.weight,
            slug: front.slug.clone(),
            sort_by: match front.sort_by {
                SortBy::Date => 0,
                SortBy::Weight => 1,
                SortBy::Title => 2,
            },
            paginate_by: front.paginate_by.map(|n| n as u64),
            translated_from: front.translated_from.clone(),
            extra: serde_json::to_string(&front.extra).unwrap_or_default(),
        }
    }

    /// The front matter; `None` when something in it is not what `of` writes.
    fn to_front_matter(&self) -> Option<FrontMatter> {
        Some(FrontMatter {
            title: self.title.clone(),
            date: self
                .date
                .map(|(year, month, day)| Date { year, month, day }),
            description: self.description.clone(),
            draft: self.draft,
            weight: self.weight,
            slug: self.slug.clone(),
            sort_by: match self.sort_by {
                0 => SortBy::Date,
                1 => SortBy::Weight,
                2 => SortBy::Title,
                _ => return None,
            },
            paginate_by: match self.paginate_by {
                Some(n) => Some(usize::try_from(n).ok()?),
                None => None,
            },
            translated_from: self.translated_from.clone(),
            extra: serde_json::from_str(&self.extra).ok()?,
        })
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

    fn front() -> FrontMatter {
        let text = "+++\ntitle = \"防護服\"\ndate = 2020-05-18\nweight = -3\nslug = \"s\"\n\
                    [extra]\nratio = 0.1\nbig = 1e300\nmass = 9.109e-31\ncharge = 1.602176634e-19\n\
                    tiny = 2.7715077941825975e-163\nwhen = 2020-05-19\nlist = [1, \"二\"]\n+++\n";
        super::super::front_matter::parse(Path::new("a.md"), text, true)
            .unwrap()
            .front
    }

    #[test]
    fn a_document_comes_back_only_with_its_stamp_and_salt() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("documents.bin");
        let path = Path::new("/site/content/a.ja.md");
        let front = front();
        let body = MarkdownBody::new("+++\n+++\n本文\n".into(), 8);
        save(&file, 7, [(path, stamp(9), &front, &body, 3)].into_iter());
        let saved = SavedDocuments::load(&file, 7);
        assert_eq!(saved.len(), 1);
        let document = saved.get(path, stamp(9)).unwrap();
        // Floats and `[extra]`'s order come back exactly: templates and fingerprints see them.
        assert_eq!(format!("{:?}", document.front), format!("{front:?}"));
        assert_eq!(document.body.hashes(), body.hashes());
        assert_eq!(document.body.start(), 8);
        assert_eq!(document.body.text(), None, "not read");
        assert_eq!(document.body_line, 3);
        assert!(saved.get(path, stamp(10)).is_none(), "another stamp");
        assert!(saved.get(Path::new("/site/b.md"), stamp(9)).is_none());
        assert!(SavedDocuments::load(&file, 8).is_empty(), "another koho");
    }

    #[test]
    fn a_damaged_file_is_no_saved_document() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("documents.bin");
        let path = Path::new("/site/content/a.ja.md");
        let front = front();
        let body = MarkdownBody::from("text");
        save(&file, 7, [(path, stamp(9), &front, &body, 1)].into_iter());
        let whole = std::fs::read(&file).unwrap();
        std::fs::write(&file, &whole[..whole.len() - 1]).unwrap();
        assert!(SavedDocuments::load(&file, 7).is_empty(), "truncated");
        let mut flipped = whole.clone();
        let at = whole.windows(3).position(|w| w == "防".as_bytes()).unwrap();
        flipped[at + 2] ^= 1;
        std::fs::write(&file, &flipped).unwrap();
        assert!(SavedDocuments::load(&file, 7).is_empty(), "a byte changed");
        // A sort order that `of` never writes, with a checksum that matches.
        let mut bytes = MAGIC.to_vec();
        let mut saved: Saved = postcard::from_bytes(&whole[MAGIC.len()..whole.len() - 8]).unwrap();
        saved.entries[0].front.sort_by = 9;
        bytes.extend(postcard::to_stdvec(&saved).unwrap());
        crate::cache::append_checksum(&mut bytes);
        std::fs::write(&file, &bytes).unwrap();
        let loaded = SavedDocuments::load(&file, 7);
        assert!(loaded.get(path, stamp(9)).is_none(), "unknown sort order");
        std::fs::write(&file, b"koho-documents 0\n").unwrap();
        assert!(SavedDocuments::load(&file, 7).is_empty(), "another format");
        assert!(SavedDocuments::load(&dir.path().join("missing"), 7).is_empty());
    }

    #[test]
    fn documents_are_saved_again_first_and_after_many_changes_only() {
        assert!(worth_saving_again(0, 3, 3), "nothing saved yet");
        assert!(!worth_saving_again(0, 0, 0), "no document at all");
        assert!(!worth_saving_again(30_075, 30_075, 1), "one edit");
        assert!(!worth_saving_again(30_075, 30_075, 300));
        assert!(worth_saving_again(30_075, 30_075, 301), "over 1 %");
        assert!(!worth_saving_again(10, 10, 32));
        assert!(worth_saving_again(10, 40, 33), "over 32");
    }
}
