//! The assembled site: every page in every language with its URL, rendered body and section,
//! immutable once built. Rendering reads it; nothing changes it afterwards.

pub mod anchors;
mod bodies;
pub mod book;
pub mod discovery;
pub mod epub_check;
pub mod fingerprint;
pub mod html_store;
pub mod markdown_cache;
pub mod plan;
pub mod routes;
pub mod saved_bodies;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::background::Background;
use crate::config::{MissingTranslation, SiteConfig};
use crate::content;
use crate::content::downloads::DownloadItem;
use crate::content::{
    AssetSource, Content, DocKind, Document, FrontMatter, MarkdownBody, MarkdownSource, SortBy,
};
use crate::error::{Diagnostic, Location};
use crate::i18n::dates::LocalizedDates;
use crate::i18n::Locales;
use crate::markdown::Heading;
use book::Book;
use routes::{AssetRoute, LinkSource, Routes};

pub type PageId = usize;

/// One document published in one language.
#[derive(Debug)]
pub struct Page {
    pub kind: DocKind,
    pub key: String,
    /// The language the page is published in.
    pub lang: String,
    /// The language of its text: differs from `lang` when shown from the default language.
    pub content_lang: String,
    pub source: PathBuf,
    pub front: FrontMatter,
    /// The body's HTML, read with `Site::page_html` (it may wait in a file, `html_store`).
    pub html: html_store::PageHtml,
    /// The Markdown body `html` was rendered from (the PDF editions typeset it again).
    pub markdown: crate::content::MarkdownBody,
    /// The content-relative folder the body's relative links start from.
    pub link_dir: String,
    pub headings: Vec<Heading>,
    /// Site-relative path of the page's folder (`ja/releases/x/`).
    pub path: String,
    /// Key of the section the page belongs to (None for the home page).
    pub parent: Option<String>,
    /// The content-relative folder whose files are published with this page.
    pub bundle_dir: Option<String>,
}

impl Page {
    pub fn is_fallback(&self) -> bool {
        self.lang != self.content_lang
    }
}

/// A section in one language: its pages, ordered, and its child sections.
#[derive(Debug, Default)]
pub struct SectionPages {
    pub pages: Vec<PageId>,
    pub subsections: Vec<PageId>,
}

/// A rendered fragment (`_fragments/profile.ja.md`).
#[derive(Debug)]
pub struct Fragment {
    pub title: String,
    pub html: String,
    /// The Markdown body `html` was rendered from.
    pub markdown: crate::content::MarkdownBody,
    /// The content-relative folder the body's relative links start from.
    pub link_dir: String,
}

/// A file copied into the output.
#[derive(Debug, Clone)]
pub struct AssetCopy {
    pub source: PathBuf,
    /// The path shown in messages (`content/releases/x/photo.svg`).
    pub display_path: PathBuf,
    pub output: String,
}

/// The whole site, ready to render.
pub struct Site {
    pub config: SiteConfig,
    pub locales: Locales,
    pub pages: Vec<Page>,
    /// key → language → page.
    pub by_key: HashMap<String, BTreeMap<String, PageId>>,
    /// (section key, language) → its members.
    pub sections: HashMap<(String, String), SectionPages>,
    /// (fragment key, language) → fragment.
    pub fragments: HashMap<(String, String), Fragment>,
    pub assets: Vec<AssetCopy>,
    /// The sections published as books (site.toml `books`).
    pub books: Vec<Book>,
    /// The items of the downloads manifest (generated files join them at render time).
    pub downloads: Vec<DownloadItem>,
    /// Every document's and asset's route, to resolve links again outside HTML (the PDFs).
    pub routes: Routes,
    /// Every page's date in every language, localized once (`Site::localized_date`).
    pub dates: crate::i18n::dates::LocalizedDates,
    /// The pages' HTML (`Page::html`).
    pub html_store: html_store::HtmlStore,
}

impl Site {
    /// The body HTML of `page`, read back when it waits in the store's file.
    pub fn page_html<'a>(
        &self,
        page: &'a Page,
    ) -> Result<std::borrow::Cow<'a, str>, html_store::ReadBackError> {
        self.html_store.read(&page.html)
    }

    /// The book that `key` belongs to, if any.
    pub fn book_of(&self, key: &str) -> Option<&Book> {
        self.books.iter().find(|b| b.contains(key))
    }

    /// `date` as shown in `lang` (`i18n::dates::localize`, computed once per build).
    pub fn localized_date(
        &self,
        lang: &str,
        date: crate::content::Date,
    ) -> crate::i18n::dates::LocalizedDate {
        self.dates.get(&self.locales, lang, date)
    }

    pub fn page(&self, key: &str, lang: &str) -> Option<&Page> {
        self.by_key.get(key)?.get(lang).map(|&id| &self.pages[id])
    }

    pub fn page_id(&self, key: &str, lang: &str) -> Option<PageId> {
        self.by_key.get(key)?.get(lang).copied()
    }

    /// The fragment in `lang`, or in the first language of the fallback chain that has it.
    pub fn fragment(&self, key: &str, lang: &str) -> Option<&Fragment> {
        std::iter::once(lang)
            .chain(self.config.fluent_fallback.iter().map(String::as_str))
            .find_map(|l| self.fragments.get(&(key.to_string(), l.to_string())))
    }

    /// Resolves a Markdown link destination written in a file whose links start from `dir`
    /// (a page's or fragment's `link_dir`), published in `lang`, as the HTML did; `key` is the
    /// page holding the link (None for a fragment). Error: why the link is broken.
    pub fn resolve_link(
        &self,
        dest: &str,
        dir: &str,
        key: Option<&str>,
        lang: &str,
    ) -> Result<routes::Resolved, String> {
        let languages: HashSet<String> = self
            .config
            .languages
            .iter()
            .map(|l| l.code.clone())
            .collect();
        let from = LinkSource {
            dir,
            key,
            lang,
            base_path: &self.config.base_path,
            languages: &languages,
            default_language: &self.config.default_language,
        };
        self.routes.resolve(dest, &from)
    }

    pub fn section(&self, key: &str, lang: &str) -> Option<&SectionPages> {
        self.sections.get(&(key.to_string(), lang.to_string()))
    }

    /// The nearest section, starting at `key` and going up, that exists in `lang`.
    pub fn nearest_section(&self, key: &str, lang: &str) -> Option<&Page> {
        let mut current = Some(key);
        while let Some(k) = current {
            if let Some(page) = self.page(k, lang).filter(|p| p.kind == DocKind::Section) {
                return Some(page);
            }
            current = if k.is_empty() {
                None
            } else {
                Some(k.rsplit_once('/').map_or("", |(p, _)| p))
            };
        }
        None
    }
}

/// A page to be: which document, in which language, at which path.
struct Planned<'a> {
    doc: &'a Document,
    /// The body to render, taken when rendered: the last page of a document to be rendered
    /// frees its text, unless the document kept it (`take_page_texts`).
    text: MarkdownBody,
    lang: String,
    path: String,
}

/// Builds the site from the loaded content: URLs, translations, Markdown, sections.
pub fn assemble(
    config: SiteConfig,
    locales: Locales,
    content: Content,
    downloads: Vec<DownloadItem>,
) -> (Site, Vec<Diagnostic>) {
    let options = AssembleOptions {
        cache: None,
        saved: None,
        keep_markdown: true,
        html_store: html_store::HtmlStore::in_memory(),
        background: None,
    };
    assemble_cached(config, locales, content, downloads, options)
}

/// How `assemble_cached` keeps what it makes.
pub struct AssembleOptions<'a> {
    /// The preview's Markdown of unchanged documents.
    pub cache: Option<&'a markdown_cache::MarkdownCache>,
    /// A build's bodies saved by the previous builds (`saved_bodies`), used with a store
    /// `saved_bodies::open` made.
    pub saved: Option<&'a Arc<saved_bodies::SavedBodies>>,
    /// Every page keeps its Markdown (`Page::markdown`) for the PDF editions; otherwise only
    /// the pages of books do (the EPUB checks quote it) and every other text is freed once its
    /// pages are rendered, so that a build never holds all the texts and all the HTML at once.
    pub keep_markdown: bool,
    /// Where the pages' HTML waits until it is rendered (`html_store`).
    pub html_store: html_store::HtmlStore,
    /// Where the next index of the saved bodies is written while the build goes on (here,
    /// before returning, without one).
    pub background: Option<&'a Background>,
}

/// `assemble` with `options`: the preview's Markdown cache, which texts to keep, where the
/// HTML goes (texts and HTML were together 220 MB at 10,000 releases × 3 languages of 2–4 KB).
pub fn assemble_cached(
    config: SiteConfig,
    locales: Locales,
    mut content: Content,
    downloads: Vec<DownloadItem>,
    options: AssembleOptions,
) -> (Site, Vec<Diagnostic>) {
    let AssembleOptions {
        cache,
        saved,
        keep_markdown,
        html_store,
        background,
    } = options;
    let mut errors = content::read_bodies(&mut content.documents, |doc| {
        keep_markdown || content::keeps_text(&config.books, &doc.source)
    });
    let texts = take_page_texts(&mut content.documents, &config.books, keep_markdown);
    let (documents, fragment_docs): (Vec<&Document>, Vec<&Document>) = content
        .documents
        .iter()
        .partition(|d| d.source.kind != DocKind::Fragment);
    let mut planned = plan(&config, &documents, texts);
    let section_keys = section_keys(&documents, &content.failed);
    errors.extend(missing_home_page(&section_keys, &config));
    let mut routes = document_routes(&content.failed, &planned);
    let (asset_routes, asset_copies) = route_assets(&content.assets, &routes, &mut errors);
    routes.assets = asset_routes;
    errors.extend(check_extra_images(&documents, &routes));

    let renderer =
        bodies::BodyRenderer::new(&config, &locales, &routes, cache, saved.map(|s| &**s));
    let saving = saved.map(|saved| (saved, background));
    let (bodies, fragment_bodies) =
        render_bodies(&renderer, &mut planned, &fragment_docs, &html_store, saving);
    if let Some(cache) = cache {
        forget_removed(cache, &planned, &fragment_docs);
    }
    let mut anchor_links = Vec::new();
    let (pages, by_key) = collect_pages(
        &planned,
        bodies,
        &section_keys,
        &mut errors,
        &mut anchor_links,
    );
    let fragments = collect_fragments(
        &fragment_docs,
        fragment_bodies,
        &mut errors,
        &mut anchor_links,
    );

    errors.extend(anchors::check(&pages, &by_key, &anchor_links, &html_store));
    let sections = build_sections(&pages, &by_key, &mut errors);
    errors.extend(check_download_pages(&downloads, &by_key, &content));
    let books = build_books(&config, &pages, &by_key, &mut errors);
    errors.extend(epub_check::check(
        &books,
        &pages,
        &by_key,
        &documents,
        &asset_copies,
        &config.base_path,
        &html_store,
    ));
    let languages: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    let dates = LocalizedDates::new(
        &locales,
        &languages,
        pages.iter().filter_map(|p| p.front.date),
    );
    let site = Site {
        config,
        locales,
        pages,
        by_key,
        sections,
        fragments,
        assets: asset_copies,
        books,
        downloads,
        routes,
        dates,
        html_store,
    };
    (site, errors)
}

/// The bodies of the planned pages and of the fragments, in their order, rendered in parallel
/// (or found in the saved bodies of `saving`, whose index is then written anew, on its
/// background when there is one). Each page's HTML goes to `store` as soon as it is rendered.
fn render_bodies(
    renderer: &bodies::BodyRenderer,
    planned: &mut [Planned],
    fragment_docs: &[&Document],
    store: &html_store::HtmlStore,
    saving: Option<(&Arc<saved_bodies::SavedBodies>, Option<&Background>)>,
) -> (Vec<(bodies::Body, html_store::PageHtml)>, Vec<bodies::Body>) {
    let (pages, kept): (Vec<_>, Vec<_>) = planned
        .par_iter_mut()
        .map(|p| {
            let (body, (html, kept)) =
                renderer.render_page(p.doc, &std::mem::take(&mut p.text), &p.lang, store);
            ((body, html), kept)
        })
        .unzip();
    if let Some((saved, background)) = saving {
        let kept: Vec<_> = kept.into_iter().flatten().collect();
        match background {
            Some(background) => {
                let saved = Arc::clone(saved);
                background.run(move || saved.save(&kept));
            }
            None => saved.save(&kept),
        }
    }
    let fragments = fragment_docs
        .par_iter()
        // Read before (`content::read_bodies`), or the build has failed already.
        .map(|doc| renderer.render(doc, doc.body.text().unwrap_or_default(), &doc.source.lang))
        .collect();
    (pages, fragments)
}

/// The bodies of the documents that are not fragments, in their order: taken from the
/// documents (which are left with an empty body) unless they keep them: all with
/// `keep_markdown`, else those of the `books`' sections (the key of a book or below it).
fn take_page_texts(
    documents: &mut [Document],
    books: &[String],
    keep_markdown: bool,
) -> Vec<MarkdownBody> {
    documents
        .iter_mut()
        .filter(|doc| doc.source.kind != DocKind::Fragment)
        .map(
            |doc| match keep_markdown || content::in_book(books, &doc.source.key) {
                true => doc.body.clone(),
                false => std::mem::take(&mut doc.body),
            },
        )
        .collect()
}

/// The keys of every section, including those whose file failed to load.
fn section_keys<'a>(documents: &[&'a Document], failed: &'a [MarkdownSource]) -> HashSet<&'a str> {
    documents
        .iter()
        .map(|d| &d.source)
        .chain(failed)
        .filter(|s| s.kind == DocKind::Section)
        .map(|s| s.key.as_str())
        .collect()
}

fn missing_home_page(section_keys: &HashSet<&str>, config: &SiteConfig) -> Option<Diagnostic> {
    (!section_keys.contains("")).then(|| {
        Diagnostic::in_file(std::path::Path::new("content"), "there is no home page").with_help(
            format!("create content/_index.{}.md", config.default_language),
        )
    })
}

/// Every document's path per language; files that failed to parse still exist, so that links
/// to them are not reported as broken too.
fn document_routes(failed: &[MarkdownSource], planned: &[Planned]) -> Routes {
    let mut routes = Routes::default();
    for source in failed.iter().filter(|s| s.kind != DocKind::Fragment) {
        routes
            .documents
            .entry(source.key.clone())
            .or_default()
            .insert(
                source.lang.clone(),
                routes::document_path(&source.lang, &source.key, None),
            );
    }
    for p in planned {
        routes
            .documents
            .entry(p.doc.source.key.clone())
            .or_default()
            .insert(p.lang.clone(), p.path.clone());
    }
    routes
}

/// Drops from the preview's Markdown cache the documents this build no longer has.
fn forget_removed(
    cache: &markdown_cache::MarkdownCache,
    planned: &[Planned],
    fragment_docs: &[&Document],
) {
    let present: HashSet<(&std::path::Path, &str)> = planned
        .iter()
        .map(|p| (p.doc.source.display_path.as_path(), p.lang.as_str()))
        .chain(
            fragment_docs
                .iter()
                .map(|d| (d.source.display_path.as_path(), d.source.lang.as_str())),
        )
        .collect();
    cache.retain(|path, lang| present.contains(&(path, lang)));
}

/// The pages, in plan order, and their ids by key and language; their bodies' problems go to
/// `errors` and their links to ids to `anchor_links`.
fn collect_pages(
    planned: &[Planned],
    bodies: Vec<(bodies::Body, html_store::PageHtml)>,
    section_keys: &HashSet<&str>,
    errors: &mut Vec<Diagnostic>,
    anchor_links: &mut Vec<anchors::AnchorLink>,
) -> (Vec<Page>, HashMap<String, BTreeMap<String, PageId>>) {
    let mut pages = Vec::with_capacity(planned.len());
    let mut by_key: HashMap<String, BTreeMap<String, PageId>> = HashMap::new();
    for (p, (body, html)) in planned.iter().zip(bodies) {
        errors.extend(body.diagnostics);
        anchor_links.extend(body.anchor_links);
        let doc = p.doc;
        by_key
            .entry(doc.source.key.clone())
            .or_default()
            .insert(p.lang.clone(), pages.len());
        pages.push(Page {
            kind: doc.source.kind,
            key: doc.source.key.clone(),
            lang: p.lang.clone(),
            content_lang: doc.source.lang.clone(),
            source: doc.source.display_path.clone(),
            front: doc.front.clone(),
            html,
            markdown: doc.body.clone(),
            link_dir: link_dir(doc),
            headings: body.rendered.headings,
            path: p.path.clone(),
            parent: parent_section(&doc.source.key, doc.source.kind, section_keys),
            bundle_dir: doc.source.bundle_dir.clone(),
        });
    }
    (pages, by_key)
}

/// The fragments by (key, language), as `collect_pages` does for pages.
fn collect_fragments(
    fragment_docs: &[&Document],
    bodies: Vec<bodies::Body>,
    errors: &mut Vec<Diagnostic>,
    anchor_links: &mut Vec<anchors::AnchorLink>,
) -> HashMap<(String, String), Fragment> {
    let mut fragments = HashMap::new();
    for (doc, body) in fragment_docs.iter().zip(bodies) {
        errors.extend(body.diagnostics);
        anchor_links.extend(body.anchor_links);
        fragments.insert(
            (doc.source.key.clone(), doc.source.lang.clone()),
            Fragment {
                title: doc.front.title.clone(),
                html: body.rendered.html,
                markdown: doc.body.clone(),
                link_dir: link_dir(doc),
            },
        );
    }
    fragments
}

/// Every page a download item is attached to (`pages` in the manifest) exists.
fn check_download_pages(
    downloads: &[DownloadItem],
    by_key: &HashMap<String, BTreeMap<String, PageId>>,
    content: &Content,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for item in downloads {
        for key in item.pages.iter().filter(|key| !by_key.contains_key(*key)) {
            let why = if content.is_draft(key) {
                "which is a draft (published only with --drafts)"
            } else {
                "which does not exist"
            };
            let manifest = std::path::Path::new("content/downloads/downloads.toml");
            errors.push(
                Diagnostic::error(
                    Some(Location::at(manifest, item.pages_line, 1)),
                    format!("item `{}` is attached to page `{key}`, {why}", item.id),
                )
                .with_help("`pages` takes content keys such as `releases/2020-05-13-name`"),
            );
        }
    }
    errors
}

/// The books site.toml names, from their pages.
fn build_books(
    config: &SiteConfig,
    pages: &[Page],
    by_key: &HashMap<String, BTreeMap<String, PageId>>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Book> {
    let language_codes: Vec<String> = config.languages.iter().map(|l| l.code.clone()).collect();
    let book_input = book::BookInput {
        pages,
        by_key,
        default_language: &config.default_language,
        languages: &language_codes,
    };
    let mut books = Vec::new();
    for key in &config.books {
        let (built, diagnostics) = book::build(key, &book_input);
        errors.extend(diagnostics);
        books.extend(built);
    }
    books
}

/// The folder links in a document are relative to.
fn link_dir(doc: &Document) -> String {
    match &doc.source.bundle_dir {
        Some(dir) => dir.clone(),
        None => doc
            .source
            .display_path
            .parent()
            .and_then(|p| p.strip_prefix("content").ok())
            .map(|p| crate::url::nfc(&p.to_string_lossy().replace('\\', "/")).into_owned())
            .unwrap_or_default(),
    }
}

/// Every (document, language) to publish: each translation, plus in fallback mode the default
/// language's text for each language that lacks one.
/// `texts` are the documents' bodies, in their order.
fn plan<'a>(
    config: &SiteConfig,
    documents: &[&'a Document],
    texts: Vec<MarkdownBody>,
) -> Vec<Planned<'a>> {
    let mut planned: Vec<Planned<'a>> = documents
        .iter()
        .zip(texts)
        .map(|(doc, text)| Planned {
            doc,
            text,
            lang: doc.source.lang.clone(),
            path: routes::document_path(
                &doc.source.lang,
                &doc.source.key,
                doc.front.slug.as_deref(),
            ),
        })
        .collect();
    if config.missing_translation == MissingTranslation::Fallback {
        let present: HashSet<(&str, &str)> = documents
            .iter()
            .map(|d| (d.source.key.as_str(), d.source.lang.as_str()))
            .collect();
        let mut fallbacks = Vec::new();
        for original in planned
            .iter()
            .filter(|p| p.doc.source.lang == config.default_language)
        {
            let doc = original.doc;
            for language in &config.languages {
                if !present.contains(&(doc.source.key.as_str(), language.code.as_str())) {
                    fallbacks.push(Planned {
                        doc,
                        text: original.text.clone(),
                        lang: language.code.clone(),
                        path: routes::document_path(
                            &language.code,
                            &doc.source.key,
                            doc.front.slug.as_deref(),
                        ),
                    });
                }
            }
        }
        planned.extend(fallbacks);
    }
    planned.sort_by(|a, b| (&a.doc.source.key, &a.lang).cmp(&(&b.doc.source.key, &b.lang)));
    planned
}

/// Where each asset is published: beside the page or section of its folder in each of its
/// languages, or once at the same path when no page owns the folder.
fn route_assets(
    assets: &[AssetSource],
    routes: &Routes,
    errors: &mut Vec<Diagnostic>,
) -> (HashMap<String, AssetRoute>, Vec<AssetCopy>) {
    let mut table = HashMap::new();
    let mut copies = Vec::new();
    for asset in assets {
        let content_path = if asset.dir.is_empty() {
            asset.file_name.clone()
        } else {
            format!("{}/{}", asset.dir, asset.file_name)
        };
        let route = match routes.documents.get(&asset.dir) {
            Some(paths) => {
                for path in paths.values() {
                    copies.push(AssetCopy {
                        source: asset.path.clone(),
                        display_path: asset.display_path.clone(),
                        output: format!("{path}{}", asset.file_name),
                    });
                }
                AssetRoute::PerLanguage(paths.clone())
            }
            None => {
                if asset.dir.is_empty() {
                    errors.push(Diagnostic::warning(
                        Some(Location::file(&asset.display_path)),
                        "files at the top of content/ are published at the site root",
                    ));
                }
                copies.push(AssetCopy {
                    source: asset.path.clone(),
                    display_path: asset.display_path.clone(),
                    output: content_path.clone(),
                });
                AssetRoute::Shared(content_path.clone())
            }
        };
        table.insert(content_path, route);
    }
    (table, copies)
}

/// The key of the nearest ancestor that is a section.
fn parent_section(key: &str, kind: DocKind, section_keys: &HashSet<&str>) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    let mut current = key;
    loop {
        current = current.rsplit_once('/').map_or("", |(parent, _)| parent);
        if section_keys.contains(current) {
            return Some(current.to_string());
        }
        if current.is_empty() {
            // Without any section the page has no parent; only the home can be missing here.
            return (kind != DocKind::Section || section_keys.contains("")).then(String::new);
        }
    }
}

/// Groups pages under their sections per language, in each section's order.
fn build_sections(
    pages: &[Page],
    by_key: &HashMap<String, BTreeMap<String, PageId>>,
    errors: &mut Vec<Diagnostic>,
) -> HashMap<(String, String), SectionPages> {
    let mut sections: HashMap<(String, String), SectionPages> = HashMap::new();
    for page in pages {
        if page.kind == DocKind::Section {
            sections
                .entry((page.key.clone(), page.lang.clone()))
                .or_default();
        }
    }
    for (id, page) in pages.iter().enumerate() {
        let Some(parent) = &page.parent else { continue };
        let Some(section) = sections.get_mut(&(parent.clone(), page.lang.clone())) else {
            continue;
        };
        match page.kind {
            DocKind::Section => section.subsections.push(id),
            _ => section.pages.push(id),
        }
    }
    for ((key, lang), section) in sections.iter_mut() {
        let Some(section_page) = by_key
            .get(key)
            .and_then(|l| l.get(lang))
            .map(|&id| &pages[id])
        else {
            continue;
        };
        let sort_by = section_page.front.sort_by;
        if sort_by == SortBy::Date {
            errors.extend(undated_pages(&section.pages, section_page, pages));
        }
        let order = |a: &PageId, b: &PageId| page_order(&pages[*a], &pages[*b], sort_by);
        section.pages.sort_by(order);
        section.subsections.sort_by(|a, b| {
            let (a, b) = (&pages[*a], &pages[*b]);
            a.front
                .weight
                .cmp(&b.front.weight)
                .then_with(|| a.key.cmp(&b.key))
        });
    }
    sections
}

/// An error for each page of a section sorted by date that has no date of its own (a fallback
/// page shows another language's document: that one is reported).
fn undated_pages(section_pages: &[PageId], section_page: &Page, pages: &[Page]) -> Vec<Diagnostic> {
    section_pages
        .iter()
        .map(|&id| &pages[id])
        .filter(|page| page.front.date.is_none() && !page.is_fallback())
        .map(|page| {
            Diagnostic::in_file(
                &page.source,
                "this page has no date, which its section needs",
            )
            .with_help(format!(
                "add `date = YYYY-MM-DD` to the front matter ({} sorts by date)",
                section_page.source.display()
            ))
        })
        .collect()
}

/// A section's order of pages: newest first, by weight or by title; then by key, so that the
/// order never depends on the order files were read in.
fn page_order(a: &Page, b: &Page, sort_by: SortBy) -> std::cmp::Ordering {
    let by = match sort_by {
        SortBy::Date => b.front.date.cmp(&a.front.date),
        SortBy::Weight => a.front.weight.cmp(&b.front.weight),
        SortBy::Title => a.front.title.cmp(&b.front.title),
    };
    by.then_with(|| a.key.cmp(&b.key))
}

/// Image file names in `[extra]` (`photo = "photo.svg"`) must exist beside the page, like
/// images linked from the Markdown: a dead `<img>` must not be published.
fn check_extra_images(documents: &[&Document], routes: &Routes) -> Vec<Diagnostic> {
    const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "svg", "webp", "avif"];
    let mut errors = Vec::new();
    for doc in documents {
        let Some(dir) = &doc.source.bundle_dir else {
            continue;
        };
        for (key, value) in &doc.front.extra {
            let Some(name) = value.as_str() else { continue };
            let is_image = name.rsplit_once('.').is_some_and(|(_, ext)| {
                IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
            });
            let is_url = name.starts_with("https://") || name.starts_with("http://");
            // A path (`../x.png`, `/etc/x.png`, `C:\\x.png`) would be written into the page
            // as a link out of the page's folder: only a file name beside the page is taken.
            if is_image && !is_url && name.contains(['/', '\\', ':']) {
                errors.push(
                    Diagnostic::in_file(
                        &doc.source.display_path,
                        format!(
                            "[extra] {key} = \"{name}\": name a file beside this page, not a path"
                        ),
                    )
                    .with_help(format!(
                        "put the image in content/{dir}/ and write its file name"
                    )),
                );
                continue;
            }
            let is_local_image = is_image && !is_url;
            let nfc_name = crate::url::nfc(name);
            let path = if dir.is_empty() {
                nfc_name.into_owned()
            } else {
                format!("{dir}/{nfc_name}")
            };
            if is_local_image && !routes.assets.contains_key(&path) {
                errors.push(
                    Diagnostic::in_file(
                        &doc.source.display_path,
                        format!(
                            "[extra] {key} = \"{name}\": there is no such file beside this page"
                        ),
                    )
                    .with_help(format!("add content/{path} or fix the name")),
                );
            }
        }
    }
    errors
}
