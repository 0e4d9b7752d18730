//! How the site is found: which pages its Atom feeds, sitemap and search index hold, and the
//! plan entries of the feeds, sitemap, robots.txt, 404 pages and search pages. The bytes are
//! made in `render` (feed, sitemap, search); this module only decides and lays out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::plan::{
    numbered_path, pagination_count, Job, OutputKind, PlannedFile, ThemeOutputs,
    NOT_FOUND_TEMPLATE, ROOT_NOT_FOUND_TEMPLATE, SEARCH_TEMPLATE, SITEMAP_LIMIT,
};
use super::{Page, PageId, Site};
use crate::content::{Date, DocKind};
use crate::error::{Diagnostic, Location};

/// The date a page last changed: `[extra] updated` (a `YYYY-MM-DD` date), else its `date`.
pub fn updated(page: &Page) -> Option<Date> {
    page.front
        .extra
        .get("updated")
        .and_then(|v| v.as_str())
        .and_then(Date::parse)
        .or(page.front.date)
}

/// Whether the sitemap lists a page: published in its own text (a fallback page repeats
/// another language's text and names that page as canonical) and not a draft (drafts are
/// published only by `--drafts` previews, which must not announce them).
pub fn in_sitemap(page: &Page) -> bool {
    !page.is_fallback() && !page.front.draft
}

/// One hreflang alternate of a page: `hreflang` is a BCP 47 tag or `x-default`, `href` the
/// absolute URL of that version (as `SiteConfig::permalink` makes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternate {
    pub hreflang: String,
    pub href: String,
}

/// The hreflang alternates of page `number` of `page` (1, or a later page of a paginated
/// list), for both the page's `<head>` and the sitemap, so that the two never disagree.
///
/// Google's rules ("Tell Google about localized versions of your page"): every version lists
/// every version, itself included, and `x-default`. Here a version is the same key in another
/// language published in its own text ([`in_sitemap`]) that has a page `number` of its own (a
/// language whose list is shorter has no page 2 to point to); `x-default` is the default
/// language's version, only when that version exists. A page that is not itself a version (a
/// fallback or a draft) has no alternates: its canonical URL names the original.
pub fn alternates(site: &Site, page: &Page, number: usize) -> Vec<Alternate> {
    if !in_sitemap(page) {
        return Vec::new();
    }
    let mut versions: Vec<Alternate> = Vec::new();
    let mut default = None;
    for language in &site.config.languages {
        let Some(id) = site.page_id(&page.key, &language.code) else {
            continue;
        };
        let other = &site.pages[id];
        if !in_sitemap(other) || pagination_count(site, id) < number {
            continue;
        }
        let href = site.config.permalink(&numbered_path(&other.path, number));
        if language.code == site.config.default_language {
            default = Some(href.clone());
        }
        versions.push(Alternate {
            hreflang: language.tag.clone(),
            href,
        });
    }
    if let Some(href) = default {
        versions.push(Alternate {
            hreflang: "x-default".to_string(),
            href,
        });
    }
    versions
}

/// The pages of the Atom feed of `lang`, newest first (by `date`, then key), at most
/// `[discovery] feed_entries`: the feed section's pages in that language's own text, never
/// drafts (even in a `--drafts` preview). Errors: a page without a date, which an Atom entry
/// needs (RFC 4287 §4.2.15).
pub fn feed_pages(site: &Site, lang: &str) -> Result<Vec<PageId>, Vec<Diagnostic>> {
    let Some(section_key) = &site.config.discovery.feed_section else {
        return Ok(Vec::new());
    };
    let Some(section) = site.section(section_key, lang) else {
        return Ok(Vec::new());
    };
    let mut ids: Vec<PageId> = section
        .pages
        .iter()
        .copied()
        .filter(|&id| {
            let page = &site.pages[id];
            !page.front.draft && !page.is_fallback()
        })
        .collect();
    let undated: Vec<Diagnostic> = ids
        .iter()
        .filter(|&&id| site.pages[id].front.date.is_none())
        .map(|&id| {
            Diagnostic::in_file(
                &site.pages[id].source,
                "this page is in the Atom feed (site.toml [discovery] feed_section) but has no date",
            )
            .with_help("add `date = YYYY-MM-DD` to its front matter")
        })
        .collect();
    if !undated.is_empty() {
        return Err(undated);
    }
    ids.sort_by(|&a, &b| {
        let (a, b) = (&site.pages[a], &site.pages[b]);
        b.front
            .date
            .cmp(&a.front.date)
            .then_with(|| a.key.cmp(&b.key))
    });
    ids.truncate(site.config.discovery.feed_entries);
    Ok(ids)
}

/// Whether the search index of the page's language holds it: every page in its own text
/// except the home page and list sections; sections inside a book (its home and parts) are
/// read like chapters and are kept.
pub fn searchable(site: &Site, page: &Page) -> bool {
    if page.is_fallback() || page.key.is_empty() {
        return false;
    }
    page.kind != DocKind::Section || site.book_of(&page.key).is_some()
}

/// The URL path of the feed of `lang` (`ja/atom.xml`).
pub fn feed_path(lang: &str) -> String {
    format!("{lang}/atom.xml")
}

/// The folder of the search page of `lang` (`ja/search/`).
pub fn search_path(lang: &str) -> String {
    format!("{lang}/search/")
}

/// How many sitemap files `urls` URLs take at `limit` URLs per file (at least one).
pub fn sitemap_parts(urls: usize, limit: usize) -> usize {
    urls.div_ceil(limit.max(1)).max(1)
}

/// The path of sitemap part `part` (0-based) of `parts`: `sitemap.xml` when there is one,
/// else `sitemap-1.xml` … listed by the index at `sitemap.xml`.
pub fn sitemap_part_path(part: usize, parts: usize) -> String {
    if parts <= 1 {
        "sitemap.xml".into()
    } else {
        format!("sitemap-{}.xml", part + 1)
    }
}

/// Adds the feeds, sitemap, robots.txt, 404 pages and search pages to `files` (which already
/// holds every page). Errors: a feed section or image named in site.toml that does not exist.
pub fn plan_discovery(
    site: &Site,
    theme: &ThemeOutputs,
    files: &mut Vec<PlannedFile>,
) -> Vec<Diagnostic> {
    let site_toml = PathBuf::from("site.toml");
    let mut errors = check_images(site, files, &site_toml);
    errors.extend(plan_feeds(site, files, &site_toml));
    plan_sitemap(site, files, &site_toml, SITEMAP_LIMIT);
    let templates = theme.display_dir.join("templates");
    let has = |name: &str| theme.templates.contains(name);
    // A 404 page or robots.txt of the theme's static files or of the content is the author's:
    // it replaces the generated one (as a static host serves whatever file is there).
    let authored: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    for language in &site.config.languages {
        let lang = &language.code;
        if has(NOT_FOUND_TEMPLATE) && !authored.contains(&format!("{lang}/404.html")) {
            files.push(entry(
                format!("{lang}/404.html"),
                OutputKind::NotFound,
                templates.join(NOT_FOUND_TEMPLATE),
                Job::NotFound {
                    lang: Some(lang.clone()),
                },
            ));
        }
        if theme.search && has(SEARCH_TEMPLATE) {
            files.push(entry(
                format!("{}index.html", search_path(lang)),
                OutputKind::SearchPage,
                templates.join(SEARCH_TEMPLATE),
                Job::SearchPage { lang: lang.clone() },
            ));
        }
    }
    if has(ROOT_NOT_FOUND_TEMPLATE) && !authored.contains("404.html") {
        files.push(entry(
            "404.html".into(),
            OutputKind::NotFound,
            templates.join(ROOT_NOT_FOUND_TEMPLATE),
            Job::NotFound { lang: None },
        ));
    }
    if !authored.contains("robots.txt") {
        files.push(entry(
            "robots.txt".into(),
            OutputKind::Robots,
            site_toml,
            Job::Robots,
        ));
    }
    errors
}

fn entry(path: String, kind: OutputKind, origin: PathBuf, job: Job) -> PlannedFile {
    PlannedFile {
        path,
        kind,
        origin: Location::file(origin),
        job,
    }
}

/// The share image and logo must be files the site publishes.
fn check_images(site: &Site, files: &[PlannedFile], site_toml: &Path) -> Vec<Diagnostic> {
    let discovery = &site.config.discovery;
    [
        ("share_image", &discovery.share_image),
        ("logo", &discovery.logo),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        let path = value.as_ref()?;
        let published = files
            .iter()
            .any(|f| &f.path == path && matches!(f.job, Job::Copy { .. }));
        (!published).then(|| {
            Diagnostic::in_file(
                site_toml,
                format!("[discovery] {key} = \"{path}\": the site publishes no such file"),
            )
            .with_help(format!(
                "put the image at themes/{}/static/{path} or fix the path",
                site.config.theme
            ))
        })
    })
    .collect()
}

fn plan_feeds(site: &Site, files: &mut Vec<PlannedFile>, site_toml: &Path) -> Vec<Diagnostic> {
    let Some(section_key) = &site.config.discovery.feed_section else {
        return Vec::new();
    };
    let mut found = false;
    for language in &site.config.languages {
        let Some(section) = site
            .page(section_key, &language.code)
            .filter(|p| p.kind == DocKind::Section)
        else {
            continue;
        };
        found = true;
        files.push(PlannedFile {
            path: feed_path(&language.code),
            kind: OutputKind::Feed,
            origin: Location::file(&section.source),
            job: Job::Feed {
                lang: language.code.clone(),
            },
        });
    }
    // A section whose files all failed to load has their errors already: its route is kept,
    // but no page of it exists.
    let failed_to_load =
        site.routes.documents.contains_key(section_key) && !site.by_key.contains_key(section_key);
    if found || failed_to_load {
        return Vec::new();
    }
    vec![Diagnostic::in_file(
        site_toml,
        format!("[discovery] feed_section = \"{section_key}\" is not a section of the site"),
    )
    .with_help(format!(
        "name a folder of content/ that has an _index file, e.g. content/{section_key}/_index.{}.md",
        site.config.default_language
    ))]
}

/// One sitemap, or an index and parts when there are more than `limit` URLs.
fn plan_sitemap(site: &Site, files: &mut Vec<PlannedFile>, site_toml: &Path, limit: usize) {
    let urls = files
        .iter()
        .filter(|f| matches!(f.job, Job::Page { page, .. } if in_sitemap(&site.pages[page])))
        .count();
    let parts = sitemap_parts(urls, limit);
    if parts > 1 {
        files.push(entry(
            "sitemap.xml".into(),
            OutputKind::SitemapIndex,
            site_toml.to_path_buf(),
            Job::SitemapIndex { parts },
        ));
    }
    for part in 0..parts {
        files.push(entry(
            sitemap_part_path(part, parts),
            OutputKind::Sitemap,
            site_toml.to_path_buf(),
            Job::Sitemap { part },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_splits_above_the_limit() {
        assert_eq!(sitemap_parts(0, 3), 1);
        assert_eq!(sitemap_parts(3, 3), 1);
        assert_eq!(sitemap_parts(4, 3), 2);
        assert_eq!(sitemap_parts(50_001, SITEMAP_LIMIT), 2);
        assert_eq!(sitemap_part_path(0, 1), "sitemap.xml");
        assert_eq!(sitemap_part_path(0, 2), "sitemap-1.xml");
        assert_eq!(sitemap_part_path(1, 2), "sitemap-2.xml");
    }
}
