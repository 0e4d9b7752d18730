//! Content: reading content/ into documents (front matter checked, Markdown not yet rendered).

mod body;
pub mod date;
pub mod downloads;
pub mod front_matter;
mod listing_file;
pub mod saved_documents;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub use body::{text_hash, MarkdownBody, TextHashes};
pub use date::Date;
pub use front_matter::{FrontMatter, SortBy};
pub use source::{AssetSource, DocKind, MarkdownSource};

use crate::cache::Stamp;
use crate::config::SiteConfig;
use crate::error::Diagnostic;

/// One Markdown file, read and checked.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: MarkdownSource,
    pub front: FrontMatter,
    pub body: MarkdownBody,
    /// The line of the file where the body starts, to report Markdown errors at the right line.
    pub body_line: usize,
}

/// Everything under content/, read.
#[derive(Debug, Default)]
pub struct Content {
    pub documents: Vec<Document>,
    pub assets: Vec<AssetSource>,
    /// Files that could not be read or parsed (their errors are reported): later stages still
    /// know they exist, so that links to them are not reported as broken too.
    pub failed: Vec<MarkdownSource>,
    /// The documents left out because they are drafts (`draft = true`; empty with `--drafts`),
    /// so that later stages can say "is a draft" rather than "does not exist".
    pub drafts: Vec<MarkdownSource>,
}

/// What the translation status (`status::collect`) needs of one content file, kept by
/// `koho check` when the documents themselves go to the site.
#[derive(Debug, Clone)]
pub struct Inventoried {
    pub source: MarkdownSource,
    /// `draft = true` in its front matter.
    pub draft: bool,
    /// The blob id its front matter records as the source version it translates.
    pub translated_from: Option<String>,
    /// False when the file could not be read or parsed (its errors are reported).
    pub read: bool,
}

impl Content {
    /// Every file of the content, read or not, drafts included (as drafts whether they were
    /// loaded, with `--drafts`, or left out): what `status::collect` takes.
    pub fn inventory(&self) -> Vec<Inventoried> {
        let read = self.documents.iter().map(|d| Inventoried {
            source: d.source.clone(),
            draft: d.front.draft,
            translated_from: d.front.translated_from.clone(),
            read: true,
        });
        let drafts = self.drafts.iter().map(|source| Inventoried {
            source: source.clone(),
            draft: true,
            translated_from: None,
            read: true,
        });
        let failed = self.failed.iter().map(|source| Inventoried {
            source: source.clone(),
            draft: false,
            translated_from: None,
            read: false,
        });
        read.chain(drafts).chain(failed).collect()
    }

    /// Whether `key` names a page or section that exists only as drafts (no published version
    /// in any language).
    pub fn is_draft(&self, key: &str) -> bool {
        self.drafts.iter().any(|s| s.key == key)
            && !self.documents.iter().any(|d| d.source.key == key)
    }
}

/// A file that could not be read, with why.
type ReadFailure = Box<(MarkdownSource, Vec<Diagnostic>)>;

/// Whether a source's body keeps its text once parsed (`Texts`, `keeps_text`).
type KeepText<'a> = &'a (dyn Fn(&MarkdownSource) -> bool + Sync);

/// Reads every file of content/ (in parallel) and reports every problem found, not only the first.
/// Only fragments and books keep their bodies' text (`Texts::Needed`); `read_bodies` reads
/// the others when a caller needs them.
pub fn load(config: &SiteConfig, include_drafts: bool) -> (Content, Vec<Diagnostic>) {
    load_cached(config, include_drafts, None, Listing::Walk, Texts::Needed)
}

/// Which bodies loading keeps in memory once their front matter is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Texts {
    /// Every body (the preview's cache, the PDF editions, callers that read the bodies).
    All,
    /// Only the bodies read before rendering pages (`keeps_text`: fragments and books); the
    /// others are left unread with their hashes and read again when their page is rendered
    /// (`MarkdownBody::read`), so that a build never holds every text at once (about 100 MB
    /// at 10,000 releases × 3 languages, most of a fresh build's peak memory).
    Needed,
}

/// Whether assembly needs `source`'s body before rendering pages: fragments (rendered first,
/// shown on many pages) and the pages of `books` (their EPUB checks quote the Markdown).
pub fn keeps_text(books: &[String], source: &MarkdownSource) -> bool {
    source.kind == DocKind::Fragment || in_book(books, &source.key)
}

/// Whether `key` is one of the `books`' sections or below one.
pub fn in_book(books: &[String], key: &str) -> bool {
    books.iter().any(|book| {
        key.strip_prefix(book.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Where `load_cached` takes the listing of content/ (its Markdown files and assets) from.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// Walk content/ (and keep the listing in the cache, when there is one).
    Walk,
    /// The cache's last listing still holds: the caller knows that no file or folder of
    /// content/ was created, removed or renamed since the cache's last load and site.toml is
    /// unchanged (the preview's file watcher saw only writes).
    Unchanged,
    /// A one-off build: the listing the last successful build saved in `file`, used when
    /// `current` (the build record shows no folder under content/ and not site.toml changed
    /// since, `uptodate::Check::listing_current`); otherwise content/ is walked and the
    /// listing saved there for the next build.
    Saved {
        file: &'a std::path::Path,
        current: bool,
        /// Where the parsed sources are kept between builds (`saved_documents`).
        documents: &'a std::path::Path,
        /// This koho's `program_salt`: documents saved by another are parsed again.
        salt: u64,
        /// The files' stamps taken by the up-to-date check, by path relative to the site root
        /// (`content/releases/x/index.ja.md`); a file not in it is stamped when read.
        stamps: &'a rustc_hash::FxHashMap<&'a str, Stamp>,
    },
}

/// Documents read by earlier builds of the same process (the preview): path → the file's
/// stamp when read, and the document. A file whose stamp is unchanged is not read again.
#[derive(Default)]
pub struct DocumentCache {
    entries: Mutex<HashMap<PathBuf, (Stamp, Arc<Document>)>>,
    /// The last listing of content/ and its diagnostics.
    listing: Mutex<Option<(source::Sources, Vec<Diagnostic>)>>,
}

impl DocumentCache {
    fn get(&self, source: &MarkdownSource) -> Option<Document> {
        let stamp = Stamp::read(&source.path).ok()?;
        let (cached, document) = self.entries.lock().ok()?.get(&source.path)?.clone();
        (cached == stamp && document.source == *source).then(|| (*document).clone())
    }

    /// Forgets the documents whose file is no longer listed (`results` are this load's).
    fn forget_missing(&self, results: &[Result<Document, ReadFailure>]) {
        let present: HashSet<&PathBuf> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|d| &d.source.path))
            .collect();
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|path, _| present.contains(path));
        }
    }

    /// Whether the last listing of content/ (`content_dir`) still holds after changes at
    /// `changed` (absolute paths a file watcher reported): true when every path is hidden (a
    /// dot-name, never listed), or a listed file that is still a file (written, or replaced by an
    /// editor's rename), or a file that was not listed and is gone again (a temporary file).
    /// A listed folder, a new file or folder, or a listed file that is gone: false.
    pub fn listing_survives(&self, content_dir: &std::path::Path, changed: &[PathBuf]) -> bool {
        let Ok(listing) = self.listing.lock() else {
            return false;
        };
        let Some((sources, _)) = listing.as_ref() else {
            return false;
        };
        let listed: Vec<&std::path::Path> = sources
            .markdown
            .iter()
            .map(|s| s.path.as_path())
            .chain(sources.assets.iter().map(|a| a.path.as_path()))
            .collect();
        changed.iter().all(|path| {
            let Ok(relative) = path.strip_prefix(content_dir) else {
                return true;
            };
            let hidden = relative
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
            if hidden {
                return true;
            }
            let was_listed = listed.contains(&path.as_path());
            let was_folder = listed
                .iter()
                .any(|l| l.starts_with(path) && *l != path.as_path());
            let is_file = path.symlink_metadata().is_ok_and(|m| m.is_file());
            let exists = path.symlink_metadata().is_ok();
            !was_folder && ((was_listed && is_file) || (!was_listed && !exists))
        })
    }
}

/// `load`, reusing and refilling `cache` when given, with the listing of content/ from
/// `listing`.
pub fn load_cached(
    config: &SiteConfig,
    include_drafts: bool,
    cache: Option<&DocumentCache>,
    listing: Listing,
    texts: Texts,
) -> (Content, Vec<Diagnostic>) {
    let keep = |source: &MarkdownSource| texts == Texts::All || keeps_text(&config.books, source);
    let listing_unchanged = matches!(listing, Listing::Unchanged);
    // The saved documents are decoded while the listing is read (each about 10 ms of a
    // one-release rebuild at 10,000 releases).
    let ((sources, mut errors), saved) = rayon::join(
        || list(config, cache, listing),
        || match listing {
            Listing::Saved {
                documents, salt, ..
            } => Some(saved_documents::SavedDocuments::load(documents, salt)),
            _ => None,
        },
    );
    let results: Vec<Result<Document, ReadFailure>> = match (listing, saved) {
        (
            Listing::Saved {
                documents,
                salt,
                stamps,
                ..
            },
            Some(saved),
        ) => read_with_saved(sources.markdown, saved, (documents, salt), stamps, &keep),
        _ => {
            let read = || {
                let sources = sources.markdown.into_par_iter();
                sources
                    .map(|source| read_through(cache, source, &keep))
                    .collect()
            };
            // Every source read: on the I/O threads, since with a cold page cache two
            // readers left the disk idle. A rebuild's reads (above) are few and mostly
            // decoding of saved documents, and the preview's (`cache`) mostly stamps of
            // cached files: neither gains from threads that wait.
            match cache {
                None => crate::io_threads::on_io_threads(read),
                Some(_) => read(),
            }
        }
    };
    if let Some(cache) = cache.filter(|_| !listing_unchanged) {
        cache.forget_missing(&results);
    }
    let mut failed = Vec::new();
    // Collected in place (the results' buffer becomes the documents'), and drafts taken out in
    // place: at 30,000 documents each copy of the list was 11 MB at the build's peak.
    let mut documents: Vec<Document> = results
        .into_iter()
        .filter_map(|result| match result {
            Ok(doc) => Some(doc),
            Err(failure) => {
                let (source, e) = *failure;
                errors.extend(e);
                failed.push(source);
                None
            }
        })
        .collect();
    errors.extend(find_duplicates(&documents));
    let mut assets = sources.assets;
    let mut drafts = Vec::new();
    if !include_drafts {
        drafts = documents
            .extract_if(.., |doc| doc.front.draft)
            .map(|doc| doc.source)
            .collect();
        leave_out_draft_assets(&mut assets, &documents, &drafts);
    }
    let content = Content {
        documents,
        assets,
        failed,
        drafts,
    };
    (content, errors)
}

/// The document at `source`, from `cache` when its file is unchanged, else read (and put in
/// `cache`).
fn read_through(
    cache: Option<&DocumentCache>,
    source: MarkdownSource,
    keep: KeepText,
) -> Result<Document, ReadFailure> {
    let Some(cache) = cache else {
        return read_document(source.clone(), keep).map_err(|e| Box::new((source, e)));
    };
    if let Some(document) = cache.get(&source) {
        return Ok(document);
    }
    // The stamp is taken before reading: a write during the read is seen next time.
    let stamp = Stamp::read(&source.path).ok();
    let document = read_document(source.clone(), keep).map_err(|e| Box::new((source, e)))?;
    if let (Some(stamp), Ok(mut entries)) = (stamp, cache.entries.lock()) {
        entries.insert(
            document.source.path.clone(),
            (stamp, Arc::new(document.clone())),
        );
    }
    Ok(document)
}

/// Files attached only to draft documents are published only with `--drafts`, like their page.
fn leave_out_draft_assets(
    assets: &mut Vec<AssetSource>,
    published: &[Document],
    drafts: &[MarkdownSource],
) {
    if drafts.is_empty() {
        return;
    }
    let published = bundle_dirs(published.iter().map(|d| &d.source));
    let draft_bundles = bundle_dirs(drafts.iter());
    assets.retain(|asset| !belongs_to_draft(&asset.dir, &published, &draft_bundles));
}

/// The bundle folders (of sections and `index` pages) of `sources`.
fn bundle_dirs<'a>(sources: impl Iterator<Item = &'a MarkdownSource>) -> HashSet<&'a str> {
    sources.filter_map(|s| s.bundle_dir.as_deref()).collect()
}

/// Whether a file of the content folder `dir` is attached to a draft: the nearest bundle folder
/// holding it (its own folder or the closest one above, `releases/x` for
/// `releases/x/press/embargo.pdf`) belongs to draft documents only. Such files are published
/// only with `--drafts`, like their page.
fn belongs_to_draft(dir: &str, published: &HashSet<&str>, drafts: &HashSet<&str>) -> bool {
    let mut folder = Some(dir);
    while let Some(current) = folder {
        if published.contains(current) {
            return false;
        }
        if drafts.contains(current) {
            return true;
        }
        folder = match current {
            "" => None,
            _ => Some(current.rsplit_once('/').map_or("", |(parent, _)| parent)),
        };
    }
    false
}

/// The Markdown files and assets of content/: walked, the cache's last listing or the saved
/// one (see `Listing`).
fn list(
    config: &SiteConfig,
    cache: Option<&DocumentCache>,
    listing: Listing,
) -> (source::Sources, Vec<Diagnostic>) {
    if let Listing::Saved { file, current, .. } = listing {
        return listing_file::read_or_discover(config, file, current);
    }
    let Some(cache) = cache else {
        return source::discover(config);
    };
    if matches!(listing, Listing::Unchanged) {
        if let Some(last) = cache.listing.lock().ok().and_then(|l| l.clone()) {
            return last;
        }
    }
    let listing = source::discover(config);
    if let Ok(mut last) = cache.listing.lock() {
        *last = Some(listing.clone());
    }
    listing
}

/// Every source read, each from the documents `saved` in `file` when its stamp is the saved one
/// (`saved_documents`: its body then stays unread), else from its file; the documents are saved
/// again when enough of them changed (`saved_documents::worth_saving_again`).
fn read_with_saved(
    sources: Vec<MarkdownSource>,
    saved: saved_documents::SavedDocuments,
    (file, salt): (&std::path::Path, u64),
    stamps: &rustc_hash::FxHashMap<&str, Stamp>,
    keep: KeepText,
) -> Vec<Result<Document, ReadFailure>> {
    let read: Vec<(Result<Document, ReadFailure>, Option<Stamp>)> = sources
        .into_par_iter()
        .map(|source| read_source(&saved, stamps, source, keep))
        .collect();
    let parsed_now = read
        .iter()
        .filter(|(doc, stamp)| stamp.is_some() && doc.as_ref().is_ok_and(|d| d.body.is_read()))
        .count();
    let kept = read.iter().filter(|(_, stamp)| stamp.is_some()).count();
    let dropped = saved.len().saturating_sub(kept - parsed_now);
    let saved_count = saved.len();
    drop(saved);
    if saved_documents::worth_saving_again(saved_count, kept, parsed_now + dropped) {
        let documents = read.iter().filter_map(|(document, stamp)| {
            let doc = document.as_ref().ok()?;
            let path = doc.source.path.as_path();
            Some((path, (*stamp)?, &doc.front, &doc.body, doc.body_line))
        });
        saved_documents::save(file, salt, documents);
    }
    read.into_iter().map(|(document, _)| document).collect()
}

/// One source: its saved document when the file's stamp (`stamps`, else read now) is the saved
/// one, else read and parsed; with the stamp, when there is one, to save it under.
fn read_source(
    saved: &saved_documents::SavedDocuments,
    stamps: &rustc_hash::FxHashMap<&str, Stamp>,
    source: MarkdownSource,
    keep: KeepText,
) -> (Result<Document, ReadFailure>, Option<Stamp>) {
    // The stamp is taken before reading: a write during the read is seen next time.
    let recorded = source
        .display_path
        .to_str()
        .and_then(|path| stamps.get(path).copied());
    let stamp = recorded.or_else(|| Stamp::read(&source.path).ok());
    if let Some(found) = stamp.and_then(|stamp| saved.get(&source.path, stamp)) {
        let document = Document {
            source,
            front: found.front,
            body: found.body,
            body_line: found.body_line,
        };
        return (Ok(document), stamp);
    }
    match read_document(source.clone(), keep) {
        Ok(document) => (Ok(document), stamp),
        Err(e) => (Err(Box::new((source, e))), None),
    }
}

/// Reads the bodies of the `documents` that are `needed` and were left unread
/// (`saved_documents`), in parallel; a file that cannot be read, or changed since it was
/// parsed, is an error (`MarkdownBody::read`).
pub fn read_bodies(
    documents: &mut [Document],
    needed: impl Fn(&Document) -> bool + Sync,
) -> Vec<Diagnostic> {
    documents
        .par_iter_mut()
        .filter(|doc| !doc.body.is_read() && needed(doc))
        .filter_map(|doc| match doc.body.read(&doc.source) {
            Ok(body) => {
                doc.body = body;
                None
            }
            Err(e) => Some(e),
        })
        .collect()
}

/// The document at `source`, its body's text dropped once parsed unless `keep` says so.
fn read_document(source: MarkdownSource, keep: KeepText) -> Result<Document, Vec<Diagnostic>> {
    let text = crate::text::read_text(&source.path, &source.display_path).map_err(|e| vec![e])?;
    let mut document = parse_document(source, text)?;
    if !keep(&document.source) {
        document.body = document.body.without_text();
    }
    Ok(document)
}

/// The document of `source` whose file holds `text`.
fn parse_document(source: MarkdownSource, text: String) -> Result<Document, Vec<Diagnostic>> {
    let parsed = front_matter::parse(&source.display_path, &text, source.kind == DocKind::Section)?;
    Ok(Document {
        source,
        front: parsed.front,
        body: MarkdownBody::new(text, parsed.body_start),
        body_line: parsed.body_line,
    })
}

/// Two files that are the same document in the same language (`a.ja.md` and `a/index.ja.md`).
fn find_duplicates(documents: &[Document]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<(DocKind, &str, &str), &PathBuf> = BTreeMap::new();
    let mut errors = Vec::new();
    for doc in documents {
        let s = &doc.source;
        if let Some(first) = seen.insert((s.kind, &s.key, &s.lang), &s.display_path) {
            errors.push(
                Diagnostic::in_file(
                    &s.display_path,
                    format!(
                        "this file and `{}` are both the `{}` version of the same page",
                        first.display(),
                        s.lang
                    ),
                )
                .with_help("remove or rename one of them"),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(root: &std::path::Path) -> SiteConfig {
        std::fs::write(
            root.join("site.toml"),
            "base_url = \"https://example.org/\"\ndefault_language = \"ja\"\ntheme = \"t\"\n\n\
             [languages.ja]\nname = \"日本語\"\ntag = \"ja\"\n",
        )
        .unwrap();
        crate::config::load(root, None).unwrap()
    }

    /// Loads content/ as a one-off build does, with the documents saved in `file`.
    fn load_saved(config: &SiteConfig, file: &std::path::Path) -> Content {
        let listing = Listing::Saved {
            file: &config.root.join("listing.bin"),
            current: false,
            documents: file,
            salt: 1,
            stamps: &rustc_hash::FxHashMap::default(),
        };
        let (content, errors) = load_cached(config, false, None, listing, Texts::All);
        assert!(errors.is_empty(), "{errors:?}");
        content
    }

    fn body_of<'a>(content: &'a Content, key: &str) -> &'a MarkdownBody {
        let doc = content.documents.iter().find(|d| d.source.key == key);
        &doc.unwrap().body
    }

    #[test]
    fn an_unchanged_source_is_not_read_again_until_its_body_is_needed() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let content_dir = dir.path().join("content");
        std::fs::create_dir_all(&content_dir).unwrap();
        std::fs::write(
            content_dir.join("_index.ja.md"),
            "+++\ntitle = \"ホーム\"\n+++\n本文\n",
        )
        .unwrap();
        std::fs::write(
            content_dir.join("a.ja.md"),
            "+++\ntitle = \"防護服\"\n+++\nマスク\n",
        )
        .unwrap();
        let file = dir.path().join("documents.bin");
        let first = load_saved(&config, &file);
        assert_eq!(body_of(&first, "a").text(), Some("マスク\n"));
        let mut second = load_saved(&config, &file);
        assert_eq!(body_of(&second, "a").text(), None, "not read");
        assert_eq!(
            body_of(&second, "a").hashes(),
            body_of(&first, "a").hashes()
        );
        let titles: Vec<&str> = second
            .documents
            .iter()
            .map(|d| d.front.title.as_str())
            .collect();
        assert!(titles.contains(&"防護服"), "{titles:?}");
        std::fs::write(
            content_dir.join("a.ja.md"),
            "+++\ntitle = \"防護服\"\n+++\n手袋\n",
        )
        .unwrap();
        let third = load_saved(&config, &file);
        assert_eq!(body_of(&third, "a").text(), Some("手袋\n"), "edited: read");
        assert_eq!(body_of(&third, "").text(), None);
        // The second load's unread body, asked for now, is the file as it is: refused.
        let errors = read_bodies(&mut second.documents, |doc| doc.source.key == "a");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0]
            .to_string()
            .contains("changed while koho was building"));
        let errors = read_bodies(&mut second.documents, |_| true);
        assert_eq!(errors.len(), 1, "a is still refused: {errors:?}");
        assert_eq!(body_of(&second, "").text(), Some("本文\n"));
    }

    #[test]
    fn a_build_keeps_only_the_texts_it_needs_before_rendering_pages() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path());
        config.books = vec!["handbook".to_string()];
        let content_dir = dir.path().join("content");
        for folder in ["_fragments", "handbook/ch1", "releases"] {
            std::fs::create_dir_all(content_dir.join(folder)).unwrap();
        }
        let files = [
            ("_index.ja.md", "本文"),
            ("_fragments/contact.ja.md", "連絡先"),
            ("handbook/_index.ja.md", "手引き"),
            ("handbook/ch1/index.ja.md", "第一章"),
            ("releases/_index.ja.md", "一覧"),
            ("releases/masks.ja.md", "マスク"),
        ];
        for (path, body) in files {
            let text = format!("+++\ntitle = \"t\"\n+++\n{body}\n");
            std::fs::write(content_dir.join(path), text).unwrap();
        }
        let (mut content, errors) = load_cached(&config, false, None, Listing::Walk, Texts::Needed);
        assert!(errors.is_empty(), "{errors:?}");
        let read: Vec<&str> = content
            .documents
            .iter()
            .filter(|d| d.body.is_read())
            .map(|d| d.source.key.as_str())
            .collect();
        assert_eq!(read.len(), 3, "{read:?}");
        for key in ["contact", "handbook", "handbook/ch1"] {
            assert!(read.iter().any(|k| k.ends_with(key)), "{key} in {read:?}");
        }
        // The others are read again, and checked, when their page is rendered: a file
        // changed since it was parsed is refused, not published half old, half new.
        let (mut changed, _) = load_cached(&config, false, None, Listing::Walk, Texts::Needed);
        std::fs::write(
            content_dir.join("releases/masks.ja.md"),
            "+++\ntitle = \"t\"\n+++\n防護服\n",
        )
        .unwrap();
        let errors = read_bodies(&mut changed.documents, |_| true);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = errors[0].to_string();
        assert!(message.contains("releases/masks.ja.md"), "{message}");
        assert!(
            message.contains("changed while koho was building"),
            "{message}"
        );
        assert!(read_bodies(&mut content.documents, |d| d.source.key.is_empty()).is_empty());
        assert_eq!(body_of(&content, "").text(), Some("本文\n"));
    }
}
