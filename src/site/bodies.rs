//! Markdown bodies for the assembled site: each document rendered in the language it is
//! published in, its links resolved through the site's routes, its links to ids collected.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use super::anchors::AnchorLink;
use super::html_store::{HtmlStore, PageHtml};
use super::link_dir;
use super::markdown_cache::{self, MarkdownCache};
use super::routes::{LinkSource, Routes};
use super::saved_bodies::{KeptBody, SavedBodies};
use crate::config::SiteConfig;
use crate::content::{self, DocKind, Document, MarkdownBody};
use crate::error::{Diagnostic, Location};
use crate::i18n::Locales;
use crate::markdown::{self, IdMaker, Rendered};

/// One document's body rendered for one language.
pub(super) struct Body {
    pub rendered: Rendered,
    /// Its broken links and footnote problems, at their file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Its links that name an id, checked once every page's ids are known.
    pub anchor_links: Vec<AnchorLink>,
}

/// What every body's rendering shares: the routes links resolve through, the languages, the
/// locales (for the footnote back-link's label) and the preview's cache or a build's saved
/// bodies.
pub(super) struct BodyRenderer<'a> {
    config: &'a SiteConfig,
    locales: &'a Locales,
    routes: &'a Routes,
    languages: HashSet<String>,
    cache: Option<&'a MarkdownCache>,
    saved: Option<&'a SavedBodies>,
}

impl<'a> BodyRenderer<'a> {
    pub fn new(
        config: &'a SiteConfig,
        locales: &'a Locales,
        routes: &'a Routes,
        cache: Option<&'a MarkdownCache>,
        saved: Option<&'a SavedBodies>,
    ) -> Self {
        let languages = config.languages.iter().map(|l| l.code.clone()).collect();
        BodyRenderer {
            config,
            locales,
            routes,
            languages,
            cache,
            saved,
        }
    }

    /// The body of a page (`render`), its HTML kept in `store`: with saved bodies, the last
    /// build's when its text, options and every link's answer are unchanged, and what the
    /// next build keeps of it. A body left unread (`content::saved_documents`) is reused
    /// without reading it when it can be; otherwise its file is read now.
    pub fn render_page(
        &self,
        doc: &Document,
        body: &MarkdownBody,
        lang: &str,
        store: &HtmlStore,
    ) -> (Body, (PageHtml, Option<KeptBody>)) {
        if let (Some(saved), false) = (self.saved, body.is_read()) {
            if let Some(reused) = self.reuse_unread(doc, body, lang, saved, store) {
                return reused;
            }
        }
        let body = match body.read(&doc.source) {
            Ok(body) => body,
            Err(e) => return (unreadable(e), (store.keep(String::new()), None)),
        };
        let text = body.text().unwrap_or_default();
        let Some(saved) = self.saved else {
            let (mut body, shared) = self.render_shared(doc, text, lang);
            let html = match shared {
                Some((html, hash)) => store.keep_shared(html, hash),
                None => store.keep(std::mem::take(&mut body.rendered.html)),
            };
            return (body, (html, None));
        };
        let source = &doc.source.display_path;
        let (body, kept) = self.with_resolver(doc, Some(text), lang, |resolve, options| {
            let key = markdown_cache::body_key(content::text_hash(text), options);
            if let Some(found) = saved.find(source, lang, key) {
                if markdown_cache::same_answers_borrowed(found.links(), resolve) {
                    let (html, headings, problems, kept) = saved.reuse(found, store);
                    let rendered = Rendered {
                        html: String::new(),
                        headings,
                    };
                    return ((rendered, problems), (html, kept));
                }
            }
            let (mut rendered, problems, links) =
                markdown_cache::render_recording(text, resolve, &mut IdMaker::for_page(), options);
            let html = store.keep(std::mem::take(&mut rendered.html));
            let kept = saved.rendered(
                source,
                lang,
                key,
                links,
                &rendered.headings,
                &problems,
                &html,
            );
            ((rendered, problems), (html, kept))
        });
        (body.unwrap_or_else(unreadable_text), kept)
    }

    /// The saved body of `doc`, whose text was not read, when it can be reused without the
    /// text: its key matches, every link gets the same answer, and neither a link to an id
    /// nor a problem needs a line of the text for its message. `None` otherwise.
    fn reuse_unread(
        &self,
        doc: &Document,
        body: &MarkdownBody,
        lang: &str,
        saved: &SavedBodies,
        store: &HtmlStore,
    ) -> Option<(Body, (PageHtml, Option<KeptBody>))> {
        let source = &doc.source.display_path;
        let (body, reused) = self.with_resolver(doc, None, lang, |resolve, options| {
            let key = markdown_cache::body_key(body.body_hash(), options);
            let found = saved
                .find(source, lang, key)
                .filter(|found| found.problems().is_empty())
                .filter(|found| markdown_cache::same_answers_borrowed(found.links(), resolve));
            let Some(found) = found else {
                return ((Rendered::default(), Vec::new()), None);
            };
            let (html, headings, problems, kept) = saved.reuse(found, store);
            let rendered = Rendered {
                html: String::new(),
                headings,
            };
            ((rendered, problems), Some((html, kept)))
        });
        Some((body.ok()?, reused?))
    }

    /// The body of `doc`, `text` (taken out of it, `site::take_page_texts`), published in
    /// `lang`. A fragment's heading ids are prefixed with its key, so that they do not collide
    /// with the ids of the page that shows it.
    pub fn render(&self, doc: &Document, text: &str, lang: &str) -> Body {
        let (mut body, shared) = self.render_shared(doc, text, lang);
        if let Some((html, _)) = shared {
            body.rendered.html = html.to_string();
        }
        body
    }

    /// `render`, with the HTML and its XXH3-64 apart (and `Rendered::html` empty) when the
    /// preview's cache holds it: shared with the cache instead of copied.
    fn render_shared(
        &self,
        doc: &Document,
        text: &str,
        lang: &str,
    ) -> (Body, Option<(std::sync::Arc<str>, u64)>) {
        let mut ids = match doc.source.kind {
            DocKind::Fragment => {
                IdMaker::with_prefix(&format!("{}-", doc.source.key.replace('/', "-")))
            }
            _ => IdMaker::for_page(),
        };
        let (body, shared) = self.with_resolver(doc, Some(text), lang, |resolve, options| {
            let Some(cache) = self.cache else {
                return (markdown::render(text, resolve, &mut ids, options), None);
            };
            let source = &doc.source.display_path;
            let cached = cache.render(source, lang, text, resolve, &mut ids, options);
            let shared = Some((cached.html, cached.html_hash));
            ((cached.rendered, cached.problems), shared)
        });
        (body.unwrap_or_else(unreadable_text), shared)
    }

    /// Calls `render` with the resolver of links in `doc` (which collects its links to ids)
    /// and the render options of `lang`, and makes its result a `Body`. Without the body's
    /// `text`, a link to an id or a problem cannot be placed on a line: the body is then
    /// `Err(NeedsText)` (the result of `render` is still given).
    fn with_resolver<T>(
        &self,
        doc: &Document,
        text: Option<&str>,
        lang: &str,
        render: impl FnOnce(
            &dyn Fn(&str, usize) -> Result<String, String>,
            &markdown::RenderOptions,
        ) -> ((Rendered, Vec<markdown::Problem>), T),
    ) -> (Result<Body, NeedsText>, T) {
        let dir = link_dir(doc);
        let from = LinkSource {
            dir: &dir,
            key: (doc.source.kind != DocKind::Fragment).then_some(doc.source.key.as_str()),
            lang,
            base_path: &self.config.base_path,
            languages: &self.languages,
            default_language: &self.config.default_language,
        };
        let anchor_links = RefCell::new(Vec::new());
        let needs_text = Cell::new(false);
        let resolve = |dest: &str, offset: usize| {
            let resolved = self.routes.resolve(dest, &from)?;
            if let Some(target) = resolved.anchor {
                let Some(text) = text else {
                    needs_text.set(true);
                    return Ok(resolved.href);
                };
                let location =
                    Location::at_offset(&doc.source.display_path, text, offset, doc.body_line);
                anchor_links.borrow_mut().push(AnchorLink {
                    location,
                    dest: dest.to_string(),
                    target,
                });
            }
            Ok(resolved.href)
        };
        // The footnote back-link's label is read by screen readers in the page's language.
        let backref = self.locales.get(lang, "footnote-backref", None);
        let options = markdown::RenderOptions {
            footnote_backref_label: backref.as_deref().unwrap_or("Back to reference"),
            raw_html: self.config.security.raw_html,
        };
        let ((rendered, problems), extra) = render(&resolve, &options);
        let text = match text {
            Some(text) if !needs_text.get() => text,
            None if !needs_text.get() && problems.is_empty() => "",
            _ => return (Err(NeedsText), extra),
        };
        let diagnostics = problems
            .iter()
            .map(|p| p.diagnostic(&doc.source.display_path, text, doc.body_line))
            .collect();
        let body = Body {
            rendered,
            diagnostics,
            anchor_links: anchor_links.into_inner(),
        };
        (Ok(body), extra)
    }
}

/// A body rendered without its text that needed it (`BodyRenderer::with_resolver`).
struct NeedsText;

/// The body of a page whose file could not be read: nothing, and the error.
fn unreadable(error: Diagnostic) -> Body {
    Body {
        rendered: Rendered::default(),
        diagnostics: vec![error],
        anchor_links: Vec::new(),
    }
}

/// Never happens: a body rendered with its text never needs it. An empty body, as safe.
fn unreadable_text(_: NeedsText) -> Body {
    unreadable(Diagnostic::error(
        None,
        "internal error: a body rendered with its text asked for it",
    ))
}
