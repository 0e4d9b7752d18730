//! Sharing metadata of a page: canonical URL, description, OpenGraph and Twitter card values,
//! the feed and search links of its language, and JSON-LD (schema.org) serialised so that it
//! cannot end its `<script>` element.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::excerpt;
use crate::content::DocKind;
use crate::error::Diagnostic;
use crate::site::discovery::{self, alternates, updated, Alternate};
use crate::site::plan::{numbered_path, Job, OutputKind, OutputPlan};
use crate::site::{Page, Site};

/// An image of the site (the share card, the logo) with its size in pixels.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// Absolute URL.
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// `image/png` or `image/jpeg`.
    pub mime: &'static str,
}

/// What every page of a language links to: its feed and its search page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LanguageLinks {
    pub feed_url: Option<String>,
    pub feed_title: Option<String>,
    pub search_url: Option<String>,
}

/// Site-wide sharing data, made once per build.
#[derive(Debug, Default)]
pub struct ShareData {
    pub image: Option<Image>,
    pub logo: Option<Image>,
    /// Language code → its links.
    pub links: HashMap<String, LanguageLinks>,
}

/// The sharing metadata of one page, for `base.html` (`meta.*`).
#[derive(Debug, Serialize)]
pub struct MetaView<'a> {
    /// The title to share (the site's name on the home page).
    pub title: String,
    pub description: String,
    /// Absolute URL of the page's own text (for a fallback page: the original).
    pub canonical: String,
    /// `website`, `article` or `book` (ogp.me).
    pub og_type: &'static str,
    /// `ja_JP`; and the locales of the page's translations.
    pub locale: String,
    pub locale_alternates: Vec<String>,
    /// The `<link rel="alternate" hreflang>` of the page (the sitemap lists the same).
    pub alternates: Vec<Alternate>,
    pub image: Option<&'a Image>,
    /// `YYYY-MM-DD` of `date` and of `[extra] updated` (else `date`), for articles.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Ready to put inside `<script type="application/ld+json">` unescaped.
    pub json_ld: Option<String>,
    pub noindex: bool,
    #[serde(flatten)]
    pub links: LanguageLinks,
}

/// Reads the sizes of the share image and logo (site.toml `[discovery]`) and finds each
/// language's feed and search page in the plan. Errors name site.toml: an image that is not a
/// PNG or JPEG, or cannot be read.
pub fn share_data(site: &Site, plan: &OutputPlan) -> Result<ShareData, Vec<Diagnostic>> {
    let discovery = &site.config.discovery;
    let mut errors = Vec::new();
    let mut image = |key: &str, path: &Option<String>| -> Option<Image> {
        let path = path.as_ref()?;
        let source = plan.files.iter().find_map(|f| match &f.job {
            Job::Copy { source } if &f.path == path => Some(source),
            _ => None,
        })?;
        match read_image_size(source) {
            Ok((width, height, mime)) => Some(Image {
                url: site.config.permalink(path),
                width,
                height,
                mime,
            }),
            Err(why) => {
                errors.push(
                    Diagnostic::in_file(
                        std::path::Path::new("site.toml"),
                        format!("[discovery] {key} = \"{path}\": {why}"),
                    )
                    .with_help("OpenGraph and schema.org readers take PNG or JPEG images"),
                );
                None
            }
        }
    };
    let share_image = image("share_image", &discovery.share_image);
    let logo = image("logo", &discovery.logo);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut links: HashMap<String, LanguageLinks> = HashMap::new();
    for file in &plan.files {
        match (&file.job, file.kind) {
            (Job::Feed { lang }, OutputKind::Feed) => {
                let entry = links.entry(lang.clone()).or_default();
                entry.feed_url = Some(site.config.url(&file.path));
                entry.feed_title = Some(feed_title(site, lang));
            }
            (Job::SearchPage { lang }, OutputKind::SearchPage) => {
                links.entry(lang.clone()).or_default().search_url =
                    Some(site.config.url(&discovery::search_path(lang)));
            }
            _ => {}
        }
    }
    Ok(ShareData {
        image: share_image,
        logo,
        links,
    })
}

/// The title of the feed of `lang`: `<section title> | <site name>`.
pub fn feed_title(site: &Site, lang: &str) -> String {
    let section = site
        .config
        .discovery
        .feed_section
        .as_deref()
        .and_then(|key| site.page(key, lang))
        .map_or("", |p| p.front.title.as_str());
    match site_name(site, lang) {
        name if name.is_empty() => section.to_string(),
        name => format!("{section} | {name}"),
    }
}

/// The organisation's name in `lang` (Fluent `site-name`), or the host of the base URL.
pub fn site_name(site: &Site, lang: &str) -> String {
    site.locales
        .get(lang, "site-name", None)
        .unwrap_or_else(|| site.config.base_url.clone())
}

/// The title of page `number` of a list, from the locale message `paged-title` with `title`
/// and `number` (`プレスリリース（2ページ目）`); `title` itself on page 1 or when no locale has
/// the message. Each page of a list is a document of its own and needs a title of its own.
pub fn paged_title(site: &Site, lang: &str, title: &str, number: usize) -> String {
    if number < 2 {
        return title.to_string();
    }
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("title", title);
    args.set("number", number);
    site.locales
        .get(lang, "paged-title", Some(&args))
        .unwrap_or_else(|| title.to_string())
}

/// Width, height and type of a PNG or JPEG from its header.
fn read_image_size(path: &std::path::Path) -> Result<(u32, u32, &'static str), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    image_size(&bytes).ok_or_else(|| "this is not a PNG or JPEG image".to_string())
}

/// PNG: the IHDR chunk (PNG spec §11.2.2). JPEG: the first start-of-frame marker (ITU T.81
/// §B.2.2).
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32, &'static str)> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if bytes.len() >= 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR" {
        return Some((be32(&bytes[16..20]), be32(&bytes[20..24]), "image/png"));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let length = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        let is_frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let height = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]) as u32;
            let width = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]) as u32;
            return Some((width, height, "image/jpeg"));
        }
        i += 2 + length;
    }
    None
}

/// The metadata of a page whose body HTML is `html`; `number` > 1 for the later pages of a
/// paginated list.
pub fn page_meta<'a>(
    site: &Site,
    share: &'a ShareData,
    page: &Page,
    html: &str,
    number: usize,
) -> MetaView<'a> {
    let title = match page.key.is_empty() {
        true => site_name(site, &page.lang),
        false => paged_title(site, &page.lang, &page.front.title, number),
    };
    let description =
        excerpt::description(page.front.description.as_deref(), html, &page.content_lang);
    let is_release = is_release(site, page);
    let og_type = if is_release {
        "article"
    } else if site.books.iter().any(|b| b.key == page.key) {
        "book"
    } else {
        "website"
    };
    let locale_alternates = site
        .config
        .languages
        .iter()
        .filter(|l| l.code != page.content_lang)
        .filter(|l| {
            site.page(&page.key, &l.code)
                .is_some_and(|p| !p.is_fallback())
        })
        .map(|l| site.config.og_locale(&l.code))
        .collect();
    let json_ld = (number == 1 && !page.front.draft)
        .then(|| structured_data(site, share, page, &title, &description))
        .flatten();
    let article_date = |date: Option<crate::content::Date>| {
        is_release.then(|| date.map(|d| d.to_string())).flatten()
    };
    MetaView {
        canonical: canonical(site, page, number),
        title,
        description,
        og_type,
        locale: site.config.og_locale(&page.content_lang),
        locale_alternates,
        alternates: alternates(site, page, number),
        image: share.image.as_ref(),
        published: article_date(page.front.date),
        modified: article_date(updated(page)),
        json_ld: json_ld.map(|v| script_json(&v)),
        noindex: page.front.draft,
        links: share.links.get(&page.lang).cloned().unwrap_or_default(),
    }
}

/// The page's own URL (page `number` of a list), or for a fallback page its original's.
fn canonical(site: &Site, page: &Page, number: usize) -> String {
    let original = page
        .is_fallback()
        .then(|| site.page(&page.key, &page.content_lang))
        .flatten();
    match (original, number) {
        (Some(original), _) => site.config.permalink(&original.path),
        (None, 1) => site.config.permalink(&page.path),
        (None, n) => site.config.permalink(&numbered_path(&page.path, n)),
    }
}

/// JSON-LD: `NewsArticle` for a release, `Book` for a book's home, the organisation and
/// website on the home page; none elsewhere.
fn structured_data(
    site: &Site,
    share: &ShareData,
    page: &Page,
    title: &str,
    description: &str,
) -> Option<Value> {
    if is_release(site, page) {
        Some(news_article(site, share, page, title, description))
    } else if let Some(book) = site.books.iter().find(|b| b.key == page.key) {
        Some(book_ld(site, share, book, page, description))
    } else if page.key.is_empty() {
        Some(home_ld(site, share, page, description))
    } else {
        None
    }
}

/// The metadata of a page that is not a document (the 404 and search pages): not indexed.
pub fn special_meta<'a>(
    site: &Site,
    share: &'a ShareData,
    lang: &str,
    title: &str,
    description: String,
) -> MetaView<'a> {
    MetaView {
        title: title.to_string(),
        description,
        canonical: String::new(),
        og_type: "website",
        locale: site.config.og_locale(lang),
        locale_alternates: Vec::new(),
        alternates: Vec::new(),
        image: share.image.as_ref(),
        published: None,
        modified: None,
        json_ld: None,
        noindex: true,
        links: share.links.get(lang).cloned().unwrap_or_default(),
    }
}

/// A page of the feed section is a release (a news article).
fn is_release(site: &Site, page: &Page) -> bool {
    page.kind == DocKind::Page
        && site.config.discovery.feed_section.is_some()
        && page.parent.as_deref() == site.config.discovery.feed_section.as_deref()
}

fn image_object(image: &Image) -> Value {
    json!({"@type": "ImageObject", "url": image.url, "width": image.width, "height": image.height})
}

/// The organisation (publisher of everything on the site).
fn organization(site: &Site, share: &ShareData, lang: &str) -> Value {
    let mut org = json!({
        "@type": "Organization",
        "@id": format!("{}#organization", site.config.permalink(&format!("{lang}/"))),
        "name": site_name(site, lang),
        "url": site.config.permalink(&format!("{lang}/")),
    });
    if let Some(logo) = &share.logo {
        org["logo"] = image_object(logo);
    }
    org
}

fn language_tag<'a>(site: &'a Site, code: &'a str) -> &'a str {
    site.config.language(code).map_or(code, |l| l.tag.as_str())
}

/// schema.org `NewsArticle` (and Google's "Article" structured data fields).
fn news_article(
    site: &Site,
    share: &ShareData,
    page: &Page,
    title: &str,
    description: &str,
) -> Value {
    let permalink = site.config.permalink(&page.path);
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "description": description,
        "inLanguage": language_tag(site, &page.content_lang),
        "url": permalink,
        "mainEntityOfPage": {"@type": "WebPage", "@id": permalink},
        "publisher": organization(site, share, &page.lang),
        "author": {"@type": "Organization", "name": site_name(site, &page.lang), "url": site.config.base_url},
    });
    if let Some(date) = page.front.date {
        article["datePublished"] = json!(date.to_string());
    }
    if let Some(date) = updated(page) {
        article["dateModified"] = json!(date.to_string());
    }
    if let Some(image) = &share.image {
        article["image"] = json!([image.url]);
    }
    article
}

/// schema.org `Book` with its chapters (in reading order) as `hasPart`.
fn book_ld(
    site: &Site,
    share: &ShareData,
    book: &crate::site::book::Book,
    home: &Page,
    description: &str,
) -> Value {
    let chapters: Vec<Value> = book
        .reading_order
        .iter()
        .filter_map(|key| site.page(key, &home.lang))
        .filter(|p| !p.is_fallback())
        .enumerate()
        .map(|(i, chapter)| {
            let number = book
                .node(&chapter.key)
                .map(|n| n.number.clone())
                .unwrap_or_default();
            json!({
                "@type": "Chapter",
                "name": chapter.front.title,
                "position": i + 1,
                "pagination": number,
                "url": site.config.permalink(&chapter.path),
            })
        })
        .collect();
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "Book",
        "name": home.front.title,
        "description": description,
        "inLanguage": language_tag(site, &home.content_lang),
        "url": site.config.permalink(&home.path),
        "publisher": organization(site, share, &home.lang),
        "hasPart": chapters,
    });
    if let Some(date) = updated(home) {
        value["dateModified"] = json!(date.to_string());
    }
    value
}

/// The home page: the organisation and the website with its search.
fn home_ld(site: &Site, share: &ShareData, page: &Page, description: &str) -> Value {
    let mut org = organization(site, share, &page.lang);
    org["description"] = json!(description);
    let mut website = json!({
        "@type": "WebSite",
        "name": site_name(site, &page.lang),
        "url": site.config.permalink(&page.path),
        "inLanguage": language_tag(site, &page.lang),
        "publisher": {"@id": format!("{}#organization", site.config.permalink(&format!("{}/", page.lang)))},
    });
    if share
        .links
        .get(&page.lang)
        .is_some_and(|l| l.search_url.is_some())
    {
        website["potentialAction"] = json!({
            "@type": "SearchAction",
            "target": format!("{}?q={{search_term_string}}", site.config.permalink(&discovery::search_path(&page.lang))),
            "query-input": "required name=search_term_string",
        });
    }
    json!({"@context": "https://schema.org", "@graph": [org, website]})
}

/// JSON for a `<script>` element: `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (valid
/// JSON escapes), so that no text in it (a title holding `</script>` or `<!--`) can end the
/// element or open a comment (HTML §4.12.1.3, "Restrictions for contents of script elements").
pub fn script_json(value: &Value) -> String {
    // Serialising a `Value` cannot fail (its keys are strings); `to_string` writes bytes,
    // which is several times faster than `Display`'s formatter.
    let text = serde_json::to_string(value).unwrap_or_default();
    const UNSAFE: [char; 5] = ['<', '>', '&', '\u{2028}', '\u{2029}'];
    if !text.contains(UNSAFE) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let value = json!({"headline": "</script><script>alert(1)</script> <!-- & \u{2028}"});
        let text = script_json(&value);
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn png_and_jpeg_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&630u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((1200, 630, "image/png")));
        // SOI, an APP0 segment of 4 bytes, then SOF0 with height 480 and width 640.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0xE0, 0x02, 0x80, 0x03, 0x00, 0x00,
        ];
        assert_eq!(image_size(&jpeg), Some((640, 480, "image/jpeg")));
        assert_eq!(image_size(b"<svg/>"), None);
    }
}
