//! Each page's weighed search terms kept between builds, in `<root>/.koho/search/<lang>.terms`,
//! so that indexing a language again after one page changed reads and splits that page's text
//! only (at 10,000 releases, splitting every page was most of a one-edit build's search index).
//!
//! File format: `koho-search-terms 1\n`, the salt (u64), then per page its key (u64), the byte
//! length of its pairs (u32) and the pairs, each `varint(term number) varint(count)`; then the
//! terms, each `varint(byte length)` and bytes; then the byte offset where the terms start (u64)
//! and the page count (u32); then the XXH3-64 of all that (`cache::append_checksum`). Numbers
//! are little-endian, varints LEB128. A missing, damaged or foreign file is no saved term.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::bundle::{varint, weights, Document, Postings, Weighed, BATCH};

const MAGIC: &[u8] = b"koho-search-terms 1\n";

/// The terms of a language by number, and the number of each.
#[derive(Default)]
struct Dictionary {
    numbers: FxHashMap<String, u32>,
    terms: Vec<String>,
}

impl Dictionary {
    fn number(&mut self, term: &str) -> u32 {
        if let Some(&n) = self.numbers.get(term) {
            return n;
        }
        let n = self.terms.len() as u32;
        self.terms.push(term.to_string());
        self.numbers.insert(term.to_string(), n);
        n
    }
}

/// The last build's file: its bytes, each page's pairs in them, its terms.
#[derive(Default)]
struct SavedTerms {
    bytes: Vec<u8>,
    pages: FxHashMap<u64, Range<usize>>,
    dictionary: Dictionary,
}

/// The postings of every term of `documents` (their keys `keys`: see `page_key`), each page's
/// pairs taken from the file under `dir` when its key is there, else made from `text_of(i)`;
/// the file is written anew (best effort) with this build's pages. `text_of` gives `None` for
/// a page whose text cannot be read (the build fails): that page gets no terms here and is
/// left out of the file, so the next build reads it again instead of trusting empty terms.
pub(super) fn postings(
    dir: Option<&Path>,
    lang: &str,
    salt: u64,
    documents: &[Document],
    keys: &[u64],
    text_of: &(dyn Fn(usize) -> Option<String> + Sync),
) -> Vec<(String, Postings)> {
    let file = dir.map(|dir| dir.join(format!("{lang}.terms")));
    let saved = file
        .as_deref()
        .and_then(|f| load(f, salt))
        .unwrap_or_default();
    let SavedTerms {
        bytes,
        pages,
        mut dictionary,
    } = saved;
    let mut postings: Vec<Postings> = Vec::new();
    let mut out = NewFile::start(file, salt);
    // The pages of one batch are weighed on every core while the previous batch's are
    // numbered and added on one (numbering needs the dictionary in page order): without the
    // overlap one core waited for the other through every batch.
    let weigh = |batch: usize| -> Vec<Page> {
        let range = batch * BATCH..((batch + 1) * BATCH).min(documents.len());
        range
            .into_par_iter()
            .map(|i| match pages.contains_key(&keys[i]) {
                true => Page::Saved,
                false => match text_of(i) {
                    Some(text) => Page::Weighed(weights(&documents[i].title, &text)),
                    None => Page::Unread,
                },
            })
            .collect()
    };
    let batches = documents.len().div_ceil(BATCH);
    let mut weighed = if batches > 0 { weigh(0) } else { Vec::new() };
    for batch in 0..batches {
        let ((), next) = rayon::join(
            || {
                for (offset, page) in std::mem::take(&mut weighed).into_iter().enumerate() {
                    let i = batch * BATCH + offset;
                    let pairs = match page {
                        Page::Weighed(page) => encode(page, &mut dictionary),
                        Page::Saved => bytes[pages[&keys[i]].clone()].to_vec(),
                        Page::Unread => continue,
                    };
                    add_page(&mut postings, i as u32, &pairs);
                    out.page(keys[i], &pairs);
                }
            },
            || match batch + 1 < batches {
                true => weigh(batch + 1),
                false => Vec::new(),
            },
        );
        weighed = next;
    }
    let used = postings.iter().filter(|p| !p.is_empty()).count();
    // Terms no page has any more stay in the file's list; past half of it, start anew.
    match used * 2 >= dictionary.terms.len() {
        true => out.finish(&dictionary.terms),
        false => out.abandon(),
    }
    dictionary
        .terms
        .into_iter()
        .zip(postings)
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

/// Where a page's pairs come from in `postings`.
enum Page {
    /// The last build's file has them (its key is there).
    Saved,
    /// Made from its text now.
    Weighed(Weighed),
    /// Its text could not be read: no pairs, and none saved.
    Unread,
}

/// The key of a page's pairs: what `weights` reads of it (its title and text, through the
/// text's parts: subtitle, tagline and the hash of its HTML).
pub(super) fn page_key(title: &str, parts: &impl std::hash::Hash) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = crate::digest::hasher();
    (title, parts).hash(&mut hasher);
    hasher.finish()
}

/// `weighed` as pairs of term numbers (new terms numbered in `dictionary`) and counts.
fn encode(weighed: Weighed, dictionary: &mut Dictionary) -> Vec<u8> {
    let mut pairs = Vec::with_capacity(weighed.len() * 3);
    for (term, count) in weighed.iter() {
        varint(&mut pairs, dictionary.number(term));
        varint(&mut pairs, count);
    }
    pairs
}

/// Adds page `id`'s pairs to `postings` (indexed by term number).
fn add_page(postings: &mut Vec<Postings>, id: u32, pairs: &[u8]) {
    let mut at = 0;
    while let (Some(term), Some(count)) = (read_varint(pairs, &mut at), read_varint(pairs, &mut at))
    {
        let term = term as usize;
        if postings.len() <= term {
            postings.resize_with(term + 1, Postings::default);
        }
        postings[term].add(id, count);
    }
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The file at `path` when it is whole, of this layout and `salt`, and every pair in it names
/// a term it lists.
fn load(path: &Path, salt: u64) -> Option<SavedTerms> {
    let mut bytes = crate::cache::read_state_file(path)?;
    if !crate::cache::strip_checksum(&mut bytes) || !bytes.starts_with(MAGIC) {
        return None;
    }
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let end = bytes.len().checked_sub(12)?;
    if u64_at(MAGIC.len())? != salt {
        return None;
    }
    let terms_start = usize::try_from(u64_at(end)?).ok().filter(|&s| s <= end)?;
    let page_count = u32::from_le_bytes(bytes.get(end + 8..end + 12)?.try_into().ok()?);
    let mut dictionary = Dictionary::default();
    let mut at = terms_start;
    while at < end {
        let len = read_varint(&bytes, &mut at)? as usize;
        let term = std::str::from_utf8(bytes.get(at..at.checked_add(len)?)?).ok()?;
        dictionary.number(term);
        at += len;
    }
    let mut pages = FxHashMap::default();
    let mut at = MAGIC.len() + 8;
    for _ in 0..page_count {
        let key = u64_at(at)?;
        let len = u32::from_le_bytes(bytes.get(at + 8..at + 12)?.try_into().ok()?) as usize;
        let range = at + 12..(at + 12).checked_add(len).filter(|&e| e <= terms_start)?;
        pages.insert(key, range.clone());
        at = range.end;
    }
    Some(SavedTerms {
        bytes,
        pages,
        dictionary,
    })
    .filter(|saved| saved.pairs_name_known_terms())
}

impl SavedTerms {
    fn pairs_name_known_terms(&self) -> bool {
        let known = self.dictionary.terms.len() as u32;
        self.pages.values().all(|range| {
            let pairs = &self.bytes[range.clone()];
            let mut at = 0;
            while at < pairs.len() {
                match (read_varint(pairs, &mut at), read_varint(pairs, &mut at)) {
                    (Some(term), Some(_)) if term < known => {}
                    _ => return false,
                }
            }
            true
        })
    }
}

/// The new file, written beside the old one as pages come and renamed over it at the end; a
/// failure to write only leaves the old one (or none).
struct NewFile {
    path: PathBuf,
    temporary: PathBuf,
    out: Option<crate::cache::ChecksumWriter<std::io::BufWriter<std::fs::File>>>,
    written: u64,
    /// How many pages `page` wrote (the file's end names the count).
    pages: u32,
}

impl NewFile {
    /// The new file for `path` (none without a path: nothing is written).
    fn start(path: Option<PathBuf>, salt: u64) -> NewFile {
        let path = path.unwrap_or_default();
        let temporary = path.with_extension(format!("terms-tmp{}", std::process::id()));
        let out = (!path.as_os_str().is_empty())
            .then(|| {
                let _ = std::fs::remove_file(&temporary);
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&temporary)
                    .ok()
            })
            .flatten()
            .map(|f| crate::cache::ChecksumWriter::new(std::io::BufWriter::new(f)));
        let mut file = NewFile {
            path,
            temporary,
            out,
            written: 0,
            pages: 0,
        };
        file.write(MAGIC);
        file.write(&salt.to_le_bytes());
        file
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out {
            match out.write_all(bytes) {
                Ok(()) => self.written += bytes.len() as u64,
                Err(_) => self.out = None,
            }
        }
    }

    fn page(&mut self, key: u64, pairs: &[u8]) {
        self.write(&key.to_le_bytes());
        self.write(&(pairs.len() as u32).to_le_bytes());
        self.write(pairs);
        self.pages += 1;
    }

    /// Writes `terms` and the end, then renames the file into place.
    fn finish(mut self, terms: &[String]) {
        let terms_start = self.written;
        for term in terms {
            let mut len = Vec::with_capacity(2);
            varint(&mut len, term.len() as u32);
            self.write(&len);
            self.write(term.as_bytes());
        }
        self.write(&terms_start.to_le_bytes());
        let pages = self.pages;
        self.write(&pages.to_le_bytes());
        let done = self.out.take().map(|out| {
            out.finish_into_inner()
                .and_then(|b| b.into_inner().map_err(|e| e.into_error()))
        });
        match done {
            Some(Ok(_)) => {
                if std::fs::rename(&self.temporary, &self.path).is_err() {
                    let _ = std::fs::remove_file(&self.temporary);
                }
            }
            _ => self.abandon(),
        }
    }

    /// Removes the new file and the old one (whose terms are mostly unused).
    fn abandon(self) {
        let _ = std::fs::remove_file(&self.temporary);
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        // After `finish` renamed it this finds nothing; otherwise nothing half-written stays.
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bundle::{build, files};
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn documents(n: usize) -> Vec<Document> {
        (0..n)
            .map(|i| Document {
                url: format!("/p{i}/"),
                title: format!("マスク {i}"),
                section: String::new(),
                date: String::new(),
            })
            .collect()
    }

    /// The bundle through the saved terms in `dir`, and how many texts were asked for.
    fn through_saved(
        dir: &Path,
        docs: &[Document],
        texts: &[String],
    ) -> (Vec<(String, Vec<u8>)>, usize) {
        let asked = AtomicUsize::new(0);
        let keys: Vec<u64> = docs
            .iter()
            .zip(texts)
            .map(|(d, t)| page_key(&d.title, t))
            .collect();
        let postings = postings(Some(dir), "ja", 1, docs, &keys, &|i| {
            asked.fetch_add(1, Ordering::Relaxed);
            Some(texts[i].clone())
        });
        (files(docs, postings), asked.into_inner())
    }

    #[test]
    fn saved_terms_give_the_bundle_a_full_indexing_gives_and_only_changed_pages_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let docs = documents(600);
        let mut texts: Vec<String> = (0..600)
            .map(|i| format!("防護服 {i} protective suits 寄贈 {}", i % 7))
            .collect();
        let reference = |texts: &[String]| build(&docs, &|i| texts[i].clone());
        let (first, asked) = through_saved(dir.path(), &docs, &texts);
        assert_eq!((first == reference(&texts), asked), (true, 600));
        texts[42] = "新しい本文 brand new words".to_string();
        let (second, asked) = through_saved(dir.path(), &docs, &texts);
        assert_eq!((second == reference(&texts), asked), (true, 1));
        // Another program's file (salt) is not used.
        let file = dir.path().join("ja.terms");
        assert!(load(&file, 1).is_some() && load(&file, 2).is_none());
    }

    #[test]
    fn a_damaged_file_or_one_naming_unknown_terms_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let docs = documents(3);
        let texts: Vec<String> = ["a b", "b c", "c d"].map(String::from).to_vec();
        through_saved(dir.path(), &docs, &texts);
        let file = dir.path().join("ja.terms");
        let whole = std::fs::read(&file).unwrap();
        for cut in [0, 10, whole.len() / 2, whole.len() - 1] {
            std::fs::write(&file, &whole[..cut]).unwrap();
            assert!(load(&file, 1).is_none(), "cut at {cut}");
        }
        // A pair naming term 999 of a three-term list, with a valid checksum.
        let mut forged = MAGIC.to_vec();
        forged.extend(1u64.to_le_bytes());
        forged.extend(7u64.to_le_bytes());
        forged.extend(3u32.to_le_bytes());
        forged.extend([0xe7, 0x07, 1]);
        let terms_start = forged.len() as u64;
        forged.extend([1, b'a']);
        forged.extend(terms_start.to_le_bytes());
        forged.extend(1u32.to_le_bytes());
        crate::cache::append_checksum(&mut forged);
        std::fs::write(&file, &forged).unwrap();
        assert!(load(&file, 1).is_none());
        let (bundle, asked) = through_saved(dir.path(), &docs, &texts);
        assert_eq!(
            (bundle == build(&docs, &|i| texts[i].clone()), asked),
            (true, 3)
        );
    }

    /// The tester's case (the build fails when a page's HTML cannot be read back): empty terms
    /// saved for such a page were trusted by every later build, which left the page's words
    /// out of the index until the page itself changed.
    #[test]
    fn a_page_whose_text_could_not_be_read_is_not_saved_and_is_read_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let docs = documents(300);
        let texts: Vec<String> = (0..300).map(|i| format!("マスク {i} masks")).collect();
        let keys: Vec<u64> = docs
            .iter()
            .zip(&texts)
            .map(|(d, t)| page_key(&d.title, t))
            .collect();
        let unreadable = [7, 150, 299];
        postings(Some(dir.path()), "ja", 1, &docs, &keys, &|i| {
            (!unreadable.contains(&i)).then(|| texts[i].clone())
        });
        let saved = load(&dir.path().join("ja.terms"), 1).unwrap();
        assert_eq!(saved.pages.len(), 297);
        let (bundle, asked) = through_saved(dir.path(), &docs, &texts);
        assert_eq!(
            (bundle == build(&docs, &|i| texts[i].clone()), asked),
            (true, 3)
        );
    }
}
