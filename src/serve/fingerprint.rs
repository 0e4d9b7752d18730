//! What a rendered page depends on, as hashes, so that a rebuild renders only the pages whose
//! inputs changed and keeps the previous bytes of the others.
//!
//! A page's bytes come from its template, its own document and data shared by the whole site:
//! the theme, locales and configuration, the titles, dates, paths and order of every page
//! (listings, switchers, breadcrumbs and the template functions `section_pages`, `url_for`),
//! fragments and downloads. The shared part is one hash (`site_wide`); when it changes every
//! page is rendered again. An edit of one release's body changes only that page's own hash.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::site::plan::{Job, PlannedFile};
use crate::site::{Page, Site};

/// Feeds `Debug` output into a hasher without building the string.
struct HashWriter<'a>(&'a mut DefaultHasher);

impl std::fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn debug_hash(hasher: &mut DefaultHasher, value: &dyn std::fmt::Debug) {
    // Writing into a hasher cannot fail.
    let _ = write!(HashWriter(hasher), "{value:?}");
}

/// The hashes of one build.
#[derive(Debug, Default, Clone)]
pub struct Fingerprints {
    pub site_wide: u64,
    /// Per page (index in `site.pages`): the hash of its own document.
    pages: Vec<u64>,
}

impl Fingerprints {
    /// Hashes `site` and the files of the theme, locales and site.toml under `root`.
    pub fn of(site: &Site, root: &Path) -> Fingerprints {
        let per_page: Vec<(u64, u64)> = site
            .pages
            .par_iter()
            .map(|page| page_hashes(page, site.book_of(&page.key).is_some()))
            .collect();
        let mut hasher = DefaultHasher::new();
        inputs_hash(&mut hasher, root, &site.config.theme);
        debug_hash(&mut hasher, &site.config);
        for (shared, _) in &per_page {
            shared.hash(&mut hasher);
        }
        let mut fragments: Vec<_> = site.fragments.iter().collect();
        fragments.sort_by(|a, b| a.0.cmp(b.0));
        for ((key, lang), fragment) in fragments {
            (key, lang, &fragment.title, &fragment.html).hash(&mut hasher);
        }
        debug_hash(&mut hasher, &site.downloads);
        debug_hash(&mut hasher, &site.books);
        debug_hash(&mut hasher, &site.assets);
        Fingerprints {
            site_wide: hasher.finish(),
            pages: per_page.into_iter().map(|(_, own)| own).collect(),
        }
    }

    /// The fingerprint of one planned file, or None for files rendered every time (books'
    /// print and EPUB editions, the downloads list and checksums, the root chooser: few, and
    /// they depend on many pages' text).
    pub fn file(&self, file: &PlannedFile) -> Option<u64> {
        let Job::Page { page, number } = &file.job else {
            return None;
        };
        let mut hasher = DefaultHasher::new();
        (self.site_wide, &file.path, number, self.pages.get(*page)).hash(&mut hasher);
        Some(hasher.finish())
    }
}

/// (what other pages may show of this page, everything of it). Books show their chapters'
/// headings in every chapter's table of contents, so book pages share their headings too.
fn page_hashes(page: &Page, in_book: bool) -> (u64, u64) {
    let mut shared = DefaultHasher::new();
    debug_hash(
        &mut shared,
        &(
            &page.kind,
            &page.key,
            &page.lang,
            &page.content_lang,
            &page.path,
            &page.parent,
            &page.front,
        ),
    );
    if in_book {
        debug_hash(&mut shared, &page.headings);
    }
    let mut own = shared.clone();
    page.html.hash(&mut own);
    debug_hash(&mut own, &(&page.headings, &page.source, &page.bundle_dir));
    (shared.finish(), own.finish())
}

/// The templates of the theme, the locales and site.toml, as bytes.
fn inputs_hash(hasher: &mut DefaultHasher, root: &Path, theme: &str) {
    let templates = root.join("themes").join(theme).join("templates");
    for dir in [templates, root.join("locales")] {
        for entry in WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            entry.path().hash(hasher);
            std::fs::read(entry.path()).ok().hash(hasher);
        }
    }
    std::fs::read(root.join("site.toml")).ok().hash(hasher);
}

/// The fingerprint each output path was rendered with.
pub type Rendered = HashMap<String, u64>;
