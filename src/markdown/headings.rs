//! Heading ids that keep CJK text, unique within a page.

use std::collections::HashSet;

/// A heading of a page, for tables of contents and anchors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
pub fn slugify(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
