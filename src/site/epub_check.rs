//! What a book's parts and chapters must be for its EPUB, checked when the site is assembled
//! so that errors name the Markdown file and line: a body an HTML parser can turn into XHTML
//! (no obsolete or scripted elements, no attributes HTML5 lacks, no control characters), and
//! images that are files of the site in a type every EPUB reader shows.

use std::collections::HashMap;
use std::path::Path;

use super::book::{Book, BookNode};
use super::{AssetCopy, Page};
use crate::content::Document;
use crate::error::{Diagnostic, Location};

/// Checks every page of `books` in every language it is published in; `documents` give the
/// Markdown text to find lines in.
pub fn check(
    books: &[Book],
    pages: &[Page],
    by_key: &HashMap<String, std::collections::BTreeMap<String, super::PageId>>,
    documents: &[&Document],
    assets: &[AssetCopy],
    base_path: &str,
    store: &super::html_store::HtmlStore,
) -> Vec<Diagnostic> {
    let by_source: HashMap<&Path, &Document> = documents
        .iter()
        .map(|d| (d.source.display_path.as_path(), *d))
        .collect();
    let mut keys = Vec::new();
    for book in books {
        collect(&book.nodes, &mut keys);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    for key in keys {
        for &id in by_key.get(key).into_iter().flat_map(|l| l.values()) {
            let page = &pages[id];
            let html = match store.read(&page.html) {
                Ok(html) => html,
                Err(e) => {
                    errors.push(Diagnostic::in_file(&page.source, e.to_string()));
                    continue;
                }
            };
            for problem in page_problems(&html, &page.path, assets, base_path) {
                let location = by_source
                    .get(page.source.as_path())
                    .map(|doc| locate(doc, &problem.needle))
                    .unwrap_or_else(|| Location::file(&page.source));
                let diagnostic = Diagnostic::error(
                    Some(location),
                    format!("{} ({} edition)", problem.message, page.lang),
                )
                .with_help(
                    "write it in Markdown or with HTML5 elements the EPUB can carry (EPUB 3 XHTML)",
                );
                // A fallback page repeats its source's problems: say them once.
                if seen.insert((diagnostic.location.clone(), problem.message)) {
                    errors.push(diagnostic);
                }
            }
        }
    }
    errors
}

fn collect<'a>(nodes: &'a [BookNode], out: &mut Vec<&'a str>) {
    for node in nodes {
        out.push(&node.key);
        collect(&node.children, out);
    }
}

/// The body's problems as XHTML, then its images that the EPUB cannot pack.
/// `page_path`: the site-relative folder of the page (`ja/handbook/c1/`).
fn page_problems(
    html: &str,
    page_path: &str,
    assets: &[AssetCopy],
    base_path: &str,
) -> Vec<crate::xhtml::Problem> {
    let mut images = Vec::new();
    let mut problems = crate::xhtml::to_xhtml(html, &mut |element, attribute, value| {
        if element == "img" && attribute == "src" {
            images.push(value.to_string());
        }
        None
    })
    .err()
    .unwrap_or_default();
    for src in images {
        if src.starts_with("data:") {
            continue;
        }
        let output = crate::xhtml::site_path_of_src(&src, base_path, page_path);
        let name = output
            .as_deref()
            .map_or(src.as_str(), |o| o.rsplit('/').next().unwrap_or(o))
            .to_string();
        let message = match &output {
            Some(output) if assets.iter().any(|a| &a.output == output) => {
                if crate::xhtml::epub_image_media_type(&name).is_some() {
                    continue;
                }
                format!("the image `{name}` is not PNG, JPEG, GIF, SVG or WebP, which every EPUB reader shows")
            }
            _ => format!(
                "the image `{src}` is not a file of this site: the EPUB cannot show it (put the file beside the chapter)"
            ),
        };
        problems.push(crate::xhtml::Problem {
            message,
            needle: name,
        });
    }
    problems
}

/// Where `needle` first occurs in the document's Markdown (ASCII case ignored, as HTML tag
/// names are); the start of the body when it does not occur.
fn locate(doc: &Document, needle: &str) -> Location {
    let text = doc.body.text().unwrap_or_default();
    let body = text.to_ascii_lowercase();
    let offset = body.find(&needle.to_ascii_lowercase()).unwrap_or(0);
    Location::at_offset(&doc.source.display_path, text, offset, doc.body_line)
}
