//! Downloads: the manifest (`content/downloads/downloads.toml`) as written and as checked, the
//! files it lists with their size and SHA-256, and the files the build generates.

pub mod hash;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use toml::Spanned;

use crate::config::SiteConfig;
use crate::content::Date;
use crate::error::{Diagnostic, Location};
use hash::HashCache;

/// The content folder that holds the manifest; its files are downloads, not page assets.
pub const DOWNLOADS_DIR: &str = "downloads";
pub const MANIFEST: &str = "downloads.toml";

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

/// A file format koho knows: its media type and the file extensions that may carry it.
#[derive(Debug)]
pub struct Format {
    pub name: &'static str,
    pub media_type: &'static str,
    pub extensions: &'static [&'static str],
}

pub const FORMATS: &[Format] = &[
    Format {
        name: "pdf",
        media_type: "application/pdf",
        extensions: &["pdf"],
    },
    Format {
        name: "epub",
        media_type: "application/epub+zip",
        extensions: &["epub"],
    },
    Format {
        name: "html",
        media_type: "text/html",
        extensions: &["html", "htm"],
    },
    Format {
        name: "zip",
        media_type: "application/zip",
        extensions: &["zip"],
    },
    Format {
        name: "txt",
        media_type: "text/plain",
        extensions: &["txt"],
    },
    Format {
        name: "csv",
        media_type: "text/csv",
        extensions: &["csv"],
    },
    Format {
        name: "docx",
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    Format {
        name: "xlsx",
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    Format {
        name: "png",
        media_type: "image/png",
        extensions: &["png"],
    },
    Format {
        name: "jpeg",
        media_type: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
];

pub fn format(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

/// One file of an item in one language.
#[derive(Debug, Clone)]
pub struct DownloadFile {
    pub lang: String,
    pub format: &'static Format,
    /// Site-relative output path (`downloads/press/x.pdf`, `ja/handbook/handbook-ja.epub`).
    pub output: String,
    /// The source to copy; None for generated files (already among the rendered output).
    pub source: Option<PathBuf>,
    /// The name a browser saves it under.
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// The manifest line of its `path` (0 for generated files).
    pub line: usize,
}

/// An item of the downloads section.
#[derive(Debug, Clone)]
pub struct DownloadItem {
    pub id: String,
    pub category: String,
    pub updated: Date,
    pub title: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub pages: Vec<String>,
    /// The manifest line of `pages` (0 for generated items).
    pub pages_line: usize,
    pub files: Vec<DownloadFile>,
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

/// Reads and checks the manifest; every problem names the manifest and line.
pub fn load(config: &SiteConfig, cache: &HashCache) -> (Vec<DownloadItem>, Vec<Diagnostic>) {
    let dir = config.content_dir().join(DOWNLOADS_DIR);
    let path = dir.join(MANIFEST);
    let display = Path::new("content").join(DOWNLOADS_DIR).join(MANIFEST);
    // No manifest: no downloads. A manifest that cannot be read is an error, never an empty
    // section: a rebuild would otherwise delete every published download without a word.
    let text = match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            let error = Diagnostic::in_file(&display, format!("cannot read the manifest: {e}"));
            return (Vec::new(), vec![error]);
        }
        // `read_text` refuses folders, pipes and files over the size limit.
        Ok(_) => match crate::text::read_text(&path, &display) {
            Ok(text) => text,
            Err(error) => return (Vec::new(), vec![error]),
        },
    };
    check_manifest(config, cache, &text)
}

/// Checks the manifest's `text` (the contents of content/downloads/downloads.toml) and the
/// files it lists; every problem names the manifest and line. Separate from [`load`] so that
/// the fuzz target (fuzz/fuzz_targets/downloads_manifest.rs) can feed it any text.
pub fn check_manifest(
    config: &SiteConfig,
    cache: &HashCache,
    text: &str,
) -> (Vec<DownloadItem>, Vec<Diagnostic>) {
    let dir = config.content_dir().join(DOWNLOADS_DIR);
    let display = Path::new("content").join(DOWNLOADS_DIR).join(MANIFEST);
    let at = |offset: usize| Some(Location::at_offset(&display, text, offset, 1));
    let raw: RawManifest = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let location = e
                .span()
                .and_then(|s| at(s.start))
                .or_else(|| Some(Location::file(&display)));
            return (
                Vec::new(),
                vec![Diagnostic::error(
                    location,
                    format!("invalid manifest: {}", e.message().trim_end()),
                )],
            );
        }
    };
    let mut errors = Vec::new();
    let canonical_dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    let languages = config.language_codes();
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    let mut planned: Vec<(DownloadItem, Vec<ListedFile>)> = Vec::new();

    for item in raw.items {
        let item_start = item.span().start;
        let item = item.into_inner();
        let id = item.id.get_ref().clone();
        let id_line = crate::error::line_column(text, item.id.span().start).0;
        if let Some(first) = first_line_of_id.insert(id.clone(), id_line) {
            errors.push(
                Diagnostic::error(
                    at(item.id.span().start),
                    format!("two items have the id `{id}` (the other is at line {first})"),
                )
                .with_help("give every item its own id"),
            );
        }
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(Diagnostic::error(
                at(item.id.span().start),
                format!("id `{id}` may only use letters, digits, - and _ (it becomes an anchor)"),
            ));
        }
        let updated = match item.updated.get_ref() {
            toml::Value::Datetime(dt) => dt
                .date
                .and_then(|d| Date::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))),
            toml::Value::String(s) => Date::parse(s),
            _ => None,
        };
        let Some(updated) = updated else {
            errors.push(Diagnostic::error(
                at(item.updated.span().start),
                "`updated` must be a date YYYY-MM-DD",
            ));
            continue;
        };
        let title_langs = item
            .title
            .get_ref()
            .keys()
            .map(|l| (l, item.title.span().start));
        let description_langs = item
            .description
            .iter()
            .flat_map(|d| d.get_ref().keys().map(|l| (l, d.span().start)));
        for (lang, offset) in title_langs.chain(description_langs) {
            if config.language(lang).is_none() {
                errors.push(
                    Diagnostic::error(
                        at(offset),
                        format!("unknown language `{lang}` in item `{id}`"),
                    )
                    .with_help(format!("the configured languages are: {languages}")),
                );
            }
        }
        let mut files = Vec::new();
        for file in &item.files {
            let raw_file = file.get_ref();
            let lang = raw_file.lang.get_ref();
            if config.language(lang).is_none() {
                errors.push(
                    Diagnostic::error(
                        at(raw_file.lang.span().start),
                        format!("unknown language `{lang}`"),
                    )
                    .with_help(format!("the configured languages are: {languages}")),
                );
                continue;
            }
            let Some(format) = format(raw_file.format.get_ref()) else {
                let known: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
                errors.push(
                    Diagnostic::error(
                        at(raw_file.format.span().start),
                        format!("unknown format `{}`", raw_file.format.get_ref()),
                    )
                    .with_help(format!("use one of: {}", known.join(", "))),
                );
                continue;
            };
            let written = raw_file.path.get_ref();
            let path_at = at(raw_file.path.span().start);
            let Some(relative) = normalize_relative(written) else {
                errors.push(
                    Diagnostic::error(
                        path_at,
                        format!("path `{written}` leaves the downloads folder"),
                    )
                    .with_help("give a path relative to content/downloads/, without `..`"),
                );
                continue;
            };
            let relative = &relative;
            let extension = Path::new(relative)
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if !format.extensions.contains(&extension.as_str()) {
                errors.push(
                    Diagnostic::error(
                        path_at.clone(),
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
                continue;
            }
            let source = dir.join(relative);
            match source.canonicalize() {
                Ok(real) if !real.starts_with(&canonical_dir) => {
                    errors.push(Diagnostic::error(path_at, format!("`{relative}` is a link to a file outside the downloads folder; refused")));
                    continue;
                }
                Ok(real) if !real.is_file() => {
                    errors.push(Diagnostic::error(
                        path_at,
                        format!("`{relative}` is not a file"),
                    ));
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    errors.push(Diagnostic::error(
                        path_at,
                        format!(
                            "the listed file `content/{DOWNLOADS_DIR}/{relative}` does not exist"
                        ),
                    ));
                    continue;
                }
            }
            files.push(ListedFile {
                line: crate::error::line_column(text, raw_file.path.span().start).0,
                source,
                relative: relative.clone(),
                lang: lang.clone(),
                format,
            });
        }
        if item.title.get_ref().is_empty() {
            errors.push(Diagnostic::error(
                at(item_start),
                format!("item `{id}` has no title"),
            ));
        }
        planned.push((
            DownloadItem {
                id,
                category: item.category,
                updated,
                title: item.title.into_inner(),
                description: item
                    .description
                    .map(Spanned::into_inner)
                    .unwrap_or_default(),
                pages_line: item
                    .pages
                    .as_ref()
                    .map_or(0, |p| crate::error::line_column(text, p.span().start).0),
                pages: item
                    .pages
                    .map(Spanned::into_inner)
                    .unwrap_or_default()
                    .iter()
                    .map(|p| p.trim_matches('/').to_string())
                    .collect(),
                files: Vec::new(),
            },
            files,
        ));
    }

    // Hash every listed file (streamed, cached), in parallel.
    let mut items = Vec::with_capacity(planned.len());
    for (mut item, files) in planned {
        let hashed: Vec<_> = files
            .into_par_iter()
            .map(|file| {
                let result = cache.get(&file.source);
                (file, result)
            })
            .collect();
        for (file, result) in hashed {
            let ListedFile {
                line,
                source,
                relative,
                lang,
                format,
            } = file;
            match result {
                Ok((stamp, _)) if stamp.size == 0 => errors.push(Diagnostic::error(
                    Some(Location::at(&display, line, 1)),
                    format!("the listed file `{relative}` is empty"),
                )),
                Ok((stamp, sha256)) => item.files.push(DownloadFile {
                    lang,
                    format,
                    output: format!("{DOWNLOADS_DIR}/{relative}"),
                    name: relative
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or(&relative)
                        .to_string(),
                    source: Some(source),
                    size: stamp.size,
                    sha256,
                    line,
                }),
                Err(e) => errors.push(Diagnostic::error(
                    Some(Location::at(&display, line, 1)),
                    format!("cannot read `{relative}`: {e}"),
                )),
            }
        }
        items.push(item);
    }
    (items, errors)
}

/// The one spelling of a manifest path: `./press/x.pdf`, `press//x.pdf` and `press/./x.pdf` all
/// become `press/x.pdf` (so the output, the record of written files and the pages agree).
/// None for a path that is absolute, has a drive letter or `..`, or names no file.
pub fn normalize_relative(path: &str) -> Option<String> {
    if path.starts_with(['/', '\\']) || Path::new(path).is_absolute() || path.contains(':') {
        return None;
    }
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize_relative;

    #[test]
    fn manifest_paths_have_one_spelling() {
        for written in [
            "./press/x.pdf",
            "press//x.pdf",
            "press/./x.pdf",
            "press\\x.pdf",
        ] {
            assert_eq!(normalize_relative(written).as_deref(), Some("press/x.pdf"));
        }
        for bad in ["../x.pdf", "/etc/passwd", "C:/x.pdf", "a/../../x", ".", ""] {
            assert_eq!(normalize_relative(bad), None, "{bad}");
        }
    }
}
