//! Typed, serialisable views of the site for templates; each borrows from the immutable site.

use serde::Serialize;

use crate::content::DocKind;
use crate::i18n::dates::LocalizedDate;
use crate::markdown::Heading;
use crate::site::{Page, Site};

/// Site-wide data every template gets.
#[derive(Serialize)]
pub struct SiteView<'a> {
    pub base_path: &'a str,
    pub base_url: &'a str,
    pub default_language: &'a str,
    pub languages: Vec<LanguageView<'a>>,
}

#[derive(Serialize)]
pub struct LanguageView<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub tag: &'a str,
    /// The language's home page.
    pub url: String,
}

pub fn site_view(site: &Site) -> SiteView<'_> {
    SiteView {
        base_path: &site.config.base_path,
        base_url: &site.config.base_url,
        default_language: &site.config.default_language,
        languages: site
            .config
            .languages
            .iter()
            .map(|l| LanguageView {
                code: &l.code,
                name: &l.name,
                tag: &l.tag,
                url: site.config.url(&format!("{}/", l.code)),
            })
            .collect(),
    }
}

/// The page being rendered.
#[derive(Serialize)]
pub struct PageView<'a> {
    pub key: &'a str,
    pub kind: &'static str,
    /// The first folder of the key (`releases`), which also picks the template.
    pub section_name: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub date: Option<LocalizedDate>,
    pub weight: i64,
    pub lang: &'a str,
    pub lang_tag: &'a str,
    pub content_lang: &'a str,
    pub content_lang_tag: &'a str,
    pub content_lang_name: &'a str,
    pub is_fallback: bool,
    pub url: String,
    pub permalink: String,
    pub content: &'a str,
    pub toc: &'a [Heading],
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// The sections above this page, outermost first (not the home page).
    pub ancestors: Vec<Link<'a>>,
}

#[derive(Serialize)]
pub struct Link<'a> {
    pub title: &'a str,
    pub url: String,
    /// The BCP 47 tag of the title's language (the default language's for a fallback page).
    pub lang_tag: &'a str,
}

/// The BCP 47 tag of a site language code (`zh` → `zh-Hans`), or the code itself.
pub fn language_tag<'a>(site: &'a Site, code: &'a str) -> &'a str {
    site.config.language(code).map_or(code, |l| l.tag.as_str())
}

/// The view of `page`, whose body HTML is `content` (`Site::page_html`).
pub fn page_view<'a>(site: &'a Site, page: &'a Page, content: &'a str) -> PageView<'a> {
    let language = |code: &str| site.config.language(code);
    let content_language = language(&page.content_lang);
    PageView {
        key: &page.key,
        kind: match page.kind {
            DocKind::Section => "section",
            _ => "page",
        },
        section_name: page.key.split('/').next().unwrap_or_default(),
        title: &page.front.title,
        description: page.front.description.as_deref(),
        date: page.front.date.map(|d| site.localized_date(&page.lang, d)),
        weight: page.front.weight,
        lang: &page.lang,
        lang_tag: language(&page.lang).map_or(&page.lang, |l| &l.tag),
        content_lang: &page.content_lang,
        content_lang_tag: content_language.map_or(&page.content_lang, |l| &l.tag),
        content_lang_name: content_language.map_or(&page.content_lang, |l| &l.name),
        is_fallback: page.is_fallback(),
        url: site.config.url(&page.path),
        permalink: site.config.permalink(&page.path),
        content,
        toc: &page.headings,
        extra: &page.front.extra,
        ancestors: ancestors(site, page),
    }
}

fn ancestors<'a>(site: &'a Site, page: &Page) -> Vec<Link<'a>> {
    let mut links = Vec::new();
    let mut parent = page.parent.as_deref();
    while let Some(key) = parent.filter(|k| !k.is_empty()) {
        let Some(section) = site.page(key, &page.lang) else {
            break;
        };
        links.push(Link {
            title: &section.front.title,
            url: site.config.url(&section.path),
            lang_tag: language_tag(site, &section.content_lang),
        });
        parent = section.parent.as_deref();
    }
    links.reverse();
    links
}

/// A page in a list (section pages, latest releases).
#[derive(Serialize)]
pub struct Summary<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub date: Option<LocalizedDate>,
    pub url: String,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    pub is_fallback: bool,
    /// The BCP 47 tag of the language of title, description and extra texts: the page's own,
    /// or the default language's for a fallback page (the date is in the list's language).
    pub lang_tag: &'a str,
}

pub fn summary<'a>(site: &'a Site, page: &'a Page) -> Summary<'a> {
    Summary {
        key: &page.key,
        title: &page.front.title,
        description: page.front.description.as_deref(),
        date: page.front.date.map(|d| site.localized_date(&page.lang, d)),
        url: site.config.url(&page.path),
        extra: &page.front.extra,
        is_fallback: page.is_fallback(),
        lang_tag: language_tag(site, &page.content_lang),
    }
}

/// One entry of the language switcher.
#[derive(Serialize)]
pub struct Translation<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub tag: &'a str,
    pub url: String,
    pub permalink: String,
    pub current: bool,
    /// False when the page has no translation in this language: `url` is then the nearest
    /// section that exists in it.
    pub available: bool,
    /// True when the language shows this page in another language's text.
    pub is_fallback: bool,
}

pub fn translations<'a>(site: &'a Site, page: &Page) -> Vec<Translation<'a>> {
    site.config
        .languages
        .iter()
        .map(|language| {
            let existing = site.page(&page.key, &language.code);
            let target = existing.or_else(|| {
                let start = page.parent.as_deref().unwrap_or("");
                site.nearest_section(start, &language.code)
            });
            let path = target.map_or_else(|| format!("{}/", language.code), |p| p.path.clone());
            Translation {
                code: &language.code,
                name: &language.name,
                tag: &language.tag,
                url: site.config.url(&path),
                permalink: site.config.permalink(&path),
                current: language.code == page.lang,
                available: existing.is_some(),
                is_fallback: existing.is_some_and(Page::is_fallback),
            }
        })
        .collect()
}

/// Where a paginated list is: its page `current` of `total` (from 1), the links a pager
/// shows, and the numbered links `nearby` (up to `PAGER_WINDOW` on each side of the current
/// page, itself included, and one more where that leaves out only page 2 or the last but one). Not every page's link: a list of 500 pages would carry 500 links
/// on each of its 500 pages, a cost growing with the square of the list (Zola's paginator
/// gives first, last, previous and next the same way).
#[derive(Serialize)]
pub struct Paginator {
    pub current: usize,
    pub total: usize,
    pub first_url: String,
    pub last_url: String,
    pub previous_url: Option<String>,
    pub next_url: Option<String>,
    pub nearby: Vec<PagerLink>,
}

/// How many numbered links `Paginator::nearby` gives on each side of the current page.
pub const PAGER_WINDOW: usize = 2;

/// A numbered link of a pager.
#[derive(Serialize)]
pub struct PagerLink {
    pub number: usize,
    pub url: String,
}

/// The view of a page that is not a document (the 404 and search pages of a language):
/// `key` names it for templates (`404`, `search`), `path` is its folder or file.
pub fn special_view<'a>(
    site: &'a Site,
    lang: &'a str,
    key: &'a str,
    title: &'a str,
    path: &str,
    extra: &'a serde_json::Map<String, serde_json::Value>,
) -> PageView<'a> {
    let language = site.config.language(lang);
    let tag = language.map_or(lang, |l| l.tag.as_str());
    PageView {
        key,
        kind: "page",
        section_name: key,
        title,
        description: None,
        date: None,
        weight: 0,
        lang,
        lang_tag: tag,
        content_lang: lang,
        content_lang_tag: tag,
        content_lang_name: language.map_or(lang, |l| l.name.as_str()),
        is_fallback: false,
        url: site.config.url(path),
        permalink: site.config.permalink(path),
        content: "",
        toc: &[],
        extra,
        ancestors: Vec::new(),
    }
}

/// The language switcher of a special page: each language's own version at `path_in(code)`.
pub fn special_translations<'a>(
    site: &'a Site,
    lang: &str,
    path_in: impl Fn(&str) -> String,
) -> Vec<Translation<'a>> {
    site.config
        .languages
        .iter()
        .map(|language| {
            let path = path_in(&language.code);
            Translation {
                code: &language.code,
                name: &language.name,
                tag: &language.tag,
                url: site.config.url(&path),
                permalink: site.config.permalink(&path),
                current: language.code == lang,
                available: true,
                is_fallback: false,
            }
        })
        .collect()
}
