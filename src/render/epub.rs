//! The EPUB 3 edition of a book in one language: a cover page, a file per part and chapter,
//! the navigation document from the book's table of contents, and the book's stylesheet.

use std::io::Cursor;

use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpfV3, ReferenceType, TocElement, ZipLibrary,
};

use super::book::{anchor, chapter_targets, part_label};
use super::print::{rewrite, ChapterTarget};
use crate::site::book::{Book, BookNode, NodeKind};
use crate::site::Site;

const STYLESHEET: &str = include_str!("epub.css");

/// Builds the EPUB of `book` in `lang`; None when the book has no home page in that language.
pub fn build(site: &Site, book: &Book, lang: &str) -> Option<Result<Vec<u8>, String>> {
    let home = site.page(&book.key, lang)?;
    Some(
        generate(site, book, lang, home)
            .map_err(|e| format!("cannot write the EPUB of `{}` in `{lang}`: {e}", book.key)),
    )
}

fn generate(
    site: &Site,
    book: &Book,
    lang: &str,
    home: &crate::site::Page,
) -> Result<Vec<u8>, epub_builder::Error> {
    let tag = site.config.language(lang).map_or(lang, |l| l.tag.as_str());
    let extra = &home.front.extra;
    let text = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let mut epub = EpubBuilder::new(ZipLibrary::new()?)?;
    epub.epub_version(EpubVersion::V30);
    epub.set_title(home.front.title.clone());
    epub.add_language(tag);
    epub.set_generator("koho");
    if let Some(editors) = extra.get("editors").and_then(|v| v.as_array()) {
        for editor in editors.iter().filter_map(|e| e.as_str()) {
            epub.add_author(editor);
        }
    }
    if let Some(description) = &home.front.description {
        epub.add_description(description.clone());
    }
    if let Some(publisher) = text("publisher") {
        // epub-builder has no dc:publisher setter; EPUB 3 accepts the DCMI term as a meta property.
        epub.add_metadata_opf(Box::new(MetadataOpfV3::new(
            "dcterms:publisher".into(),
            publisher,
        )));
    }
    // Dates and identifier come from the content, so two builds give the same file.
    // Without a date in the book's home, the newest date of its chapters, else a fixed one:
    // never the clock, so that two builds give the same file.
    let date = text("updated")
        .or_else(|| text("published"))
        .and_then(|d| crate::content::Date::parse(&d))
        .or(home.front.date)
        .or_else(|| {
            book.reading_order
                .iter()
                .filter_map(|key| site.page(key, lang)?.front.date)
                .max()
        })
        .or(crate::content::Date::parse("2000-01-01"));
    if let Some(date) = date {
        if let Some(datetime) = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| dt.and_utc())
        {
            epub.set_publication_date(datetime);
            epub.set_modified_date(datetime);
        }
    }
    epub.set_uuid(stable_uuid(&format!(
        "{}{}",
        site.config.permalink(&home.path),
        lang
    )));
    epub.set_toc_name(
        site.locales
            .get(lang, "book-contents", None)
            .unwrap_or_else(|| "Contents".into()),
    );
    epub.stylesheet(STYLESHEET.as_bytes())?;

    let cover = cover_page(site, home, tag);
    epub.add_content(
        EpubContent::new("cover.xhtml", cover.as_bytes())
            .title(home.front.title.clone())
            .reftype(ReferenceType::Cover),
    )?;

    let targets = chapter_targets(site, book, lang, &|node| file_name(node));
    let resolve = |url: &str| -> Option<ChapterTarget> { targets.get(url).cloned() };
    let absolute = |url: &str| -> String {
        match url.strip_prefix(&site.config.base_path) {
            Some(path) if url.starts_with('/') => site.config.permalink(path),
            _ => url.to_string(),
        }
    };
    let mut images = EpubImages::default();
    let mut first_body = true;
    let mut files = Vec::new();
    collect(&book.nodes, 1, &mut files);
    for (node, level) in files {
        let Some(page) = site.page(&node.key, lang) else {
            continue;
        };
        let prefix = anchor(node);
        let body = strip_heading_anchors(&rewrite(&page.html, &prefix, &resolve, &absolute));
        let body = images.embed(site, &body);
        let label = part_label(site, lang, node);
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
        if first_body {
            content = content.reftype(ReferenceType::Text);
            first_body = false;
        }
        if node.kind == NodeKind::Chapter {
            for section in super::book::sections(node, page, "") {
                let title = format!("{} {}", section.number, section.title);
                content = content.child(TocElement::new(
                    format!("{}#{prefix}--{}", file_name(node), section.id),
                    title.trim_start().to_string(),
                ));
            }
        }
        epub.add_content(content)?;
    }
    for (name, source, media_type) in &images.files {
        let file = std::fs::File::open(source).map_err(|e| epub_builder::Error::IoError {
            msg: format!("could not read `{}`", source.display()),
            cause: e,
        })?;
        epub.add_resource(name, file, *media_type)?;
    }
    let mut bytes = Vec::new();
    epub.generate(&mut bytes)?;
    normalize_zip(&bytes, date).map_err(|e| epub_builder::Error::ZipErrorWithMessage {
        msg: "could not normalise the EPUB".into(),
        cause: e,
    })
}

/// Rewrites the archive epub-builder made so that builds are reproducible and valid:
/// every entry gets the book's date instead of the clock's, and the package document's
/// language element gets its own id (epub-builder gives it the first creator's).
fn normalize_zip(
    bytes: &[u8],
    date: Option<crate::content::Date>,
) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Read, Write};
    let stamp = date
        .and_then(|d| {
            zip::DateTime::from_date_and_time(d.year as u16, d.month as u8, d.day as u8, 0, 0, 0)
                .ok()
        })
        .unwrap_or_default();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    for index in 0..archive.len() {
        let name = archive.by_index_raw(index)?.name().to_string();
        if name == "OEBPS/content.opf" {
            let mut opf = String::new();
            archive.by_index(index)?.read_to_string(&mut opf)?;
            let opf = opf.replace(
                "<dc:language id=\"epub-creator-",
                "<dc:language id=\"epub-language-",
            );
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

/// The images of a book's chapters, packed into the EPUB.
#[derive(Default)]
struct EpubImages {
    /// (name in the EPUB, source file, media type), in first-use order.
    files: Vec<(String, std::path::PathBuf, &'static str)>,
    by_output: std::collections::HashMap<String, String>,
}

impl EpubImages {
    /// Rewrites every `src="<base path>…"` that is a published asset to a file inside the
    /// EPUB and remembers it; other sources are left as they are.
    fn embed(&mut self, site: &Site, html: &str) -> String {
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(start) = rest.find(" src=\"") {
            let (before, after) = rest.split_at(start + 6);
            out.push_str(before);
            let end = after.find('"').unwrap_or(after.len());
            let value = &after[..end];
            out.push_str(
                &self
                    .name_for(site, value)
                    .unwrap_or_else(|| value.to_string()),
            );
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }

    fn name_for(&mut self, site: &Site, src: &str) -> Option<String> {
        let output = src.strip_prefix(&site.config.base_path)?;
        if let Some(name) = self.by_output.get(output) {
            return Some(name.clone());
        }
        let asset = site.assets.iter().find(|a| a.output == output)?;
        let file_name = output.rsplit('/').next()?;
        let media_type = image_media_type(file_name)?;
        let name = format!("images/{}-{file_name}", self.files.len() + 1);
        self.files
            .push((name.clone(), asset.source.clone(), media_type));
        self.by_output.insert(output.to_string(), name.clone());
        Some(name)
    }
}

fn image_media_type(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        _ => return None,
    })
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

fn cover_page(site: &Site, home: &crate::site::Page, tag: &str) -> String {
    let extra = &home.front.extra;
    let field = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(xml_escape);
    let mut body = format!(
        "<section class=\"cover\" epub:type=\"cover\">\n<h1>{}</h1>\n",
        xml_escape(&home.front.title)
    );
    if let Some(subtitle) = field("subtitle") {
        body.push_str(&format!("<p class=\"subtitle\">{subtitle}</p>\n"));
    }
    if let Some(editors) = extra.get("editors").and_then(|v| v.as_array()) {
        let names: Vec<String> = editors
            .iter()
            .filter_map(|e| e.as_str())
            .map(xml_escape)
            .collect();
        body.push_str(&format!("<p>{}</p>\n", names.join(", ")));
    }
    if let Some(publisher) = field("publisher") {
        body.push_str(&format!("<p>{publisher}</p>\n"));
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
