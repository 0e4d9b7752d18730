//! Site configuration: `site.toml` as written (raw) and as used (checked).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Diagnostic, Location};

/// `site.toml` exactly as written; unknown keys are errors so a typo cannot pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: String,
    default_language: String,
    theme: String,
    /// `omit` or `fallback`: what a language without a translation of a page shows.
    #[serde(default)]
    missing_translation: Option<String>,
    /// The order in which locales are searched for a UI message missing in the page's language.
    #[serde(default)]
    fluent_fallback: Vec<String>,
    /// Sections published as books (web, print and EPUB editions): `["handbook"]`.
    #[serde(default)]
    books: Vec<String>,
    /// In display order (TOML tables keep their order here).
    languages: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    name: String,
    tag: String,
}

/// One configured language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// The code used in file suffixes and URLs (`ja`).
    pub code: String,
    /// The name shown in the language switcher, in the language itself (`日本語`).
    pub name: String,
    /// The BCP 47 tag for `lang` and `hreflang` (`zh-Hans`).
    pub tag: String,
}

/// What a language shows for a page that has no translation in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTranslation {
    /// The page does not exist in that language; the switcher says so.
    Omit,
    /// The page is published in that language with the default language's text and a notice.
    Fallback,
}

/// The checked configuration used by every later stage.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub root: PathBuf,
    /// Absolute base URL, always ending in `/` (`https://example.org/ngmo/`).
    pub base_url: String,
    /// The path part of `base_url`, always starting and ending in `/` (`/ngmo/`).
    pub base_path: String,
    pub default_language: String,
    pub theme: String,
    /// In display order; the default language is among them.
    pub languages: Vec<Language>,
    pub missing_translation: MissingTranslation,
    /// Locales searched, in order, after the page's own for a missing UI message.
    pub fluent_fallback: Vec<String>,
    /// Section keys published as books.
    pub books: Vec<String>,
}

impl SiteConfig {
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    pub fn language_codes(&self) -> String {
        self.languages
            .iter()
            .map(|l| l.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    pub fn theme_dir(&self) -> PathBuf {
        self.root.join("themes").join(&self.theme)
    }

    pub fn locales_dir(&self) -> PathBuf {
        self.root.join("locales")
    }

    /// A site-relative path as written to disk (`ja/releases/100% 達成/`) as a link from any
    /// page (`/ngmo/ja/releases/100%25%20%E9%81%94%E6%88%90/`), percent-encoded by
    /// [`crate::url::encode_path`], the one rule for every URL koho writes.
    pub fn url(&self, site_path: &str) -> String {
        crate::url::join(&self.base_path, site_path)
    }

    /// A site-relative path as an absolute URL, for hreflang, canonical links and feeds;
    /// encoded like [`SiteConfig::url`].
    pub fn permalink(&self, site_path: &str) -> String {
        crate::url::join(&self.base_url, site_path)
    }
}

/// Reads and checks `<root>/site.toml`; `base_url_override` comes from `--base-url`.
pub fn load(root: &Path, base_url_override: Option<&str>) -> Result<SiteConfig, Vec<Diagnostic>> {
    let path = root.join("site.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        vec![
            Diagnostic::in_file(&path, format!("cannot read the site configuration: {e}"))
                .with_help(
                "run koho in the site's folder or pass --root DIR (the folder holding site.toml)",
            ),
        ]
    })?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let location = match e.span() {
            Some(span) => Location::at_offset(&path, &text, span.start, 1),
            None => Location::file(&path),
        };
        vec![Diagnostic::error(Some(location), e.message().to_string())]
    })?;
    check(root, &path, raw, base_url_override)
}

fn check(
    root: &Path,
    path: &Path,
    raw: RawConfig,
    base_url_override: Option<&str>,
) -> Result<SiteConfig, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut languages = Vec::new();
    for (code, value) in raw.languages {
        if !is_language_code(&code) {
            errors.push(Diagnostic::in_file(
                path,
                format!("`{code}` is not a language code (use lowercase letters, e.g. `ja`, `en`, `zh`)"),
            ));
            continue;
        }
        match RawLanguage::deserialize(value) {
            Ok(lang) => languages.push(Language {
                code,
                name: lang.name,
                tag: lang.tag,
            }),
            Err(e) => errors.push(Diagnostic::in_file(
                path,
                format!("[languages.{code}]: {}", e.message()),
            )),
        }
    }
    if languages.is_empty() {
        errors.push(Diagnostic::in_file(
            path,
            "no [languages.<code>] table: configure at least one language",
        ));
    }
    let known = |code: &str| languages.iter().any(|l| l.code == code);
    if !languages.is_empty() && !known(&raw.default_language) {
        errors.push(Diagnostic::in_file(
            path,
            format!(
                "default_language `{}` is not among the configured languages",
                raw.default_language
            ),
        ));
    }
    for code in &raw.fluent_fallback {
        if !known(code) {
            errors.push(Diagnostic::in_file(
                path,
                format!("fluent_fallback names `{code}`, which is not a configured language"),
            ));
        }
    }
    let missing_translation = match raw.missing_translation.as_deref() {
        None | Some("omit") => MissingTranslation::Omit,
        Some("fallback") => MissingTranslation::Fallback,
        Some(other) => {
            errors.push(Diagnostic::in_file(
                path,
                format!(
                    "missing_translation = \"{other}\" is not known: use \"omit\" or \"fallback\""
                ),
            ));
            MissingTranslation::Omit
        }
    };
    let base_url_text = base_url_override.unwrap_or(&raw.base_url);
    let (base_url, base_path) = match split_base_url(base_url_text) {
        Some(parts) => parts,
        None => {
            errors.push(Diagnostic::in_file(
                path,
                format!("base_url `{base_url_text}` is not an absolute http(s) URL such as https://example.org/ngmo/"),
            ));
            (String::new(), String::from("/"))
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut fluent_fallback = raw.fluent_fallback;
    if !fluent_fallback.contains(&raw.default_language) {
        fluent_fallback.push(raw.default_language.clone());
    }
    Ok(SiteConfig {
        root: root.to_path_buf(),
        base_url,
        base_path,
        default_language: raw.default_language,
        theme: raw.theme,
        languages,
        missing_translation,
        fluent_fallback,
        books: raw
            .books
            .iter()
            .map(|b| crate::url::nfc(b.trim_matches('/')).into_owned())
            .collect(),
    })
}

/// A language code as used in file suffixes: `ja`, `en`, `zh`, `pt-br`.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `https://example.org/ngmo` → (`https://example.org/ngmo/`, `/ngmo/`).
fn split_base_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    if host_end == 0 {
        return None;
    }
    // One spelling of the path, encoded like every other URL: `/日本/` and `/%E6%97%A5%E6%9C%AC/`
    // are the same base path.
    let raw_path = rest[host_end..].trim_end_matches('/');
    let path = crate::url::decode(raw_path)
        .map(|decoded| crate::url::encode_path(&decoded).into_owned())
        .unwrap_or_else(|_| raw_path.to_string());
    let base_path = format!("{path}/");
    let scheme_len = url.len() - rest.len();
    let base_url = format!("{}{}", &url[..scheme_len + host_end], base_path);
    Some((base_url, base_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_subpath() {
        assert_eq!(
            split_base_url("https://example.org/ngmo"),
            Some(("https://example.org/ngmo/".into(), "/ngmo/".into()))
        );
        assert_eq!(
            split_base_url("https://ngmo.or.jp/"),
            Some(("https://ngmo.or.jp/".into(), "/".into()))
        );
        assert_eq!(split_base_url("ngmo.or.jp"), None);
        // The path is encoded like every URL koho writes, whichever way it was written.
        for written in ["https://x.org/日本", "https://x.org/%E6%97%A5%E6%9C%AC/"] {
            assert_eq!(
                split_base_url(written),
                Some((
                    "https://x.org/%E6%97%A5%E6%9C%AC/".to_string(),
                    "/%E6%97%A5%E6%9C%AC/".to_string()
                ))
            );
        }
    }

    #[test]
    fn language_codes() {
        assert!(is_language_code("ja"));
        assert!(is_language_code("pt-br"));
        assert!(!is_language_code("Japanese"));
        assert!(!is_language_code("index"));
    }

    #[test]
    fn unknown_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("site.toml"),
            "base_url = \"https://x.org/\"\ndefault_language = \"ja\"\ntheme = \"t\"\ntitel = 1\n[languages.ja]\nname = \"日本語\"\ntag = \"ja\"\n",
        )
        .unwrap();
        let errors = load(dir.path(), None).unwrap_err();
        assert!(errors[0].message.contains("titel"), "{}", errors[0]);
        assert_eq!(errors[0].location.as_ref().unwrap().line, Some(4));
    }
}
