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
mod saved_terms;
pub mod terms;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::search_cache;
use crate::background::Background;
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

/// The bundles of every language, each taken from `cache_dir` (`search_cache`) when the
/// language's pages are unchanged, else indexed and saved there on `background`. Languages are
/// indexed one after the other (their pages in parallel, so that only one language's postings
/// are in memory) while the saved bundles are read on the other core: at 10,000 releases,
/// reading two languages' 14 MB was 16 ms of a one-release rebuild's critical path.
pub fn index(
    site: &Site,
    cache_dir: &Path,
    background: &Background,
) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    if !ENABLED {
        return Ok(Vec::new());
    }
    // Never a link to a folder elsewhere, whose files koho would then replace.
    let cache_dir = crate::cache::state_folder(cache_dir).then_some(cache_dir);
    let languages: Vec<Language> = site
        .config
        .languages
        .iter()
        .map(|language| Language::of(site, &language.code))
        .collect();
    let saved =
        |l: &Language| cache_dir.is_some_and(|dir| search_cache::has_key(dir, l.lang, l.key));
    let saved: Vec<bool> = languages.iter().map(saved).collect();
    let build = |l: &Language| {
        let bundle = build_bundle(site, l, cache_dir)?;
        if let Some(dir) = cache_dir {
            let (dir, lang, key, saved) =
                (dir.to_path_buf(), l.lang.to_string(), l.key, bundle.clone());
            background.run(move || {
                let listed: Vec<(&str, &[u8])> =
                    saved.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
                search_cache::save(&dir, &lang, key, &listed);
            });
        }
        Ok::<_, Vec<Diagnostic>>(bundle)
    };
    let (mut loaded, built) = rayon::join(
        || {
            let load = |(l, saved): (&Language, &bool)| {
                let dir = cache_dir.filter(|_| *saved)?;
                search_cache::load(dir, l.lang, l.key)
            };
            languages
                .par_iter()
                .zip(&saved)
                .map(load)
                .collect::<Vec<_>>()
        },
        || {
            let unsaved = languages.iter().zip(&saved);
            let build_unsaved = |(l, saved): (&Language, &bool)| match saved {
                true => Ok(None),
                false => build(l).map(Some),
            };
            unsaved.map(build_unsaved).collect::<Result<Vec<_>, _>>()
        },
    );
    let mut built = built?;
    let origin = Location::file(PathBuf::from("content"));
    let mut files = Vec::new();
    for (i, l) in languages.iter().enumerate() {
        let bundle = match (loaded[i].take(), built[i].take()) {
            (Some(bundle), _) | (None, Some(bundle)) => bundle,
            // Its file had the key but could not be read whole: indexed now.
            (None, None) => build(l)?,
        };
        files.extend(bundle.into_iter().map(|(path, bytes)| GeneratedFile {
            path: format!("{}{path}", bundle_path(l.lang)),
            kind: OutputKind::SearchIndex,
            origin: origin.clone(),
            bytes,
        }));
    }
    Ok(files)
}

/// What the indexer is given of one language's pages (each page's document and what its text
/// is made of: the hash of its HTML, its subtitle and tagline) and the key of its bundle.
struct Language<'a> {
    lang: &'a str,
    pages: Vec<&'a Page>,
    documents: Vec<Document>,
    bodies: Vec<(u64, Option<&'a str>, Option<&'a str>)>,
    key: u64,
}

impl<'a> Language<'a> {
    fn of(site: &'a Site, lang: &'a str) -> Language<'a> {
        let pages: Vec<&Page> = site
            .pages
            .iter()
            .filter(|p| p.lang == lang && searchable(site, p))
            .collect();
        let documents: Vec<Document> = pages.par_iter().map(|p| document(site, p)).collect();
        let bodies: Vec<(u64, Option<&str>, Option<&str>)> = pages
            .iter()
            .map(|p| (p.html.hash(), extra(p, "subtitle"), extra(p, "tagline")))
            .collect();
        let key = search_cache::key(lang, &(&documents, &bodies));
        Language {
            lang,
            pages,
            documents,
            bodies,
            key,
        }
    }
}

/// One file of a language's bundle: its path under the bundle's folder and its bytes.
type BundleFile = (String, Arc<[u8]>);

/// The bundle of `language`'s pages, their terms taken from the last build's (`saved_terms`,
/// under `cache_dir` when there is one) when their title and text are unchanged; errors when
/// a page's HTML cannot be read back (`Site::page_html`).
fn build_bundle(
    site: &Site,
    language: &Language,
    cache_dir: Option<&Path>,
) -> Result<Vec<BundleFile>, Vec<Diagnostic>> {
    let Language {
        lang,
        pages,
        documents,
        bodies,
        ..
    } = language;
    let failures = std::sync::Mutex::new(Vec::new());
    let keys: Vec<u64> = documents
        .iter()
        .zip(bodies)
        .map(|(d, body)| saved_terms::page_key(&d.title, body))
        .collect();
    let salt = crate::program_salt();
    let postings = saved_terms::postings(cache_dir, lang, salt, documents, &keys, &|i| {
        let page = pages[i];
        text(site, page)
            .map_err(|e| {
                if let Ok(mut failures) = failures.lock() {
                    failures.push(Diagnostic::in_file(&page.source, e.to_string()));
                }
            })
            .ok()
    });
    match failures.into_inner().unwrap_or_default() {
        failures if failures.is_empty() => Ok(bundle::files(documents, postings)
            .into_iter()
            .map(|(path, bytes)| (path, Arc::from(bytes)))
            .collect()),
        failures => Err(failures),
    }
}

fn extra<'a>(page: &'a Page, key: &str) -> Option<&'a str> {
    page.front.extra.get(key).and_then(|v| v.as_str())
}

/// The text the index reads of a page: its subtitle (or tagline) and body.
fn text(site: &Site, page: &Page) -> Result<String, crate::site::html_store::ReadBackError> {
    let mut text = String::new();
    for line in [extra(page, "subtitle"), extra(page, "tagline")]
        .into_iter()
        .flatten()
    {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&text::plain_text(&site.page_html(page)?));
    Ok(text)
}

/// What a result shows of a page: its address, title, the section or book it belongs to and
/// its localized date.
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
        .map(|d| site.localized_date(&page.lang, d).long)
        .unwrap_or_default();
    Document {
        url: site.config.url(&page.path),
        title: page.front.title.clone(),
        section,
        date,
    }
}
