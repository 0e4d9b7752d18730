//! Content: reading content/ into documents (front matter checked, Markdown not yet rendered).

pub mod date;
pub mod downloads;
pub mod front_matter;
pub mod source;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

pub use date::Date;
pub use front_matter::{FrontMatter, SortBy};
pub use source::{AssetSource, DocKind, MarkdownSource};

use crate::config::SiteConfig;
use crate::error::Diagnostic;

/// One Markdown file, read and checked.
#[derive(Debug)]
pub struct Document {
    pub source: MarkdownSource,
    pub front: FrontMatter,
    pub body: String,
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
    let (sources, mut errors) = source::discover(config);
    let results: Vec<Result<Document, ReadFailure>> = sources
        .markdown
        .into_par_iter()
        .map(|source| read_document(source.clone()).map_err(|e| Box::new((source, e))))
        .collect();
    let mut documents = Vec::with_capacity(results.len());
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(doc) => documents.push(doc),
            Err(failure) => {
                let (source, e) = *failure;
                errors.extend(e);
                failed.push(source);
            }
        }
    }
    errors.extend(find_duplicates(&documents));
    let mut assets = sources.assets;
    let mut drafts = Vec::new();
    if !include_drafts {
        let (kept, left_out): (Vec<Document>, Vec<Document>) =
            documents.into_iter().partition(|doc| !doc.front.draft);
        documents = kept;
        drafts = left_out.into_iter().map(|doc| doc.source).collect();
        if !drafts.is_empty() {
            let published = bundle_dirs(documents.iter().map(|d| &d.source));
            let draft_bundles = bundle_dirs(drafts.iter());
            assets.retain(|asset| !belongs_to_draft(&asset.dir, &published, &draft_bundles));
        }
    }
    (
        Content {
            documents,
            assets,
            failed,
            drafts,
        },
        errors,
    )
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

fn read_document(source: MarkdownSource) -> Result<Document, Vec<Diagnostic>> {
    let text = crate::text::read_text(&source.path, &source.display_path).map_err(|e| vec![e])?;
    let parsed = front_matter::parse(&source.display_path, &text, source.kind == DocKind::Section)?;
    Ok(Document {
        source,
        front: parsed.front,
        body: parsed.body,
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
