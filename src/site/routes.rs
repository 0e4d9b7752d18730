//! URLs: where each document is published in each language, and how content links resolve.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::is_language_code;

/// Site-relative output path of a document (`ja/releases/x/`), from its key (NFC already)
/// and slug (taken in NFC here). Not encoded: this is the name on disk; `SiteConfig::url`
/// encodes it for links.
pub fn document_path(lang: &str, key: &str, slug: Option<&str>) -> String {
    if key.is_empty() {
        return format!("{lang}/");
    }
    let slug = slug.map(crate::url::nfc);
    match (slug.as_deref(), key.rsplit_once('/')) {
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
    /// The key of the page holding the link (None for a fragment, which has no page of its
    /// own): same-page `#id` links are checked against it.
    pub key: Option<&'a str>,
    /// The language the page is published in.
    pub lang: &'a str,
    pub base_path: &'a str,
    /// Configured language codes, to recognise `index.en.md` suffixes.
    pub languages: &'a HashSet<String>,
    pub default_language: &'a str,
}

/// A link destination turned into an href.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Percent-encoded by the one rule of [`crate::url`].
    pub href: String,
    /// The page and id a `#fragment` names, to be checked once every page's ids are known.
    pub anchor: Option<AnchorTarget>,
}

/// The page (key and language it is published in) a link lands on, and the id it names:
/// decoded and in NFC, as ids are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorTarget {
    pub key: String,
    pub lang: String,
    pub id: String,
}

/// Whether a destination leaves the site: a scheme (`https:`, `mailto:`) or `//host`. One
/// letter before `:` is a Windows drive (`C:\x`), not a scheme: it is resolved as a path, and
/// refused (as in `markdown::is_external_or_fragment`).
fn is_external(dest: &str) -> bool {
    dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        })
}

impl Routes {
    /// Turns a Markdown link destination into an href, or says why it is broken. The path is
    /// percent-decoded and taken in NFC before it is looked up (`支援物資%20写真.svg` finds
    /// `支援物資 写真.svg`; a file whose name really holds `%20` is found as written too);
    /// the href is encoded by the one rule of [`crate::url`].
    pub fn resolve(&self, dest: &str, from: &LinkSource) -> Result<Resolved, String> {
        if dest.is_empty() || is_external(dest) || dest == "#" {
            return Ok(Resolved {
                href: dest.to_string(),
                anchor: None,
            });
        }
        if let Some(fragment) = dest.strip_prefix('#') {
            let id = crate::url::decode(fragment)?;
            return Ok(Resolved {
                href: format!("#{}", crate::url::encode_fragment(&id)),
                anchor: from.key.map(|key| AnchorTarget {
                    key: key.to_string(),
                    lang: from.lang.to_string(),
                    id,
                }),
            });
        }
        let (before_fragment, fragment) = match dest.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (dest, None),
        };
        let (target, query) = match before_fragment.split_once('?') {
            Some((target, query)) => (target, format!("?{query}")),
            None => (before_fragment, String::new()),
        };
        if target.starts_with('/') {
            return Err(format!(
                "`{dest}` is an absolute path, which breaks when the site is deployed under a subpath"
            ) + "; link the content file instead (`@/releases/.../index.md`)");
        }
        let decoded = crate::url::decode(target)?;
        let content_path = content_path(from.dir, &decoded)
            .ok_or_else(|| format!("`{dest}` points outside content/"))?;
        let Some(stem) = content_path.strip_suffix(".md") else {
            let href = self.asset_href(dest, target, content_path, from)?;
            // A file's fragment (`report.pdf#page=2`) is the viewer's business: kept as written.
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            return Ok(Resolved {
                href: format!("{href}{query}{fragment}"),
                anchor: None,
            });
        };
        let (key, lang, path) = self
            .page_route(stem, from)
            .map_err(|why| format!("`{dest}` links to {why} (content/{content_path})"))?;
        let id = fragment
            .filter(|f| !f.is_empty())
            .map(crate::url::decode)
            .transpose()?;
        let mut href = crate::url::join(from.base_path, path) + &query;
        if let Some(id) = &id {
            href.push('#');
            href.push_str(&crate::url::encode_fragment(id));
        }
        let anchor = id.map(|id| AnchorTarget { key, lang, id });
        Ok(Resolved { href, anchor })
    }

    /// The href of a file beside a page: found under its decoded `content_path`, else (a name
    /// that really holds `%XX`) under `target` as written.
    fn asset_href(
        &self,
        dest: &str,
        target: &str,
        content_path: String,
        from: &LinkSource,
    ) -> Result<String, String> {
        let literal = content_path_of(from.dir, target);
        let (content_path, route) = match self.assets.get(&content_path) {
            Some(route) => (content_path, route),
            None => match literal.and_then(|p| Some((self.assets.get(&p)?, p))) {
                Some((route, path)) => (path, route),
                None => {
                    return Err(format!(
                        "`{dest}` links to a file that does not exist (content/{content_path})"
                    ))
                }
            },
        };
        let file_name = content_path
            .rsplit_once('/')
            .map_or(content_path.as_str(), |(_, name)| name);
        let output = match route {
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
        Ok(crate::url::join(from.base_path, &output))
    }

    /// The key, chosen language and site-relative path of the page a Markdown path stem
    /// (`releases/x/index.en`) names: in the linking page's language when it exists there,
    /// else in the language of the file named, else in the default language, else any.
    fn page_route(
        &self,
        stem: &str,
        from: &LinkSource,
    ) -> Result<(String, String, &String), &'static str> {
        let (key, explicit_lang) = key_of(stem, from.languages);
        let by_lang = self
            .documents
            .get(&key)
            .ok_or("a page that does not exist")?;
        let (lang, path) = [Some(from.lang), explicit_lang, Some(from.default_language)]
            .into_iter()
            .flatten()
            .find_map(|l| by_lang.get_key_value(l))
            .or_else(|| by_lang.iter().next())
            .ok_or("a page that is not published")?;
        Ok((key, lang.clone(), path))
    }
}

/// The content-relative path of a decoded destination, relative to `dir` or (`@/…`) to
/// content/ itself; None when it climbs out of content/.
fn content_path(dir: &str, decoded: &str) -> Option<String> {
    match decoded.strip_prefix("@/") {
        Some(path) => normalize("", path),
        None => normalize(dir, decoded),
    }
}

/// The destination as written, not decoded (in NFC).
fn content_path_of(dir: &str, target: &str) -> Option<String> {
    target
        .contains('%')
        .then(|| content_path(dir, &crate::url::nfc(target)))
        .flatten()
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
    crate::url::join_relative(dir, relative)
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

    fn resolve_full(dest: &str, dir: &str, lang: &str) -> Result<Resolved, String> {
        let languages: HashSet<String> = ["ja", "en", "zh"].iter().map(|s| s.to_string()).collect();
        let from = LinkSource {
            dir,
            key: Some("releases/y"),
            lang,
            base_path: "/ngmo/",
            languages: &languages,
            default_language: "ja",
        };
        routes().resolve(dest, &from)
    }

    fn resolve(dest: &str, dir: &str, lang: &str) -> Result<String, String> {
        resolve_full(dest, dir, lang).map(|r| r.href)
    }

    fn anchor(key: &str, lang: &str, id: &str) -> Option<AnchorTarget> {
        Some(AnchorTarget {
            key: key.into(),
            lang: lang.into(),
            id: id.into(),
        })
    }

    #[test]
    fn destinations_are_decoded_and_hrefs_encoded() {
        let mut routes = routes();
        let mut guide = BTreeMap::new();
        guide.insert("ja".to_string(), "ja/ガイドブック/".to_string());
        routes.documents.insert("ガイドブック".into(), guide);
        let mut photo = BTreeMap::new();
        photo.insert("ja".to_string(), "ja/releases/x/".to_string());
        routes.assets.insert(
            "releases/x/支援物資 写真.svg".into(),
            AssetRoute::PerLanguage(photo.clone()),
        );
        routes.assets.insert(
            "releases/x/a%20b.svg".into(),
            AssetRoute::PerLanguage(photo),
        );
        let languages: HashSet<String> = ["ja"].iter().map(|s| s.to_string()).collect();
        let from = LinkSource {
            dir: "releases/x",
            key: Some("releases/x"),
            lang: "ja",
            base_path: "/",
            languages: &languages,
            default_language: "ja",
        };
        let href = |dest: &str| routes.resolve(dest, &from).map(|r| r.href);
        assert_eq!(
            href("支援物資%20写真.svg").unwrap(),
            "/ja/releases/x/%E6%94%AF%E6%8F%B4%E7%89%A9%E8%B3%87%20%E5%86%99%E7%9C%9F.svg"
        );
        assert_eq!(
            href("支援物資 写真.svg").unwrap(),
            href("支援物資%20写真.svg").unwrap()
        );
        // A name that really holds `%20` is found as written.
        assert_eq!(href("a%20b.svg").unwrap(), "/ja/releases/x/a%2520b.svg");
        // Typed in NFD (as macOS writes it) or NFC, percent-encoded or not: one page, NFC URL.
        let nfc_url = "/ja/%E3%82%AC%E3%82%A4%E3%83%89%E3%83%96%E3%83%83%E3%82%AF/";
        for dest in [
            "@/\u{30AB}\u{3099}\u{30A4}\u{30C8}\u{3099}\u{30D5}\u{3099}\u{30C3}\u{30AF}/_index.md",
            "@/ガイドブック/_index.md",
            "@/%E3%82%AC%E3%82%A4%E3%83%89%E3%83%96%E3%83%83%E3%82%AF/_index.md",
        ] {
            assert_eq!(href(dest).unwrap(), nfc_url, "{dest}");
        }
    }

    #[test]
    fn fragments_are_recorded_for_the_anchor_check() {
        let resolved = resolve_full("@/releases/x/index.md#%E6%B2%BF%E9%9D%A9", "", "en").unwrap();
        assert_eq!(resolved.href, "/ngmo/en/releases/x/#%E6%B2%BF%E9%9D%A9");
        assert_eq!(resolved.anchor, anchor("releases/x", "en", "沿革"));
        let resolved = resolve_full("@/releases/x/index.md#沿革", "", "en").unwrap();
        assert_eq!(resolved.href, "/ngmo/en/releases/x/#%E6%B2%BF%E9%9D%A9");
        // The English page does not exist for downloads: the Japanese one is checked.
        let resolved = resolve_full("@/downloads/_index.md#a", "", "en").unwrap();
        assert_eq!(resolved.anchor, anchor("downloads", "ja", "a"));
        // Same-page links name the page holding them.
        let resolved = resolve_full("#背景", "releases/y", "zh").unwrap();
        assert_eq!(resolved.href, "#%E8%83%8C%E6%99%AF");
        assert_eq!(resolved.anchor, anchor("releases/y", "zh", "背景"));
        // Files' fragments are not ids.
        let resolved = resolve_full("photo.svg#x=1", "releases/x", "ja").unwrap();
        assert_eq!(resolved.href, "/ngmo/ja/releases/x/photo.svg#x=1");
        assert_eq!(resolved.anchor, None);
        assert_eq!(resolve_full("#", "", "ja").unwrap().anchor, None);
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
