//! Rendered Markdown kept between builds, on disk under `<root>/.koho/bodies/`: a page whose
//! body text and render options are unchanged, and each of whose links the routes still
//! answer as before, takes its last HTML, headings and problems without being rendered (the
//! speed issue's "cache rendered pages by the hash of their inputs, on disk under the site
//! root"). The HTML stays in the file of the build that rendered it (`html_store`), so
//! reusing a page reads none of it.
//!
//! The folder holds `index.bin` (`koho-bodies 1`, a `Header` in postcard, then each body's
//! `Entry` with its `Payload` in postcard, then the XXH3-64 of all that,
//! `cache::append_checksum`) and `html-<pid>-<ns>.bin`, one file per build
//! that rendered something: its pages' HTML back to back. A build reuses pages from at most
//! `MAX_FILES` files and only from files at least half alive; the others' pages are rendered
//! again into its own file, and files no index names are removed when the index is saved.
//! Anything wrong with the folder only costs rendering: a missing, damaged or foreign index is
//! no index, a missing file is pages to render, and HTML changed in a file is found when it is
//! read (`HtmlStore::read`, which then removes the index).

use std::collections::HashSet;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::html_store::{HtmlStore, IndexFile, PageHtml, Whereabouts};
use crate::markdown::{Heading, Problem};

/// The first line of the index; a new layout gets a new number.
const MAGIC: &[u8] = b"koho-bodies 1\n";

/// Files a build reuses pages from, at most: a build that edits one page writes a small file,
/// and without a limit a long series of edits would open one file per build.
const MAX_FILES: usize = 8;

use super::markdown_cache::Resolution;

/// What the index keeps of one body besides its place: decoded from the last index's bytes
/// only for the bodies a build looks up, so that a build holds its entries' fixed fields and
/// those bytes (about 3 and 12 MB at 30,000 pages, until assembly ends) instead of every
/// payload's strings (about five times that).
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// The source file (as diagnostics name it) and the language the page is published in.
    source: PathBuf,
    lang: String,
    links: Vec<Resolution>,
    headings: Vec<Heading>,
    problems: Vec<Problem>,
}

/// One body of the index: `key` (of its source and language, `entry_key`), `body_key`
/// (`markdown_cache::body_key`), its HTML's place and hash, and where its `Payload` is in
/// the index's bytes.
#[derive(Debug, Clone)]
struct Entry {
    key: u64,
    body_key: u64,
    file: u32,
    offset: u64,
    len: u64,
    html_hash: u64,
    payload: Range<usize>,
}

/// The bytes of an entry before its payload: key, body key, file, offset, length, hash (all
/// little-endian), then the payload's length (u32).
const FIXED: usize = 8 + 8 + 4 + 8 + 8 + 8 + 4;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Header {
    /// What the HTML also depends on besides the text: this program (`koho::program_salt`).
    salt: u64,
    /// The HTML files' names, by number.
    files: Vec<String>,
}

/// A `Payload` read in place, its strings borrowed from the index's bytes: the links are only
/// compared, and copying each of them was most of the time decoding a saved body took (30 ms
/// of CPU in a one-release rebuild at 10,000 releases × 3 languages).
#[derive(Deserialize)]
struct PayloadRef<'a> {
    source: &'a str,
    lang: &'a str,
    #[serde(borrow)]
    links: Vec<ResolutionRef<'a>>,
    headings: Vec<Heading>,
    problems: Vec<Problem>,
}

/// A `Resolution` borrowed: the destination, its offset in the body and the answer.
pub(super) type ResolutionRef<'a> = (&'a str, usize, Result<&'a str, &'a str>);

/// A page's body found in the index, ready to reuse once its links are asked again.
pub(super) struct Reusable<'a> {
    entry: &'a Entry,
    payload: PayloadRef<'a>,
}

impl Reusable<'_> {
    /// The destinations to resolve again, each with the answer the page was rendered with.
    pub fn links(&self) -> &[ResolutionRef<'_>] {
        &self.payload.links
    }

    /// Its problems (each at an offset of the body: their messages need its text).
    pub fn problems(&self) -> &[Problem] {
        &self.payload.problems
    }
}

/// A body of this build, for the next index (`SavedBodies::save`).
pub(super) struct KeptBody {
    /// Its entry, its file numbered as the store numbers it.
    entry: Entry,
    /// Its payload when this build rendered it; else it is at `entry.payload` in the last index.
    payload: Option<Box<[u8]>>,
    whereabouts: Whereabouts,
}

/// The saved bodies of the last build, and those of this build to save.
pub struct SavedBodies {
    /// `index.bin` in `folder`, shared with the store (`html_store::IndexFile`).
    index: Arc<IndexFile>,
    folder: PathBuf,
    salt: u64,
    /// The last index's bytes, read whole to check it (empty without one): its entries'
    /// payloads are decoded from them as they are needed, and copied into the next index.
    last_index: Vec<u8>,
    /// The last build's bodies by `entry_key`, only those in files this build reuses.
    previous: FxHashMap<u64, Entry>,
    /// The reused files' names, by their number in the HTML store.
    earlier_names: Vec<String>,
    /// The name of this build's file.
    own_name: String,
    started: SystemTime,
}

/// The saved bodies under `folder` and an HTML store that writes to a new file there and
/// reads the reused files; `None` when the folder cannot be made or written (the caller
/// then uses a store without a name).
pub fn open(folder: &Path, salt: u64) -> Option<(SavedBodies, HtmlStore)> {
    let started = SystemTime::now();
    if !crate::cache::state_folder(folder) {
        return None;
    }
    let own_name = own_file_name(started);
    let mut store = HtmlStore::named(&folder.join(&own_name)).ok()?;
    let index = IndexFile::new(folder.join("index.bin"));
    store.set_earlier_index(Arc::clone(&index));
    let mut saved = SavedBodies {
        index,
        folder: folder.to_path_buf(),
        salt,
        last_index: Vec::new(),
        previous: FxHashMap::default(),
        earlier_names: Vec::new(),
        own_name,
        started,
    };
    if let Some((header, entries, bytes)) = read_index(saved.index.path()) {
        if header.salt == salt {
            saved.take_reusable(&header, entries, &mut store);
            saved.last_index = bytes;
        }
    }
    Some((saved, store))
}

/// `html-<pid>-<ns since the epoch>.bin`: two builds at once take different names.
fn own_file_name(started: SystemTime) -> String {
    let nanos = started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("html-{}-{nanos}.bin", std::process::id())
}

/// The index at `path`: its header, entries and bytes (checksum removed); `None` when missing,
/// damaged or of another layout.
fn read_index(path: &Path) -> Option<(Header, Vec<Entry>, Vec<u8>)> {
    let mut bytes = crate::cache::read_state_file(path)?;
    if !crate::cache::strip_checksum(&mut bytes) || !bytes.starts_with(MAGIC) {
        return None;
    }
    let mut at = MAGIC.len();
    let header_len = u32_at(&bytes, at)? as usize;
    at += 4;
    let header: Header = postcard::from_bytes(bytes.get(at..at.checked_add(header_len)?)?).ok()?;
    at += header_len;
    let mut entries = Vec::new();
    while at < bytes.len() {
        let (entry, next) = entry_at(&bytes, at)?;
        entries.push(entry);
        at = next;
    }
    Some((header, entries, bytes))
}

/// The entry at `at` of `bytes` (see `FIXED`) and where the next starts.
fn entry_at(bytes: &[u8], at: usize) -> Option<(Entry, usize)> {
    let fixed = bytes.get(at..at.checked_add(FIXED)?)?;
    let u64_at = |i: usize| fixed[i..i + 8].try_into().ok().map(u64::from_le_bytes);
    let payload_len = u32_at(fixed, 44)? as usize;
    let start = at + FIXED;
    let end = start
        .checked_add(payload_len)
        .filter(|&e| e <= bytes.len())?;
    let entry = Entry {
        key: u64_at(0)?,
        body_key: u64_at(8)?,
        file: u32_at(fixed, 16)?,
        offset: u64_at(20)?,
        len: u64_at(28)?,
        html_hash: u64_at(36)?,
        payload: start..end,
    };
    Some((entry, end))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let four = bytes.get(at..at.checked_add(4)?)?;
    four.try_into().ok().map(u32::from_le_bytes)
}

/// Writes `entry`'s fixed fields and `payload` (see `FIXED`).
fn write_entry(out: &mut IndexWriter, entry: &Entry, payload: &[u8]) -> std::io::Result<()> {
    let mut fixed = [0u8; FIXED];
    fixed[0..8].copy_from_slice(&entry.key.to_le_bytes());
    fixed[8..16].copy_from_slice(&entry.body_key.to_le_bytes());
    fixed[16..20].copy_from_slice(&entry.file.to_le_bytes());
    fixed[20..28].copy_from_slice(&entry.offset.to_le_bytes());
    fixed[28..36].copy_from_slice(&entry.len.to_le_bytes());
    fixed[36..44].copy_from_slice(&entry.html_hash.to_le_bytes());
    fixed[44..48].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    out.write_all(&fixed)?;
    out.write_all(payload)
}

/// The key of a page's entry: its source (as diagnostics name it) and language.
fn entry_key(source: &Path, lang: &str) -> u64 {
    let mut hasher = crate::digest::StableHasher::new();
    source.hash(&mut hasher);
    lang.hash(&mut hasher);
    hasher.finish()
}

impl SavedBodies {
    /// Keeps the entries of the files worth reusing (`reused_files`) that open and hold their
    /// bytes, numbered as `store` numbers them. An entry past the end of
    /// its file (the file was cut since: truncated by hand, a full disk) is left out, so its
    /// body is rendered again from its Markdown in this build; a build that found the cut only
    /// when reading the HTML back would have to fail and ask to be run again.
    fn take_reusable(&mut self, header: &Header, entries: Vec<Entry>, store: &mut HtmlStore) {
        let mut numbers: FxHashMap<u32, (u32, u64)> = FxHashMap::default();
        for file in reused_files(header.files.len(), &entries) {
            let name = &header.files[file as usize];
            let Some(opened) = open_html_file(&self.folder.join(name)) else {
                continue;
            };
            let Ok(size) = opened.metadata().map(|m| m.len()) else {
                continue;
            };
            numbers.insert(file, (store.add_earlier(opened), size));
            self.earlier_names.push(name.clone());
        }
        for mut entry in entries {
            let Some(&(number, size)) = numbers.get(&entry.file) else {
                continue;
            };
            if entry
                .offset
                .checked_add(entry.len)
                .is_some_and(|end| end <= size)
            {
                entry.file = number;
                self.previous.insert(entry.key, entry);
            }
        }
    }

    /// The last build's body of `source` in `lang` when its Markdown and options had the key
    /// `body_key`.
    pub(super) fn find(&self, source: &Path, lang: &str, body_key: u64) -> Option<Reusable<'_>> {
        let entry = self.previous.get(&entry_key(source, lang))?;
        if entry.body_key != body_key {
            return None;
        }
        let bytes = self.last_index.get(entry.payload.clone())?;
        let payload: PayloadRef = postcard::from_bytes(bytes).ok()?;
        let same_page = Path::new(payload.source) == source && payload.lang == lang;
        same_page.then_some(Reusable { entry, payload })
    }

    /// Takes `found` for this build: its HTML (in `store`), headings and problems, and what
    /// the next index keeps of it.
    pub(super) fn reuse(
        &self,
        found: Reusable,
        store: &HtmlStore,
    ) -> (PageHtml, Vec<Heading>, Vec<Problem>, Option<KeptBody>) {
        let e = found.entry;
        let html = store.earlier(e.file, e.offset, e.len, e.html_hash);
        let kept = kept(e.clone(), None, &html);
        (html, found.payload.headings, found.payload.problems, kept)
    }

    /// What the next index keeps of a body this build rendered: the links it asked for, its
    /// headings, its problems and where its HTML went (`None` when it is only in memory).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn rendered(
        &self,
        source: &Path,
        lang: &str,
        body_key: u64,
        links: Vec<Resolution>,
        headings: &[Heading],
        problems: &[Problem],
        html: &PageHtml,
    ) -> Option<KeptBody> {
        let payload = Payload {
            source: source.to_path_buf(),
            lang: lang.to_string(),
            links,
            headings: headings.to_vec(),
            problems: problems.to_vec(),
        };
        let bytes = postcard::to_stdvec(&payload).ok()?;
        let entry = Entry {
            key: entry_key(source, lang),
            body_key,
            file: 0,
            offset: 0,
            len: 0,
            html_hash: html.hash(),
            payload: 0..0,
        };
        kept(entry, Some(bytes.into_boxed_slice()), html)
    }

    /// Writes the index of this build's bodies, `kept` (in the pages' order), and removes the
    /// files it no longer names. Failing to write is not an error of the build: the next one
    /// renders more.
    pub(super) fn save(&self, kept: &[KeptBody]) {
        let (files, numbers) = self.files_named(kept);
        let header = Header {
            salt: self.salt,
            files,
        };
        let written = self.index.write(|path| {
            write_index(path, &header, |out| {
                for body in kept {
                    let mut entry = body.entry.clone();
                    (entry.file, entry.offset, entry.len) = match body.whereabouts {
                        Whereabouts::Own { offset, len } => (numbers.own, offset, len),
                        Whereabouts::Earlier { file, offset, len } => {
                            (numbers.earlier[file as usize], offset, len)
                        }
                        Whereabouts::Memory => continue,
                    };
                    let payload = match &body.payload {
                        Some(bytes) => Some(&bytes[..]),
                        None => self.last_index.get(body.entry.payload.clone()),
                    };
                    if let Some(payload) = payload {
                        write_entry(out, &entry, payload)?;
                    }
                }
                Ok(())
            })
        });
        match written {
            Ok(()) => {
                let named: HashSet<&str> = header.files.iter().map(String::as_str).collect();
                remove_unnamed_files(&self.folder, &named, self.started, &self.own_name);
            }
            // The old index may still name every other file; nothing names this build's.
            Err(_) => {
                let _ = std::fs::remove_file(self.folder.join(&self.own_name));
            }
        }
    }
}

/// The numbers of the files in the next index: of each earlier file (as the store numbers
/// it) and of this build's.
struct FileNumbers {
    earlier: Vec<u32>,
    own: u32,
}

impl SavedBodies {
    /// The files the next index names, those that hold a body of `kept` (a file whose every
    /// page was rendered anew is named no more, and goes), and their numbers there.
    fn files_named(&self, kept: &[KeptBody]) -> (Vec<String>, FileNumbers) {
        let mut used = vec![false; self.earlier_names.len()];
        let mut own_used = false;
        for body in kept {
            match body.whereabouts {
                Whereabouts::Own { .. } => own_used = true,
                Whereabouts::Earlier { file, .. } => used[file as usize] = true,
                Whereabouts::Memory => {}
            }
        }
        let mut files = Vec::new();
        let mut earlier = vec![u32::MAX; self.earlier_names.len()];
        for (number, name) in self.earlier_names.iter().enumerate() {
            if used[number] {
                earlier[number] = files.len() as u32;
                files.push(name.clone());
            }
        }
        let own = files.len() as u32;
        if own_used {
            files.push(self.own_name.clone());
        }
        (files, FileNumbers { earlier, own })
    }
}

/// What the next index keeps of a body whose HTML is `html`; `None` when it is only in memory.
fn kept(entry: Entry, payload: Option<Box<[u8]>>, html: &PageHtml) -> Option<KeptBody> {
    let whereabouts = html.whereabouts();
    (whereabouts != Whereabouts::Memory).then_some(KeptBody {
        entry,
        payload,
        whereabouts,
    })
}

/// The numbers of the files whose bodies a build reuses: those at least half alive (the others
/// are mostly HTML of pages edited since), the `MAX_FILES` with the most live bytes.
fn reused_files(file_count: usize, entries: &[Entry]) -> Vec<u32> {
    let mut live = vec![0u64; file_count];
    let mut end = vec![0u64; file_count];
    for body in entries {
        if let (Some(l), Some(e)) = (
            live.get_mut(body.file as usize),
            end.get_mut(body.file as usize),
        ) {
            *l += body.len;
            *e = (*e).max(body.offset + body.len);
        }
    }
    let mut files: Vec<u32> = (0..file_count as u32)
        .filter(|&f| live[f as usize] * 2 >= end[f as usize] && live[f as usize] > 0)
        .collect();
    files.sort_by_key(|&f| std::cmp::Reverse(live[f as usize]));
    files.truncate(MAX_FILES);
    files
}

/// An HTML file of an earlier build, opened for reading; `None` when it is missing or not a
/// regular file.
fn open_html_file(path: &Path) -> Option<File> {
    crate::cache::open_state_file(path)
}

/// The index being written, with its checksum (`cache::ChecksumWriter`).
type IndexWriter<'a> = crate::cache::ChecksumWriter<&'a mut std::io::BufWriter<File>>;

/// Writes the index: `MAGIC`, the header's length (u32) and bytes, the entries `entries`
/// writes, the checksum; streamed, since it is about 12 MB at 30,000 pages.
fn write_index(
    path: &Path,
    header: &Header,
    entries: impl FnOnce(&mut IndexWriter) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let header = postcard::to_stdvec(header).map_err(std::io::Error::other)?;
    // A folder in the index's place (made by hand) would refuse it for good.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(path)?;
    }
    crate::cache::replace_file(path, |out| {
        let mut out = crate::cache::ChecksumWriter::new(out);
        out.write_all(MAGIC)?;
        out.write_all(&(header.len() as u32).to_le_bytes())?;
        out.write_all(&header)?;
        entries(&mut out)?;
        out.finish()
    })
}

/// Removes the HTML files of `folder` that `named` does not list: this build's (`own`) and
/// those nobody changed since `started` (a build running beside this one may be writing to
/// the others).
fn remove_unnamed_files(folder: &Path, named: &HashSet<&str>, started: SystemTime, own: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with("html-") || !name.ends_with(".bin") || named.contains(name) {
            continue;
        }
        let before = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified <= started);
        if before || name == own {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::RenderOptions;

    fn entry(file: u32, offset: u64, len: u64) -> Entry {
        Entry {
            key: 0,
            body_key: 0,
            file,
            offset,
            len,
            html_hash: 0,
            payload: 0..0,
        }
    }

    #[test]
    fn a_saved_body_is_found_again_with_its_links_headings_and_problems() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("bodies");
        let key = crate::site::markdown_cache::body_key(
            crate::content::text_hash("# 見出し\n\n[a](b.md)"),
            &RenderOptions::default(),
        );
        let (saved, store) = open(&folder, 7).unwrap();
        let html = store.keep("<h1 id=\"見出し\">見出し</h1>".to_string());
        let heading = Heading {
            level: 1,
            id: "見出し".into(),
            text: "見出し".into(),
        };
        let links = vec![("b.md".to_string(), 12, Ok("/b/".to_string()))];
        let problem = Problem::warning(3, "a warning");
        let source = Path::new("content/a.md");
        let kept = saved.rendered(
            source,
            "ja",
            key,
            links.clone(),
            std::slice::from_ref(&heading),
            std::slice::from_ref(&problem),
            &html,
        );
        saved.save(&[kept.unwrap()]);
        drop(store);

        let (again, store) = open(&folder, 7).unwrap();
        assert!(again.find(source, "en", key).is_none(), "another language");
        assert!(again.find(source, "ja", key + 1).is_none(), "another text");
        let found = again.find(source, "ja", key).unwrap();
        let borrowed: Vec<ResolutionRef> = links
            .iter()
            .map(|(d, o, a)| (d.as_str(), *o, a.as_deref().map_err(String::as_str)))
            .collect();
        assert_eq!(found.links(), &borrowed[..]);
        let (html, headings, problems, kept) = again.reuse(found, &store);
        assert!(kept.is_some());
        assert_eq!(store.read(&html).unwrap(), "<h1 id=\"見出し\">見出し</h1>");
        assert_eq!((headings, problems), (vec![heading], vec![problem]));
        // Another program's index is no index.
        let (other, _store) = open(&folder, 8).unwrap();
        assert!(other.find(source, "ja", key).is_none());
    }

    #[test]
    fn files_mostly_dead_are_not_reused_and_at_most_eight_are() {
        // File 0: 100 bytes live of 1,000; file 1: all live.
        let entries = [entry(0, 900, 100), entry(1, 0, 50)];
        assert_eq!(reused_files(2, &entries), vec![1]);
        let many: Vec<Entry> = (0..12).map(|f| entry(f, 0, 10 + u64::from(f))).collect();
        let reused = reused_files(12, &many);
        assert_eq!(reused, vec![11, 10, 9, 8, 7, 6, 5, 4], "the largest first");
    }

    #[test]
    fn an_index_cut_anywhere_is_no_index() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("bodies");
        let (saved, store) = open(&folder, 1).unwrap();
        let html = store.keep("<p>a</p>".to_string());
        let kept = saved.rendered(Path::new("a.md"), "en", 5, Vec::new(), &[], &[], &html);
        saved.save(&[kept.unwrap()]);
        let index = folder.join("index.bin");
        let whole = std::fs::read(&index).unwrap();
        assert!(read_index(&index).is_some());
        for cut in 0..whole.len() {
            std::fs::write(&index, &whole[..cut]).unwrap();
            assert!(read_index(&index).is_none(), "cut at {cut}");
        }
    }
}
