//! The PDF editions of the site (feature `pdf`): a release page or a book turned into the
//! inputs of `crate::pdf` (localized texts from the site's Fluent messages, the Markdown the
//! pages were made from, their images, links resolved as the HTML resolved them), typeset
//! through the cache of `render::pdf_cache`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::error::{Diagnostic, Location};
use crate::i18n::dates::localize;
use crate::pdf::{
    default_region, BookChapter, BookInput, BookPart, Fragment, PdfError, PdfLink, Photo,
    ReleaseInput, SourceDate,
};
use crate::render::book::part_label;
use crate::site::book::{Book, BookNode, NodeKind};
use crate::site::{Page, Site};

pub use super::pdf_cache::{theme_fonts, PdfContext, THEME_SETTINGS};

/// Image files the PDFs can embed (by extension); other files of a page's folder are left out.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "svg"];

/// The PDF of the release `page`. Errors name the page's file: a missing font (with the
/// language, the fonts tried and how to install them), an image that cannot be embedded.
pub fn release(site: &Site, context: &PdfContext, page: &Page) -> Result<Vec<u8>, Diagnostic> {
    let lang = page.lang.as_str();
    let t = |key: &str| site.locales.get(lang, key, None);
    let date = page.front.date;
    let date_text = date.map(|d| localize(&site.locales, lang, d).long);
    let dateline = date_text
        .as_ref()
        .and_then(|date| dateline(site, lang, date));
    let extra = |key: &str| page.front.extra.get(key).and_then(|v| v.as_str());
    let profile = site.fragment("profile", lang);
    let contact = site.fragment("contact", lang);
    let logo = logo_path(site);
    let images = image_files(site, &page.link_dir);
    let texts = [
        page.front.title.as_str(),
        extra("subtitle").unwrap_or_default(),
        extra("tagline").unwrap_or_default(),
        extra("photo").unwrap_or_default(),
        extra("photo_alt").unwrap_or_default(),
        extra("photo_caption").unwrap_or_default(),
        &format!("{:?}", [t("release-label"), t("release-addressee")]),
        &format!("{:?}", [t("release-end"), t("release-issuer")]),
        &format!("{date_text:?} {dateline:?} {date:?}"),
        page.markdown.text().unwrap_or_default(),
        // The HTML shows how links resolved; its hash says as much.
        &page.html.hash().to_string(),
        &format!("{:?}", profile.map(|f| (&f.title, &f.markdown, &f.html))),
        &format!("{:?}", contact.map(|f| (&f.title, &f.markdown, &f.html))),
        &site.config.base_url,
        lang,
    ];
    let mut files: Vec<PathBuf> = images.values().cloned().collect();
    files.extend(logo.clone());
    let key = context.key("release", &texts, &files);
    let error = |e: PdfError| pdf_diagnostic(&page.source, lang, e);
    context.cached(&key, || {
        let images = read_images(&images).map_err(error)?;
        let logo = logo.and_then(|path| std::fs::read(path).ok());
        let links = page_links(site, &page.link_dir, Some(&page.key), lang);
        let (kicker, addressee) = (t("release-label"), t("release-addressee"));
        let (end_mark, issuer) = (t("release-end"), t("release-issuer"));
        let input = ReleaseInput {
            lang,
            region: default_region(lang),
            title: &page.front.title,
            subtitle: extra("subtitle"),
            tagline: extra("tagline"),
            kicker: kicker.as_deref(),
            date_text: date_text.as_deref().unwrap_or_default(),
            dateline: dateline.as_deref(),
            addressee: addressee.as_deref().unwrap_or_default(),
            end_mark: end_mark.as_deref(),
            body_markdown: page.markdown.text().unwrap_or_default(),
            photo: extra("photo").map(|name| Photo {
                name,
                alt: extra("photo_alt").unwrap_or_default(),
                caption: extra("photo_caption"),
            }),
            images: &images,
            profile: profile.map(pdf_fragment),
            contact: contact.map(pdf_fragment),
            org_name: issuer.as_deref().unwrap_or(&site.config.base_url),
            logo: logo.as_deref(),
            source_date: source_date(date),
            links: &links,
        };
        context.typesetter().release(&input).map_err(error)
    })
}

/// The dateline that opens a release's body where the locale has one besides the date
/// (`TOKYO, …`): None when the locale's `release-dateline` is the date alone.
fn dateline(site: &Site, lang: &str, date: &str) -> Option<String> {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("date", date.to_string());
    site.locales
        .get(lang, "release-dateline", Some(&args))
        .filter(|line| line != date)
}

fn pdf_fragment(fragment: &crate::site::Fragment) -> Fragment<'_> {
    Fragment {
        title: &fragment.title,
        markdown: fragment.markdown.text().unwrap_or_default(),
    }
}

/// The PDF of `book` in `lang`: its home page's texts, then parts and chapters in reading
/// order. Chapters missing in `lang` are left out (the book's warnings name them).
pub fn book(
    site: &Site,
    context: &PdfContext,
    book: &Book,
    lang: &str,
) -> Result<Vec<u8>, Diagnostic> {
    let Some(home) = site.page(&book.key, lang) else {
        return Err(Diagnostic::error(
            None,
            format!("the book `{}` has no home page in `{lang}`", book.key),
        ));
    };
    let nodes = book_nodes(site, book, lang);
    let mut texts: Vec<String> = vec![
        format!("{:?}", home.front),
        home.markdown.text().unwrap_or_default().to_string(),
        home.html.hash().to_string(),
        site.config.base_url.clone(),
        lang.to_string(),
    ];
    for key in [
        "book-notice-label",
        "book-contents",
        "book-part",
        "book-appendix",
    ] {
        texts.push(format!("{:?}", site.locales.get(lang, key, None)));
    }
    let mut files: Vec<PathBuf> = image_files(site, &home.link_dir).into_values().collect();
    for (node, page, label) in &nodes {
        texts.push(format!(
            "{}\t{}\t{label}\t{:?}",
            node.key, node.number, node.kind
        ));
        texts.extend([
            page.front.title.clone(),
            page.markdown.text().unwrap_or_default().to_string(),
            page.html.hash().to_string(),
        ]);
        files.extend(image_files(site, &page.link_dir).into_values());
    }
    let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let key = context.key("book", &text_refs, &files);
    let error = |e: PdfError| pdf_diagnostic(&home.source, lang, e);
    context.cached(&key, || {
        typeset_book(site, context, book, home, &nodes).map_err(error)
    })
}

/// The parts and chapters of `book` published in `lang` (not as a fallback), in reading
/// order, each with its page and label (第1部, Part One; a chapter's number).
fn book_nodes<'a>(
    site: &'a Site,
    book: &'a Book,
    lang: &str,
) -> Vec<(&'a BookNode, &'a Page, String)> {
    fn visit<'a>(
        site: &'a Site,
        nodes: &'a [BookNode],
        lang: &str,
        out: &mut Vec<(&'a BookNode, &'a Page, String)>,
    ) {
        for node in nodes {
            if let Some(page) = site.page(&node.key, lang).filter(|p| !p.is_fallback()) {
                out.push((node, page, part_label(site, lang, node)));
            }
            visit(site, &node.children, lang, out);
        }
    }
    let mut out = Vec::new();
    visit(site, &book.nodes, lang, &mut out);
    out
}

/// Builds the book's input from its nodes and typesets it (a cache miss).
fn typeset_book(
    site: &Site,
    context: &PdfContext,
    book: &Book,
    home: &Page,
    nodes: &[(&BookNode, &Page, String)],
) -> Result<Vec<u8>, PdfError> {
    let lang = home.lang.as_str();
    let t = |key: &str| site.locales.get(lang, key, None);
    let extra = |key: &str| home.front.extra.get(key).and_then(|v| v.as_str());
    let home_images = read_images(&image_files(site, &home.link_dir))?;
    let mut chapter_images = Vec::new();
    let mut chapter_links = Vec::new();
    for (_, page, _) in nodes {
        chapter_images.push(read_images(&image_files(site, &page.link_dir))?);
        chapter_links.push(book_links(site, book, page));
    }
    let mut parts = Vec::new();
    let mut chapters = Vec::new();
    let mut current_part = None;
    for (i, (node, page, label)) in nodes.iter().enumerate() {
        if matches!(node.kind, NodeKind::Part { .. }) {
            parts.push(BookPart {
                label,
                title: &page.front.title,
                markdown: page.markdown.text().unwrap_or_default(),
            });
            current_part = Some(parts.len() - 1);
            continue;
        }
        let depth = node.number.matches('.').count() + 1;
        chapters.push(BookChapter {
            id: &node.key,
            number: &node.number,
            title: &page.front.title,
            part: current_part.filter(|_| book.part_of(&node.key).is_some()),
            depth,
            markdown: page.markdown.text().unwrap_or_default(),
            images: &chapter_images[i],
            links: Some(&chapter_links[i]),
        });
    }
    let home_links = book_links(site, book, home);
    let (notice_title, contents_title) = (t("book-notice-label"), t("book-contents"));
    let input = BookInput {
        lang,
        region: default_region(lang),
        title: &home.front.title,
        subtitle: extra("subtitle"),
        publisher: extra("publisher"),
        edition: extra("edition"),
        date_text: None,
        notice_title: notice_title.as_deref(),
        notice_markdown: extra("notice").unwrap_or_default(),
        intro_markdown: home.markdown.text().unwrap_or_default(),
        images: &home_images,
        contents_title: contents_title.as_deref().unwrap_or_default(),
        parts: &parts,
        chapters: &chapters,
        source_date: source_date(book_date(home)),
        links: &home_links,
    };
    context.typesetter().book(&input)
}

/// The date a book is dated by: `[extra] updated`, else `published`, else its `date`.
fn book_date(home: &Page) -> Option<crate::content::Date> {
    let extra = |key: &str| {
        home.front
            .extra
            .get(key)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            })
            .and_then(|s| crate::content::Date::parse(&s))
    };
    extra("updated")
        .or_else(|| extra("published"))
        .or(home.front.date)
}

/// The PDF's creation date; a page without one is dated 1 January 1970 (never the clock, so
/// that builds are reproducible).
fn source_date(date: Option<crate::content::Date>) -> SourceDate {
    match date {
        Some(d) => SourceDate {
            year: d.year,
            month: d.month as u8,
            day: d.day as u8,
        },
        None => SourceDate {
            year: 1970,
            month: 1,
            day: 1,
        },
    }
}

/// Where the links of a body written in `dir` go: as the HTML resolved them, made absolute on
/// the site's base URL. A broken link (already reported by the HTML build) stays text.
fn page_links<'a>(
    site: &'a Site,
    dir: &'a str,
    key: Option<&'a str>,
    lang: &'a str,
) -> impl Fn(&str) -> PdfLink + Sync + 'a {
    move |dest: &str| match site.resolve_link(dest, dir, key, lang) {
        Ok(resolved) => absolute(site, &resolved.href),
        Err(_) => PdfLink::Text,
    }
}

/// An href as a PDF link: web and mail addresses stay, site paths get the base URL's origin,
/// same-page fragments and other schemes stay text.
fn absolute(site: &Site, href: &str) -> PdfLink {
    let lower = href.to_ascii_lowercase();
    if ["https:", "http:", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return PdfLink::Url(href.to_string());
    }
    if href.starts_with('/') && !href.starts_with("//") {
        if let Ok(url) = url::Url::parse(&site.config.base_url).and_then(|b| b.join(href)) {
            return PdfLink::Url(url.to_string());
        }
    }
    PdfLink::Text
}

/// The links of a book page: to a chapter of the book (or a heading in it), a link inside
/// the PDF; else as [`page_links`].
fn book_links<'a>(
    site: &'a Site,
    book: &'a Book,
    page: &'a Page,
) -> impl Fn(&str) -> PdfLink + Sync + 'a {
    let lang = page.lang.as_str();
    let chapters: HashMap<String, &str> = book
        .reading_order
        .iter()
        .filter_map(|key| Some((site.config.url(&site.page(key, lang)?.path), key.as_str())))
        .collect();
    let own = (page.key != book.key).then_some(page.key.as_str());
    move |dest: &str| {
        let Ok(resolved) = site.resolve_link(dest, &page.link_dir, Some(&page.key), lang) else {
            return PdfLink::Text;
        };
        let (path, _) = resolved
            .href
            .split_once('#')
            .unwrap_or((&resolved.href, ""));
        let fragment = resolved.anchor.as_ref().map(|a| a.id.clone());
        let chapter = match path {
            "" => own,
            _ => chapters.get(path).copied(),
        };
        match chapter {
            Some(id) => PdfLink::Chapter {
                id: id.to_string(),
                fragment,
            },
            None => absolute(site, &resolved.href),
        }
    }
}

/// The image files of a content folder by file name (not its subfolders).
fn image_files(site: &Site, dir: &str) -> BTreeMap<String, PathBuf> {
    let folder = site.config.root.join("content").join(dir);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
            IMAGE_EXTENSIONS
                .contains(&extension.as_str())
                .then(|| (crate::url::nfc(&name).into_owned(), e.path()))
        })
        .collect()
}

fn read_images(files: &BTreeMap<String, PathBuf>) -> Result<BTreeMap<String, Vec<u8>>, PdfError> {
    files
        .iter()
        .map(|(name, path)| {
            std::fs::read(path)
                .map(|bytes| (name.clone(), bytes))
                .map_err(|e| PdfError::Image {
                    name: name.clone(),
                    message: format!("cannot be read: {e}"),
                })
        })
        .collect()
}

/// The organisation's logo for the letterhead: site.toml `[discovery] logo`, a file of the
/// theme's `static/` folder.
fn logo_path(site: &Site) -> Option<PathBuf> {
    let logo = site.config.discovery.logo.as_deref()?;
    let path = site.config.theme_dir().join("static").join(logo);
    path.is_file().then_some(path)
}

/// A typesetting error as a diagnostic naming the source file and the language.
fn pdf_diagnostic(source: &std::path::Path, lang: &str, error: PdfError) -> Diagnostic {
    let help = match &error {
        PdfError::MissingFont { .. } => Some(format!(
            "koho sets PDFs in the fonts of the theme's `{}/` folder, or, when the theme has \
             none, in the system's fonts",
            super::pdf_cache::THEME_FONTS
        )),
        _ => None,
    };
    let diagnostic = Diagnostic::error(
        Some(Location::file(source)),
        format!("the PDF edition in `{lang}` cannot be typeset: {error}"),
    );
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}
