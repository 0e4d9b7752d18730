//! Downloads: the manifest (`content/downloads/downloads.toml`) as written and as checked, the
//! files it lists with their size and SHA-256, and the files the build generates.

pub mod hash;
mod manifest;

pub use manifest::check_manifest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::SiteConfig;
use crate::content::Date;
use crate::error::Diagnostic;
use hash::HashCache;

/// The content folder that holds the manifest; its files are downloads, not page assets.
pub const DOWNLOADS_DIR: &str = "downloads";
pub const MANIFEST: &str = "downloads.toml";

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
