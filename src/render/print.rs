//! Moving a chapter's HTML into a bigger document (the print page, an EPUB file): ids get the
//! chapter's prefix so they stay unique, and links between chapters become in-document links.

use crate::markdown::headings::RESERVED_IDS;

/// Where links to one chapter page go inside the combined document.
#[derive(Debug, Clone)]
pub struct ChapterTarget {
    /// The file holding the chapter (`""` on the print page, `ch-1.xhtml` in an EPUB).
    pub file: String,
    /// The chapter's id prefix (`ch-1`): the chapter's own anchor, and `ch-1--x` for its ids.
    pub prefix: String,
}

/// Rewrites `html` of the chapter with `prefix`: every `id="x"` becomes `id="prefix--x"`,
/// `href="#x"` follows, and `href` to a chapter URL (as `targets` resolves it) points into the
/// combined document. Other site links go through `other`.
pub fn rewrite(
    html: &str,
    prefix: &str,
    targets: &dyn Fn(&str) -> Option<ChapterTarget>,
    other: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(position) = next_attribute(rest) {
        let (before, attribute) = rest.split_at(position);
        out.push_str(before);
        let (name, after_name) = if let Some(r) = attribute.strip_prefix(" id=\"") {
            ("id", r)
        } else if let Some(r) = attribute.strip_prefix(" href=\"") {
            ("href", r)
        } else {
            unreachable!("next_attribute finds only id and href")
        };
        let end = after_name.find('"').unwrap_or(after_name.len());
        let value = &after_name[..end];
        let new_value = if name == "id" {
            prefixed_id(prefix, value)
        } else {
            rewrite_href(value, prefix, targets, other)
        };
        out.push_str(&format!(" {name}=\"{new_value}"));
        rest = &after_name[end..];
    }
    out.push_str(rest);
    out
}

/// A chapter's id inside the combined document: `ch-1--概要`.
pub fn prefixed_id(prefix: &str, id: &str) -> String {
    format!("{prefix}--{id}")
}

/// An href of the chapter with `prefix`, inside the combined document: `#x` follows the
/// chapter's prefixed ids, a link to a chapter page goes to that chapter's part of the
/// document, other links go through `other`. A fragment naming an id the theme puts around a
/// page (`#main`, `#top`) means the chapter itself, which has no such element in a book.
pub fn rewrite_href(
    href: &str,
    prefix: &str,
    targets: &dyn Fn(&str) -> Option<ChapterTarget>,
    other: &dyn Fn(&str) -> String,
) -> String {
    let in_chapter = |file: &str, prefix: &str, fragment: &str| {
        let id = crate::url::decode(fragment).unwrap_or_default();
        if fragment.is_empty() || RESERVED_IDS.contains(&id.as_str()) {
            format!("{file}#{prefix}")
        } else {
            format!("{file}#{}", prefixed_id(prefix, fragment))
        }
    };
    if let Some(fragment) = href.strip_prefix('#') {
        return in_chapter("", prefix, fragment);
    }
    let (target, fragment) = href.split_once('#').unwrap_or((href, ""));
    match targets(target) {
        Some(t) => in_chapter(&t.file, &t.prefix, fragment),
        None => other(href),
    }
}

fn next_attribute(html: &str) -> Option<usize> {
    match (html.find(" id=\""), html.find(" href=\"")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_ids_and_rewrites_links() {
        let html = r##"<h2 id="概要">概要<a class="heading-anchor" href="#概要">#</a></h2><p><a href="/ja/handbook/b/#x">b</a> <a href="/ja/handbook/b/">b</a> <a href="https://x.org/">x</a> <a href="/ja/downloads/">d</a></p>"##;
        let targets = |url: &str| {
            (url == "/ja/handbook/b/").then(|| ChapterTarget {
                file: String::new(),
                prefix: "ch-2".into(),
            })
        };
        let other = |url: &str| {
            if url.starts_with('/') {
                format!("https://ngmo.or.jp{url}")
            } else {
                url.to_string()
            }
        };
        let out = rewrite(html, "ch-1", &targets, &other);
        assert!(out.contains(r#"<h2 id="ch-1--概要">"#), "{out}");
        assert!(out.contains(r##"href="#ch-1--概要""##));
        assert!(out.contains(r##"href="#ch-2--x""##));
        assert!(out.contains(r##"href="#ch-2""##));
        assert!(out.contains(r#"href="https://x.org/""#));
        assert!(out.contains(r#"href="https://ngmo.or.jp/ja/downloads/""#));
    }

    #[test]
    fn encoded_and_theme_fragments_stay_valid() {
        let targets = |url: &str| {
            (url == "/ja/b/").then(|| ChapterTarget {
                file: "ch-2.xhtml".into(),
                prefix: "ch-2".into(),
            })
        };
        let keep = |url: &str| url.to_string();
        let href = |h: &str| rewrite_href(h, "ch-1", &targets, &keep);
        assert_eq!(href("#%E6%B2%BF%E9%9D%A9"), "#ch-1--%E6%B2%BF%E9%9D%A9");
        assert_eq!(href("#main"), "#ch-1");
        assert_eq!(href("/ja/b/#top"), "ch-2.xhtml#ch-2");
        assert_eq!(href("/ja/b/#x"), "ch-2.xhtml#ch-2--x");
        assert_eq!(href("/ja/c/#x"), "/ja/c/#x");
    }
}
