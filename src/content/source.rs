//! Finding the files under content/: which are pages, sections, fragments and assets, and in which language.

use std::path::{Path, PathBuf};

use crate::config::{is_language_code, SiteConfig};
use crate::error::Diagnostic;
use crate::fsutil::{walk_files, Walk};

/// What a Markdown file is, by its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DocKind {
    /// `_index.<lang>.md`: a section (the home page is the root section).
    Section,
    /// Any other `.md` file: a page; `index.<lang>.md` makes its folder a page bundle.
    Page,
    /// A file under `_fragments/`: a block of content that templates include (profile, contact).
    Fragment,
}

/// A Markdown source file, classified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MarkdownSource {
    pub path: PathBuf,
    /// The path relative to the site root, as shown in messages (`content/releases/x/index.ja.md`).
    pub display_path: PathBuf,
    pub kind: DocKind,
    /// Language-independent identity: files with the same key are translations of each other.
    /// `""` is the home page, `releases` a section, `releases/x` a page, `profile` a fragment.
    pub key: String,
    pub lang: String,
    /// For sections and page bundles: the content-relative folder whose other files belong to it.
    pub bundle_dir: Option<String>,
}

/// A file that is not Markdown: published beside the page or section of its folder.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AssetSource {
    pub path: PathBuf,
    pub display_path: PathBuf,
    /// The content-relative folder (`releases/x`).
    pub dir: String,
    pub file_name: String,
}

/// Every file of content/, as `discover` found them.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Sources {
    pub markdown: Vec<MarkdownSource>,
    pub assets: Vec<AssetSource>,
}

const FRAGMENTS_DIR: &str = "_fragments";

/// Walks content/ in a stable order (see [`crate::fsutil::walk_files`]): a symbolic link
/// to anything outside content/ is refused, a named pipe or device is skipped with a warning.
pub fn discover(config: &SiteConfig) -> (Sources, Vec<Diagnostic>) {
    let content_dir = config.content_dir();
    let mut sources = Sources::default();
    if !content_dir.is_dir() {
        let error = Diagnostic::in_file(Path::new("content"), "there is no content folder")
            .with_help("create content/ with at least `_index.<lang>.md` for the home page");
        return (sources, vec![error]);
    }
    let (files, mut errors) = walk_files(&Walk {
        dir: &content_dir,
        confine: &content_dir,
        root: &config.root,
        skip_hidden: true,
        max_depth: usize::MAX,
    });
    for file in files {
        let path = file.path.as_path();
        let display_path = file.display;
        let relative: Vec<String> = file
            .relative
            .components()
            .map(|c| crate::url::nfc(&c.as_os_str().to_string_lossy()).into_owned())
            .collect();
        let Some((file_name, dirs)) = relative.split_last() else {
            continue;
        };
        let dir = dirs.join("/");
        match file_name.strip_suffix(".md") {
            Some(stem) => match classify(config, stem, dirs) {
                Ok((kind, key, lang, bundle_dir)) => sources.markdown.push(MarkdownSource {
                    path: path.to_path_buf(),
                    display_path,
                    kind,
                    key,
                    lang,
                    bundle_dir,
                }),
                Err(message) => {
                    errors.push(Diagnostic::in_file(&display_path, message.0).with_help(message.1))
                }
            },
            // The downloads folder's files are published through its manifest, once, not per language.
            None if dirs.first().map(String::as_str) == Some(super::downloads::DOWNLOADS_DIR) => {}
            None => sources.assets.push(AssetSource {
                path: path.to_path_buf(),
                display_path,
                dir,
                file_name: file_name.clone(),
            }),
        }
    }
    (sources, errors)
}

type Classified = (DocKind, String, String, Option<String>);

/// Kind, key, language and bundle folder from a file's stem (`index.ja`) and folders.
fn classify(
    config: &SiteConfig,
    stem: &str,
    dirs: &[String],
) -> Result<Classified, (String, String)> {
    let (name, lang) = match stem.rsplit_once('.') {
        Some((name, suffix)) if is_language_code(suffix) => {
            if config.language(suffix).is_none() {
                return Err((
                    format!("unknown language suffix `.{suffix}`"),
                    format!(
                        "the configured languages are: {} (site.toml [languages])",
                        config.language_codes()
                    ),
                ));
            }
            (name, suffix.to_string())
        }
        Some((_, suffix)) => {
            return Err((
                format!("`.{suffix}` is not a language suffix"),
                format!(
                    "name the file `<name>.<lang>.md` with one of: {}",
                    config.language_codes()
                ),
            ))
        }
        None => (stem, config.default_language.clone()),
    };
    if name.is_empty() {
        return Err((
            "a Markdown file needs a name before its suffix".into(),
            "rename it, e.g. `index.ja.md`".into(),
        ));
    }
    let dir = dirs.join("/");
    let join = |parent: &str, child: &str| {
        if parent.is_empty() {
            child.to_string()
        } else {
            format!("{parent}/{child}")
        }
    };
    if dirs.first().map(String::as_str) == Some(FRAGMENTS_DIR) {
        return Ok((
            DocKind::Fragment,
            join(&dirs[1..].join("/"), name),
            lang,
            None,
        ));
    }
    Ok(match name {
        "_index" => (DocKind::Section, dir.clone(), lang, Some(dir)),
        "index" if !dirs.is_empty() => (DocKind::Page, dir.clone(), lang, Some(dir)),
        _ => (DocKind::Page, join(&dir, name), lang, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Language, MissingTranslation};

    fn config() -> SiteConfig {
        let language = |code: &str| Language {
            code: code.into(),
            name: code.into(),
            tag: code.into(),
        };
        SiteConfig {
            root: PathBuf::from("."),
            base_url: "https://x.org/".into(),
            base_path: "/".into(),
            default_language: "ja".into(),
            theme: "t".into(),
            languages: vec![language("ja"), language("en"), language("zh")],
            missing_translation: MissingTranslation::Omit,
            fluent_fallback: vec!["ja".into()],
            books: Vec::new(),
            discovery: Default::default(),
            security: Default::default(),
        }
    }

    fn dirs(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn language_suffixes() {
        let c = config();
        let (kind, key, lang, bundle) = classify(&c, "index.en", &dirs("releases/x")).unwrap();
        assert_eq!(
            (kind, key.as_str(), lang.as_str()),
            (DocKind::Page, "releases/x", "en")
        );
        assert_eq!(bundle.as_deref(), Some("releases/x"));
        let (kind, key, lang, _) = classify(&c, "_index", &dirs("")).unwrap();
        assert_eq!(
            (kind, key.as_str(), lang.as_str()),
            (DocKind::Section, "", "ja")
        );
        let (kind, key, _, bundle) = classify(&c, "ch1.zh", &dirs("handbook/p1")).unwrap();
        assert_eq!((kind, key.as_str()), (DocKind::Page, "handbook/p1/ch1"));
        assert_eq!(bundle, None);
        let (kind, key, _, _) = classify(&c, "profile.en", &dirs("_fragments")).unwrap();
        assert_eq!((kind, key.as_str()), (DocKind::Fragment, "profile"));
    }

    #[test]
    fn unknown_suffix_lists_languages() {
        let (message, help) = classify(&config(), "index.fr", &dirs("a")).unwrap_err();
        assert!(message.contains(".fr"));
        assert!(help.contains("ja, en, zh"));
    }
}
