//! Translation status: every document × every language (ok, stale, draft, missing …), decided
//! by the `translated_from` blob id each translation records against its default-language source.

pub mod blob;
pub mod changes;
pub mod diff;
pub mod edit;
pub mod git;
pub mod html;
pub mod mark;
pub mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::SiteConfig;
use crate::content::{Content, DocKind, Document, Inventoried, MarkdownSource};
use crate::error::Diagnostic;

/// The state of one document in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The default-language file: what the others are translated from.
    Source,
    /// Translated from the source as it is now.
    Ok,
    /// Translated from an earlier version of the source.
    Stale,
    /// A translation marked `draft = true` (in progress; not published).
    Draft,
    /// A translation that records no `translated_from`: whether it is current is unknown.
    Untracked,
    /// No file in this language.
    Missing,
    /// A translation whose default-language source does not exist.
    Orphan,
    /// The file could not be read or its front matter is invalid (the error is reported).
    Invalid,
}

impl State {
    /// The word shown in tables and reports.
    pub fn label(self) -> &'static str {
        match self {
            State::Source => "source",
            State::Ok => "ok",
            State::Stale => "stale",
            State::Draft => "draft",
            State::Untracked => "untracked",
            State::Missing => "missing",
            State::Orphan => "orphan",
            State::Invalid => "invalid",
        }
    }

    /// The states a translation language is counted in, in display order.
    pub const COUNTED: [State; 7] = [
        State::Ok,
        State::Stale,
        State::Draft,
        State::Untracked,
        State::Missing,
        State::Orphan,
        State::Invalid,
    ];
}

/// Whether a translation that recorded `recorded` matches the source whose id is now `current`.
pub fn freshness(recorded: Option<&str>, current: &str) -> State {
    match recorded {
        None => State::Untracked,
        Some(id) if id == current => State::Ok,
        Some(_) => State::Stale,
    }
}

/// One document in one language.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub lang: String,
    pub state: State,
    /// The file, relative to the site root (none when missing).
    pub path: Option<PathBuf>,
    /// What the translation records (`translated_from`).
    pub translated_from: Option<String>,
}

/// One document (a key) in every language.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `/` for the home page, `releases/` for a section, `releases/x` for a page,
    /// `_fragments/profile` for a fragment.
    pub name: String,
    pub key: String,
    /// `"section"`, `"page"` or `"fragment"`.
    pub kind: &'static str,
    /// The default-language file's blob id now (none when it is missing or unreadable).
    pub source_id: Option<String>,
    pub cells: Vec<Cell>,
}

/// How many documents of one translation language are in each state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub lang: String,
    pub ok: usize,
    pub stale: usize,
    pub draft: usize,
    pub untracked: usize,
    pub missing: usize,
    pub orphan: usize,
    pub invalid: usize,
}

impl Counts {
    /// The count of `state` (0 for `Source`, which is not counted).
    pub fn get(&self, state: State) -> usize {
        match state {
            State::Source => 0,
            State::Ok => self.ok,
            State::Stale => self.stale,
            State::Draft => self.draft,
            State::Untracked => self.untracked,
            State::Missing => self.missing,
            State::Orphan => self.orphan,
            State::Invalid => self.invalid,
        }
    }

    fn add(&mut self, state: State) {
        let slot = match state {
            State::Source => return,
            State::Ok => &mut self.ok,
            State::Stale => &mut self.stale,
            State::Draft => &mut self.draft,
            State::Untracked => &mut self.untracked,
            State::Missing => &mut self.missing,
            State::Orphan => &mut self.orphan,
            State::Invalid => &mut self.invalid,
        };
        *slot += 1;
    }
}

/// The status of a whole site.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub default_language: String,
    /// The languages shown, in the site's display order.
    pub languages: Vec<String>,
    pub rows: Vec<Row>,
    /// One entry per translation language shown (not the default language).
    pub counts: Vec<Counts>,
}

impl Report {
    /// Keeps only `lang`'s column and counts (`koho status --lang en`).
    pub fn retain_language(&mut self, lang: &str) {
        self.languages.retain(|l| l == lang);
        for row in &mut self.rows {
            row.cells.retain(|c| c.lang == lang);
        }
        self.counts.retain(|c| c.lang == lang);
    }
}

/// Every document × every language of the site, from every content file (`Content::inventory`,
/// drafts included). Returns errors for sources whose bytes cannot be read.
pub fn collect(config: &SiteConfig, inventory: &[Inventoried]) -> (Report, Vec<Diagnostic>) {
    type Group<'a> = BTreeMap<String, &'a Inventoried>;
    let mut groups: BTreeMap<(bool, String, DocKind), Group> = BTreeMap::new();
    for entry in inventory {
        let source = &entry.source;
        let group_key = (
            source.kind == DocKind::Fragment,
            source.key.clone(),
            source.kind,
        );
        let lang = source.lang.clone();
        groups.entry(group_key).or_default().insert(lang, entry);
    }
    let mut errors = Vec::new();
    let mut counts: Vec<Counts> = config
        .languages
        .iter()
        .filter(|l| l.code != config.default_language)
        .map(|l| Counts {
            lang: l.code.clone(),
            ..Counts::default()
        })
        .collect();
    // Each row reads its source's bytes for the blob id: thousands of files, in parallel.
    use rayon::prelude::*;
    let groups: Vec<_> = groups.into_iter().collect();
    let made: Vec<(Row, Option<Diagnostic>)> = groups
        .par_iter()
        .map(|((_, key, kind), group)| make_row(config, key, *kind, group))
        .collect();
    let mut rows = Vec::with_capacity(made.len());
    for (row, error) in made {
        errors.extend(error);
        for cell in &row.cells {
            if let Some(count) = counts.iter_mut().find(|c| c.lang == cell.lang) {
                count.add(cell.state);
            }
        }
        rows.push(row);
    }
    let report = Report {
        default_language: config.default_language.clone(),
        languages: config.languages.iter().map(|l| l.code.clone()).collect(),
        rows,
        counts,
    };
    (report, errors)
}

fn make_row(
    config: &SiteConfig,
    key: &str,
    kind: DocKind,
    group: &BTreeMap<String, &Inventoried>,
) -> (Row, Option<Diagnostic>) {
    let source = group.get(&config.default_language);
    let mut error = None;
    let source_id = source.and_then(|entry| match file_id(&entry.source.path) {
        Ok(id) => Some(id),
        Err(e) => {
            error = Some(Diagnostic::in_file(
                &entry.source.display_path,
                format!("cannot read: {e}"),
            ));
            None
        }
    });
    let cells = config
        .languages
        .iter()
        .map(|language| {
            let entry = group.get(&language.code);
            let is_source = language.code == config.default_language;
            let state = match entry {
                None => State::Missing,
                Some(doc) if !doc.read => State::Invalid,
                Some(_) if is_source => State::Source,
                Some(_) if source.is_none() => State::Orphan,
                Some(doc) if doc.draft => State::Draft,
                Some(doc) => match &source_id {
                    Some(current) => freshness(doc.translated_from.as_deref(), current),
                    None => State::Invalid,
                },
            };
            Cell {
                lang: language.code.clone(),
                state,
                path: entry.map(|e| e.source.display_path.clone()),
                translated_from: entry.and_then(|doc| doc.translated_from.clone()),
            }
        })
        .collect();
    let row = Row {
        name: display_name(key, kind),
        key: key.to_string(),
        kind: match kind {
            DocKind::Section => "section",
            DocKind::Page => "page",
            DocKind::Fragment => "fragment",
        },
        source_id,
        cells,
    };
    (row, error)
}

/// The blob id of a file's bytes as they are on disk.
pub fn file_id(path: &Path) -> std::io::Result<String> {
    std::fs::read(path).map(|bytes| blob::blob_id(&bytes))
}

/// How a document is named in the table (see [`Row::name`]).
fn display_name(key: &str, kind: DocKind) -> String {
    match kind {
        DocKind::Section if key.is_empty() => "/".to_string(),
        DocKind::Section => format!("{key}/"),
        DocKind::Page => key.to_string(),
        DocKind::Fragment => format!("_fragments/{key}"),
    }
}

/// A translation named on the command line, with its default-language source.
pub struct Translation<'a> {
    pub doc: &'a Document,
    pub source: &'a MarkdownSource,
}

/// Finds the translation file `path` (relative to the current folder, or else to the site root)
/// among the site's documents. Errors say what the path is instead: not a file of the site's
/// content, a file with errors, the source itself, or a translation without a source.
pub fn find_translation<'a>(
    config: &SiteConfig,
    content: &'a Content,
    path: &Path,
) -> Result<Translation<'a>, Diagnostic> {
    let candidates = [path.to_path_buf(), config.root.join(path)];
    let Some(wanted) = candidates.iter().find_map(|p| p.canonicalize().ok()) else {
        return Err(Diagnostic::in_file(path, "no such file")
            .with_help("give the path of a translation, e.g. content/about/index.en.md"));
    };
    let same = |source: &MarkdownSource| {
        source.path.file_name() == wanted.file_name()
            && source.path.canonicalize().is_ok_and(|p| p == wanted)
    };
    if let Some(failed) = content.failed.iter().find(|s| same(s)) {
        return Err(Diagnostic::in_file(
            &failed.display_path,
            "the file has errors (listed above): fix them first",
        ));
    }
    let Some(doc) = content.documents.iter().find(|d| same(&d.source)) else {
        return Err(
            Diagnostic::in_file(path, "not a Markdown file of the site's content").with_help(
                format!("give a file under {}", config.content_dir().display()),
            ),
        );
    };
    let s = &doc.source;
    if s.lang == config.default_language {
        return Err(Diagnostic::in_file(
            &s.display_path,
            format!(
                "this is the source (default language `{}`), not a translation",
                s.lang
            ),
        )
        .with_help("name its translations, e.g. the .en.md file beside it"));
    }
    let is_source = |other: &MarkdownSource| {
        other.key == s.key && other.kind == s.kind && other.lang == config.default_language
    };
    let source = content
        .documents
        .iter()
        .map(|d| &d.source)
        .chain(content.failed.iter())
        .find(|other| is_source(other))
        .ok_or_else(|| {
            Diagnostic::in_file(
                &s.display_path,
                format!(
                    "this translation has no source in the default language `{}`",
                    config.default_language
                ),
            )
            .with_help("create the default-language file first (koho new)")
        })?;
    Ok(Translation { doc, source })
}
