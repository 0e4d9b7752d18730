//! Heading ids that keep CJK text, unique within a page; the plain text of a heading.

use std::borrow::Cow;
use std::collections::HashSet;

use pulldown_cmark::Event;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// A heading of a page, for tables of contents and anchors.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// Makes ids unique in one page: the second `概要` becomes `概要-1`, deterministically.
#[derive(Debug, Default)]
pub struct IdMaker {
    used: HashSet<String>,
    prefix: String,
}

/// Ids the page around a body already uses (the theme's `<main id="main">`, skip targets).
pub const RESERVED_IDS: &[&str] = &["main", "top", "content"];

impl IdMaker {
    /// For a page body: the theme's own ids are taken already.
    pub fn for_page() -> Self {
        IdMaker {
            used: RESERVED_IDS.iter().map(|id| id.to_string()).collect(),
            prefix: String::new(),
        }
    }

    /// For a block that shares pages with other bodies (a fragment): every id starts with
    /// `prefix`, so it cannot collide with the page's own headings.
    pub fn with_prefix(prefix: &str) -> Self {
        IdMaker {
            used: HashSet::new(),
            prefix: prefix.to_string(),
        }
    }

    pub fn make(&mut self, text: &str) -> String {
        let base = format!("{}{}", self.prefix, slugify(text));
        if self.used.insert(base.clone()) {
            return base;
        }
        (1..)
            .map(|n| format!("{base}-{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .unwrap_or(base)
    }
}

/// Letters and digits of any script are kept (lowercased); everything else separates words.
/// Japanese and Chinese headings keep their characters: `概要と背景` stays `概要と背景`.
/// The text is taken in NFC first, so a heading typed in NFD (`カ` + U+3099, as macOS and
/// some editors write it) gets the same id as one typed in NFC: `ガイド`, not `カ-イト`
/// (a lone combining mark is not alphanumeric).
pub fn slugify(text: &str) -> String {
    let text = nfc(text);
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

/// `text` in Unicode Normalization Form C (UAX #15); borrowed when it already is, which the
/// quick check decides without allocating for nearly all text.
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// Collects the plain text of a heading from its events: text and code, without the ruby
/// annotations (`<rt>`, `<rp>`: `<ruby>腹臥位<rt>ふくがい</rt></ruby>療法` is `腹臥位療法`,
/// HTML 5.2 §4.5.21–23) and without any tag. [`HeadingText::finish`] gives it trimmed, in NFC.
#[derive(Debug, Default)]
pub struct HeadingText {
    text: String,
    in_annotation: bool,
}

impl HeadingText {
    pub fn push(&mut self, event: &Event) {
        match event {
            Event::Text(text) | Event::Code(text) if !self.in_annotation => {
                self.text.push_str(text)
            }
            Event::InlineHtml(html) => {
                if let Some((closing, name)) = tag_name(html) {
                    self.in_annotation = match (closing, name.as_str()) {
                        (false, "rt" | "rp") => true,
                        // An annotation ends at its end tag, at the next base (`<rb>`) or
                        // annotation, or with the ruby element (HTML's optional end tags).
                        (true, "rt" | "rp" | "ruby") | (false, "rb" | "rtc") => false,
                        _ => self.in_annotation,
                    };
                }
            }
            _ => {}
        }
    }

    pub fn finish(self) -> String {
        nfc(self.text.trim()).into_owned()
    }
}

/// `(is an end tag, lowercase name)` of the HTML tag `html` starts with.
fn tag_name(html: &str) -> Option<(bool, String)> {
    let rest = html.trim_start().strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (!name.is_empty()).then_some((closing, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_headings_get_nfc_ids() {
        let nfd = "\u{30AB}\u{3099}\u{30A4}\u{30C8}\u{3099}\u{30D5}\u{3099}\u{30C3}\u{30AF}\u{306E}\u{4F7F}\u{3044}\u{65B9}";
        assert_eq!(slugify(nfd), "ガイドブックの使い方");
        assert!(matches!(nfc("ガイド"), Cow::Borrowed(_)));
    }

    #[test]
    fn ruby_annotations_are_not_heading_text() {
        let mut text = HeadingText::default();
        for event in [
            Event::InlineHtml("<ruby>".into()),
            Event::Text("腹臥位".into()),
            Event::InlineHtml("<rp>".into()),
            Event::Text("(".into()),
            Event::InlineHtml("</rp>".into()),
            Event::InlineHtml("<RT class=\"x\">".into()),
            Event::Text("ふくがい".into()),
            Event::InlineHtml("</ruby>".into()),
            Event::Text("療法".into()),
        ] {
            text.push(&event);
        }
        assert_eq!(text.finish(), "腹臥位療法");
    }

    #[test]
    fn keeps_cjk_and_lowercases_latin() {
        assert_eq!(
            slugify("ジャック・マー氏の医療現場への貢献"),
            "ジャック-マー氏の医療現場への貢献"
        );
        assert_eq!(slugify("新冠肺炎防治手册"), "新冠肺炎防治手册");
        assert_eq!(slugify("About NGMO!"), "about-ngmo");
        assert_eq!(slugify("1.2 ECMO"), "1-2-ecmo");
        assert_eq!(slugify("★"), "section");
    }

    #[test]
    fn unique_ids_get_suffixes() {
        let mut ids = IdMaker::default();
        assert_eq!(ids.make("概要"), "概要");
        assert_eq!(ids.make("概要"), "概要-1");
        assert_eq!(ids.make("概要"), "概要-2");
        assert_eq!(ids.make("概要-1"), "概要-1-1");
        assert_eq!(ids.make("Other"), "other");
    }

    #[test]
    fn reserved_and_prefixed_ids() {
        assert_eq!(IdMaker::for_page().make("Main"), "main-1");
        assert_eq!(
            IdMaker::with_prefix("profile-").make("沿革"),
            "profile-沿革"
        );
    }
}
