//! What a rendered page depends on, as hashes, so that a rebuild (`koho build` into a previous
//! output, or the preview) renders only the pages whose inputs changed and keeps the previous
//! bytes of the others.
//!
//! A page's bytes come from (the `render` module's page context and template functions):
//! - `core`, shared by every page: the theme's templates (bytes) and other files (stamps:
//!   the share image's size, `pdf.toml` and fonts), the locales, site.toml, fragments,
//!   downloads, assets, books (with their pages' titles and headings), and every page's route
//!   (key, language, path, kind, parent): the switcher, `url_for` and breadcrumbs' links;
//! - its own document (front matter and rendered Markdown), and what its downloads show of
//!   its translations: their dates, and with release PDFs their text (each language's PDF);
//! - what it shows of other pages (titles, dates, descriptions, `[extra]`, order): its
//!   ancestors in the breadcrumbs; for a section, the members on its listing page and its
//!   subsections; and the results of the theme's `section_pages(key=…, limit=…)` calls, found in
//!   the templates' text (any call whose arguments are not literals makes every page depend on
//!   every section).
//!
//! So a release's body edit renders that page only; a title edit renders it, the listing page
//! that shows it, and the pages whose `section_pages` results include it.
//!
//! Templates and locales are read through symbolic links, as their loaders read them. A theme
//! whose templates call `get_env()` depends on the environment: its fingerprints hold the
//! environment, and its builds are never skipped as up to date. (Tera's `now()` and `date`
//! are not in koho's Tera, built without its `builtins` feature.)

use crate::digest::StableHasher;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::content::DocKind;
use crate::site::plan::{Job, OutputPlan, PlannedFile};
use crate::site::{Page, PageId, Site};

/// Feeds `Debug` output into a hasher without building the string.
struct HashWriter<'a>(&'a mut StableHasher);

impl std::fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn debug_hash(hasher: &mut StableHasher, value: &dyn std::fmt::Debug) {
    // Writing into a hasher cannot fail.
    let _ = write!(HashWriter(hasher), "{value:?}");
}

/// The `section_pages` calls of the theme: (section key, limit) with literal arguments, or
/// None when some call's arguments could not be read (then every section counts).
type Calls = Option<Vec<(String, Option<usize>)>>;

/// The hashes of one build.
pub struct Fingerprints {
    core: u64,
    /// Per page: what other pages show of it.
    shared: Vec<u64>,
    /// Per page: its own document, everything of it.
    own: Vec<u64>,
    /// Per language: the results of the theme's `section_pages` calls and the feed section's
    /// title (what every page of the language shows of other pages).
    calls: HashMap<String, u64>,
    /// Per language: every page's own document (what a feed can show).
    documents: HashMap<String, u64>,
    /// Every page's shared part (what the sitemap shows: routes and dates).
    listing: u64,
    /// Whether the plan has release PDFs (their sizes and checksums show on every translation).
    release_pdfs: bool,
}

impl Fingerprints {
    /// Hashes `site` and the files of the theme, locales and site.toml under `root`; `plan` says
    /// whether there are release PDFs.
    pub fn of(site: &Site, root: &Path, plan: &OutputPlan) -> Fingerprints {
        let per_page: Vec<[u64; 3]> = site.pages.par_iter().map(page_hashes).collect();
        let mut hasher = StableHasher::new();
        let calls = inputs_hash(&mut hasher, root, &site.config.theme);
        debug_hash(&mut hasher, &site.config);
        for (id, [route, shared, own]) in per_page.iter().enumerate() {
            route.hash(&mut hasher);
            // Books show their chapters' titles and headings on every chapter, print and EPUB.
            if site.book_of(&site.pages[id].key).is_some() {
                (shared, own).hash(&mut hasher);
            }
        }
        let mut fragments: Vec<_> = site.fragments.iter().collect();
        fragments.sort_by(|a, b| a.0.cmp(b.0));
        for ((key, lang), fragment) in fragments {
            (key, lang, &fragment.title, &fragment.html).hash(&mut hasher);
        }
        debug_hash(&mut hasher, &(&site.downloads, &site.books, &site.assets));
        let shared: Vec<u64> = per_page.iter().map(|h| h[1]).collect();
        // Every page's `<head>` links its language's feed by the feed section's title.
        let feed_section = |lang: &str| {
            let key = site.config.discovery.feed_section.as_deref()?;
            site.page_id(key, lang).map(|id| shared[id])
        };
        let calls = site
            .config
            .languages
            .iter()
            .map(|l| {
                let mut hasher = StableHasher::new();
                calls_hash(site, &shared, &calls, &l.code).hash(&mut hasher);
                feed_section(&l.code).hash(&mut hasher);
                (l.code.clone(), hasher.finish())
            })
            .collect();
        let mut documents: HashMap<String, StableHasher> = HashMap::new();
        for (page, hashes) in site.pages.iter().zip(&per_page) {
            hashes[2].hash(documents.entry(page.lang.clone()).or_default());
        }
        let mut listing = StableHasher::new();
        shared.hash(&mut listing);
        Fingerprints {
            core: hasher.finish(),
            shared,
            own: per_page.iter().map(|h| h[2]).collect(),
            calls,
            documents: documents
                .into_iter()
                .map(|(l, h)| (l, h.finish()))
                .collect(),
            listing: listing.finish(),
            release_pdfs: plan
                .files
                .iter()
                .any(|f| matches!(f.job, Job::ReleasePdf { .. })),
        }
    }

    /// The fingerprint of one planned file, or None for files rendered every time (books'
    /// print and EPUB editions, the downloads list and checksums, the root chooser: few, and
    /// they depend on many pages' text). A feed depends on its language's documents, the
    /// sitemap on every page's route and dates, a search index file on its own bytes.
    pub fn file(&self, site: &Site, file: &PlannedFile) -> Option<u64> {
        let mut hasher = StableHasher::new();
        (self.core, &file.path).hash(&mut hasher);
        match &file.job {
            Job::Page { page, number } => return self.page(site, file, *page, *number),
            Job::Robots => {}
            // The 404 and search pages show the site's menus and whatever the theme lists.
            Job::NotFound { lang: Some(lang) } | Job::SearchPage { lang } => {
                self.calls.get(lang).hash(&mut hasher)
            }
            Job::NotFound { lang: None } => {
                let mut calls: Vec<_> = self.calls.iter().collect();
                calls.sort();
                calls.hash(&mut hasher);
            }
            Job::Feed { lang } => self.documents.get(lang).hash(&mut hasher),
            Job::Sitemap { .. } | Job::SitemapIndex { .. } => self.listing.hash(&mut hasher),
            Job::Generated { bytes } => bytes.hash(&mut hasher),
            _ => return None,
        }
        Some(hasher.finish())
    }

    /// The fingerprint of page `number` of page `id`'s output.
    fn page(&self, site: &Site, file: &PlannedFile, id: PageId, number: usize) -> Option<u64> {
        let page = site.pages.get(id)?;
        let mut hasher = StableHasher::new();
        (self.core, &file.path, number, self.own[id]).hash(&mut hasher);
        self.calls.get(&page.lang).hash(&mut hasher);
        // Its translations: the downloads attached to the page show their latest date and,
        // with release PDFs, each language's edition, made from that translation's text.
        if let Some(translations) = site.by_key.get(&page.key) {
            for &other in translations.values() {
                self.shared[other].hash(&mut hasher);
                if self.release_pdfs {
                    self.own[other].hash(&mut hasher);
                }
            }
        }
        // The downloads pages list the generated editions (the releases' PDFs) with their
        // sizes and checksums, which change with the releases' text.
        if page.key == crate::content::downloads::DOWNLOADS_DIR {
            let mut documents: Vec<_> = self.documents.iter().collect();
            documents.sort();
            documents.hash(&mut hasher);
        }
        let mut parent = page.parent.as_deref().filter(|k| !k.is_empty());
        while let Some(ancestor) = parent.and_then(|key| site.page_id(key, &page.lang)) {
            self.shared[ancestor].hash(&mut hasher);
            parent = site.pages[ancestor]
                .parent
                .as_deref()
                .filter(|k| !k.is_empty());
        }
        if page.kind == DocKind::Section {
            if let Some(section) = site.section(&page.key, &page.lang) {
                let members = listed(page, &section.pages, number);
                (
                    section.pages.len(),
                    self.each(members),
                    self.each(&section.subsections),
                )
                    .hash(&mut hasher);
            }
        }
        Some(hasher.finish())
    }

    fn each(&self, ids: &[PageId]) -> Vec<u64> {
        ids.iter().map(|&id| self.shared[id]).collect()
    }
}

/// The members shown on page `number` of a section's listing (all when not paginated).
fn listed<'a>(page: &Page, members: &'a [PageId], number: usize) -> &'a [PageId] {
    match page.front.paginate_by {
        Some(per_page) => members
            .chunks(per_page.max(1))
            .nth(number.saturating_sub(1))
            .unwrap_or_default(),
        None => members,
    }
}

/// [route, shared, own] of one page (see the module's documentation).
fn page_hashes(page: &Page) -> [u64; 3] {
    let mut route = StableHasher::new();
    (
        &page.key,
        &page.lang,
        &page.content_lang,
        &page.path,
        &page.parent,
    )
        .hash(&mut route);
    debug_hash(&mut route, &page.kind);
    let mut shared = route.clone();
    let front = &page.front;
    (&front.title, &front.description, front.weight, &front.slug).hash(&mut shared);
    (front.draft, front.paginate_by).hash(&mut shared);
    debug_hash(&mut shared, &(&front.date, &front.sort_by, &front.extra));
    let mut own = shared.clone();
    page.html.hash().hash(&mut own);
    (&page.headings, &page.source, &page.bundle_dir).hash(&mut own);
    [route.finish(), shared.finish(), own.finish()]
}

/// The results of the `section_pages` calls in `lang`.
fn calls_hash(site: &Site, shared: &[u64], calls: &Calls, lang: &str) -> u64 {
    let mut hasher = StableHasher::new();
    let mut each = |key: &str, limit: Option<usize>| {
        if let Some(section) = site.section(key, lang) {
            let ids = &section.pages[..limit.unwrap_or(usize::MAX).min(section.pages.len())];
            (key, ids.iter().map(|&id| shared[id]).collect::<Vec<_>>()).hash(&mut hasher);
        }
    };
    match calls {
        Some(calls) => calls.iter().for_each(|(key, limit)| each(key, *limit)),
        None => {
            let mut keys: Vec<&String> = site.sections.keys().map(|(key, _)| key).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().for_each(|key| each(key, None));
        }
    }
    hasher.finish()
}

/// Hashes the templates of the theme, the locales and site.toml, and reads the templates'
/// `section_pages` calls.
fn inputs_hash(hasher: &mut StableHasher, root: &Path, theme: &str) -> Calls {
    let templates = root.join("themes").join(theme).join("templates");
    let mut calls = Some(Vec::new());
    let mut volatile = false;
    for dir in [templates.as_path(), &root.join("locales")] {
        for entry in walk_following_links(dir) {
            let bytes = std::fs::read(entry.path()).ok();
            (entry.path(), &bytes).hash(hasher);
            if dir == templates {
                let text = String::from_utf8_lossy(bytes.as_deref().unwrap_or_default());
                volatile |= reads_environment(&text);
                calls = calls.and_then(|mut found| {
                    found.extend(section_pages_calls(&text)?);
                    Some(found)
                });
            }
        }
    }
    std::fs::read(root.join("site.toml")).ok().hash(hasher);
    theme_files_hash(hasher, &root.join("themes").join(theme), &templates);
    if volatile {
        // What `get_env()` returns is no file's: every page is rendered again whenever the
        // environment changed.
        let mut environment: Vec<_> = std::env::vars_os().collect();
        environment.sort();
        environment.hash(hasher);
    }
    calls
}

/// The files under `dir` in a stable order, symbolic links followed: the theme and locale
/// loaders read through links (`fsutil::walk_files`), so a link's target is an input, and a
/// link pointed elsewhere is a change. A link loop is left out (walkdir reports it).
fn walk_following_links(dir: &Path) -> impl Iterator<Item = walkdir::DirEntry> {
    WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
}

/// Whether a template's text calls Tera's `get_env()` (Tera 1 built-in functions,
/// keats.github.io/tera/docs, "Built-in functions"): its result comes from the environment,
/// which no fingerprint of files can follow. A mention in a comment or in plain text counts
/// too; that only costs rendering.
pub fn reads_environment(text: &str) -> bool {
    let name = "get_env";
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let identifier = |c: char| c.is_alphanumeric() || c == '_';
        !before.is_some_and(identifier) && text[at + name.len()..].trim_start().starts_with('(')
    })
}

/// Whether any template of the theme at `theme_dir` calls `get_env()` (`reads_environment`):
/// such a site is never skipped as up to date.
pub fn theme_reads_environment(theme_dir: &Path) -> bool {
    walk_following_links(&theme_dir.join("templates")).any(|entry| {
        std::fs::read(entry.path())
            .is_ok_and(|bytes| reads_environment(&String::from_utf8_lossy(&bytes)))
    })
}

/// The stamps (`cache::Stamp`) of the theme's other files: pages show what they hold without
/// their bytes passing through a template (the share image's width and height, the sizes and
/// checksums of the PDFs that `pdf.toml` and the fonts typeset). Stamps, not bytes: fonts are
/// megabytes, and a file replaced or rewritten always gets a new stamp.
fn theme_files_hash(hasher: &mut StableHasher, theme: &Path, templates: &Path) {
    for entry in WalkDir::new(theme)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.path() != templates)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let stamp = crate::cache::Stamp::read(entry.path()).ok();
        (entry.path(), stamp.map(|s| s.key())).hash(hasher);
    }
}

/// The `(key, limit)` of every `section_pages(key="…", limit=N)` call in a template's text;
/// None when `key` or `limit` is not a literal (its result cannot be known here). With
/// `exclude=…` (any expression) the call can show one page more: the limit counts it.
fn section_pages_calls(text: &str) -> Option<Vec<(String, Option<usize>)>> {
    let mut calls = Vec::new();
    for (at, _) in text.match_indices("section_pages") {
        let rest = text[at + "section_pages".len()..].trim_start();
        let arguments = rest.strip_prefix('(')?.split_once(')')?.0;
        let (mut key, mut limit, mut excludes) = (None, None, false);
        for argument in arguments.split(',') {
            let (name, value) = argument.split_once('=')?;
            let value = value.trim();
            match name.trim() {
                "key" => key = Some(string_literal(value)?.to_string()),
                "limit" => limit = Some(value.parse::<usize>().ok()?),
                "exclude" => excludes = true,
                _ => return None,
            }
        }
        calls.push((key?, limit.map(|n| n + usize::from(excludes))));
    }
    Some(calls)
}

/// The text of a quoted string without escapes (`"releases"`, `'news'`).
fn string_literal(value: &str) -> Option<&str> {
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(['"', '\'', '\\', '~'])).then_some(inner)
}

/// The fingerprint each output path was rendered with.
pub type Rendered = HashMap<String, u64>;

#[cfg(test)]
mod tests {
    use super::{reads_environment, section_pages_calls};

    #[test]
    fn templates_calling_get_env_are_found() {
        for text in [
            "{{ get_env(name=\"DEPLOY\", default=\"\") }}",
            "{{ get_env (name=\"DEPLOY\") }}",
            "{% set d = get_env(name=\"D\") | upper %}",
        ] {
            assert!(reads_environment(text), "{text}");
        }
        for text in ["{{ my_get_env() }}", "get_env", "{{ page.get_envelope }}"] {
            assert!(!reads_environment(text), "{text}");
        }
    }

    #[test]
    fn literal_section_pages_calls_are_read_and_others_refused() {
        let text = r#"{% set a = section_pages(key="releases", limit=4) %}{{ section_pages(key='news') }}"#;
        assert_eq!(
            section_pages_calls(text),
            Some(vec![("releases".into(), Some(4)), ("news".into(), None)])
        );
        assert_eq!(
            section_pages_calls("{{ section_pages(key=page.key) }}"),
            None
        );
        assert_eq!(
            section_pages_calls("{{ section_pages(key=\"a\", limit=n) }}"),
            None
        );
        assert_eq!(section_pages_calls("no calls"), Some(vec![]));
        assert_eq!(
            section_pages_calls(
                r#"{{ section_pages(key="releases", limit=5, exclude=page.key) }}"#
            ),
            Some(vec![("releases".into(), Some(6))]),
            "the page left out makes room for the next one"
        );
    }
}
