//! URLs: where each document is published in each language, and how content links resolve.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::is_language_code;
use crate::markdown::is_external_or_fragment;

/// Site-relative output path of a document (`ja/releases/x/`), from its key and slug.
pub fn document_path(lang: &str, key: &str, slug: Option<&str>) -> String {
    if key.is_empty() {
        return format!("{lang}/");
    }
    match (slug, key.rsplit_once('/')) {
        (Some(slug), Some((parent, _))) => format!("{lang}/{parent}/{slug}/"),
        (Some(slug), None) => format!("{lang}/{slug}/"),
        (None, _) => format!("{lang}/{key}/"),
    }
}

/// The paths of every published document, by key and language, and the assets that exist.
#[derive(Debug, Default)]
pub struct Routes {
    /// key → language → site-relative path.
    pub documents: HashMap<String, BTreeMap<String, String>>,
    /// Content-relative paths of asset files (`releases/x/photo.svg`) → site-relative output
    /// path in each language (or one language-neutral path).
    pub assets: HashMap<String, AssetRoute>,
}

#[derive(Debug, Clone)]
pub enum AssetRoute {
    /// Published beside its page in each language: the page's path per language.
    PerLanguage(BTreeMap<String, String>),
    /// Published once at this site-relative path.
    Shared(String),
}

/// Where a link in a document points, before it becomes an href.
pub struct LinkSource<'a> {
    /// The content-relative folder of the file holding the link.
    pub dir: &'a str,
    /// The language the page is published in.
    pub lang: &'a str,
    pub base_path: &'a str,
    /// Configured language codes, to recognise `index.en.md` suffixes.
    pub languages: &'a HashSet<String>,
    pub default_language: &'a str,
}

impl Routes {
    /// Turns a Markdown link destination into an href, or says why it is broken.
    pub fn resolve(&self, dest: &str, from: &LinkSource) -> Result<String, String> {
        if dest.is_empty() || is_external_or_fragment(dest) {
            return Ok(dest.to_string());
        }
        let (target, fragment) = match dest.find(['#', '?']) {
            Some(i) => dest.split_at(i),
            None => (dest, ""),
        };
        if target.starts_with('/') {
            return Err(format!(
                "`{dest}` is an absolute path, which breaks when the site is deployed under a subpath"
            ) + "; link the content file instead (`@/releases/.../index.md`)");
        }
        let content_path = match target.strip_prefix("@/") {
            Some(path) => normalize("", path),
            None => normalize(from.dir, target),
        }
        .ok_or_else(|| format!("`{dest}` points outside content/"))?;

        if let Some(stem) = content_path.strip_suffix(".md") {
            let (key, explicit_lang) = key_of(stem, from.languages);
            let Some(by_lang) = self.documents.get(&key) else {
                return Err(format!(
                    "`{dest}` links to a page that does not exist (content/{content_path})"
                ));
            };
            let path = by_lang
                .get(from.lang)
                .or_else(|| explicit_lang.and_then(|l| by_lang.get(l)))
                .or_else(|| by_lang.get(from.default_language))
                .or_else(|| by_lang.values().next())
                .ok_or_else(|| format!("`{dest}` links to a page that is not published"))?;
            return Ok(format!("{}{}{}", from.base_path, path, fragment));
        }
        let Some(route) = self.assets.get(&content_path) else {
            return Err(format!(
                "`{dest}` links to a file that does not exist (content/{content_path})"
            ));
        };
        let (dir_path, file_name) = match content_path.rsplit_once('/') {
            Some((_, name)) => (route, name),
            None => (route, content_path.as_str()),
        };
        let output = match dir_path {
            AssetRoute::PerLanguage(paths) => {
                let page_path = paths
                    .get(from.lang)
                    .or_else(|| paths.get(from.default_language))
                    .or_else(|| paths.values().next())
                    .ok_or_else(|| format!("`{dest}` is not published in any language"))?;
                format!("{page_path}{file_name}")
            }
            AssetRoute::Shared(path) => path.clone(),
        };
        Ok(format!("{}{}{}", from.base_path, output, fragment))
    }
}

/// The document key and explicit language of a Markdown path stem (`releases/x/index.en`).
fn key_of<'a>(stem: &'a str, languages: &HashSet<String>) -> (String, Option<&'a str>) {
    let (dir, name) = stem.rsplit_once('/').unwrap_or(("", stem));
    let (name, lang) = match name.rsplit_once('.') {
        Some((base, suffix)) if is_language_code(suffix) && languages.contains(suffix) => {
            (base, Some(suffix))
        }
        _ => (name, None),
    };
    let key = match name {
        "_index" | "index" => dir.to_string(),
        _ if dir.is_empty() => name.to_string(),
        _ => format!("{dir}/{name}"),
    };
    (key, lang)
}

/// Joins `relative` onto `dir` and resolves `.` and `..`; None when it climbs out of content/.
fn normalize(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Routes {
        let mut routes = Routes::default();
        let mut x = BTreeMap::new();
        x.insert("ja".to_string(), "ja/releases/x/".to_string());
        x.insert("en".to_string(), "en/releases/x/".to_string());
        routes.documents.insert("releases/x".into(), x);
        let mut d = BTreeMap::new();
        d.insert("ja".to_string(), "ja/downloads/".to_string());
        routes.documents.insert("downloads".into(), d.clone());
        let mut photo = BTreeMap::new();
        photo.insert("ja".to_string(), "ja/releases/x/".to_string());
        photo.insert("en".to_string(), "en/releases/x/".to_string());
        routes.assets.insert(
            "releases/x/photo.svg".into(),
            AssetRoute::PerLanguage(photo),
        );
        routes
    }

    fn resolve(dest: &str, dir: &str, lang: &str) -> Result<String, String> {
        let languages: HashSet<String> = ["ja", "en", "zh"].iter().map(|s| s.to_string()).collect();
        let from = LinkSource {
            dir,
            lang,
            base_path: "/ngmo/",
            languages: &languages,
            default_language: "ja",
        };
        routes().resolve(dest, &from)
    }

    #[test]
    fn content_links_follow_the_page_language() {
        assert_eq!(
            resolve("@/releases/x/index.md", "", "en").unwrap(),
            "/ngmo/en/releases/x/"
        );
        assert_eq!(
            resolve("../x/index.ja.md#a", "releases/y", "en").unwrap(),
            "/ngmo/en/releases/x/#a"
        );
        // No English downloads page: the default language's is linked.
        assert_eq!(
            resolve("@/downloads/_index.md", "", "en").unwrap(),
            "/ngmo/ja/downloads/"
        );
        assert_eq!(
            resolve("photo.svg", "releases/x", "en").unwrap(),
            "/ngmo/en/releases/x/photo.svg"
        );
    }

    #[test]
    fn broken_links() {
        assert!(resolve("@/releases/none/index.md", "", "ja")
            .unwrap_err()
            .contains("does not exist"));
        assert!(resolve("nothing.png", "releases/x", "ja")
            .unwrap_err()
            .contains("does not exist"));
        assert!(resolve("../../../x.md", "a", "ja")
            .unwrap_err()
            .contains("outside"));
        assert!(resolve("/ja/", "a", "ja").is_err());
        assert_eq!(
            resolve("https://ngmo.or.jp/", "a", "ja").unwrap(),
            "https://ngmo.or.jp/"
        );
    }

    #[test]
    fn paths() {
        assert_eq!(document_path("ja", "", None), "ja/");
        assert_eq!(document_path("en", "releases/x", None), "en/releases/x/");
        assert_eq!(
            document_path("en", "releases/x", Some("masks")),
            "en/releases/masks/"
        );
    }
}
