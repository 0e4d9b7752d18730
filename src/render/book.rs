//! Template data for books: the table of contents per language, chapter navigation, and the
//! print edition's chapters.

use crate::error::Diagnostic;
use std::collections::HashMap;

use fluent_bundle::FluentArgs;
use serde::Serialize;

use super::print::{rewrite, ChapterTarget};
use super::views::language_tag;
use crate::site::book::{epub_path, Book, BookNode, NodeKind};
use crate::site::{Page, Site};

/// A book's table of contents in one language.
#[derive(Serialize)]
pub struct BookView<'a> {
    pub key: &'a str,
    pub title: &'a str,
    /// The BCP 47 tag of the title's language.
    pub title_lang: &'a str,
    pub url: String,
    pub print_url: String,
    pub epub_url: String,
    pub toc: Vec<TocEntry<'a>>,
}

#[derive(Serialize)]
pub struct TocEntry<'a> {
    pub key: &'a str,
    pub kind: &'static str,
    pub number: &'a str,
    /// What precedes the title: `第1部`, `Part One`, `1`, `A`.
    pub label: String,
    pub title: &'a str,
    pub url: String,
    /// False when the entry has no text in this language: title and url are then another
    /// language's, in `title_lang`.
    pub available: bool,
    pub title_lang: &'a str,
    pub sections: Vec<TocSection>,
    pub children: Vec<TocEntry<'a>>,
}

#[derive(Serialize)]
pub struct TocSection {
    pub number: String,
    pub title: String,
    pub id: String,
    pub url: String,
}

/// Previous and next chapter, across parts.
#[derive(Serialize)]
pub struct ChapterNav<'a> {
    pub number: &'a str,
    pub label: String,
    pub part: Option<String>,
    /// `part` in pieces: its label (`第1部`, UI text in the page's language; `None` when the part
    /// is titled by its label, as `付録` is) and its title, which is in `part_lang_tag` (another
    /// language when the part page is a fallback).
    pub part_label: Option<String>,
    pub part_title: Option<&'a str>,
    pub part_lang_tag: Option<&'a str>,
    pub previous: Option<NavLink<'a>>,
    pub next: Option<NavLink<'a>>,
    /// The chapter's h2 sections, for its "on this page" list.
    pub sections: Vec<TocSection>,
}

#[derive(Serialize)]
pub struct NavLink<'a> {
    pub label: String,
    pub title: &'a str,
    pub url: String,
    /// The BCP 47 tag of the title's language.
    pub lang_tag: &'a str,
}

/// The page shown for `key` in `lang`: its own, else the default language's, else any.
fn page_in<'a>(site: &'a Site, key: &str, lang: &str) -> Option<(&'a Page, bool)> {
    let by_lang = site.by_key.get(key)?;
    if let Some(&id) = by_lang.get(lang) {
        let page = &site.pages[id];
        return Some((page, !page.is_fallback()));
    }
    let id = by_lang
        .get(&site.config.default_language)
        .or_else(|| by_lang.values().next())?;
    Some((&site.pages[*id], false))
}

pub fn part_label(site: &Site, lang: &str, node: &BookNode) -> String {
    match node.kind {
        NodeKind::Part { appendix: true, .. } => site
            .locales
            .get(lang, "book-appendix", None)
            .unwrap_or_default(),
        NodeKind::Part { ordinal, .. } => {
            let mut args = FluentArgs::new();
            args.set("number", ordinal);
            site.locales
                .get(lang, "book-part", Some(&args))
                .unwrap_or_else(|| ordinal.to_string())
        }
        NodeKind::Chapter => node.number.clone(),
    }
}

pub fn book_view<'a>(site: &'a Site, book: &'a Book, lang: &str) -> Option<BookView<'a>> {
    let (home, _) = page_in(site, &book.key, lang)?;
    let home_url = site.config.url(&home.path);
    Some(BookView {
        key: &book.key,
        title: &home.front.title,
        title_lang: language_tag(site, &home.content_lang),
        print_url: format!("{home_url}print/"),
        epub_url: site.config.url(&epub_path(book, &home.path, lang)),
        url: home_url,
        toc: book
            .nodes
            .iter()
            .filter_map(|n| toc_entry(site, n, lang))
            .collect(),
    })
}

fn toc_entry<'a>(site: &'a Site, node: &'a BookNode, lang: &str) -> Option<TocEntry<'a>> {
    let (page, available) = page_in(site, &node.key, lang)?;
    let url = site.config.url(&page.path);
    let sections = if node.kind == NodeKind::Chapter {
        sections(node, page, &url)
    } else {
        Vec::new()
    };
    Some(TocEntry {
        key: &node.key,
        kind: match node.kind {
            NodeKind::Part { .. } => "part",
            NodeKind::Chapter => "chapter",
        },
        number: &node.number,
        label: part_label(site, lang, node),
        title: &page.front.title,
        title_lang: site
            .config
            .language(&page.content_lang)
            .map_or(&page.content_lang, |l| &l.tag),
        url,
        available,
        sections,
        children: node
            .children
            .iter()
            .filter_map(|c| toc_entry(site, c, lang))
            .collect(),
    })
}

/// A chapter's h2 sections. They are numbered (`2.1`) unless the chapter has nested chapters,
/// which own those numbers.
pub fn sections(node: &BookNode, page: &Page, url: &str) -> Vec<TocSection> {
    page.headings
        .iter()
        .filter(|h| h.level == 2)
        .enumerate()
        .map(|(i, h)| TocSection {
            number: if node.children.is_empty() {
                format!("{}.{}", node.number, i + 1)
            } else {
                String::new()
            },
            title: h.text.clone(),
            id: h.id.clone(),
            url: format!("{url}#{}", crate::url::encode_fragment(&h.id)),
        })
        .collect()
}

/// Previous/next among the chapters that exist in `lang`. A part page links the chapter
/// before it and its own first chapter (the chapters' chain itself goes from chapter to
/// chapter, across parts).
pub fn chapter_nav<'a>(site: &'a Site, book: &'a Book, page: &Page) -> Option<ChapterNav<'a>> {
    let node = book.node(&page.key)?;
    let (previous_end, next_start) = if node.kind == NodeKind::Chapter {
        let position = book.reading_order.iter().position(|k| *k == page.key)?;
        (position, position + 1)
    } else {
        // The first chapter in reading order that lies inside the part or after it.
        let mut order = Vec::new();
        collect_keys(&book.nodes, &mut order);
        let part_index = order.iter().position(|k| *k == node.key)?;
        let after: std::collections::HashSet<&str> =
            order[part_index..].iter().map(|k| k.as_str()).collect();
        let position = book
            .reading_order
            .iter()
            .position(|k| after.contains(k.as_str()))
            .unwrap_or(book.reading_order.len());
        (position, position)
    };
    let link = |key: &'a String| -> Option<NavLink<'a>> {
        let target = site.page(key, &page.lang)?;
        let number = book.node(key).map(|n| n.number.clone()).unwrap_or_default();
        Some(NavLink {
            label: number,
            title: &target.front.title,
            url: site.config.url(&target.path),
            lang_tag: language_tag(site, &target.content_lang),
        })
    };
    let previous = book.reading_order[..previous_end]
        .iter()
        .rev()
        .find_map(link);
    let next = book.reading_order[next_start..].iter().find_map(link);
    if node.kind != NodeKind::Chapter {
        return Some(ChapterNav {
            sections: Vec::new(),
            number: "",
            label: part_label(site, &page.lang, node),
            part: None,
            part_label: None,
            part_title: None,
            part_lang_tag: None,
            previous,
            next,
        });
    }
    let part_node = book.part_of(&page.key);
    let part_page = part_node.and_then(|part| site.page(&part.key, &page.lang));
    let part_title = part_page.map(|p| p.front.title.as_str());
    let full_label = part_node.map(|part| part_label(site, &page.lang, part));
    let part = full_label
        .as_deref()
        .map(|label| label_and_title(label, part_title.unwrap_or_default()));
    // "付録 付録" is shown once: no separate label when the part is titled by it.
    let label = full_label.filter(|label| Some(label.as_str()) != part_title);
    Some(ChapterNav {
        part_label: label,
        part_title,
        part_lang_tag: part_page.map(|p| language_tag(site, &p.content_lang)),
        sections: sections(node, page, ""),
        number: &node.number,
        label: node.number.clone(),
        part,
        previous,
        next,
    })
}

/// `第1部 基礎`, but `付録` once when the appendix is titled by its label.
pub fn label_and_title(label: &str, title: &str) -> String {
    if label == title || label.is_empty() {
        title.to_string()
    } else {
        format!("{label} {title}")
    }
}

/// Every node's key, parts and chapters, in pre-order.
fn collect_keys(nodes: &[BookNode], out: &mut Vec<String>) {
    for node in nodes {
        out.push(node.key.clone());
        collect_keys(&node.children, out);
    }
}

/// One block of the print edition: a part heading or a chapter with its rewritten body.
#[derive(Serialize)]
pub struct PrintItem<'a> {
    pub kind: &'static str,
    pub anchor: String,
    pub label: String,
    pub title: &'a str,
    pub html: String,
    pub lang_tag: &'a str,
}

/// The anchor of a chapter or part in combined documents.
pub fn anchor(node: &BookNode) -> String {
    match node.kind {
        NodeKind::Part { appendix: true, .. } => "appendix".to_string(),
        NodeKind::Part { ordinal, .. } => format!("part-{ordinal}"),
        NodeKind::Chapter => format!("ch-{}", node.number),
    }
}

/// URL of each chapter page in `lang` → where it is in a combined document.
pub fn chapter_targets(
    site: &Site,
    book: &Book,
    lang: &str,
    file_of: &dyn Fn(&BookNode) -> String,
) -> HashMap<String, ChapterTarget> {
    let mut targets = HashMap::new();
    fn visit(
        site: &Site,
        nodes: &[BookNode],
        lang: &str,
        file_of: &dyn Fn(&BookNode) -> String,
        targets: &mut HashMap<String, ChapterTarget>,
    ) {
        for node in nodes {
            if let Some(page) = site.page(&node.key, lang) {
                targets.insert(
                    site.config.url(&page.path),
                    ChapterTarget {
                        file: file_of(node),
                        prefix: anchor(node),
                    },
                );
            }
            visit(site, &node.children, lang, file_of, targets);
        }
    }
    visit(site, &book.nodes, lang, file_of, &mut targets);
    targets
}

/// `page`'s HTML, or an error naming its source.
fn html_of<'a>(site: &Site, page: &'a Page) -> Result<std::borrow::Cow<'a, str>, Diagnostic> {
    site.page_html(page)
        .map_err(|e| Diagnostic::in_file(&page.source, e.to_string()))
}

/// The whole book in `lang` as one document, in reading order; an error naming the chapter
/// whose HTML cannot be read back (`Site::page_html`).
pub fn print_items<'a>(
    site: &'a Site,
    book: &'a Book,
    lang: &str,
) -> Result<Vec<PrintItem<'a>>, Diagnostic> {
    let targets = chapter_targets(site, book, lang, &|_| String::new());
    let resolve = |url: &str| targets.get(url).cloned();
    let keep = |url: &str| url.to_string();
    let mut items = Vec::new();
    fn visit<'a>(
        site: &'a Site,
        nodes: &'a [BookNode],
        lang: &str,
        resolve: &dyn Fn(&str) -> Option<ChapterTarget>,
        keep: &dyn Fn(&str) -> String,
        items: &mut Vec<PrintItem<'a>>,
    ) -> Result<(), Diagnostic> {
        for node in nodes {
            let Some(page) = site.page(&node.key, lang) else {
                continue;
            };
            let prefix = anchor(node);
            let kind = if node.kind == NodeKind::Chapter {
                "chapter"
            } else {
                "part"
            };
            items.push(PrintItem {
                kind,
                label: part_label(site, lang, node),
                title: &page.front.title,
                html: demote_headings(&rewrite(&html_of(site, page)?, &prefix, resolve, keep)),
                anchor: prefix,
                lang_tag: site
                    .config
                    .language(&page.content_lang)
                    .map_or(&page.content_lang, |l| &l.tag),
            });
            visit(site, &node.children, lang, resolve, keep, items)?;
        }
        Ok(())
    }
    visit(site, &book.nodes, lang, &resolve, &keep, &mut items)?;
    Ok(items)
}

/// Every heading of a chapter body one level down (`h2` → `h3`, `h6` stays), for the print
/// page: its one `h1` is the book's title, parts and chapters are `h2`.
pub fn demote_headings(html: &str) -> String {
    let mut out = html.to_string();
    for level in (2..=5).rev() {
        for (from, to) in [
            (format!("<h{level}"), format!("<h{}", level + 1)),
            (format!("</h{level}>"), format!("</h{}>", level + 1)),
        ] {
            if !out.contains(&from) {
                continue;
            }
            let mut next = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(at) = rest.find(&from) {
                let after = &rest[at + from.len()..];
                next.push_str(&rest[..at]);
                // `<h2>` or `<h2 id=…>`, not `<h2x`.
                if from.ends_with('>') || after.starts_with([' ', '>', '\n', '\t']) {
                    next.push_str(&to);
                } else {
                    next.push_str(&from);
                }
                rest = after;
            }
            next.push_str(rest);
            out = next;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_go_one_level_down() {
        assert_eq!(
            demote_headings("<header><h2 id=\"a\">A</h2><h5>E</h5><h6>F</h6></header>"),
            "<header><h3 id=\"a\">A</h3><h6>E</h6><h6>F</h6></header>"
        );
        assert_eq!(label_and_title("付録", "付録"), "付録");
        assert_eq!(label_and_title("第1部", "基礎"), "第1部 基礎");
    }
}
