//! The search index: one Pagefind bundle per language at `pagefind/<lang>/`, built before the
//! plan from each page's rendered body (its Markdown HTML, wrapped by koho in a small document
//! with the title, section and date as Pagefind metadata), so its hashed file names are known
//! when the plan is checked. Japanese and Chinese text is segmented into words by Pagefind's
//! `extended` feature (ICU4X), so words inside sentences without spaces are found.
//!
//! Behind the `search` cargo feature; without it `index` returns no files and the theme's
//! search page and box are left out.

use std::path::Path;

use crate::error::Diagnostic;
use crate::site::plan::GeneratedFile;
use crate::site::Site;

/// The folder of the search bundle of `lang`, site-relative (`pagefind/ja/`).
pub fn bundle_path(lang: &str) -> String {
    format!("pagefind/{lang}/")
}

/// Files of Pagefind's own ready-made interfaces, which the theme's search page does not use
/// (it has its own, with UI text from the site's Fluent messages).
#[cfg(feature = "search")]
const UNUSED_PREFIXES: &[&str] = &[
    "pagefind-ui.",
    "pagefind-modular-ui.",
    "pagefind-component-ui.",
    "pagefind-highlight.",
];

/// Whether the search index is built in this build of koho.
pub const ENABLED: bool = cfg!(feature = "search");

/// The Pagefind bundles of every language, each built on its own thread, or taken from
/// `cache_dir` (`search_cache`) when the language's documents are unchanged. Errors name the
/// language whose index failed.
#[cfg(feature = "search")]
pub fn index(site: &Site, cache_dir: &Path) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let results: Vec<Result<Vec<GeneratedFile>, Diagnostic>> = std::thread::scope(|scope| {
        let handles: Vec<_> = site
            .config
            .languages
            .iter()
            .map(|language| {
                scope.spawn(move || pagefind_bundle::build(site, &language.code, cache_dir))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Diagnostic::error(
                        None,
                        "the search indexer stopped unexpectedly",
                    ))
                })
            })
            .collect()
    });
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(bundle) => files.extend(bundle),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Without the `search` feature: no index.
#[cfg(not(feature = "search"))]
pub fn index(_site: &Site, _cache_dir: &Path) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    Ok(Vec::new())
}

/// The document Pagefind reads for a page: language, title, section and date as metadata;
/// the title, subtitle and body as text. Every value is HTML-escaped.
pub fn index_document(site: &Site, page: &crate::site::Page) -> String {
    use crate::i18n::dates::localize;
    let escape = super::escape_html;
    let tag = site
        .config
        .language(&page.content_lang)
        .map_or(page.content_lang.as_str(), |l| l.tag.as_str());
    let section = match site.book_of(&page.key) {
        Some(book) => site
            .page(&book.key, &page.lang)
            .map(|p| p.front.title.clone()),
        None => page
            .parent
            .as_deref()
            .and_then(|key| site.page(key, &page.lang))
            .map(|p| p.front.title.clone()),
    }
    .unwrap_or_default();
    let mut doc = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta data-pagefind-meta=\"title[content]\" content=\"{title}\">\
         <meta data-pagefind-meta=\"section[content]\" content=\"{}\">",
        escape(tag),
        escape(&section),
        title = escape(&page.front.title),
    );
    if let Some(date) = page.front.date {
        let date = localize(&site.locales, &page.lang, date);
        doc.push_str(&format!(
            "<meta data-pagefind-meta=\"date[content]\" content=\"{}\">\
             <meta data-pagefind-sort=\"date[content]\" content=\"{}\">",
            escape(&date.long),
            escape(&date.iso)
        ));
    }
    let mut body = format!("<h1>{}</h1>", escape(&page.front.title));
    for key in ["subtitle", "tagline"] {
        if let Some(text) = page.front.extra.get(key).and_then(|v| v.as_str()) {
            body.push_str(&format!("<p>{}</p>", escape(text)));
        }
    }
    body.push_str(&page.html);
    let cjk = matches!(page.content_lang.split('-').next(), Some("ja" | "zh"));
    doc.push_str("</head><body>");
    doc.push_str(&if cjk { full_stops(&body) } else { body });
    doc.push_str("</body></html>");
    doc
}

/// Block elements whose end Pagefind marks with `. ` in excerpts when their text ends in a
/// letter (so that a heading does not run into the next paragraph).
const BLOCK_ENDS: &[&str] = &[
    "</h1>",
    "</h2>",
    "</h3>",
    "</h4>",
    "</h5>",
    "</h6>",
    "</p>",
    "</li>",
    "</dt>",
    "</dd>",
    "</td>",
    "</th>",
    "</blockquote>",
    "</figcaption>",
];

/// Japanese and Chinese text with `。` at the end of every block that ends in a letter, so
/// that Pagefind's excerpts read `見出し。本文` rather than `見出し. 本文`.
pub fn full_stops(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut last_text: Option<char> = None;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        out.push_str(text);
        if let Some(c) = text.chars().rev().find(|c| !c.is_whitespace()) {
            last_text = Some(c);
        }
        let tag_end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..tag_end];
        let lower = tag.to_ascii_lowercase();
        if BLOCK_ENDS.contains(&lower.as_str()) && last_text.is_some_and(char::is_alphanumeric) {
            out.push('。');
            last_text = Some('。');
        }
        out.push_str(tag);
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::full_stops;

    #[test]
    fn blocks_ending_in_a_letter_get_a_full_stop() {
        assert_eq!(
            full_stops("<h2 id=\"a\">見出し</h2><p>本文です。</p><ul><li><a href=\"x\">項目</a></li><li>2020年</li></ul>"),
            "<h2 id=\"a\">見出し。</h2><p>本文です。</p><ul><li><a href=\"x\">項目</a>。</li><li>2020年。</li></ul>"
        );
    }
}

#[cfg(feature = "search")]
mod pagefind_bundle {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use pagefind::api::PagefindIndex;
    use pagefind::options::PagefindServiceConfig;

    use super::super::search_cache;
    use super::{bundle_path, index_document, UNUSED_PREFIXES};
    use crate::error::{Diagnostic, Location};
    use crate::site::discovery::searchable;
    use crate::site::plan::{GeneratedFile, OutputKind};
    use crate::site::Site;

    /// The bundle of `lang`: every searchable page in that language's own text; taken from
    /// `cache_dir` when it was made from the same documents, and saved there otherwise.
    pub fn build(
        site: &Site,
        lang: &str,
        cache_dir: &Path,
    ) -> Result<Vec<GeneratedFile>, Diagnostic> {
        let documents: Vec<(String, String)> = site
            .pages
            .iter()
            .filter(|p| p.lang == lang && searchable(site, p))
            .map(|p| (site.config.url(&p.path), index_document(site, p)))
            .collect();
        let key = search_cache::key(lang, &documents);
        let files = match search_cache::load(cache_dir, lang, key) {
            Some(files) => files,
            None => {
                let files = run_pagefind(lang, documents)?;
                let listed: Vec<(&str, &[u8])> = files
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice()))
                    .collect();
                search_cache::save(cache_dir, lang, key, &listed);
                files
            }
        };
        let origin = Location::file(PathBuf::from("content"));
        Ok(files
            .into_iter()
            .map(|(path, bytes)| GeneratedFile {
                path,
                kind: OutputKind::SearchIndex,
                origin: origin.clone(),
                bytes: Arc::from(bytes),
            })
            .collect())
    }

    /// Runs Pagefind over `documents` (address, HTML): the bundle's files as (site-relative
    /// path, bytes), without Pagefind's own interfaces.
    fn run_pagefind(
        lang: &str,
        documents: Vec<(String, String)>,
    ) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            Diagnostic::error(
                None,
                format!("the search index of `{lang}` could not be built ({what}): {e}"),
            )
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| fail("starting its runtime", &e))?;
        let files = runtime.block_on(async {
            let options = PagefindServiceConfig::builder()
                .force_language(lang.to_string())
                .keep_index_url(false)
                .build();
            let mut index = PagefindIndex::new(Some(options)).map_err(|e| fail("options", &e))?;
            for (url, html) in documents {
                index
                    .add_html_file(None, Some(url.clone()), html)
                    .await
                    .map_err(|e| fail(&url, &e))?;
            }
            index.get_files().await.map_err(|e| fail("writing", &e))
        })?;
        Ok(files
            .into_iter()
            .filter_map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                if UNUSED_PREFIXES.iter().any(|p| name.starts_with(p)) {
                    return None;
                }
                Some((format!("{}{name}", bundle_path(lang)), file.contents))
            })
            .collect())
    }
}
