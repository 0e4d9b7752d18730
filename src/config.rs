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
    /// Feeds and sharing metadata (`[discovery]`).
    #[serde(default)]
    discovery: RawDiscovery,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    name: String,
    tag: String,
    /// The OpenGraph locale (`ja_JP`); see [`default_og_locale`].
    #[serde(default)]
    locale: Option<String>,
}

/// `[discovery]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscovery {
    feed_section: Option<String>,
    feed_entries: Option<usize>,
    share_image: Option<String>,
    logo: Option<String>,
}

/// How the site is found and shared: its Atom feeds, sharing image and organisation logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The section key whose pages each language's Atom feed (`/<lang>/atom.xml`) lists;
    /// `None`: no feeds.
    pub feed_section: Option<String>,
    /// How many of the newest pages a feed holds (default 20).
    pub feed_entries: usize,
    /// A PNG or JPEG among the theme's static files (`images/card.png`), for `og:image`, the
    /// Twitter card and JSON-LD `image`.
    pub share_image: Option<String>,
    /// A square PNG or JPEG among the theme's static files: the organisation's logo in JSON-LD.
    pub logo: Option<String>,
    /// Language code → OpenGraph locale (`ja` → `ja_JP`), for every configured language.
    pub og_locales: std::collections::BTreeMap<String, String>,
}

impl Default for Discovery {
    fn default() -> Self {
        Discovery {
            feed_section: None,
            feed_entries: 20,
            share_image: None,
            logo: None,
            og_locales: Default::default(),
        }
    }
}

/// The OpenGraph locale (`language_TERRITORY`, as in `ja_JP`) of a language without a
/// `locale` in site.toml: the usual territory for common languages, else the BCP 47 tag's
/// region (`pt-BR` → `pt_BR`), else the language alone (`eo`). Source: ogp.me, "og:locale".
pub fn default_og_locale(code: &str, tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    let known = match lower.as_str() {
        "ja" => Some("ja_JP"),
        "en" => Some("en_US"),
        "zh" | "zh-hans" | "zh-cn" | "zh-hans-cn" => Some("zh_CN"),
        "zh-hant" | "zh-tw" | "zh-hant-tw" => Some("zh_TW"),
        "zh-hk" | "zh-hant-hk" => Some("zh_HK"),
        "ko" => Some("ko_KR"),
        "fr" => Some("fr_FR"),
        "de" => Some("de_DE"),
        "es" => Some("es_ES"),
        "it" => Some("it_IT"),
        "pt" => Some("pt_PT"),
        "ru" => Some("ru_RU"),
        "vi" => Some("vi_VN"),
        "th" => Some("th_TH"),
        _ => None,
    };
    if let Some(locale) = known {
        return locale.to_string();
    }
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or(code).to_ascii_lowercase();
    match parts.find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic())) {
        Some(region) => format!("{language}_{}", region.to_ascii_uppercase()),
        None => language,
    }
}

/// The OpenGraph locale of a language: as configured (an error when malformed) or the default.
fn checked_locale(
    path: &Path,
    code: &str,
    language: &RawLanguage,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    match &language.locale {
        Some(locale) if is_og_locale(locale) => Some(locale.clone()),
        Some(locale) => {
            errors.push(
                Diagnostic::in_file(
                    path,
                    format!("[languages.{code}] locale = \"{locale}\" is not a locale in the form OpenGraph uses"),
                )
                .with_help("write language_TERRITORY, e.g. \"ja_JP\", \"en_US\", \"zh_CN\""),
            );
            None
        }
        None => Some(default_og_locale(code, &language.tag)),
    }
}

/// Whether `locale` has the `ll_TT` form OpenGraph uses (`ja_JP`, `zh_CN`, `es_419` is not).
fn is_og_locale(locale: &str) -> bool {
    let Some((language, territory)) = locale.split_once('_') else {
        return false;
    };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && territory.len() == 2
        && territory.bytes().all(|b| b.is_ascii_uppercase())
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
    /// Feeds and sharing metadata.
    pub discovery: Discovery,
}

impl SiteConfig {
    /// The OpenGraph locale of a language (`ja_JP`).
    pub fn og_locale(&self, code: &str) -> String {
        self.discovery
            .og_locales
            .get(code)
            .cloned()
            .unwrap_or_else(|| {
                let tag = self.language(code).map_or(code, |l| l.tag.as_str());
                default_og_locale(code, tag)
            })
    }

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

    /// A site-relative path (`ja/releases/`) as a link from any page (`/ngmo/ja/releases/`).
    pub fn url(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path.trim_start_matches('/'))
    }

    /// A site-relative path as an absolute URL, for hreflang, canonical links and feeds.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url, site_path.trim_start_matches('/'))
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
    let mut og_locales = std::collections::BTreeMap::new();
    for (code, value) in raw.languages {
        if !is_language_code(&code) {
            errors.push(Diagnostic::in_file(
                path,
                format!("`{code}` is not a language code (use lowercase letters, e.g. `ja`, `en`, `zh`)"),
            ));
            continue;
        }
        match RawLanguage::deserialize(value) {
            Ok(lang) => {
                let Some(locale) = checked_locale(path, &code, &lang, &mut errors) else {
                    continue;
                };
                og_locales.insert(code.clone(), locale);
                languages.push(Language {
                    code,
                    name: lang.name,
                    tag: lang.tag,
                });
            }
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
    let discovery = check_discovery(path, raw.discovery, og_locales, &mut errors);
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
            .map(|b| b.trim_matches('/').to_string())
            .collect(),
        discovery,
    })
}

/// Checks `[discovery]`: paths are relative and `/`-separated, the feed holds at least one entry.
fn check_discovery(
    path: &Path,
    raw: RawDiscovery,
    og_locales: std::collections::BTreeMap<String, String>,
    errors: &mut Vec<Diagnostic>,
) -> Discovery {
    let mut relative = |key: &str, value: Option<String>| {
        let value = value?;
        let clean = value.trim_matches('/').to_string();
        let bad = clean.is_empty()
            || clean.contains('\\')
            || clean.split('/').any(|part| part == ".." || part == ".");
        if bad {
            errors.push(
                Diagnostic::in_file(
                    path,
                    format!("[discovery] {key} = \"{value}\" is not a path inside the site"),
                )
                .with_help(
                    "write a path relative to the theme's static/ folder, e.g. \"images/card.png\"",
                ),
            );
            return None;
        }
        Some(clean)
    };
    let feed_section = relative("feed_section", raw.feed_section);
    let share_image = relative("share_image", raw.share_image);
    let logo = relative("logo", raw.logo);
    let feed_entries = raw.feed_entries.unwrap_or(20);
    if feed_entries == 0 {
        errors.push(
            Diagnostic::in_file(
                path,
                "[discovery] feed_entries = 0: a feed needs at least one entry",
            )
            .with_help("remove feed_section to publish no feed"),
        );
    }
    Discovery {
        feed_section,
        feed_entries,
        share_image,
        logo,
        og_locales,
    }
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
    let path = rest[host_end..].trim_end_matches('/');
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
    }

    #[test]
    fn og_locales() {
        assert_eq!(default_og_locale("ja", "ja"), "ja_JP");
        assert_eq!(default_og_locale("en", "en"), "en_US");
        assert_eq!(default_og_locale("zh", "zh-Hans"), "zh_CN");
        assert_eq!(default_og_locale("pt-br", "pt-BR"), "pt_BR");
        assert_eq!(default_og_locale("eo", "eo"), "eo");
        assert!(is_og_locale("zh_CN"));
        assert!(!is_og_locale("zh-CN") && !is_og_locale("zh_cn") && !is_og_locale("zh"));
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
