//! Where the pages' body HTML waits between assembly and rendering: in memory, or in a file in
//! the site's state folder (`<root>/.koho/`), read back a page at a time. Every page's HTML is
//! needed again only when its page, a feed or the search index is made, and holding all of it
//! was the largest part of a build's memory (120 MB at 10,000 releases × 3 languages of 2–4 KB
//! of Markdown each). The file has no name, or a name that `saved_bodies` keeps for the next
//! builds, which read the HTML of unchanged pages from it (`HtmlStore::earlier`).

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A page's body HTML, as its page holds it: the text itself, or its place in the store's
/// file; with the XXH3-64 of its bytes either way (fingerprints and the search cache's key
/// hash it, and reading it back checks it).
#[derive(Debug, Clone)]
pub struct PageHtml {
    hash: u64,
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    /// Shared with the preview's Markdown cache, which keeps it for the next build.
    Held(Arc<str>),
    /// In this build's file.
    Stored { offset: u64, len: usize },
    /// In an earlier build's file (`HtmlStore::add_earlier` numbered it).
    Earlier { file: u32, offset: u64, len: usize },
}

/// Where a page's HTML is, for `saved_bodies` to find it again in a later build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whereabouts {
    /// Only in memory: nothing to save.
    Memory,
    /// At `offset`, `len` bytes, in this build's file.
    Own { offset: u64, len: u64 },
    /// In the earlier build's file numbered `file`.
    Earlier { file: u32, offset: u64, len: u64 },
}

impl PageHtml {
    /// The XXH3-64 of the HTML's bytes.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Where the HTML is.
    pub fn whereabouts(&self) -> Whereabouts {
        match self.place {
            Place::Held(_) => Whereabouts::Memory,
            Place::Stored { offset, len } => Whereabouts::Own {
                offset,
                len: len as u64,
            },
            Place::Earlier { file, offset, len } => Whereabouts::Earlier {
                file,
                offset,
                len: len as u64,
            },
        }
    }
}

/// Reading a page's HTML back failed: the disk failed, or the file was changed by someone
/// else during the build.
#[derive(Debug, thiserror::Error)]
#[error("could not read a page's HTML back from koho's file in `{}`: {reason}; build again (koho renders it anew)", .folder.display())]
pub struct ReadBackError {
    folder: PathBuf,
    reason: String,
}

/// The pages' HTML of one build: `keep` a page's HTML, `read` it back.
#[derive(Debug, Default)]
pub struct HtmlStore {
    file: Option<(File, PathBuf)>,
    /// Where the next page's HTML goes in the file.
    end: AtomicU64,
    /// Earlier builds' files holding the HTML of pages this build reuses, by number.
    earlier: Vec<File>,
    /// The index that names the earlier files (`saved_bodies`), removed when one of them turns
    /// out damaged, so that the next build renders every page anew instead of failing again.
    earlier_index: Option<Arc<IndexFile>>,
}

/// The saved bodies' index file, shared by the store, which removes it when an earlier file
/// turns out damaged, and by `saved_bodies`, which writes it anew on a background thread while
/// the store is read: whichever comes second, the next build never finds an index naming the
/// damaged file (removed first, it is not written again; written first, it is then removed).
#[derive(Debug)]
pub struct IndexFile {
    path: PathBuf,
    /// Whether an earlier file was found damaged; held while the index is written.
    damaged: Mutex<bool>,
}

impl IndexFile {
    pub fn new(path: PathBuf) -> Arc<IndexFile> {
        Arc::new(IndexFile {
            path,
            damaged: Mutex::new(false),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the index for good: an earlier file it names is damaged.
    fn forget(&self) {
        let mut damaged = self.damaged.lock().unwrap_or_else(|e| e.into_inner());
        *damaged = true;
        let _ = std::fs::remove_file(&self.path);
    }

    /// Calls `write` to write the index anew, unless it was forgotten (then `Ok` without a
    /// call: the next build renders every page).
    pub fn write(&self, write: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
        let damaged = self.damaged.lock().unwrap_or_else(|e| e.into_inner());
        match *damaged {
            true => Ok(()),
            false => write(&self.path),
        }
    }
}

impl HtmlStore {
    /// A store that holds every page's HTML in memory (the preview, tests).
    pub fn in_memory() -> Self {
        HtmlStore::default()
    }

    /// A store in a new file in `folder` (created if missing), removed from the folder at once
    /// so that nothing is left behind, whatever happens to the build; in memory when the file
    /// cannot be made (a read-only site, say).
    pub fn in_folder(folder: &Path) -> Self {
        match unnamed_file(folder) {
            Ok(file) => HtmlStore {
                file: Some((file, folder.to_path_buf())),
                ..HtmlStore::default()
            },
            Err(_) => HtmlStore::in_memory(),
        }
    }

    /// A store in a new file at `path` that stays after the build (`saved_bodies` names it in
    /// its index); an error when the file cannot be made or already exists.
    pub fn named(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        let folder = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(HtmlStore {
            file: Some((file, folder)),
            ..HtmlStore::default()
        })
    }

    /// Names the index that lists the earlier files (see `earlier_index`).
    pub fn set_earlier_index(&mut self, index: Arc<IndexFile>) {
        self.earlier_index = Some(index);
    }

    /// Adds an earlier build's file (opened for reading) and returns its number, for
    /// `earlier`.
    pub fn add_earlier(&mut self, file: File) -> u32 {
        self.earlier.push(file);
        (self.earlier.len() - 1) as u32
    }

    /// The HTML an earlier build wrote at `offset`, `len` bytes, in the file numbered `file`,
    /// with the XXH3-64 `hash` it had then (checked when it is read).
    pub fn earlier(&self, file: u32, offset: u64, len: u64, hash: u64) -> PageHtml {
        let place = Place::Earlier {
            file,
            offset,
            len: len as usize,
        };
        PageHtml { hash, place }
    }

    /// How many bytes of HTML this build wrote to its file.
    pub fn written(&self) -> u64 {
        self.end.load(Ordering::Relaxed)
    }

    /// Keeps `html`: writes it to the file (pages render on several threads at once; each
    /// takes its own range) or, without a file or when writing fails, holds it.
    pub fn keep(&self, html: String) -> PageHtml {
        let hash = xxhash_rust::xxh3::xxh3_64(html.as_bytes());
        self.stored(&html, hash).unwrap_or_else(|| PageHtml {
            hash,
            place: Place::Held(Arc::from(html)),
        })
    }

    /// Keeps `html`, whose XXH3-64 is `hash`, as `keep` does; held, it is shared, not
    /// copied (the preview's Markdown cache holds every body's HTML already: copying it
    /// was 135 MB a rebuild at 10,000 releases × 3 languages).
    pub fn keep_shared(&self, html: Arc<str>, hash: u64) -> PageHtml {
        self.stored(&html, hash).unwrap_or(PageHtml {
            hash,
            place: Place::Held(html),
        })
    }

    /// `html` written to the store's file, when it has one and writing succeeds.
    fn stored(&self, html: &str, hash: u64) -> Option<PageHtml> {
        let (file, _) = self.file.as_ref()?;
        let offset = self.end.fetch_add(html.len() as u64, Ordering::Relaxed);
        file.write_all_at(html.as_bytes(), offset).ok()?;
        let place = Place::Stored {
            offset,
            len: html.len(),
        };
        Some(PageHtml { hash, place })
    }

    /// The HTML `html` stands for: borrowed when held, else read from the file and checked
    /// against its hash.
    pub fn read<'a>(&self, html: &'a PageHtml) -> Result<Cow<'a, str>, ReadBackError> {
        let (own, offset, len) = match &html.place {
            Place::Held(text) => return Ok(Cow::Borrowed(&**text)),
            Place::Stored { offset, len } => (None, *offset, *len),
            Place::Earlier { file, offset, len } => (Some(*file as usize), *offset, *len),
        };
        let failure = |reason: &str| {
            if let (Some(_), Some(index)) = (own, &self.earlier_index) {
                index.forget();
            }
            self.read_back_error(reason)
        };
        let file = match own {
            None => self.file.as_ref().map(|(file, _)| file),
            Some(number) => self.earlier.get(number),
        };
        let Some(file) = file else {
            return Err(failure("the store has no such file"));
        };
        let mut bytes = vec![0; len];
        file.read_exact_at(&mut bytes, offset)
            .map_err(|e| failure(&e.to_string()))?;
        if xxhash_rust::xxh3::xxh3_64(&bytes) != html.hash {
            return Err(failure("it was changed by something other than koho"));
        }
        String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| failure("it is not UTF-8"))
    }

    fn read_back_error(&self, reason: &str) -> ReadBackError {
        let folder = self.file.as_ref().map(|(_, folder)| folder.clone());
        ReadBackError {
            folder: folder.unwrap_or_else(|| PathBuf::from(".koho")),
            reason: reason.to_string(),
        }
    }
}

/// The start and end of the names the store's files have for an instant.
const NAME_PREFIX: &str = "pages-html-";
const NAME_SUFFIX: &str = ".tmp";

/// A new file in `folder`, opened for reading and writing, its name already removed. Names a
/// build killed at that instant left, or that a folder refusing removals kept, are removed
/// first (a build that meets its own name gone keeps its HTML in memory).
fn unnamed_file(folder: &Path) -> std::io::Result<File> {
    std::fs::create_dir_all(folder)?;
    for entry in std::fs::read_dir(folder)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(NAME_PREFIX) && name.ends_with(NAME_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    // Two builds of one site at once (two processes, or two threads of one) take different
    // names; the name lives only until the next line but one.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = folder.join(format!(
        "{NAME_PREFIX}{}-{nanos}{NAME_SUFFIX}",
        std::process::id()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&name)?;
    if let Err(e) = std::fs::remove_file(&name) {
        // A folder that refuses removals (`chattr +a`): no file is better than a named one.
        drop(file);
        let _ = std::fs::remove_file(&name);
        return Err(e);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_forgotten_for_damage_is_not_written_again_and_one_written_first_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.bin");
        let write = |p: &Path| std::fs::write(p, "index");
        // Written (on the background thread), then a damaged file is found: removed.
        let index = IndexFile::new(path.clone());
        index.write(write).unwrap();
        assert!(path.exists());
        index.forget();
        assert!(!path.exists());
        // Damage found first: the save that comes later writes nothing.
        let index = IndexFile::new(path.clone());
        index.forget();
        index.write(write).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn html_comes_back_from_the_file_and_from_memory() {
        let dir = tempfile::tempdir().unwrap();
        let store = HtmlStore::in_folder(&dir.path().join(".koho"));
        assert!(store.file.is_some());
        let a = store.keep("<p>日本語</p>".to_string());
        let b = store.keep("<p>b</p>".to_string());
        assert_eq!(store.read(&a).unwrap(), "<p>日本語</p>");
        assert_eq!(store.read(&b).unwrap(), "<p>b</p>");
        assert_eq!(
            std::fs::read_dir(dir.path().join(".koho")).unwrap().count(),
            0,
            "the file has no name"
        );
        let memory = HtmlStore::in_memory();
        let c = memory.keep("<p>c</p>".to_string());
        assert_eq!(memory.read(&c).unwrap(), "<p>c</p>");
        assert_eq!(c.hash(), xxhash_rust::xxh3::xxh3_64(b"<p>c</p>"));
    }

    #[test]
    fn html_kept_shared_in_memory_is_the_same_text_not_a_copy() {
        let memory = HtmlStore::in_memory();
        let html: Arc<str> = Arc::from("<p>共有</p>");
        let kept = memory.keep_shared(Arc::clone(&html), 7);
        assert_eq!(kept.hash(), 7);
        let read = memory.read(&kept).unwrap();
        assert!(std::ptr::eq(read.as_ptr(), html.as_ptr()), "copied");
        // With a file, it is written there as `keep` writes.
        let dir = tempfile::tempdir().unwrap();
        let store = HtmlStore::in_folder(dir.path());
        let stored = store.keep_shared(html, 7);
        assert_eq!(
            stored.whereabouts(),
            Whereabouts::Own { offset: 0, len: 13 }
        );
    }

    #[test]
    fn html_changed_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = HtmlStore::in_folder(dir.path());
        let a = store.keep("<p>a</p>".to_string());
        let (file, _) = store.file.as_ref().unwrap();
        file.write_all_at(b"<p>b</p>", 0).unwrap();
        let error = store.read(&a).unwrap_err().to_string();
        assert!(error.contains("changed by something other"), "{error}");
    }

    #[test]
    fn names_left_by_a_killed_build_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join("pages-html-99999-1796089176997496554.tmp");
        let other = dir.path().join("documents.bin");
        std::fs::write(&left, "stale").unwrap();
        std::fs::write(&other, "kept").unwrap();
        let store = HtmlStore::in_folder(dir.path());
        assert!(store.file.is_some());
        assert!(!left.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_folder_that_cannot_be_made_keeps_the_html_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let store = HtmlStore::in_folder(&blocker.join(".koho"));
        let a = store.keep("<p>a</p>".to_string());
        assert_eq!(store.read(&a).unwrap(), "<p>a</p>");
    }
}
