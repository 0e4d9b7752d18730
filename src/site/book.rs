//! Books: a section read as a book. Its order (parts, chapters, nested chapters) is defined
//! once, by weight, and shared by every language; numbers are computed from it.

use std::collections::{BTreeSet, HashMap};

use super::{Page, PageId};
use crate::content::DocKind;
use crate::error::Diagnostic;

/// One node of a book's table of contents.
#[derive(Debug, Clone)]
pub struct BookNode {
    pub key: String,
    pub kind: NodeKind,
    /// `1`, `1.2`, `A` for chapters; the ordinal for parts.
    pub number: String,
    pub children: Vec<BookNode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A group of chapters (a folder with `_index`); `appendix` when `[extra] appendix = true`.
    Part {
        ordinal: usize,
        appendix: bool,
    },
    Chapter,
}

/// A book: its root section and the tree under it, the same for every language.
#[derive(Debug, Clone)]
pub struct Book {
    pub key: String,
    pub nodes: Vec<BookNode>,
    /// Chapter keys in reading order (pre-order), for previous/next, print and EPUB.
    pub reading_order: Vec<String>,
}

impl Book {
    /// Finds the chapter or part with `key`.
    pub fn node(&self, key: &str) -> Option<&BookNode> {
        fn find<'a>(nodes: &'a [BookNode], key: &str) -> Option<&'a BookNode> {
            nodes.iter().find_map(|n| {
                if n.key == key {
                    Some(n)
                } else {
                    find(&n.children, key)
                }
            })
        }
        find(&self.nodes, key)
    }

    /// Whether `key` lies inside this book (the book's home included).
    pub fn contains(&self, key: &str) -> bool {
        key == self.key || key.starts_with(&format!("{}/", self.key))
    }

    /// The part a chapter sits in.
    pub fn part_of(&self, key: &str) -> Option<&BookNode> {
        self.nodes.iter().find(|n| {
            matches!(n.kind, NodeKind::Part { .. }) && key.starts_with(&format!("{}/", n.key))
        })
    }
}

/// What the book builder needs to know of the site.
pub struct BookInput<'a> {
    pub pages: &'a [Page],
    pub by_key: &'a HashMap<String, std::collections::BTreeMap<String, PageId>>,
    pub default_language: &'a str,
    pub languages: &'a [String],
}

/// Builds the book rooted at section `key`. Errors: two entries at one position, a folder of
/// chapters without its `_index` (a part referenced by its chapters but missing). Warnings:
/// a chapter missing in a language.
pub fn build(key: &str, input: &BookInput) -> (Option<Book>, Vec<Diagnostic>) {
    if let Some(problem) = root_problem(key, input) {
        return (None, vec![problem]);
    }
    // Every key under the book, once.
    let keys: BTreeSet<&str> = input
        .by_key
        .keys()
        .map(String::as_str)
        .filter(|k| k.starts_with(&format!("{key}/")))
        .collect();
    let mut diagnostics = missing_parts(key, &keys, input);
    let mut numbering = Numbering::default();
    let nodes: Vec<BookNode> = children(key, &keys, input, &mut diagnostics)
        .into_iter()
        .map(|child_key| numbering.node(child_key, &keys, input, &mut diagnostics))
        .collect();
    let mut reading_order = Vec::new();
    fn walk(nodes: &[BookNode], out: &mut Vec<String>) {
        for node in nodes {
            if node.kind == NodeKind::Chapter {
                out.push(node.key.clone());
            }
            walk(&node.children, out);
        }
    }
    walk(&nodes, &mut reading_order);
    diagnostics.extend(missing_translations(&reading_order, input));
    let book = Book {
        key: key.to_string(),
        nodes,
        reading_order,
    };
    (Some(book), diagnostics)
}

/// Why the section `key` cannot be a book: it does not exist, or it is a page.
fn root_problem(key: &str, input: &BookInput) -> Option<Diagnostic> {
    let Some(root) = representative(key, input) else {
        return Some(Diagnostic::in_file(
            std::path::Path::new("site.toml"),
            format!("books names `{key}`, but there is no content/{key}/_index.<lang>.md"),
        ));
    };
    (root.kind != DocKind::Section).then(|| {
        Diagnostic::in_file(
            &root.source,
            format!("book `{key}` must be a section (_index.<lang>.md)"),
        )
    })
}

/// A chapter in a folder of the book that has no `_index` file: the part is missing.
fn missing_parts(key: &str, keys: &BTreeSet<&str>, input: &BookInput) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for k in keys {
        let parent = k.rsplit_once('/').map_or("", |(p, _)| p);
        if parent == key || keys.contains(parent) {
            continue;
        }
        if let Some(page) = representative(k, input) {
            diagnostics.push(
                Diagnostic::in_file(
                    &page.source,
                    format!("this chapter is in content/{parent}/, which has no _index.<lang>.md: the part is missing"),
                )
                .with_help(format!("create content/{parent}/_index.{}.md with the part's title and weight", input.default_language)),
            );
        }
    }
    diagnostics
}

/// The book's running numbers: parts 1, 2 …; chapters 1, 2 … across parts; appendix
/// chapters A, B ….
#[derive(Default)]
struct Numbering {
    parts: usize,
    chapters: usize,
    appendices: usize,
}

impl Numbering {
    /// The node at `key` at the top of the book: a part (with its chapters) or a chapter.
    fn node(
        &mut self,
        key: &str,
        keys: &BTreeSet<&str>,
        input: &BookInput,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> BookNode {
        let page = representative(key, input).expect("keys come from by_key");
        if page.kind != DocKind::Section {
            self.chapters += 1;
            return chapter(key, self.chapters.to_string(), keys, input, diagnostics);
        }
        let appendix = page.front.extra.get("appendix").and_then(|v| v.as_bool()) == Some(true);
        self.parts += usize::from(!appendix);
        let ordinal = if appendix { 0 } else { self.parts };
        let chapters = children(key, keys, input, diagnostics)
            .into_iter()
            .map(|chapter_key| {
                let number = if appendix {
                    self.appendices += 1;
                    letter(self.appendices)
                } else {
                    self.chapters += 1;
                    self.chapters.to_string()
                };
                chapter(chapter_key, number, keys, input, diagnostics)
            })
            .collect();
        BookNode {
            key: key.to_string(),
            kind: NodeKind::Part { ordinal, appendix },
            number: ordinal.to_string(),
            children: chapters,
        }
    }
}

/// A warning for each chapter missing in a configured language.
fn missing_translations(reading_order: &[String], input: &BookInput) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for chapter_key in reading_order {
        for lang in input.languages {
            let present = input
                .by_key
                .get(chapter_key)
                .and_then(|l| l.get(lang))
                .is_some_and(|&id| !input.pages[id].is_fallback());
            if !present {
                let page = representative(chapter_key, input).expect("chapter exists");
                diagnostics.push(Diagnostic::warning(
                    Some(crate::error::Location::file(&page.source)),
                    format!("chapter `{chapter_key}` has no `{lang}` translation"),
                ));
            }
        }
    }
    diagnostics
}

fn chapter(
    key: &str,
    number: String,
    keys: &BTreeSet<&str>,
    input: &BookInput,
    diagnostics: &mut Vec<Diagnostic>,
) -> BookNode {
    let children = children(key, keys, input, diagnostics)
        .into_iter()
        .enumerate()
        .map(|(i, child)| {
            chapter(
                child,
                format!("{number}.{}", i + 1),
                keys,
                input,
                diagnostics,
            )
        })
        .collect();
    BookNode {
        key: key.to_string(),
        kind: NodeKind::Chapter,
        number,
        children,
    }
}

/// The direct children of `parent` in book order; two at one weight are an error.
fn children<'k>(
    parent: &str,
    keys: &BTreeSet<&'k str>,
    input: &BookInput,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'k str> {
    let prefix = format!("{parent}/");
    let mut children: Vec<(&'k str, &Page)> = keys
        .iter()
        .filter(|k| {
            k.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.contains('/'))
        })
        .filter_map(|k| Some((*k, representative(k, input)?)))
        .collect();
    children.sort_by(|a, b| {
        a.1.front
            .weight
            .cmp(&b.1.front.weight)
            .then_with(|| a.0.cmp(b.0))
    });
    for pair in children.windows(2) {
        if pair[0].1.front.weight == pair[1].1.front.weight {
            diagnostics.push(
                Diagnostic::in_file(
                    &pair[1].1.source,
                    format!(
                        "two chapters at one position: this file and `{}` both have weight {}",
                        pair[0].1.source.display(),
                        pair[1].1.front.weight
                    ),
                )
                .with_help("give each chapter of a part its own `weight`"),
            );
        }
    }
    children.into_iter().map(|(k, _)| k).collect()
}

/// The page that defines a key's order and kind: the default language's, else the first one.
fn representative<'a>(key: &str, input: &BookInput<'a>) -> Option<&'a Page> {
    let by_lang = input.by_key.get(key)?;
    let id = by_lang
        .get(input.default_language)
        .filter(|&&id| !input.pages[id].is_fallback())
        .or_else(|| by_lang.values().next())?;
    Some(&input.pages[*id])
}

/// 1 → A, 2 → B … 27 → AA.
fn letter(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    out.iter().rev().collect()
}

/// Where a book's EPUB in `lang` is published: beside its home page (`ja/handbook/handbook-ja.epub`).
pub fn epub_path(book: &Book, home_path: &str, lang: &str) -> String {
    let name = book.key.rsplit('/').next().unwrap_or(&book.key);
    format!("{home_path}{name}-{lang}.epub")
}

#[cfg(test)]
mod tests {
    use super::letter;

    #[test]
    fn appendix_letters() {
        assert_eq!(letter(1), "A");
        assert_eq!(letter(26), "Z");
        assert_eq!(letter(27), "AA");
    }
}
