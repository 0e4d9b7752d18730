//! The EPUB 3 edition of a book in one language: a cover page, a file per part and chapter,
//! the navigation document from the book's table of contents, and the book's stylesheet.

use std::io::Cursor;

use epub_builder::{EpubBuilder, EpubContent, EpubVersion, ReferenceType, TocElement, ZipLibrary};

use super::book::{anchor, chapter_targets, part_label};
use super::print::{prefixed_id, rewrite_href, ChapterTarget};
use crate::content::Date;
use crate::site::book::{Book, BookNode, NodeKind};
use crate::site::{Page, Site};

const STYLESHEET: &str = include_str!("epub.css");

/// Builds the EPUB of `book` in `lang`; None when the book has no home page in that language.
/// Errors name the chapter file when a body cannot be written as XHTML (the site stage checks
/// this first, with lines, so it is rare here).
pub fn build(site: &Site, book: &Book, lang: &str) -> Option<Result<Vec<u8>, String>> {
    let home = site.page(&book.key, lang)?;
    Some(
        generate(site, book, lang, home)
            .map_err(|e| format!("cannot write the EPUB of `{}` in `{lang}`: {e}", book.key)),
    )
}

fn generate(site: &Site, book: &Book, lang: &str, home: &Page) -> Result<Vec<u8>, String> {
    let tag = site.config.language(lang).map_or(lang, |l| l.tag.as_str());
    let builder_error = |e: epub_builder::Error| e.to_string();
    let mut epub =
        EpubBuilder::new(ZipLibrary::new().map_err(builder_error)?).map_err(builder_error)?;
    let metadata = Metadata::of(home);
    let date = book_date(site, book, lang, home);
    set_metadata(&mut epub, site, home, tag, &metadata, date);
    epub.stylesheet(STYLESHEET.as_bytes())
        .map_err(builder_error)?;

    let cover = cover_page(site, home, tag, &metadata);
    epub.add_content(
        EpubContent::new("cover.xhtml", cover.as_bytes())
            .title(home.front.title.clone())
            .reftype(ReferenceType::Cover),
    )
    .map_err(builder_error)?;

    let targets = chapter_targets(site, book, lang, &|node| file_name(node));
    let resolve = |url: &str| -> Option<ChapterTarget> { targets.get(url).cloned() };
    // Links that leave the book go to the web edition; hrefs are encoded already.
    let absolute = |url: &str| -> String {
        match url.strip_prefix(&site.config.base_path) {
            Some(path) if url.starts_with('/') => format!("{}{path}", site.config.base_url),
            _ => url.to_string(),
        }
    };
    let links = Links {
        targets: &resolve,
        other: &absolute,
    };
    let mut images = EpubImages::default();
    let mut first_body = true;
    let mut files = Vec::new();
    collect(&book.nodes, 1, &mut files);
    for (node, level) in files {
        let Some(page) = site.page(&node.key, lang) else {
            continue;
        };
        let content = chapter_content(site, node, page, level, tag, &links, &mut images)?;
        let content = if first_body {
            first_body = false;
            content.reftype(ReferenceType::Text)
        } else {
            content
        };
        epub.add_content(content).map_err(builder_error)?;
    }
    for (name, source, media_type) in &images.files {
        let file = std::fs::File::open(source)
            .map_err(|e| format!("cannot read `{}`: {e}", source.display()))?;
        epub.add_resource(name, file, *media_type)
            .map_err(builder_error)?;
    }
    let mut bytes = Vec::new();
    epub.generate(&mut bytes).map_err(builder_error)?;
    normalize_zip(&bytes, date, &metadata.opf_elements())
        .map_err(|e| format!("could not normalise the EPUB: {e}"))
}

/// The package metadata epub-builder writes: title, language, creators, description, dates
/// (the book's, so that two builds give one file), a stable identifier, the contents' name.
fn set_metadata(
    epub: &mut EpubBuilder<ZipLibrary>,
    site: &Site,
    home: &Page,
    tag: &str,
    metadata: &Metadata,
    date: Date,
) {
    epub.epub_version(EpubVersion::V30);
    epub.set_title(home.front.title.clone());
    epub.add_language(tag);
    epub.set_generator("koho");
    for creator in &metadata.creators {
        epub.add_author(creator.clone());
    }
    if let Some(description) = &home.front.description {
        epub.add_description(description.clone());
    }
    if let Some(datetime) = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
    {
        epub.set_publication_date(datetime);
        epub.set_modified_date(datetime);
    }
    epub.set_uuid(stable_uuid(&format!(
        "{}{}",
        site.config.permalink(&home.path),
        home.lang
    )));
    epub.set_toc_name(
        site.locales
            .get(&home.lang, "book-contents", None)
            .unwrap_or_else(|| "Contents".into()),
    );
}

/// Where links of a chapter go inside the EPUB.
struct Links<'a> {
    targets: &'a dyn Fn(&str) -> Option<ChapterTarget>,
    other: &'a dyn Fn(&str) -> String,
}

/// One part or chapter as an EPUB content document, with its h2 sections in the navigation.
fn chapter_content(
    site: &Site,
    node: &BookNode,
    page: &Page,
    level: i32,
    tag: &str,
    links: &Links,
    images: &mut EpubImages,
) -> Result<EpubContent<Cursor<Vec<u8>>>, String> {
    let prefix = anchor(node);
    let body = chapter_body(site, page, &prefix, links, images)?;
    let label = part_label(site, &page.lang, node);
    let heading = if label == page.front.title {
        xml_escape(&page.front.title)
    } else {
        format!(
            "<span class=\"{}\">{}</span> {}",
            if node.kind == NodeKind::Chapter {
                "chapter-number"
            } else {
                "part-label"
            },
            xml_escape(&label),
            xml_escape(&page.front.title)
        )
    };
    let epub_type = if node.kind == NodeKind::Chapter {
        "chapter"
    } else {
        "part"
    };
    let content_tag = site
        .config
        .language(&page.content_lang)
        .map_or(tag, |l| l.tag.as_str());
    let xhtml = xhtml_document(
        &page.front.title,
        content_tag,
        &format!("<section epub:type=\"{epub_type}\" id=\"{prefix}\">\n<h1>{heading}</h1>\n{body}</section>"),
    );
    let title = if label == page.front.title {
        page.front.title.clone()
    } else {
        format!("{label} {}", page.front.title)
    };
    let mut content = EpubContent::new(file_name(node), Cursor::new(xhtml.into_bytes()))
        .title(title)
        .level(level);
    if node.kind == NodeKind::Chapter {
        for section in super::book::sections(node, page, "") {
            let title = format!("{} {}", section.number, section.title);
            content = content.child(TocElement::new(
                format!(
                    "{}{}",
                    file_name(node),
                    rewrite_href(&section.url, &prefix, links.targets, links.other)
                ),
                title.trim_start().to_string(),
            ));
        }
    }
    Ok(content)
}

/// A chapter's body as XHTML: parsed as HTML and written as XML, ids prefixed, links pointed
/// into the book, images packed.
fn chapter_body(
    site: &Site,
    page: &Page,
    prefix: &str,
    links: &Links,
    images: &mut EpubImages,
) -> Result<String, String> {
    let html = site
        .page_html(page)
        .map_err(|e| format!("{}: {e}", page.source.display()))?;
    let html = strip_heading_anchors(&html);
    let mut image_error = None;
    let mut rewrite = |element: &str, attribute: &str, value: &str| -> Option<String> {
        match attribute {
            "id" => Some(prefixed_id(prefix, value)),
            "href" | "xlink:href" => Some(rewrite_href(value, prefix, links.targets, links.other)),
            "headers" | "aria-labelledby" | "aria-describedby" => Some(
                value
                    .split_whitespace()
                    .map(|id| prefixed_id(prefix, id))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "src" if element == "img" => match images.name_for(site, &page.path, value) {
                Ok(name) => Some(name),
                Err(e) => {
                    image_error.get_or_insert(e);
                    None
                }
            },
            _ => None,
        }
    };
    let body = crate::xhtml::to_xhtml(&html, &mut rewrite).map_err(|problems| {
        let list: Vec<String> = problems.into_iter().map(|p| p.message).collect();
        format!("{}: {}", page.source.display(), list.join("; "))
    })?;
    match image_error {
        Some(e) => Err(format!("{}: {e}", page.source.display())),
        None => Ok(body),
    }
}

/// The book's date: `updated`, else `published` of its home (this book's own dates, never
/// `original_published`, the date of the work it summarises), else the home's date, else the
/// newest chapter date, else a fixed one: never the clock, so that two builds give one file.
fn book_date(site: &Site, book: &Book, lang: &str, home: &Page) -> Date {
    let text = |key: &str| home.front.extra.get(key).and_then(|v| v.as_str());
    text("updated")
        .or_else(|| text("published"))
        .and_then(Date::parse)
        .or(home.front.date)
        .or_else(|| {
            book.reading_order
                .iter()
                .filter_map(|key| site.page(key, lang)?.front.date)
                .max()
        })
        .unwrap_or(Date {
            year: 2000,
            month: 1,
            day: 1,
        })
}

/// Who made the book and what it is based on, from its home's `[extra]`: `editors` (the
/// book's own) else the `publisher` are its creators; `original_title`, `original_editors`
/// and `original_published` describe the work it is derived from (Dublin Core `source`),
/// never its creators or its date.
struct Metadata {
    creators: Vec<String>,
    /// `editors`: the book's own.
    editors: Vec<String>,
    publisher: Option<String>,
    source: Option<String>,
    /// The original's parts, for the cover: title, editors, date.
    original_title: Option<String>,
    original_editors: Vec<String>,
    original_published: Option<Date>,
}

impl Metadata {
    fn of(home: &Page) -> Metadata {
        let extra = &home.front.extra;
        let text = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let list = |key: &str| -> Vec<String> {
            extra
                .get(key)
                .and_then(|v| v.as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|e| e.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let publisher = text("publisher");
        let editors = list("editors");
        let creators = if editors.is_empty() {
            publisher.iter().cloned().collect()
        } else {
            editors.clone()
        };
        let original_title = text("original_title");
        let original_editors = list("original_editors");
        let original_published = text("original_published").and_then(|d| Date::parse(&d));
        let mut parts: Vec<String> = original_title.iter().cloned().collect();
        if !original_editors.is_empty() {
            parts.push(original_editors.join(", "));
        }
        if let Some(date) = original_published {
            parts.push(date.to_string());
        }
        Metadata {
            creators,
            editors,
            publisher,
            source: (!parts.is_empty()).then(|| parts.join("; ")),
            original_title,
            original_editors,
            original_published,
        }
    }

    /// Dublin Core elements epub-builder has no setter for, escaped for XML.
    fn opf_elements(&self) -> String {
        let mut out = String::new();
        if let Some(publisher) = &self.publisher {
            out.push_str(&format!(
                "    <dc:publisher>{}</dc:publisher>\n",
                xml_escape(publisher)
            ));
        }
        if let Some(source) = &self.source {
            out.push_str(&format!(
                "    <dc:source>{}</dc:source>\n",
                xml_escape(source)
            ));
        }
        out
    }
}

/// Rewrites the archive epub-builder made so that builds are reproducible and valid:
/// every entry gets the book's date instead of the clock's; in the package document the
/// language element gets its own id (epub-builder gives it the first creator's), the Dublin
/// Core elements epub-builder lacks (`metadata`, escaped XML) are added, and every manifest
/// href is percent-encoded by the one rule of [`crate::url`] (image names may be Japanese).
fn normalize_zip(bytes: &[u8], date: Date, metadata: &str) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Read, Write};
    let stamp = zip::DateTime::from_date_and_time(
        date.year as u16,
        date.month as u8,
        date.day as u8,
        0,
        0,
        0,
    )
    .unwrap_or_default();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    for index in 0..archive.len() {
        let name = archive.by_index_raw(index)?.name().to_string();
        if name == "OEBPS/content.opf" {
            let mut opf = String::new();
            archive.by_index(index)?.read_to_string(&mut opf)?;
            let opf = opf
                .replace(
                    "<dc:language id=\"epub-creator-",
                    "<dc:language id=\"epub-language-",
                )
                .replacen("\n  </metadata>", &format!("\n{metadata}  </metadata>"), 1);
            let opf = encode_hrefs(&opf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(stamp);
            writer.start_file(name, options)?;
            writer.write_all(opf.as_bytes())?;
        } else {
            writer.raw_copy_file_touch(archive.by_index_raw(index)?, stamp, None)?;
        }
    }
    Ok(writer.finish()?.into_inner())
}

/// Every `href="…"` of the package document, percent-encoded (the names koho gives files in
/// the EPUB hold no `&`, `"` or `<`, so the attribute needs no unescaping first).
fn encode_hrefs(opf: &str) -> String {
    let mut out = String::with_capacity(opf.len());
    let mut rest = opf;
    while let Some(start) = rest.find(" href=\"") {
        let (before, after) = rest.split_at(start + 7);
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        out.push_str(&crate::url::encode_path(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The images of a book's chapters, packed into the EPUB.
#[derive(Default)]
struct EpubImages {
    /// (name in the EPUB, source file, media type), in first-use order.
    files: Vec<(String, std::path::PathBuf, &'static str)>,
    /// Site-relative output path → the href of the packed file.
    by_output: std::collections::HashMap<String, String>,
}

impl EpubImages {
    /// The href inside the EPUB for an image's `src` (an href of the web edition): the file is
    /// packed under `images/` with a name that keeps its letters (`病棟 配置図.svg` becomes
    /// `images/1-病棟-配置図.svg`: EPUB packaging warns about spaces) and is linked
    /// percent-encoded. Errors: an image that is not a file of this site, or not of a type
    /// every reading system shows (EPUB 3.3 core media types).
    fn name_for(&mut self, site: &Site, page_path: &str, src: &str) -> Result<String, String> {
        if src.starts_with("data:") {
            return Ok(src.to_string());
        }
        let not_here = || {
            format!("the image `{src}` is not a file of this site: the EPUB cannot show it (put the file beside the chapter)")
        };
        let output = crate::xhtml::site_path_of_src(src, &site.config.base_path, page_path)
            .ok_or_else(not_here)?;
        if let Some(name) = self.by_output.get(&output) {
            return Ok(name.clone());
        }
        let asset = site
            .assets
            .iter()
            .find(|a| a.output == output)
            .ok_or_else(not_here)?;
        let file_name = output.rsplit('/').next().unwrap_or(&output);
        let media_type = crate::xhtml::epub_image_media_type(file_name).ok_or_else(|| {
            format!("the image `{file_name}` is not PNG, JPEG, GIF, SVG or WebP, which every EPUB reader shows")
        })?;
        let packed: String = file_name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let name = format!("images/{}-{packed}", self.files.len() + 1);
        let href = crate::url::encode_path(&name).into_owned();
        self.files.push((name, asset.source.clone(), media_type));
        self.by_output.insert(output, href.clone());
        Ok(href)
    }
}

/// Parts and chapters in reading order with their table-of-contents level.
fn collect<'a>(nodes: &'a [BookNode], level: i32, out: &mut Vec<(&'a BookNode, i32)>) {
    for node in nodes {
        out.push((node, level));
        collect(&node.children, level + 1, out);
    }
}

fn file_name(node: &BookNode) -> String {
    format!("{}.xhtml", anchor(node))
}

/// The cover: title, subtitle, who made this book, the work it is based on, and the notice.
fn cover_page(site: &Site, home: &Page, tag: &str, metadata: &Metadata) -> String {
    let extra = &home.front.extra;
    let field = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(xml_escape);
    let mut body = format!(
        "<section class=\"cover\" epub:type=\"cover\">\n<h1>{}</h1>\n",
        xml_escape(&home.front.title)
    );
    if let Some(subtitle) = field("subtitle") {
        body.push_str(&format!("<p class=\"subtitle\">{subtitle}</p>\n"));
    }
    let rows = cover_rows(site, home, metadata);
    if !rows.is_empty() {
        body.push_str("<dl class=\"book-meta\">\n");
        for (term, value, lang) in rows {
            body.push_str(&format!("<dt>{term}</dt><dd{lang}>{value}</dd>\n"));
        }
        body.push_str("</dl>\n");
    }
    if let Some(notice) = field("notice") {
        let label = site
            .locales
            .get(&home.lang, "book-notice-label", None)
            .unwrap_or_default();
        body.push_str(&format!(
            "<p class=\"notice\"><strong>{}</strong> {notice}</p>\n",
            xml_escape(&label)
        ));
    }
    body.push_str("</section>");
    xhtml_document(&home.front.title, tag, &body)
}

/// The cover's (label, value, lang attributes) rows, escaped: edition, editors, publisher,
/// then the original's title, editors and date.
fn cover_rows(site: &Site, home: &Page, metadata: &Metadata) -> Vec<(String, String, String)> {
    let extra = &home.front.extra;
    let field = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(xml_escape);
    let label =
        |key: &str| xml_escape(&site.locales.get(&home.lang, key, None).unwrap_or_default());
    let names = |names: &[String]| {
        names
            .iter()
            .map(|n| xml_escape(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut rows = Vec::new();
    let mut row = |key: &str, value: String, lang: String| rows.push((label(key), value, lang));
    if let Some(edition) = field("edition") {
        row("book-edition", edition, String::new());
    }
    if !metadata.editors.is_empty() {
        row("book-editors", names(&metadata.editors), String::new());
    }
    if let Some(publisher) = &metadata.publisher {
        row("book-publisher", xml_escape(publisher), String::new());
    }
    if let Some(title) = &metadata.original_title {
        let lang = field("original_title_lang")
            .map(|l| format!(" lang=\"{l}\" xml:lang=\"{l}\""))
            .unwrap_or_default();
        row("book-original-title", xml_escape(title), lang);
    }
    if !metadata.original_editors.is_empty() {
        row(
            "book-original-editors",
            names(&metadata.original_editors),
            String::new(),
        );
    }
    if let Some(date) = metadata.original_published {
        let long = crate::i18n::dates::localize(&site.locales, &home.lang, date).long;
        row("book-original-published", xml_escape(&long), String::new());
    }
    rows
}

fn xhtml_document(title: &str, tag: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{tag}\" xml:lang=\"{tag}\">\n<head>\n<meta charset=\"UTF-8\"/>\n<title>{}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        xml_escape(title)
    )
}

/// The web edition's `#` links beside headings mean nothing in a book.
fn strip_heading_anchors(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<a class=\"heading-anchor\"") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</a>") {
            Some(end) => rest = &rest[start + end + 4..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A UUID derived from the book's address, so that the identifier is stable across builds.
fn stable_uuid(seed: &str) -> uuid::Uuid {
    // FNV-1a, twice with different offsets, is enough to spread a URL over 128 bits.
    let hash = |offset: u64| {
        seed.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hash(0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&hash(0x84222325_cbf29ce4).to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_anchors_are_removed() {
        let html = "<h2 id=\"a\">A<a class=\"heading-anchor\" href=\"#a\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h2><p>x</p>";
        assert_eq!(strip_heading_anchors(html), "<h2 id=\"a\">A</h2><p>x</p>");
    }

    #[test]
    fn uuid_is_stable() {
        assert_eq!(
            stable_uuid("https://x.org/ja/handbook/"),
            stable_uuid("https://x.org/ja/handbook/")
        );
        assert_ne!(
            stable_uuid("https://x.org/ja/handbook/"),
            stable_uuid("https://x.org/en/handbook/")
        );
    }
}
