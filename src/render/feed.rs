//! Atom 1.0 feeds (RFC 4287): the newest pages of the feed section per language, written with
//! an XML writer (quick-xml), so every title and body is escaped by it.

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use url::Url;

use super::excerpt;
use super::links::absolutize;
use super::meta::{feed_title, site_name, ShareData};
use crate::content::Date;
use crate::error::Diagnostic;
use crate::site::discovery::{feed_pages, feed_path, updated};
use crate::site::{Page, Site};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// An RFC 3339 timestamp for a calendar date: midnight UTC. Pages carry dates without a time
/// or zone, and a feed must not depend on when it was built.
pub fn timestamp(date: Date) -> String {
    format!("{date}T00:00:00Z")
}

/// Characters XML 1.0 cannot hold at all (§2.2 "Char"): most C0 controls, U+FFFE, U+FFFF.
/// They are dropped from text, which no feed reader could parse otherwise.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

type Xml = Writer<Vec<u8>>;

fn text_element(w: &mut Xml, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

fn link(
    w: &mut Xml,
    rel: &str,
    kind: &str,
    href: &str,
    hreflang: Option<&str>,
) -> std::io::Result<()> {
    let mut element = w
        .create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", href));
    if let Some(tag) = hreflang {
        element = element.with_attribute(("hreflang", tag));
    }
    element.write_empty()?;
    Ok(())
}

/// The Atom feed of `lang`: feed id and alternate link = the section's URL, `updated` = the
/// newest entry's date (else the section's own, else 1970-01-01), author = the organisation.
/// Entries: id and alternate link = the page's URL (plus alternates for its translations),
/// `published` = `date`, `updated` = `[extra] updated` or `date`, a plain-text summary and the
/// full body as escaped HTML with absolute URLs. Errors: entries without a date.
pub fn atom(site: &Site, lang: &str, share: &ShareData) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let ids = feed_pages(site, lang)?;
    let section_key = site
        .config
        .discovery
        .feed_section
        .as_deref()
        .unwrap_or_default();
    let section = site.page(section_key, lang);
    let entries: Vec<&Page> = ids.iter().map(|&id| &site.pages[id]).collect();
    let newest = entries
        .iter()
        .filter_map(|p| updated(p))
        .max()
        .or_else(|| section.and_then(updated))
        .unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        });
    let feed = Feed {
        site,
        lang,
        share,
        section,
        entries,
        newest,
    };
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    write_feed(&mut w, &feed).map_err(|e| {
        vec![Diagnostic::error(
            None,
            format!("cannot write the Atom feed of `{lang}`: {e}"),
        )]
    })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

/// What one feed holds.
struct Feed<'a> {
    site: &'a Site,
    lang: &'a str,
    share: &'a ShareData,
    section: Option<&'a Page>,
    entries: Vec<&'a Page>,
    newest: Date,
}

fn write_feed(w: &mut Xml, feed: &Feed) -> std::io::Result<()> {
    let (site, lang) = (feed.site, feed.lang);
    let tag = site.config.language(lang).map_or(lang, |l| l.tag.as_str());
    let section_url = site
        .config
        .permalink(feed.section.map_or(lang, |p| p.path.as_str()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NS))
        .with_attribute(("xml:lang", tag))
        .write_inner_content(|w| {
            text_element(w, "id", &section_url)?;
            text_element(w, "title", &feed_title(site, lang))?;
            if let Some(subtitle) = feed.section.and_then(|p| p.front.description.as_deref()) {
                text_element(w, "subtitle", subtitle)?;
            }
            text_element(w, "updated", &timestamp(feed.newest))?;
            let self_url = site.config.permalink(&feed_path(lang));
            link(w, "self", "application/atom+xml", &self_url, None)?;
            link(w, "alternate", "text/html", &section_url, Some(tag))?;
            w.create_element("author").write_inner_content(|w| {
                text_element(w, "name", &site_name(site, lang))?;
                text_element(w, "uri", &site.config.permalink(&format!("{lang}/")))
            })?;
            if let Some(rights) = site.locales.get(lang, "footer-copyright", None) {
                text_element(w, "rights", &rights)?;
            }
            if let Some(logo) = &feed.share.logo {
                text_element(w, "logo", &logo.url)?;
            }
            w.create_element("generator")
                .with_attribute(("version", env!("CARGO_PKG_VERSION")))
                .write_text_content(BytesText::new("koho"))?;
            for page in &feed.entries {
                entry(w, site, page)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn entry(w: &mut Xml, site: &Site, page: &Page) -> std::io::Result<()> {
    let permalink = site.config.permalink(&page.path);
    // The feed's error names the page whose HTML could not be read back.
    let html = site
        .page_html(page)
        .map_err(|e| std::io::Error::other(format!("{}: {e}", page.source.display())))?;
    let tag = |code: &str| {
        site.config
            .language(code)
            .map_or(code.to_string(), |l| l.tag.clone())
    };
    w.create_element("entry").write_inner_content(|w| {
        text_element(w, "id", &permalink)?;
        text_element(w, "title", &page.front.title)?;
        if let Some(date) = page.front.date {
            text_element(w, "published", &timestamp(date))?;
        }
        if let Some(date) = updated(page) {
            text_element(w, "updated", &timestamp(date))?;
        }
        link(
            w,
            "alternate",
            "text/html",
            &permalink,
            Some(&tag(&page.lang)),
        )?;
        for language in &site.config.languages {
            if language.code == page.lang {
                continue;
            }
            if let Some(other) = site
                .page(&page.key, &language.code)
                .filter(|p| !p.is_fallback())
            {
                link(
                    w,
                    "alternate",
                    "text/html",
                    &site.config.permalink(&other.path),
                    Some(&language.tag),
                )?;
            }
        }
        let summary = excerpt::description(page.front.description.as_deref(), &html, &page.lang);
        if !summary.is_empty() {
            w.create_element("summary")
                .with_attribute(("type", "text"))
                .write_text_content(BytesText::new(&xml_safe(&summary)))?;
        }
        let content = match Url::parse(&permalink) {
            Ok(base) => absolutize(&html, &base),
            Err(_) => html.to_string(),
        };
        w.create_element("content")
            .with_attribute(("type", "html"))
            .write_text_content(BytesText::new(&xml_safe(&content)))?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_unsafe_characters() {
        assert_eq!(
            timestamp(Date {
                year: 2020,
                month: 5,
                day: 13
            }),
            "2020-05-13T00:00:00Z"
        );
        assert_eq!(xml_safe("a\u{1}b\tc\u{FFFF}"), "ab\tc");
        assert_eq!(xml_safe("普通"), "普通");
    }
}
