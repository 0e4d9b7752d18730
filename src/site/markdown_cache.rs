//! Rendered Markdown kept between builds of one process (the preview): a document whose text
//! is unchanged and whose every link still resolves to the same address is not rendered again.
//! The rule (body key, recorded links asked again) is shared with the builds' `saved_bodies`.

use crate::digest::StableHasher;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::markdown::{self, Heading, IdMaker, Problem, RenderOptions, Rendered};

/// What the resolver answered for one link or image destination at a byte offset.
pub(super) type Resolution = (String, usize, Result<String, String>);

/// The key of a body's rendering: its Markdown (`markdown_hash`, `content::text_hash` of
/// it) and the options it is rendered with (the footnote label and what raw HTML becomes;
/// site.toml may change between builds).
pub(super) fn body_key(markdown_hash: u64, options: &RenderOptions) -> u64 {
    let mut hasher = StableHasher::new();
    markdown_hash.hash(&mut hasher);
    options.footnote_backref_label.hash(&mut hasher);
    options.raw_html.hash(&mut hasher);
    hasher.finish()
}

/// Whether every destination of `links`, asked again, gets the answer it got; asking again
/// also lets the resolver record what it records (links to ids, checked later).
pub(super) fn same_answers(
    links: &[Resolution],
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
) -> bool {
    links
        .iter()
        .all(|(dest, offset, answer)| resolve(dest, *offset) == *answer)
}

/// `same_answers` for links borrowed from a saved body (`saved_bodies::ResolutionRef`).
pub(super) fn same_answers_borrowed(
    links: &[super::saved_bodies::ResolutionRef<'_>],
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
) -> bool {
    links.iter().all(|&(dest, offset, answer)| {
        let now = resolve(dest, offset);
        now.as_deref().map_err(String::as_str) == answer
    })
}

/// `markdown::render`, with every destination the body asked `resolve` for and its answer.
pub(super) fn render_recording(
    body: &str,
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
    ids: &mut IdMaker,
    options: &RenderOptions,
) -> (Rendered, Vec<Problem>, Vec<Resolution>) {
    let links = RefCell::new(Vec::new());
    let recording = |dest: &str, offset: usize| {
        let answer = resolve(dest, offset);
        links
            .borrow_mut()
            .push((dest.to_string(), offset, answer.clone()));
        answer
    };
    let (rendered, problems) = markdown::render(body, &recording, ids, options);
    (rendered, problems, links.into_inner())
}

struct Entry {
    /// The page's source and language, which `entry_key` hashes.
    source: PathBuf,
    lang: String,
    body_hash: u64,
    /// Every destination the body asked the resolver for, with the answer.
    links: Vec<Resolution>,
    /// The HTML, shared with the builds' `HtmlStore`s, and its XXH3-64.
    html: Arc<str>,
    html_hash: u64,
    headings: Vec<Heading>,
    errors: Vec<Problem>,
}

/// A body's rendering from the cache: its headings and problems (`Rendered::html` empty) and
/// its HTML, shared, with its XXH3-64 (`HtmlStore::keep_shared`).
pub(crate) struct CachedRender {
    pub rendered: Rendered,
    pub problems: Vec<Problem>,
    pub html: Arc<str>,
    pub html_hash: u64,
}

/// The cache's key of a page: FxHash of its source's bytes and its language (hashing a
/// `PathBuf` walks its components with SipHash: at 30,000 pages, a fifth of a preview
/// rebuild's assembly). The entry keeps both to tell a collision.
fn entry_key(source: &Path, lang: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    source.as_os_str().as_encoded_bytes().hash(&mut hasher);
    lang.hash(&mut hasher);
    hasher.finish()
}

/// (source file, language the page is published in) → its last rendering.
#[derive(Default)]
pub struct MarkdownCache {
    entries: Mutex<HashMap<u64, Arc<Entry>, rustc_hash::FxBuildHasher>>,
}

impl MarkdownCache {
    /// `markdown::render`, or the cached result when the body is the same and every link
    /// resolves as before (links depend on other pages: a renamed page changes them).
    pub(crate) fn render(
        &self,
        source: &Path,
        lang: &str,
        body: &str,
        resolve: &dyn Fn(&str, usize) -> Result<String, String>,
        ids: &mut IdMaker,
        options: &RenderOptions,
    ) -> CachedRender {
        let body_hash = body_key(crate::content::text_hash(body), options);
        let key = entry_key(source, lang);
        let cached = self
            .entries
            .lock()
            .ok()
            .and_then(|entries| entries.get(&key).cloned());
        let current =
            |e: &Arc<Entry>| e.body_hash == body_hash && e.source == source && e.lang == lang;
        if let Some(entry) = cached.filter(current) {
            if same_answers(&entry.links, resolve) {
                return entry.reused();
            }
        }
        let (mut rendered, errors, links) = render_recording(body, resolve, ids, options);
        let html: Arc<str> = Arc::from(std::mem::take(&mut rendered.html));
        let entry = Entry {
            source: source.to_path_buf(),
            lang: lang.to_string(),
            body_hash,
            links,
            html_hash: xxhash_rust::xxh3::xxh3_64(html.as_bytes()),
            html,
            headings: rendered.headings,
            errors,
        };
        let result = entry.reused();
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, Arc::new(entry));
        }
        result
    }

    /// Forgets documents that are gone (`keep` says which (source, language) still exist).
    pub(crate) fn retain(&self, keep: impl Fn(&Path, &str) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| keep(&entry.source, &entry.lang));
        }
    }
}

impl Entry {
    /// What a build takes of this entry: its HTML shared, the rest copied (small).
    fn reused(&self) -> CachedRender {
        CachedRender {
            rendered: Rendered {
                html: String::new(),
                headings: self.headings.clone(),
            },
            problems: self.errors.clone(),
            html: Arc::clone(&self.html),
            html_hash: self.html_hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MarkdownCache;
    use crate::markdown::{IdMaker, RenderOptions};
    use std::path::Path;
    use std::sync::Arc;

    fn render(cache: &MarkdownCache, source: &str, lang: &str, body: &str) -> super::CachedRender {
        let options = RenderOptions {
            footnote_backref_label: "Back",
            raw_html: Default::default(),
        };
        let resolve = |dest: &str, _: usize| Ok(format!("/{dest}"));
        let mut ids = IdMaker::for_page();
        cache.render(Path::new(source), lang, body, &resolve, &mut ids, &options)
    }

    #[test]
    fn an_unchanged_body_shares_its_cached_html_and_keeps_its_headings() {
        let cache = MarkdownCache::default();
        let first = render(&cache, "a.md", "en", "## Title\n\n[x](y)\n");
        let again = render(&cache, "a.md", "en", "## Title\n\n[x](y)\n");
        assert!(
            Arc::ptr_eq(&first.html, &again.html),
            "copied or rendered again"
        );
        assert_eq!(
            again.html_hash,
            xxhash_rust::xxh3::xxh3_64(again.html.as_bytes())
        );
        assert_eq!(again.rendered.headings.len(), 1);
        assert!(again.html.contains("href=\"/y\""), "{}", again.html);
        // Another language, another page, another text: each its own rendering.
        let zh = render(&cache, "a.md", "zh", "## Title\n\n[x](y)\n");
        let other = render(&cache, "b.md", "en", "## Title\n\n[x](y)\n");
        let edited = render(&cache, "a.md", "en", "## Title 2\n");
        for fresh in [&zh, &other, &edited] {
            assert!(!Arc::ptr_eq(&first.html, &fresh.html));
        }
        assert!(edited.html.contains("Title 2"));
    }

    #[test]
    fn forgotten_pages_are_rendered_again() {
        let cache = MarkdownCache::default();
        let first = render(&cache, "a.md", "en", "text");
        cache.retain(|source, _| source != Path::new("a.md"));
        let again = render(&cache, "a.md", "en", "text");
        assert!(!Arc::ptr_eq(&first.html, &again.html));
    }
}
