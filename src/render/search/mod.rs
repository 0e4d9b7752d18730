//! The search index: one static bundle per language at `search-index/<lang>/` (format in
//! `bundle`), built before the plan from each page's title and body so that its files are
//! entries of the plan like any other. Terms are whole words in spaced scripts and character
//! bigrams in Japanese and Chinese (`terms`), so words inside sentences without spaces are
//! found. A home-made index rather than Pagefind: see ARCHITECTURE.md ("Search") for the
//! measurement that decided it.
//!
//! Behind the `search` cargo feature; without it `index` returns no files and the theme's
//! search page and box are left out.

mod bundle;
pub mod terms;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::search_cache;
use crate::error::{Diagnostic, Location};
use crate::site::discovery::searchable;
use crate::site::plan::{GeneratedFile, OutputKind};
use crate::site::{Page, Site};
use bundle::Document;

/// The folder of the search bundle of `lang`, site-relative (`search-index/ja/`).
pub fn bundle_path(lang: &str) -> String {
    format!("search-index/{lang}/")
}

/// Whether the search index is built in this build of koho.
pub const ENABLED: bool = cfg!(feature = "search");

/// The bundles of every language, made in parallel, or taken from `cache_dir`
/// (`search_cache`) when the language's documents are unchanged.
pub fn index(site: &Site, cache_dir: &Path) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    if !ENABLED {
        return Ok(Vec::new());
    }
    let origin = Location::file(PathBuf::from("content"));
    let bundles: Vec<Vec<GeneratedFile>> = site
        .config
        .languages
        .par_iter()
        .map(|language| {
            let lang = language.code.as_str();
            let documents: Vec<Document> = site
                .pages
                .par_iter()
                .filter(|p| p.lang == lang && searchable(site, p))
                .map(|p| document(site, p))
                .collect();
            let key = search_cache::key(lang, &documents);
            let files = search_cache::load(cache_dir, lang, key).unwrap_or_else(|| {
                let files = bundle::build(&documents);
                let listed: Vec<(&str, &[u8])> = files
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice()))
                    .collect();
                search_cache::save(cache_dir, lang, key, &listed);
                files
            });
            files
                .into_iter()
                .map(|(path, bytes)| GeneratedFile {
                    path: format!("{}{path}", bundle_path(lang)),
                    kind: OutputKind::SearchIndex,
                    origin: origin.clone(),
                    bytes: Arc::from(bytes),
                })
                .collect()
        })
        .collect();
    Ok(bundles.into_iter().flatten().collect())
}

/// What the index holds of a page: its address, title, the section or book it belongs to, its
/// localized date, and the text of its subtitle (or tagline) and body.
fn document(site: &Site, page: &Page) -> Document {
    let section = match site.book_of(&page.key) {
        Some(book) => site.page(&book.key, &page.lang),
        None => page
            .parent
            .as_deref()
            .and_then(|key| site.page(key, &page.lang)),
    }
    .map(|p| p.front.title.clone())
    .unwrap_or_default();
    let date = page
        .front
        .date
        .map(|d| crate::i18n::dates::localize(&site.locales, &page.lang, d).long)
        .unwrap_or_default();
    let mut text = String::new();
    for key in ["subtitle", "tagline"] {
        if let Some(line) = page.front.extra.get(key).and_then(|v| v.as_str()) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text.push_str(&text::plain_text(&page.html));
    Document {
        url: site.config.url(&page.path),
        title: page.front.title.clone(),
        section,
        date,
        text,
    }
}
