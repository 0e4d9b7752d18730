//! The sitemap (sitemaps.org protocol 0.9) with hreflang alternates (Google, "Tell Google about
//! localized versions of your page": every version lists every version, itself and
//! `x-default` included), split into parts under a sitemap index above the protocol's limit,
//! and robots.txt pointing to it.

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use url::Url;

use super::feed::xml_safe;
use crate::content::{Date, DocKind};
use crate::site::discovery::{alternates, in_sitemap, sitemap_part_path, updated};
use crate::site::plan::{numbered_path, Job, OutputPlan};
use crate::site::{Page, PageId, Site};

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapUrl {
    /// Absolute and percent-encoded (RFC 3986), as the protocol asks.
    pub loc: String,
    pub lastmod: Option<Date>,
    /// (hreflang, absolute URL): each version of the page, this one included, and
    /// `x-default`, as [`alternates`] decides for the page's `<head>` too.
    pub alternates: Vec<(String, String)>,
}

/// An absolute URL in the percent-encoded form (`/ja/ガイド/` → `/ja/%E3%82%AC…/`).
pub fn encoded(url: &str) -> String {
    Url::parse(url).map_or_else(|_| url.to_string(), |u| u.to_string())
}

/// The URLs of the sitemap, in plan order: every page and pagination page that
/// [`in_sitemap`] accepts.
pub fn urls(site: &Site, plan: &OutputPlan) -> Vec<SitemapUrl> {
    let mut sections = SectionLastmods::default();
    entries(site, plan)
        .into_iter()
        .map(|(page, number)| url_of(site, page, number, &mut sections))
        .collect()
}

/// The pages the sitemap lists, in order, as (page, pagination number): what `urls` gives
/// without building every `<url>` up front (a sitemap part makes its own as it writes them).
pub fn entries(site: &Site, plan: &OutputPlan) -> Vec<(PageId, usize)> {
    plan.files
        .iter()
        .filter_map(|file| match file.job {
            Job::Page { page, number } if in_sitemap(&site.pages[page]) => Some((page, number)),
            _ => None,
        })
        .collect()
}

/// The `<urlset>` of sitemap `entries`, each `<url>` made as it is written.
pub fn urlset_of(site: &Site, entries: &[(PageId, usize)]) -> std::io::Result<Vec<u8>> {
    let mut sections = SectionLastmods::default();
    let urls = entries
        .iter()
        .map(|&(page, number)| url_of(site, page, number, &mut sections));
    // About 500 bytes a page with three languages and x-default.
    write_urlset(urls, entries.len() * 600)
}

/// The newest `lastmod` of each part of `entries`.
pub fn entry_lastmods(site: &Site, entries: &[(PageId, usize)], limit: usize) -> Vec<Option<Date>> {
    let mut sections = SectionLastmods::default();
    entries
        .chunks(limit.max(1))
        .map(|chunk| {
            chunk
                .iter()
                .filter_map(|&(p, _)| lastmod(site, p, &mut sections))
                .max()
        })
        .collect()
}

/// The `lastmod` of each section met so far: a section paginated into 500 listing pages lists
/// each with the same date, its newest page's, found once instead of once a listing page (which
/// grew with the square of the number of pages).
type SectionLastmods = rustc_hash::FxHashMap<PageId, Option<Date>>;

fn url_of(site: &Site, id: PageId, number: usize, sections: &mut SectionLastmods) -> SitemapUrl {
    let page = &site.pages[id];
    SitemapUrl {
        loc: encoded(&site.config.permalink(&numbered_path(&page.path, number))),
        lastmod: lastmod(site, id, sections),
        alternates: alternates(site, page, number)
            .into_iter()
            .map(|a| (a.hreflang, encoded(&a.href)))
            .collect(),
    }
}

/// `[extra] updated` or `date`; for a section without either, its newest page's.
fn lastmod(site: &Site, id: PageId, sections: &mut SectionLastmods) -> Option<Date> {
    let page = &site.pages[id];
    updated(page).or_else(|| {
        if page.kind != DocKind::Section {
            return None;
        }
        *sections
            .entry(id)
            .or_insert_with(|| newest_member(site, page))
    })
}

fn newest_member(site: &Site, section: &Page) -> Option<Date> {
    site.section(&section.key, &section.lang)?
        .pages
        .iter()
        .filter_map(|&id| updated(&site.pages[id]))
        .max()
}

type Xml = Writer<Vec<u8>>;

fn finish(w: Xml) -> Vec<u8> {
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    bytes
}

fn text(w: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(value)))?;
    Ok(())
}

/// A `<urlset>` of `urls`.
pub fn urlset(urls: &[SitemapUrl]) -> std::io::Result<Vec<u8>> {
    let estimate: usize = urls
        .iter()
        .map(|u| {
            64 + u.loc.len()
                + u.alternates
                    .iter()
                    .map(|(lang, href)| 64 + lang.len() + href.len())
                    .sum::<usize>()
        })
        .sum();
    write_urlset(urls.iter().cloned(), estimate)
}

/// Writes `urls` as a `<urlset>` into a buffer of `capacity` bytes: sized up front, since a
/// sitemap of 30,000 pages is about 15 MB, and growing a buffer that big by doubling holds
/// half as much again while it copies.
fn write_urlset(
    urls: impl Iterator<Item = SitemapUrl>,
    capacity: usize,
) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::with_capacity(capacity + 256), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .with_attribute(("xmlns:xhtml", XHTML_NS))
        .write_inner_content(|w| {
            for url in urls {
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &url.loc)?;
                    if let Some(date) = url.lastmod {
                        text(w, "lastmod", &date.to_string())?;
                    }
                    for (lang, href) in &url.alternates {
                        w.create_element("xhtml:link")
                            .with_attribute(("rel", "alternate"))
                            .with_attribute(("hreflang", lang.as_str()))
                            .with_attribute(("href", xml_safe(href).as_ref()))
                            .write_empty()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(finish(w))
}

/// A `<sitemapindex>` of `parts` sitemap files at the site root.
pub fn index(base_url: &str, parts: usize, lastmods: &[Option<Date>]) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for part in 0..parts {
                w.create_element("sitemap").write_inner_content(|w| {
                    text(
                        w,
                        "loc",
                        &encoded(&format!("{base_url}{}", sitemap_part_path(part, parts))),
                    )?;
                    if let Some(Some(date)) = lastmods.get(part) {
                        text(w, "lastmod", &date.to_string())?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(finish(w))
}

/// Part `part` of `urls` at `limit` URLs per part.
pub fn part<T>(urls: &[T], part: usize, limit: usize) -> &[T] {
    urls.chunks(limit.max(1)).nth(part).unwrap_or(&[])
}

/// The newest `lastmod` of each part.
pub fn part_lastmods(urls: &[SitemapUrl], limit: usize) -> Vec<Option<Date>> {
    urls.chunks(limit.max(1))
        .map(|chunk| chunk.iter().filter_map(|u| u.lastmod).max())
        .collect()
}

/// `robots.txt`: everything may be crawled; the sitemap is named by its absolute URL
/// (robotstxt.org; sitemaps.org "Informing search engine crawlers"). Crawlers read robots.txt
/// only at a host's root, so under a subpath deployment the host's own must name the sitemap.
pub fn robots(base_url: &str) -> Vec<u8> {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        encoded(&format!("{base_url}sitemap.xml"))
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::discovery::sitemap_parts;

    fn url(n: usize) -> SitemapUrl {
        SitemapUrl {
            loc: format!("https://example.org/ja/p{n}/"),
            lastmod: Some(Date {
                year: 2020,
                month: 1,
                day: n as u32 + 1,
            }),
            alternates: vec![
                ("ja".into(), format!("https://example.org/ja/p{n}/")),
                ("x-default".into(), format!("https://example.org/ja/p{n}/")),
            ],
        }
    }

    /// The split with a limit of 2: 5 URLs make an index of 3 parts holding every URL once.
    #[test]
    fn split_into_an_index_above_the_limit() {
        let urls: Vec<SitemapUrl> = (0..5).map(url).collect();
        let limit = 2;
        let parts = sitemap_parts(urls.len(), limit);
        assert_eq!(parts, 3);
        let index_xml = index("https://example.org/", parts, &part_lastmods(&urls, limit)).unwrap();
        let index_text = String::from_utf8(index_xml).unwrap();
        let doc = roxmltree::Document::parse(&index_text).unwrap();
        let locs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((SITEMAP_NS, "loc")))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            locs,
            [
                "https://example.org/sitemap-1.xml",
                "https://example.org/sitemap-2.xml",
                "https://example.org/sitemap-3.xml"
            ]
        );
        let mut seen = Vec::new();
        for p in 0..parts {
            let xml = String::from_utf8(urlset(part(&urls, p, limit)).unwrap()).unwrap();
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let in_part: Vec<String> = doc
                .descendants()
                .filter(|n| n.has_tag_name((SITEMAP_NS, "loc")))
                .map(|n| n.text().unwrap().to_string())
                .collect();
            assert!(in_part.len() <= limit);
            seen.extend(in_part);
        }
        let expected: Vec<String> = urls.iter().map(|u| u.loc.clone()).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn urls_are_percent_encoded_and_escaped() {
        assert_eq!(
            encoded("https://example.org/ja/ガイド/"),
            "https://example.org/ja/%E3%82%AC%E3%82%A4%E3%83%89/"
        );
        let hostile = SitemapUrl {
            loc: encoded("https://example.org/ja/a&b<c>/"),
            lastmod: None,
            alternates: vec![],
        };
        let xml = String::from_utf8(urlset(&[hostile]).unwrap()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let loc = doc
            .descendants()
            .find(|n| n.has_tag_name((SITEMAP_NS, "loc")))
            .unwrap();
        assert_eq!(loc.text(), Some("https://example.org/ja/a&b%3Cc%3E/"));
    }

    #[test]
    fn robots_names_the_sitemap() {
        let text = String::from_utf8(robots("https://example.org/ngmo/")).unwrap();
        assert!(
            text.contains("Sitemap: https://example.org/ngmo/sitemap.xml\n"),
            "{text}"
        );
    }
}
