//! Template functions, one set per language so that the page's language is implicit:
//! `t(key, ...)`, `fragment(key)`, `section_pages(key, limit)`, `url_for(key, optional?)`,
//! `asset_url(path)`, `format_date(date)`, `downloads(page?)`, `lang_attr(tag)`,
//! `cached_partial(name, …)` (`partials`); filters
//! `phrases(lang?)` and `phrase_headings(lang?)` (phrase-aware line breaks for Japanese and
//! Chinese). A key or path that names nothing is a template error (the build fails naming the
//! template), never an empty list or a link to somewhere else.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use fluent_bundle::{FluentArgs, FluentValue};
use tera::{Function, Tera, Value};

use super::downloads::{item_view, DownloadIndex};
use super::phrases::{break_points, escape_into, mark_headings_with, mark_text, PhraseLanguage};
use super::recursion::Guarded;
use super::views;
use crate::site::Site;

/// Registers the language-bound functions on a copy of the theme for `lang`.
pub fn register(tera: &mut Tera, site: &Arc<Site>, downloads: &Arc<DownloadIndex>, lang: &str) {
    let bound = |site: &Arc<Site>| Bound {
        site: Arc::clone(site),
        downloads: Arc::clone(downloads),
        lang: lang.to_string(),
    };
    tera.register_function("t", Guarded(Translate(bound(site), Memo::default())));
    tera.register_function("fragment", Guarded(FragmentFn(bound(site))));
    tera.register_function(
        "section_pages",
        Guarded(SectionPages(bound(site), Memo::default())),
    );
    tera.register_function("url_for", Guarded(UrlFor(bound(site), Memo::default())));
    tera.register_function("asset_url", Guarded(AssetUrl(bound(site), Memo::default())));
    tera.register_function("format_date", Guarded(FormatDate(bound(site))));
    tera.register_function("downloads", Guarded(Downloads(bound(site))));
    tera.register_function("lang_attr", Guarded(LangAttr(bound(site))));
    tera.register_filter("phrases", Guarded(Phrases(bound(site), Memo::default())));
    tera.register_filter(
        "phrase_headings",
        Guarded(PhraseHeadings(bound(site), RwLock::default())),
    );
    // Last: the partial's copy of the theme has every function above.
    let site_value = serde_json::to_value(views::site_view(site)).unwrap_or(Value::Null);
    let theme_name = &site.config.theme;
    let partial = super::partials::CachedPartial::new(tera.clone(), theme_name, lang, site_value);
    tera.register_function("cached_partial", Guarded(partial));
}

struct Bound {
    site: Arc<Site>,
    downloads: Arc<DownloadIndex>,
    lang: String,
}

impl Bound {
    /// The BCP 47 tag of the page's language (`zh-Hans` for `zh`).
    fn tag(&self) -> &str {
        self.site
            .config
            .language(&self.lang)
            .map_or(self.lang.as_str(), |l| l.tag.as_str())
    }

    /// The phrase model for the `lang` argument (a tag or a language code), else the page's
    /// language.
    fn phrase_language(&self, args: &HashMap<String, Value>) -> Option<PhraseLanguage> {
        let tag = args
            .get("lang")
            .and_then(Value::as_str)
            .unwrap_or(&self.lang);
        PhraseLanguage::from_tag(tag)
    }
}

fn string_arg<'a>(
    args: &'a HashMap<String, Value>,
    name: &str,
    function: &str,
) -> tera::Result<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| tera::Error::msg(format!("{function}() needs a string argument `{name}`")))
}

/// `t(key="read-more", count=3, name="…")`: the Fluent message in the page's language.
struct Translate(Bound, Memo);

/// Results of calls keyed by their arguments as one string; a page calls `t(key=…)` for the
/// same navigation labels dozens of times, and a site has thousands of pages.
#[derive(Default)]
struct Memo(RwLock<rustc_hash::FxHashMap<String, Value>>);

/// At most this many results are kept per function and language: what repeats across pages
/// (menus, asides, labels) is met early, and every page's own title need not stay in memory
/// (30,000 of them at 10,000 releases).
const MEMO_LIMIT: usize = 4096;

impl Memo {
    fn get_or(
        &self,
        key: &str,
        compute: impl FnOnce() -> tera::Result<Value>,
    ) -> tera::Result<Value> {
        if let Some(value) = self.0.read().ok().and_then(|m| m.get(key).cloned()) {
            return Ok(value);
        }
        let value = compute()?;
        if let Ok(mut memo) = self.0.write() {
            if memo.len() < MEMO_LIMIT {
                memo.insert(key.to_string(), value.clone());
            }
        }
        Ok(value)
    }
}

impl Function for Translate {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = string_arg(args, "key", "t")?;
        if args.len() == 1 {
            return self.1.get_or(key, || self.format(key, args));
        }
        self.format(key, args)
    }
}

impl Translate {
    fn format(&self, key: &str, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let lang = args
            .get("lang")
            .and_then(Value::as_str)
            .unwrap_or(&self.0.lang);
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            if name == "key" || name == "lang" {
                continue;
            }
            match value {
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        fluent_args.set(name.as_str(), FluentValue::from(i));
                    } else if let Some(f) = n.as_f64() {
                        fluent_args.set(name.as_str(), FluentValue::from(f));
                    }
                }
                Value::String(s) => fluent_args.set(name.as_str(), FluentValue::from(s.as_str())),
                other => fluent_args.set(name.as_str(), FluentValue::from(other.to_string())),
            }
        }
        self.0
            .site
            .locales
            .format(lang, key, Some(&fluent_args))
            .map(Value::String)
            .map_err(tera::Error::msg)
    }
}

/// `fragment(key="profile")`: `{title, html}` of `_fragments/<key>` in the page's language.
struct FragmentFn(Bound);

impl Function for FragmentFn {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = string_arg(args, "key", "fragment")?;
        let fragment = self.0.site.fragment(key, &self.0.lang).ok_or_else(|| {
            tera::Error::msg(format!("there is no content/_fragments/{key}.<lang>.md"))
        })?;
        // The fragment may come from a fallback language (the site's `fluent_fallback`).
        let lang = std::iter::once(self.0.lang.as_str())
            .chain(
                self.0
                    .site
                    .config
                    .fluent_fallback
                    .iter()
                    .map(String::as_str),
            )
            .find(|l| {
                self.0
                    .site
                    .fragments
                    .contains_key(&(key.to_string(), l.to_string()))
            })
            .unwrap_or(&self.0.lang);
        let tag = self
            .0
            .site
            .config
            .language(lang)
            .map_or(lang, |l| l.tag.as_str());
        Ok(serde_json::json!({ "title": fragment.title, "html": fragment.html, "lang_tag": tag }))
    }
}

/// `section_pages(key="releases", limit=3, exclude=page.key)`: summaries of a section's pages
/// in order, at most `limit`, leaving out the page whose key is `exclude`; an empty list in a
/// language the section has no page in. A key that is no section in any language is an
/// error. The list is the same for every page of a language (a "latest releases" aside on
/// each of 10,000 releases), so it is made once per key and limit (with one page more, for
/// the page `exclude` may take out).
struct SectionPages(Bound, Memo);

impl Function for SectionPages {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = string_arg(args, "key", "section_pages")?;
        if let Some(other) = args
            .keys()
            .find(|k| !matches!(k.as_str(), "key" | "limit" | "exclude"))
        {
            return Err(tera::Error::msg(format!(
                "section_pages() takes `key`, `limit` and `exclude`, not `{other}`"
            )));
        }
        let limit = match args.get("limit") {
            None => usize::MAX,
            Some(value) => value.as_u64().map(|n| n as usize).ok_or_else(|| {
                tera::Error::msg(format!(
                    "section_pages(): `limit` is a whole number of pages, e.g. limit=5, not {value}"
                ))
            })?,
        };
        let exclude = match args.get("exclude") {
            None => None,
            Some(Value::String(key)) => Some(key.as_str()),
            Some(other) => {
                return Err(tera::Error::msg(format!(
                    "section_pages(): `exclude` is a page key (a string), e.g. exclude=page.key, not {other}"
                )))
            }
        };
        let fetch = limit.saturating_add(usize::from(exclude.is_some()));
        let pages = self
            .1
            .get_or(&format!("{key}\u{0}{fetch}"), || self.summaries(key, fetch))?;
        let Some(exclude) = exclude else {
            return Ok(pages);
        };
        let Value::Array(pages) = pages else {
            return Ok(pages);
        };
        let kept = pages
            .into_iter()
            .filter(|p| p.get("key").and_then(Value::as_str) != Some(exclude))
            .take(limit)
            .collect();
        Ok(Value::Array(kept))
    }
}

impl SectionPages {
    fn summaries(&self, key: &str, limit: usize) -> tera::Result<Value> {
        let site = &self.0.site;
        let is_section = |pages: &std::collections::BTreeMap<String, usize>| {
            pages
                .values()
                .any(|&id| site.pages[id].kind == crate::content::DocKind::Section)
        };
        if !site.by_key.get(key).is_some_and(is_section) {
            return Err(tera::Error::msg(format!(
                "section_pages: there is no section `{key}` (content/{key}/_index.<lang>.md) in any language"
            )));
        }
        let pages: Vec<_> = site
            .section(key, &self.0.lang)
            .map(|section| {
                section
                    .pages
                    .iter()
                    .take(limit)
                    .map(|&id| views::summary(site, &site.pages[id]))
                    .collect()
            })
            .unwrap_or_default();
        serde_json::to_value(pages).map_err(tera::Error::msg)
    }
}

/// `url_for(key="releases")`: the URL of a page or section in the page's language, or, when it
/// has no translation in that language, of the nearest section that exists in it. A key that
/// exists in no language is an error; with `optional=true` it gives an empty string instead,
/// for links a theme shows only when the site has the page (`{% if url %}`).
struct UrlFor(Bound, Memo);

impl Function for UrlFor {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = string_arg(args, "key", "url_for")?;
        let optional = args
            .get("optional")
            .is_some_and(|v| v.as_bool().unwrap_or(false));
        if !self.0.site.by_key.contains_key(key) {
            if optional {
                return Ok(Value::String(String::new()));
            }
            return Err(tera::Error::msg(format!(
                "url_for: there is no page or section `{key}` in any language (content/{key}.<lang>.md, content/{key}/index.<lang>.md or content/{key}/_index.<lang>.md)"
            )));
        }
        self.1.get_or(key, || self.find(key))
    }
}

impl UrlFor {
    fn find(&self, key: &str) -> tera::Result<Value> {
        let site = &self.0.site;
        let page = site
            .page(key, &self.0.lang)
            .or_else(|| site.nearest_section(key, &self.0.lang))
            .ok_or_else(|| {
                tera::Error::msg(format!("url_for: no page `{key}` in `{}`", self.0.lang))
            })?;
        Ok(Value::String(site.config.url(&page.path)))
    }
}

/// `asset_url(path="css/site.css")`: the URL of a file of the theme's static/ folder (or of a
/// content file published at the site root's path) under the base path. A path that names no
/// such file is an error, as is one with `..`, a leading `/` or a backslash.
struct AssetUrl(Bound, Memo);

impl Function for AssetUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let path = string_arg(args, "path", "asset_url")?;
        self.1.get_or(path, || {
            check_asset(&self.0.site, path)?;
            // A cache-busting query or a fragment is kept as written; only the path is encoded.
            let split = path.find(['?', '#']).unwrap_or(path.len());
            let (file, suffix) = path.split_at(split);
            Ok(Value::String(format!(
                "{}{suffix}",
                self.0.site.config.url(file)
            )))
        })
    }
}

/// Whether `path` (a site-relative file path, perhaps with `?query` or `#fragment`) names a file
/// the build publishes from the theme's static/ folder or from content/.
fn check_asset(site: &Site, path: &str) -> tera::Result<()> {
    let file = path.split(['?', '#']).next().unwrap_or_default();
    let unsafe_path = file.is_empty()
        || file.starts_with('/')
        || file.contains('\\')
        || file
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if unsafe_path {
        return Err(tera::Error::msg(format!(
            "asset_url: `{path}` is not a relative path to a file of the theme's static/ folder (no leading `/`, `..` or `\\`)"
        )));
    }
    let static_dir = site.config.theme_dir().join("static");
    let in_theme = std::fs::metadata(static_dir.join(file)).is_ok_and(|m| m.is_file());
    if in_theme || site.assets.iter().any(|a| a.output == file) {
        return Ok(());
    }
    Err(tera::Error::msg(format!(
        "asset_url: there is no file `{file}` in themes/{}/static/",
        site.config.theme
    )))
}

/// `format_date(date="2020-03-18")`: `{iso, long}` in the page's language.
struct FormatDate(Bound);

impl Function for FormatDate {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let text = string_arg(args, "date", "format_date")?;
        let date = crate::content::Date::parse(text).ok_or_else(|| {
            tera::Error::msg(format!("format_date: `{text}` is not a date YYYY-MM-DD"))
        })?;
        let localized = self.0.site.localized_date(&self.0.lang, date);
        serde_json::to_value(localized).map_err(tera::Error::msg)
    }
}

/// `downloads()`: every download item in the page's language; `downloads(page="releases/x")`:
/// the items attached to that page.
struct Downloads(Bound);

impl Function for Downloads {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let page = args.get("page").and_then(Value::as_str);
        let views: Vec<_> = self
            .0
            .downloads
            .items
            .iter()
            .filter(|item| page.is_none_or(|key| item.pages.iter().any(|p| p == key)))
            .map(|item| item_view(&self.0.site, item, &self.0.lang))
            .collect();
        serde_json::to_value(views).map_err(tera::Error::msg)
    }
}

/// `lang_attr(tag="ja")`: ` lang="ja"` when `tag` differs from the page's language tag, else
/// nothing; for elements whose text may be in another language than the page (fallback text,
/// list entries, fragments). HTML §3.2.6.2: an element's language is its own `lang` or its
/// parent's.
struct LangAttr(Bound);

impl Function for LangAttr {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let tag = string_arg(args, "tag", "lang_attr")?;
        if tag.is_empty() || tag.eq_ignore_ascii_case(self.0.tag()) {
            return Ok(Value::String(String::new()));
        }
        let mut attribute = String::from(" lang=\"");
        escape_into(tag, &mut attribute);
        attribute.push('"');
        Ok(Value::String(attribute))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `{{ title | phrases(lang=page.content_lang_tag) }}`: plain text, HTML-escaped, with `<wbr>`
/// at phrase boundaries when the language (default: the page's) is Japanese or Chinese. The
/// output is HTML: no `| safe` needed. Memoised: a book's contents list the same titles on
/// every chapter page.
struct Phrases(Bound, Memo);

impl tera::Filter for Phrases {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let language = self.0.phrase_language(args);
        let key = format!("{language:?}\u{0}{text}");
        self.1.get_or(&key, || {
            let mut out = String::with_capacity(text.len() + text.len() / 8);
            mark_text(&text, language, &mut out);
            Ok(Value::String(out))
        })
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `{{ page.content | phrase_headings(lang=page.content_lang_tag) }}`: rendered HTML with
/// `<wbr>` at phrase boundaries inside its `h1`–`h3` headings (Japanese and Chinese only).
/// The input is trusted HTML from the Markdown renderer and is not escaped again. The break
/// points of each heading's text are remembered (at most `MEMO_LIMIT` texts): the same
/// headings recur on thousands of pages, and segmenting one costs the two phrase models.
struct PhraseHeadings(
    Bound,
    RwLock<rustc_hash::FxHashMap<(PhraseLanguage, String), Vec<usize>>>,
);

impl PhraseHeadings {
    fn breaks(&self, text: &str, language: PhraseLanguage) -> Vec<usize> {
        let key = (language, text.to_string());
        if let Some(points) = self.1.read().ok().and_then(|m| m.get(&key).cloned()) {
            return points;
        }
        let points = break_points(text, language);
        if let Ok(mut memo) = self.1.write() {
            if memo.len() < MEMO_LIMIT {
                memo.insert(key, points.clone());
            }
        }
        points
    }
}

impl tera::Filter for PhraseHeadings {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let html = value
            .as_str()
            .ok_or_else(|| tera::Error::msg("phrase_headings needs an HTML string"))?;
        let language = self.0.phrase_language(args);
        let breaks = |text: &str, language| self.breaks(text, language);
        Ok(Value::String(mark_headings_with(html, language, &breaks)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}
