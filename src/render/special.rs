//! Pages that are not documents: the 404 pages (per language, and the root one that greets
//! the reader in every language) and the search page of each language. All their links are
//! absolute paths, since a host serves a 404 page at any depth.

use serde::Serialize;
use tera::Context;

use super::{error_chain, meta, template_path, views, Shared};
use crate::error::{Diagnostic, Location};
use crate::site::discovery::search_path;
use crate::site::plan::{NOT_FOUND_TEMPLATE, ROOT_NOT_FOUND_TEMPLATE, SEARCH_TEMPLATE};

fn render(
    shared: &Shared,
    lang: Option<&str>,
    template: &str,
    context: &Context,
) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let tera = match lang {
        Some(lang) => shared.teras.get(lang).ok_or_else(|| {
            Diagnostic::error(
                None,
                format!("internal: no theme for the language `{lang}`"),
            )
        })?,
        None => shared.theme,
    };
    tera.render(template, context)
        .map(String::into_bytes)
        .map_err(|e| {
            Diagnostic::error(
                Some(Location::file(template_path(site, template))),
                format!("template error: {}", error_chain(&e)),
            )
        })
}

fn message(shared: &Shared, lang: &str, key: &str) -> String {
    shared.site.locales.get(lang, key, None).unwrap_or_default()
}

/// `<lang>/404.html` through the theme's `404.html`.
pub fn not_found(shared: &Shared, lang: &str) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let title = message(shared, lang, "not-found-title");
    let extra = serde_json::Map::new();
    let page = views::special_view(
        site,
        lang,
        "404",
        &title,
        &format!("{lang}/404.html"),
        &extra,
    );
    let mut context = Context::new();
    context.insert("site", &shared.site_view);
    context.insert("lang", lang);
    context.insert("page", &page);
    context.insert(
        "translations",
        &views::special_translations(site, lang, |code| format!("{code}/")),
    );
    let text = message(shared, lang, "not-found-text");
    context.insert(
        "meta",
        &meta::special_meta(site, &shared.share, lang, &title, text),
    );
    render(shared, Some(lang), NOT_FOUND_TEMPLATE, &context)
}

/// One language's greeting on the root 404 page.
#[derive(Serialize)]
struct Greeting<'a> {
    code: &'a str,
    tag: &'a str,
    name: &'a str,
    title: String,
    text: String,
    home_label: String,
    home_url: String,
    search_url: Option<String>,
    search_label: String,
}

/// `/404.html`: a greeting in every language, each linking to its home page (and search).
pub fn root_not_found(shared: &Shared) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let greetings: Vec<Greeting> = site
        .config
        .languages
        .iter()
        .map(|l| Greeting {
            code: &l.code,
            tag: &l.tag,
            name: &l.name,
            title: message(shared, &l.code, "not-found-title"),
            text: message(shared, &l.code, "not-found-text"),
            home_label: message(shared, &l.code, "not-found-home"),
            home_url: site.config.url(&format!("{}/", l.code)),
            search_url: shared
                .share
                .links
                .get(&l.code)
                .and_then(|links| links.search_url.clone()),
            search_label: message(shared, &l.code, "search-submit"),
        })
        .collect();
    let default = &site.config.default_language;
    let mut context = Context::new();
    context.insert("site", &shared.site_view);
    context.insert("greetings", &greetings);
    context.insert("site_name", &message(shared, default, "site-name"));
    render(shared, None, ROOT_NOT_FOUND_TEMPLATE, &context)
}

/// What the search page's script needs.
#[derive(Serialize)]
struct SearchView {
    /// Where the language's search index is (`/ngmo/search-index/ja/`).
    bundle_url: String,
}

/// `<lang>/search/index.html` through the theme's `search.html`.
pub fn search_page(shared: &Shared, lang: &str) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let title = message(shared, lang, "search-title");
    let extra = serde_json::Map::new();
    let path = search_path(lang);
    let page = views::special_view(site, lang, "search", &title, &path, &extra);
    let mut context = Context::new();
    context.insert("site", &shared.site_view);
    context.insert("lang", lang);
    context.insert("page", &page);
    context.insert(
        "translations",
        &views::special_translations(site, lang, search_path),
    );
    let text = message(shared, lang, "search-description");
    context.insert(
        "meta",
        &meta::special_meta(site, &shared.share, lang, &title, text),
    );
    context.insert(
        "search",
        &SearchView {
            bundle_url: site.config.url(&super::search::bundle_path(lang)),
        },
    );
    render(shared, Some(lang), SEARCH_TEMPLATE, &context)
}
