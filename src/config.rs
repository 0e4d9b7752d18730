//! Site configuration: `site.toml` as written (raw) and as used (checked).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Diagnostic, Location};

mod security;
pub use security::{RawHtml, Security, DEFAULT_CSP};

/// `site.toml` exactly as written; unknown keys are errors so a typo cannot pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: toml::Spanned<String>,
    default_language: String,
    theme: toml::Spanned<String>,
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
    /// Raw HTML in Markdown and the pages' Content-Security-Policy (`[security]`).
    #[serde(default)]
    security: security::RawSecurity,
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
    /// Raw HTML in Markdown and the pages' Content-Security-Policy.
    pub security: Security,
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
    if !path.exists() {
        return Err(vec![Diagnostic::in_file(
            &path,
            "there is no site configuration here",
        )
        .with_help(
            "run koho in the site's folder or pass --root DIR (the folder holding site.toml)",
        )]);
    }
    let text = crate::text::read_text(&path, &path).map_err(|e| vec![e])?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let location = match e.span() {
            Some(span) => Location::at_offset(&path, &text, span.start, 1),
            None => Location::file(&path),
        };
        vec![Diagnostic::error(Some(location), e.message().to_string())]
    })?;
    check(root, &path, &text, raw, base_url_override)
}

fn check(
    root: &Path,
    path: &Path,
    text: &str,
    raw: RawConfig,
    base_url_override: Option<&str>,
) -> Result<SiteConfig, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let at = |span: std::ops::Range<usize>| Some(Location::at_offset(path, text, span.start, 1));
    let (languages, og_locales) = check_languages(path, raw.languages, &mut errors);
    errors.extend(check_language_names(
        path,
        &languages,
        &raw.default_language,
        &raw.fluent_fallback,
    ));
    let missing_translation = missing_translation(path, raw.missing_translation.as_deref())
        .unwrap_or_else(|error| {
            errors.push(error);
            MissingTranslation::Omit
        });
    let base_url = checked_base_url(&raw.base_url, base_url_override, at);
    let base_url = base_url.unwrap_or_else(|error| {
        errors.push(error);
        String::from("/")
    });
    if let Err(message) = check_theme_name(raw.theme.get_ref()) {
        errors.push(
            Diagnostic::error(at(raw.theme.span()), format!("theme: {message}"))
                .with_help("name a folder under themes/, e.g. theme = \"ngmo\" for themes/ngmo/"),
        );
    }
    let discovery = check_discovery(path, raw.discovery, og_locales, &mut errors);
    let security = security::check(path, raw.security, at, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut fluent_fallback = raw.fluent_fallback;
    if !fluent_fallback.contains(&raw.default_language) {
        fluent_fallback.push(raw.default_language.clone());
    }
    let base_path = base_path_of(&base_url);
    Ok(SiteConfig {
        root: root.to_path_buf(),
        base_url,
        base_path,
        default_language: raw.default_language,
        theme: raw.theme.into_inner(),
        languages,
        missing_translation,
        fluent_fallback,
        books: raw
            .books
            .iter()
            .map(|b| crate::url::nfc(b.trim_matches('/')).into_owned())
            .collect(),
        discovery,
        security,
    })
}

/// `default_language` and `fluent_fallback` name configured languages.
fn check_language_names(
    path: &Path,
    languages: &[Language],
    default_language: &str,
    fluent_fallback: &[String],
) -> Vec<Diagnostic> {
    let known = |code: &str| languages.iter().any(|l| l.code == code);
    let mut errors = Vec::new();
    if !languages.is_empty() && !known(default_language) {
        errors.push(Diagnostic::in_file(
            path,
            format!("default_language `{default_language}` is not among the configured languages"),
        ));
    }
    for code in fluent_fallback.iter().filter(|code| !known(code)) {
        errors.push(Diagnostic::in_file(
            path,
            format!("fluent_fallback names `{code}`, which is not a configured language"),
        ));
    }
    errors
}

/// The `missing_translation` policy: `omit` (the default) or `fallback`.
fn missing_translation(path: &Path, value: Option<&str>) -> Result<MissingTranslation, Diagnostic> {
    match value {
        None | Some("omit") => Ok(MissingTranslation::Omit),
        Some("fallback") => Ok(MissingTranslation::Fallback),
        Some(other) => Err(Diagnostic::in_file(
            path,
            format!("missing_translation = \"{other}\" is not known: use \"omit\" or \"fallback\""),
        )),
    }
}

/// The `[languages.<code>]` tables, in display order; problems are pushed to `errors`.
/// The configured languages in order, and each one's OpenGraph locale.
fn check_languages(
    path: &Path,
    table: toml::Table,
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Language>, std::collections::BTreeMap<String, String>) {
    let mut languages = Vec::new();
    let mut og_locales = std::collections::BTreeMap::new();
    for (code, value) in table {
        if !is_language_code(&code) {
            errors.push(Diagnostic::in_file(
                path,
                format!("`{code}` is not a language code (use lowercase letters, e.g. `ja`, `en`, `zh`)"),
            ));
            continue;
        }
        match RawLanguage::deserialize(value) {
            Ok(lang) => {
                let Some(locale) = checked_locale(path, &code, &lang, errors) else {
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
    (languages, og_locales)
}

/// The base URL from `--base-url` when given (a message blamed on the flag), else from
/// site.toml (a message at its line); see [`parse_base_url`].
fn checked_base_url(
    written: &toml::Spanned<String>,
    flag: Option<&str>,
    at: impl Fn(std::ops::Range<usize>) -> Option<Location>,
) -> Result<String, Diagnostic> {
    match flag {
        Some(flag) => parse_base_url(flag).map_err(|message| {
            Diagnostic::error(None, format!("--base-url: {message}"))
                .with_help("pass an absolute address such as --base-url https://example.org/ngmo/")
        }),
        None => parse_base_url(written.get_ref()).map_err(|message| {
            Diagnostic::error(at(written.span()), format!("base_url: {message}"))
        }),
    }
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

/// Checks a base URL (site.toml's `base_url`, the `--base-url` flag) and returns it in the form
/// every later stage uses: `https://example.org/ngmo` → `https://example.org/ngmo/` (host in
/// lowercase, path ending in `/`, non-ASCII percent-encoded by the WHATWG URL rules of the `url`
/// crate).
///
/// Refused, with a message saying why: anything but an absolute `http://` or `https://` URL
/// with a host (`example.org`, `/ngmo/`, `ftp://…`), spaces, quotes, angle brackets, backslashes
/// and control characters (they would break out of the attributes the URL is written into), a
/// user name or password, a query or a fragment.
pub fn parse_base_url(text: &str) -> Result<String, String> {
    const EXAMPLE: &str = "such as https://example.org/ngmo/";
    if let Some(bad) = text.chars().find(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
    }) {
        return Err(format!(
            "`{text}` contains {bad:?}, which a URL cannot hold; write it percent-encoded or leave it out"
        ));
    }
    // The URL standard forgives `https:example.org` and `https:///example.org`; a base URL
    // written like that is a typo, so the host must follow `//` directly.
    let lower = text.to_ascii_lowercase();
    let after_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if after_scheme.is_none_or(|rest| rest.is_empty() || rest.starts_with('/')) {
        return Err(format!("`{text}` is not an absolute http(s) URL {EXAMPLE}"));
    }
    let url = url::Url::parse(text)
        .map_err(|e| format!("`{text}` is not an absolute http(s) URL {EXAMPLE} ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(format!("`{text}` is not an http(s) URL {EXAMPLE}"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host name; write one {EXAMPLE}"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{text}` holds a user name or password; leave them out"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}` has a query (`?…`) or fragment (`#…`); a base URL cannot"
        ));
    }
    let mut base = url.to_string();
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok(base)
}

/// The path part of a URL checked by [`parse_base_url`]: `https://example.org/ngmo/` → `/ngmo/`.
fn base_path_of(base_url: &str) -> String {
    url::Url::parse(base_url).map_or_else(|_| String::from("/"), |url| url.path().to_string())
}

/// A theme is named by one folder name under themes/: not empty, not `.` or `..`, no path
/// separator (`/`, `\`) and no drive or NUL, so that the theme can never be read from elsewhere.
fn check_theme_name(name: &str) -> Result<(), String> {
    let shown = name.escape_debug();
    if name.is_empty() {
        return Err("the theme name is empty".into());
    }
    if name == "." || name == ".." || name.contains(['/', '\\', ':', '\0']) {
        return Err(format!(
            "`{shown}` is not a folder name: a theme is a folder directly under themes/, named without `/`, `\\`, `:` or `..`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_subpath() {
        let parsed = |url: &str| parse_base_url(url).map(|b| (base_path_of(&b), b));
        assert_eq!(
            parsed("https://example.org/ngmo"),
            Ok(("/ngmo/".into(), "https://example.org/ngmo/".into()))
        );
        assert_eq!(
            parsed("https://NGMO.or.jp/"),
            Ok(("/".into(), "https://ngmo.or.jp/".into()))
        );
        assert_eq!(
            parsed("http://localhost:8000"),
            Ok(("/".into(), "http://localhost:8000/".into()))
        );
    }

    #[test]
    fn base_url_refuses_what_is_not_an_absolute_http_url() {
        for bad in [
            "ngmo.or.jp",
            "/ngmo/",
            "",
            "ftp://example.org/",
            "mailto:a@example.org",
            "https://",
            "https:///x",
            "https:example.org",
            "https://example.org/a b/",
            "https://example.org/\"onmouseover=\"x",
            "https://example.org/'x'",
            "https://exa<mple.org/",
            "https://user:pw@example.org/",
            "https://example.org/?q=1",
            "https://example.org/#top",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn theme_is_a_folder_name() {
        assert!(check_theme_name("ngmo").is_ok());
        assert!(check_theme_name("ngmo-2.1").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "../elsewhere",
            "/etc",
            "a/b",
            "a\\b",
            "C:x",
            "a\0",
        ] {
            assert!(check_theme_name(bad).is_err(), "{bad:?} was accepted");
        }
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
