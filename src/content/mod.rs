//! Content: reading content/ into documents (front matter checked, Markdown not yet rendered).

mod body;
pub mod date;
pub mod downloads;
pub mod front_matter;
mod listing_file;
pub mod saved_texts;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub use body::{MarkdownBody, SharedText};
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

impl Content {
    /// Whether `key` names a page or section that exists only as drafts (no published version
    /// in any language).
    pub fn is_draft(&self, key: &str) -> bool {
        self.drafts.iter().any(|s| s.key == key)
            && !self.documents.iter().any(|d| d.source.key == key)
    }
}

/// A file that could not be read, with why.
type ReadFailure = Box<(MarkdownSource, Vec<Diagnostic>)>;

/// Reads every file of content/ (in parallel) and reports every problem found, not only the first.
pub fn load(config: &SiteConfig, include_drafts: bool) -> (Content, Vec<Diagnostic>) {
    load_cached(config, include_drafts, None, Listing::Walk)
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
        /// Where the texts of the sources are kept between builds (`saved_texts`).
        texts: &'a std::path::Path,
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
) -> (Content, Vec<Diagnostic>) {
    let listing_unchanged = matches!(listing, Listing::Unchanged);
    let (sources, mut errors) = list(config, cache, listing);
    let results: Vec<Result<Document, ReadFailure>> = match listing {
        Listing::Saved { texts, stamps, .. } => read_with_saved(sources.markdown, texts, stamps),
        _ => sources
            .markdown
            .into_par_iter()
            .map(|source| read_through(cache, source))
            .collect(),
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
) -> Result<Document, ReadFailure> {
    let Some(cache) = cache else {
        return read_document(source.clone()).map_err(|e| Box::new((source, e)));
    };
    if let Some(document) = cache.get(&source) {
        return Ok(document);
    }
    // The stamp is taken before reading: a write during the read is seen next time.
    let stamp = Stamp::read(&source.path).ok();
    let document = read_document(source.clone()).map_err(|e| Box::new((source, e)))?;
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

/// A source's text for `saved_texts::save`: its path, its stamp, the text (shared with the
/// document), and whether it was read from the file (not taken from the saved texts).
struct TextToSave {
    path: PathBuf,
    stamp: Stamp,
    text: SharedText,
    read_from_file: bool,
}

/// Every source read, each from the texts saved in `file` when its stamp is the saved one
/// (`saved_texts`), else from its file; the texts are saved again when enough of them changed
/// (`saved_texts::worth_saving_again`).
fn read_with_saved(
    sources: Vec<MarkdownSource>,
    file: &std::path::Path,
    stamps: &rustc_hash::FxHashMap<&str, Stamp>,
) -> Vec<Result<Document, ReadFailure>> {
    let saved = saved_texts::SavedTexts::load(file);
    let read: Vec<(Result<Document, ReadFailure>, Option<TextToSave>)> = sources
        .into_par_iter()
        .map(|source| read_source(&saved, stamps, source))
        .collect();
    let from_files = read
        .iter()
        .filter(|(_, text)| text.as_ref().is_some_and(|t| t.read_from_file))
        .count();
    let kept = read.iter().filter(|(_, text)| text.is_some()).count();
    let dropped = saved.len().saturating_sub(kept - from_files);
    // The saved texts the documents did not take are freed before writing anew.
    let saved_count = saved.len();
    drop(saved);
    if saved_texts::worth_saving_again(saved_count, kept, from_files + dropped) {
        let texts = read.iter().filter_map(|(_, text)| text.as_ref());
        saved_texts::save(file, texts.map(|t| (t.path.as_path(), t.stamp, &*t.text)));
    }
    read.into_iter().map(|(document, _)| document).collect()
}

/// One source: its text from `saved` when the file's stamp (`stamps`, else read now) is the
/// saved one, else read from the file; with the text to save for the next build.
fn read_source(
    saved: &saved_texts::SavedTexts,
    stamps: &rustc_hash::FxHashMap<&str, Stamp>,
    source: MarkdownSource,
) -> (Result<Document, ReadFailure>, Option<TextToSave>) {
    // The stamp is taken before reading: a write during the read is seen next time.
    let recorded = source
        .display_path
        .to_str()
        .and_then(|path| stamps.get(path).copied());
    let Some(stamp) = recorded.or_else(|| Stamp::read(&source.path).ok()) else {
        return (
            read_document(source.clone()).map_err(|e| Box::new((source, e))),
            None,
        );
    };
    let (text, read_from_file) = match saved.get(&source.path, stamp) {
        Some(text) => (text, false),
        None => match crate::text::read_text(&source.path, &source.display_path) {
            Ok(text) => (SharedText::from(text), true),
            Err(e) => return (Err(Box::new((source, vec![e]))), None),
        },
    };
    let to_save = TextToSave {
        path: source.path.clone(),
        stamp,
        text: text.clone(),
        read_from_file,
    };
    let document = parse_document(source.clone(), text).map_err(|e| Box::new((source, e)));
    (document, Some(to_save))
}

fn read_document(source: MarkdownSource) -> Result<Document, Vec<Diagnostic>> {
    let text = crate::text::read_text(&source.path, &source.display_path).map_err(|e| vec![e])?;
    parse_document(source, SharedText::from(text))
}

/// The document of `source` whose file holds `text`.
fn parse_document(source: MarkdownSource, text: SharedText) -> Result<Document, Vec<Diagnostic>> {
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
