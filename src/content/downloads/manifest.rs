//! The downloads manifest (`content/downloads/downloads.toml`) checked item by item and file by
//! file, every problem at its line, then the listed files hashed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use toml::Spanned;

use super::hash::HashCache;
use super::{
    format, normalize_relative, DownloadFile, DownloadItem, Format, DOWNLOADS_DIR, FORMATS,
    MANIFEST,
};
use crate::config::SiteConfig;
use crate::content::Date;
use crate::error::{line_column, Diagnostic, Location};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default, rename = "item")]
    items: Vec<Spanned<RawItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    category: String,
    updated: Spanned<toml::Value>,
    title: Spanned<BTreeMap<String, String>>,
    description: Option<Spanned<BTreeMap<String, String>>>,
    /// Content keys of pages that show this item (`releases/2020-05-13-…`).
    pages: Option<Spanned<Vec<String>>>,
    #[serde(default, rename = "file")]
    files: Vec<Spanned<RawFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lang: Spanned<String>,
    path: Spanned<String>,
    format: Spanned<String>,
}

/// A file of the manifest that passed the checks, not yet hashed.
struct ListedFile {
    /// The manifest line of its `path`.
    line: usize,
    source: PathBuf,
    relative: String,
    lang: String,
    format: &'static Format,
}

/// Checks the manifest's `text` (the contents of content/downloads/downloads.toml) and the
/// files it lists; every problem names the manifest and line. Separate from [`super::load`] so
/// that the fuzz target (fuzz/fuzz_targets/downloads_manifest.rs) can feed it any text.
pub fn check_manifest(
    config: &SiteConfig,
    cache: &HashCache,
    text: &str,
) -> (Vec<DownloadItem>, Vec<Diagnostic>) {
    let mut check = Check::new(config, text);
    let raw: RawManifest = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let location = e
                .span()
                .and_then(|s| check.at(s.start))
                .or_else(|| Some(Location::file(&check.display)));
            let message = format!("invalid manifest: {}", e.message().trim_end());
            return (Vec::new(), vec![Diagnostic::error(location, message)]);
        }
    };
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    let planned: Vec<(DownloadItem, Vec<ListedFile>)> = raw
        .items
        .into_iter()
        .filter_map(|item| check.item(item, &mut first_line_of_id))
        .collect();
    let items = planned
        .into_iter()
        .map(|(item, files)| check.hash_files(cache, item, files))
        .collect();
    (items, check.errors)
}

/// The manifest being checked and the problems found so far.
struct Check<'a> {
    config: &'a SiteConfig,
    text: &'a str,
    /// content/downloads/ and its real path (listed files must stay inside it).
    dir: PathBuf,
    canonical_dir: PathBuf,
    /// The manifest's path as messages show it.
    display: PathBuf,
    /// The configured languages, for messages.
    languages: String,
    errors: Vec<Diagnostic>,
}

impl<'a> Check<'a> {
    fn new(config: &'a SiteConfig, text: &'a str) -> Self {
        let dir = config.content_dir().join(DOWNLOADS_DIR);
        Check {
            config,
            text,
            canonical_dir: dir.canonicalize().unwrap_or_else(|_| dir.clone()),
            dir,
            display: Path::new("content").join(DOWNLOADS_DIR).join(MANIFEST),
            languages: config.language_codes(),
            errors: Vec::new(),
        }
    }

    /// The manifest location of the byte `offset`.
    fn at(&self, offset: usize) -> Option<Location> {
        Some(Location::at_offset(&self.display, self.text, offset, 1))
    }

    fn line_of(&self, offset: usize) -> usize {
        line_column(self.text, offset).0
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::error(self.at(offset), message.into()));
    }

    fn unknown_language(&mut self, offset: usize, message: String) {
        let help = format!("the configured languages are: {}", self.languages);
        self.errors
            .push(Diagnostic::error(self.at(offset), message).with_help(help));
    }

    /// One `[[item]]`: its id, date, languages and files; None when its date is unusable (the
    /// item cannot be listed). `first_line_of_id` finds ids used twice.
    fn item(
        &mut self,
        item: Spanned<RawItem>,
        first_line_of_id: &mut HashMap<String, usize>,
    ) -> Option<(DownloadItem, Vec<ListedFile>)> {
        let item_start = item.span().start;
        let item = item.into_inner();
        let id = item.id.get_ref().clone();
        self.check_id(&item.id, first_line_of_id);
        let Some(updated) = updated_date(item.updated.get_ref()) else {
            self.error(
                item.updated.span().start,
                "`updated` must be a date YYYY-MM-DD",
            );
            return None;
        };
        self.check_item_languages(&item, &id);
        let files = item.files.iter().filter_map(|f| self.file(f)).collect();
        if item.title.get_ref().is_empty() {
            self.error(item_start, format!("item `{id}` has no title"));
        }
        let pages_line = item
            .pages
            .as_ref()
            .map_or(0, |p| self.line_of(p.span().start));
        let pages = item.pages.map(Spanned::into_inner).unwrap_or_default();
        let download = DownloadItem {
            id,
            category: item.category,
            updated,
            title: item.title.into_inner(),
            description: item
                .description
                .map(Spanned::into_inner)
                .unwrap_or_default(),
            pages_line,
            pages: pages
                .iter()
                .map(|p| p.trim_matches('/').to_string())
                .collect(),
            files: Vec::new(),
        };
        Some((download, files))
    }

    /// An id is unique and made of letters, digits, `-` and `_` (it becomes an anchor).
    fn check_id(&mut self, id: &Spanned<String>, first_line_of_id: &mut HashMap<String, usize>) {
        let offset = id.span().start;
        let id = id.get_ref();
        if let Some(first) = first_line_of_id.insert(id.clone(), self.line_of(offset)) {
            self.errors.push(
                Diagnostic::error(
                    self.at(offset),
                    format!("two items have the id `{id}` (the other is at line {first})"),
                )
                .with_help("give every item its own id"),
            );
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if id.is_empty() || !id.chars().all(allowed) {
            self.error(
                offset,
                format!("id `{id}` may only use letters, digits, - and _ (it becomes an anchor)"),
            );
        }
    }

    /// Every language named by the item's title and description is configured.
    fn check_item_languages(&mut self, item: &RawItem, id: &str) {
        let title_langs = item
            .title
            .get_ref()
            .keys()
            .map(|l| (l, item.title.span().start));
        let description_langs = item
            .description
            .iter()
            .flat_map(|d| d.get_ref().keys().map(|l| (l, d.span().start)));
        let unknown: Vec<(String, usize)> = title_langs
            .chain(description_langs)
            .filter(|(lang, _)| self.config.language(lang).is_none())
            .map(|(lang, offset)| (lang.clone(), offset))
            .collect();
        for (lang, offset) in unknown {
            self.unknown_language(offset, format!("unknown language `{lang}` in item `{id}`"));
        }
    }

    /// One `[[item.file]]`: a configured language, a known format, and a path to a file inside
    /// content/downloads/ whose extension fits the format; None (with the error) otherwise.
    fn file(&mut self, file: &Spanned<RawFile>) -> Option<ListedFile> {
        let raw = file.get_ref();
        let lang = raw.lang.get_ref();
        if self.config.language(lang).is_none() {
            self.unknown_language(raw.lang.span().start, format!("unknown language `{lang}`"));
            return None;
        }
        let Some(format) = format(raw.format.get_ref()) else {
            let known: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
            self.errors.push(
                Diagnostic::error(
                    self.at(raw.format.span().start),
                    format!("unknown format `{}`", raw.format.get_ref()),
                )
                .with_help(format!("use one of: {}", known.join(", "))),
            );
            return None;
        };
        let path_offset = raw.path.span().start;
        let relative = self.listed_path(raw.path.get_ref(), path_offset, format)?;
        Some(ListedFile {
            line: self.line_of(path_offset),
            source: self.dir.join(&relative),
            relative,
            lang: lang.clone(),
            format,
        })
    }

    /// The manifest path `written` in its one spelling, when it stays inside the downloads
    /// folder, has an extension of `format` and names an existing file there (links included,
    /// when they lead inside it).
    fn listed_path(&mut self, written: &str, offset: usize, format: &Format) -> Option<String> {
        let Some(relative) = normalize_relative(written) else {
            self.errors.push(
                Diagnostic::error(
                    self.at(offset),
                    format!("path `{written}` leaves the downloads folder"),
                )
                .with_help("give a path relative to content/downloads/, without `..`"),
            );
            return None;
        };
        let extension = Path::new(&relative)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if !format.extensions.contains(&extension.as_str()) {
            self.errors.push(
                Diagnostic::error(
                    self.at(offset),
                    format!(
                        "`{relative}` does not look like {}: its extension is `.{extension}`",
                        format.name.to_uppercase()
                    ),
                )
                .with_help(format!(
                    "fix the file name or the format (expected .{})",
                    format.extensions.join(" or .")
                )),
            );
            return None;
        }
        let problem = match self.dir.join(&relative).canonicalize() {
            Ok(real) if !real.starts_with(&self.canonical_dir) => {
                format!("`{relative}` is a link to a file outside the downloads folder; refused")
            }
            Ok(real) if !real.is_file() => format!("`{relative}` is not a file"),
            Ok(_) => return Some(relative),
            Err(_) => {
                format!("the listed file `content/{DOWNLOADS_DIR}/{relative}` does not exist")
            }
        };
        self.error(offset, problem);
        None
    }

    /// `item` with its listed `files`, each with its size and SHA-256 (streamed, cached, in
    /// parallel); an empty or unreadable file is an error.
    fn hash_files(
        &mut self,
        cache: &HashCache,
        mut item: DownloadItem,
        files: Vec<ListedFile>,
    ) -> DownloadItem {
        let hashed: Vec<_> = files
            .into_par_iter()
            .map(|file| {
                let result = cache.get(&file.source);
                (file, result)
            })
            .collect();
        for (file, result) in hashed {
            let location = Some(Location::at(&self.display, file.line, 1));
            let relative = &file.relative;
            match result {
                Ok((stamp, _)) if stamp.size == 0 => self.errors.push(Diagnostic::error(
                    location,
                    format!("the listed file `{relative}` is empty"),
                )),
                Ok((stamp, sha256)) => item.files.push(download_file(file, stamp.size, sha256)),
                Err(e) => self.errors.push(Diagnostic::error(
                    location,
                    format!("cannot read `{relative}`: {e}"),
                )),
            }
        }
        item
    }
}

/// The `updated` value as a date: a TOML date (its date part) or a `YYYY-MM-DD` string.
fn updated_date(value: &toml::Value) -> Option<Date> {
    match value {
        toml::Value::Datetime(dt) => dt
            .date
            .and_then(|d| Date::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))),
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    }
}

fn download_file(file: ListedFile, size: u64, sha256: String) -> DownloadFile {
    let ListedFile {
        line,
        source,
        relative,
        lang,
        format,
    } = file;
    DownloadFile {
        lang,
        format,
        output: format!("{DOWNLOADS_DIR}/{relative}"),
        name: relative
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&relative)
            .to_string(),
        source: Some(source),
        size,
        sha256,
        line,
    }
}
