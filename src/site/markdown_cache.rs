//! Rendered Markdown kept between builds of one process (the preview): a document whose text
//! is unchanged and whose every link still resolves to the same address is not rendered again.
//! The rule (body key, recorded links asked again) is shared with the builds' `saved_bodies`.

use crate::digest::StableHasher;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::markdown::{self, IdMaker, Problem, RenderOptions, Rendered};

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
    body_hash: u64,
    /// Every destination the body asked the resolver for, with the answer.
    links: Vec<Resolution>,
    rendered: Rendered,
    errors: Vec<Problem>,
}

/// (source file, language the page is published in) → its last rendering.
#[derive(Default)]
pub struct MarkdownCache {
    entries: Mutex<HashMap<(PathBuf, String), Arc<Entry>>>,
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
    ) -> (Rendered, Vec<Problem>) {
        let body_hash = body_key(crate::content::text_hash(body), options);
        let key = (source.to_path_buf(), lang.to_string());
        let cached = self
            .entries
            .lock()
            .ok()
            .and_then(|entries| entries.get(&key).cloned());
        if let Some(entry) = cached.filter(|e| e.body_hash == body_hash) {
            if same_answers(&entry.links, resolve) {
                return (entry.rendered.clone(), entry.errors.clone());
            }
        }
        let (rendered, errors, links) = render_recording(body, resolve, ids, options);
        let entry = Entry {
            body_hash,
            links,
            rendered: rendered.clone(),
            errors: errors.clone(),
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, Arc::new(entry));
        }
        (rendered, errors)
    }

    /// Forgets documents that are gone (`keep` says which (source, language) still exist).
    pub(crate) fn retain(&self, keep: impl Fn(&Path, &str) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(path, lang), _| keep(path, lang));
        }
    }
}
