//! `cached_partial(name=…, …)`: a template rendered once per language and set of arguments,
//! and its HTML reused by every page that asks for the same (Hugo's `partialCached`). A
//! "latest releases" aside is the same on 10,000 release pages; rendering it once instead of on
//! every page saves about a fifth of the theme's work (BENCHMARKS.md, seventh pass).
//!
//! The partial sees only `lang`, `site` and the call's other arguments (no `page`), so its
//! output is a function of them and the cache is right by construction: what differs between
//! pages must be passed as an argument, and then it is part of the cache key.

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
    lang: String,
    site: Value,
    cache: RwLock<rustc_hash::FxHashMap<String, Value>>,
}

impl CachedPartial {
    /// `theme` is the language's theme with its functions registered; `site` the serialised
    /// `site` variable pages get.
    pub fn new(mut theme: Tera, lang: &str, site: Value) -> CachedPartial {
        // A partial that asks for another cached partial would need this function inside its
        // own theme copy; one level keeps the cache key complete and the copies few.
        theme.register_function("cached_partial", |_: &HashMap<String, Value>| {
            Err(tera::Error::msg(
                "cached_partial() cannot be called inside a cached partial: use {% include %} there",
            ))
        });
        CachedPartial {
            theme,
            lang: lang.to_string(),
            site,
            cache: RwLock::default(),
        }
    }

    fn render(&self, name: &str, args: &BTreeMap<&String, &Value>) -> tera::Result<Value> {
        if !self.theme.get_template_names().any(|n| n == name) {
            return Err(tera::Error::msg(format!(
                "cached_partial: the theme has no template `{name}` (templates/{name})"
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
