//! `koho init [DIR]`: a new, buildable three-language site (ja, en, zh) with a small starter
//! theme, its locales, a home page, an about page and a news section in every language. The
//! files are embedded in the binary (src/scaffold/starter/), so init needs nothing else.

use std::path::{Path, PathBuf};

use super::{write_all, NewFile};
use crate::error::Diagnostic;
use crate::status::blob::blob_id;
use crate::status::edit::set_key;

/// The starter files: (path in the new site, contents).
const FILES: &[(&str, &str)] = &[
    ("site.toml", include_str!("starter/site.toml")),
    (".gitignore", include_str!("starter/gitignore")),
    (
        "themes/starter/templates/base.html",
        include_str!("starter/templates/base.html"),
    ),
    (
        "themes/starter/templates/index.html",
        include_str!("starter/templates/index.html"),
    ),
    (
        "themes/starter/templates/section.html",
        include_str!("starter/templates/section.html"),
    ),
    (
        "themes/starter/templates/page.html",
        include_str!("starter/templates/page.html"),
    ),
    (
        "themes/starter/templates/language-select.html",
        include_str!("starter/templates/language-select.html"),
    ),
    (
        "themes/starter/static/style.css",
        include_str!("starter/static/style.css"),
    ),
    (
        "themes/starter/static/language-select.js",
        include_str!("starter/static/language-select.js"),
    ),
    (
        "locales/ja/main.ftl",
        include_str!("starter/locales/ja/main.ftl"),
    ),
    (
        "locales/en/main.ftl",
        include_str!("starter/locales/en/main.ftl"),
    ),
    (
        "locales/zh/main.ftl",
        include_str!("starter/locales/zh/main.ftl"),
    ),
    (
        "content/_index.ja.md",
        include_str!("starter/content/_index.ja.md"),
    ),
    (
        "content/_index.en.md",
        include_str!("starter/content/_index.en.md"),
    ),
    (
        "content/_index.zh.md",
        include_str!("starter/content/_index.zh.md"),
    ),
    (
        "content/about/index.ja.md",
        include_str!("starter/content/about/index.ja.md"),
    ),
    (
        "content/about/index.en.md",
        include_str!("starter/content/about/index.en.md"),
    ),
    (
        "content/about/index.zh.md",
        include_str!("starter/content/about/index.zh.md"),
    ),
    (
        "content/releases/_index.ja.md",
        include_str!("starter/content/releases/_index.ja.md"),
    ),
    (
        "content/releases/_index.en.md",
        include_str!("starter/content/releases/_index.en.md"),
    ),
    (
        "content/releases/_index.zh.md",
        include_str!("starter/content/releases/_index.zh.md"),
    ),
];

/// The default language of the starter site; the other content files are its translations.
const SOURCE_LANG: &str = "ja";

/// Creates the starter site in `dir` (created if missing). Refuses a folder that holds anything
/// but a `.git` folder, so that nothing of the user's is mixed in or overwritten. Returns the
/// created files relative to `dir`.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    check_empty(dir).map_err(|e| vec![e])?;
    let files = starter_files(dir).map_err(|e| vec![e])?;
    write_all(&files)?;
    Ok(files.into_iter().map(|f| f.display).collect())
}

fn check_empty(dir: &Path) -> Result<(), Diagnostic> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A link to a folder that does not exist (the folder itself or one above it) lists
            // as missing, but nothing can be made through it: say so rather than fail later
            // with "File exists".
            let nearest = dir.ancestors().find(|a| a.symlink_metadata().is_ok());
            if let Some(link) = nearest.filter(|a| a.metadata().is_err()) {
                return Err(Diagnostic::in_file(
                    link,
                    "is a symbolic link to a folder that does not exist",
                )
                .with_help("create the folder it points to, or give a new folder"));
            }
            return Ok(());
        }
        Err(e) => {
            return Err(
                Diagnostic::in_file(dir, format!("cannot use this folder: {e}"))
                    .with_help("give a new or empty folder: koho init my-site"),
            )
        }
    };
    let mut others: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".git")
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    let shown: Vec<&str> = others.iter().take(5).map(String::as_str).collect();
    Err(Diagnostic::in_file(
        dir,
        format!(
            "refusing to create a site here: the folder is not empty ({}{})",
            shown.join(", "),
            if others.len() > 5 { ", …" } else { "" }
        ),
    )
    .with_help("give a new or empty folder: koho init my-site"))
}

/// The files with every translation's `translated_from` set to its source's blob id, so that the
/// new site's `koho status` starts with every translation ok.
fn starter_files(dir: &Path) -> Result<Vec<NewFile>, Diagnostic> {
    let mut files = Vec::with_capacity(FILES.len());
    for (path, text) in FILES {
        let mut text = (*text).to_string();
        if let Some(source) = source_of(path) {
            let id = blob_id(source.as_bytes());
            text = set_key(&text, "translated_from", &format!("\"{id}\"")).map_err(|e| {
                Diagnostic::error(None, format!("starter file {path}: {e} (a bug in koho)"))
            })?;
        }
        files.push(NewFile {
            path: dir.join(path),
            display: PathBuf::from(path),
            bytes: text.into_bytes(),
        });
    }
    Ok(files)
}

/// The default-language text of a translated content file (`content/about/index.en.md`).
fn source_of(path: &str) -> Option<&'static str> {
    let stem = path.strip_prefix("content/")?.strip_suffix(".md")?;
    let (name, lang) = stem.rsplit_once('.')?;
    if lang == SOURCE_LANG {
        return None;
    }
    let wanted = format!("content/{name}.{SOURCE_LANG}.md");
    FILES
        .iter()
        .find(|(p, _)| *p == wanted)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translation_has_its_source() {
        let translations: Vec<&str> = FILES
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| p.starts_with("content/") && !p.ends_with(".ja.md"))
            .collect();
        assert_eq!(translations.len(), 6);
        assert!(
            translations.iter().all(|p| source_of(p).is_some()),
            "{translations:?}"
        );
    }
}
