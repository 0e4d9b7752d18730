//! `cached_partial(name=…, …)`: a template rendered once per language and set of arguments,
//! and its HTML reused by every page that asks for the same (Hugo's `partialCached`). A
//! "latest releases" aside is the same on 10,000 release pages; rendering it once instead of on
//! every page saved about a fifth of a build's instructions (BENCHMARKS.md, seventh pass).
//!
//! The partial sees only `lang`, `site` and the call's other arguments (no `page`), so its
//! output is a function of them and the cache is right by construction: what differs between
//! pages must be passed as an argument, and then it is part of the cache key. Its values are
//! HTML-escaped whatever the partial's file is called, and its HTML is inserted as it is; kept
//! in a variable (`{% set x = cached_partial(…) %}`) it needs `| safe`, as any HTML string.
//! The site root's pages (`404-root.html`, `language-select.html`) belong to no language and
//! have no cached partials (`register_root_stub`).

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use tera::{Context, Function, Tera, Value};

/// At most this many renderings are kept per language: a theme that passes something that
/// differs on every page (the page's key) still renders correctly, just without the saving.
const CACHE_LIMIT: usize = 1024;

/// The function for one language: its own copy of the language's theme (with every other
/// function, so that the partial can call `t`, `url_for`…) and the renderings so far.
pub struct CachedPartial {
    theme: Tera,
    /// The theme's folder name, for error messages.
    theme_name: String,
    lang: String,
    site: Value,
    cache: RwLock<rustc_hash::FxHashMap<String, Value>>,
}

impl CachedPartial {
    /// `theme` is the language's theme with its functions registered; `site` the serialised
    /// `site` variable pages get.
    pub fn new(mut theme: Tera, theme_name: &str, lang: &str, site: Value) -> CachedPartial {
        // The HTML goes into pages unescaped (`is_safe`), so the partial's own values are
        // escaped whatever its file is called: Tera escapes by the name of the template it
        // renders, and an include is escaped as the page (`.html`) that includes it.
        theme.autoescape_on(vec![""]);
        // A partial that asks for another cached partial would need this function inside its
        // own theme copy; one level keeps the cache key complete and the copies few.
        theme.register_function("cached_partial", |_: &HashMap<String, Value>| {
            Err(tera::Error::msg(
                "cached_partial() cannot be called inside a cached partial: use {% include %} there",
            ))
        });
        CachedPartial {
            theme,
            theme_name: theme_name.to_string(),
            lang: lang.to_string(),
            site,
            cache: RwLock::default(),
        }
    }

    fn render(&self, name: &str, args: &BTreeMap<&String, &Value>) -> tera::Result<Value> {
        if !self.theme.get_template_names().any(|n| n == name) {
            return Err(tera::Error::msg(format!(
                "cached_partial: there is no template `{name}` in themes/{}/templates/ (name it by its path there, e.g. partials/aside.html)",
                self.theme_name
            )));
        }
        let mut context = Context::new();
        context.insert("lang", &self.lang);
        context.insert("site", &self.site);
        for (key, value) in args {
            context.insert(key.as_str(), value);
        }
        self.theme
            .render(name, &context)
            .map(Value::String)
            .map_err(|e| tera::Error::chain(format!("in the cached partial `{name}`"), e))
    }
}

impl Function for CachedPartial {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let name = args.get("name").and_then(Value::as_str).ok_or_else(|| {
            tera::Error::msg("cached_partial() needs a string argument `name` (a template path)")
        })?;
        if let Some(taken) = ["lang", "site"].into_iter().find(|k| args.contains_key(*k)) {
            return Err(tera::Error::msg(format!(
                "cached_partial: `{taken}` is given to every partial by koho; pass the value under another name"
            )));
        }
        // Sorted, so that the same arguments in another order find the same rendering.
        let rest: BTreeMap<&String, &Value> = args.iter().filter(|(k, _)| *k != "name").collect();
        let arguments = serde_json::to_string(&rest).map_err(tera::Error::msg)?;
        let key = format!("{name}\u{0}{arguments}");
        if let Some(html) = self.cache.read().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(html);
        }
        let html = self.render(name, &rest)?;
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() < CACHE_LIMIT {
                cache.insert(key, html.clone());
            }
        }
        Ok(html)
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `cached_partial` for the theme that renders the site root's pages, which belong to no
/// language: an error saying so, instead of Tera's "function not found".
pub fn register_root_stub(theme: &mut Tera) {
    theme.register_function("cached_partial", |_: &HashMap<String, Value>| {
        Err(tera::Error::msg(
            "cached_partial() is for the pages of a language; the site root's pages (404-root.html, language-select.html) belong to none: use {% include %} there",
        ))
    });
}
