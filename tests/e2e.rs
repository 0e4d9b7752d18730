//! End-to-end tests of the shipped site (content/, built once) in headless Chromium, served
//! from a loopback server: the root page's language choice, the language switcher, a missing
//! translation (fixture sites), download checksums, a crawl of every page for console errors
//! and failed requests, axe-core accessibility checks, keyboard navigation and screenshots of
//! a release page (written to target/tmp/e2e-screens/, printed). Search is tests/search.rs.
//!
//! Without /usr/bin/chromium (or node_modules/axe-core for the accessibility test) each test
//! says loudly that it skipped, unless KOHO_REQUIRE_TOOLS=1, when it fails.

mod browser;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use browser::{axe_source, chromium_available, http_get, Browser, Server};
use serde_json::{json, Value};
use support::{manifest_dir, unwrap_report, SiteFixture};
use tempfile::TempDir;

const SEED: &str = "releases/2020-05-13-alibaba-foundation-masks-protective-suits";
const CHAPTER: &str = "handbook/03-nursing/03-ecmo-nursing";
const DOWNLOADS: &str = "downloads";
/// (code, the `lang` the page carries, the switcher's label).
const LANGS: [(&str, &str, &str); 3] = [
    ("ja", "ja", "日本語"),
    ("en", "en", "English"),
    ("zh", "zh-Hans", "中文"),
];

struct Built {
    _dir: TempDir,
    output: PathBuf,
}

/// The shipped site, built once for every test of this file.
fn shipped() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        let output = dir.path().join("public");
        unwrap_report(koho::build(&koho::BuildOptions {
            root: manifest_dir(),
            output: Some(output.clone()),
            ..Default::default()
        }));
        Built { _dir: dir, output }
    })
}

/// Chromium, or None (after the skip message) when it is not installed.
fn browser() -> Option<Browser> {
    chromium_available().then(Browser::launch)
}

/// The page's path, language and switcher state.
const WHERE: &str = r#"({
  path: decodeURI(location.pathname),
  lang: document.documentElement.lang,
  current: (document.querySelector('.language-switcher [aria-current]') || {}).textContent || '',
  title: document.title,
})"#;

/// Makes the browser report `accept` as its languages (navigator.languages and the
/// Accept-Language header). In this Chromium (Debian 156) only `Network.setUserAgentOverride`'s
/// `acceptLanguage` changes navigator.languages; `Emulation.setLocaleOverride` does not.
fn accept_language(browser: &mut Browser, accept: &str) {
    let agent = browser.eval("navigator.userAgent");
    browser.call(
        "Network.setUserAgentOverride",
        json!({"userAgent": agent, "acceptLanguage": accept}),
    );
}

#[test]
fn root_page_sends_each_browser_language_to_its_edition() {
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    // ja, en-US and zh-CN pick their edition by the primary subtag; fr has none, so the
    // default language (site.toml: ja) is chosen.
    for (accept, expected) in [
        ("ja", "/ja/"),
        ("en-US", "/en/"),
        ("zh-CN", "/zh/"),
        ("fr", "/ja/"),
        ("fr-FR,zh-TW;q=0.8", "/zh/"),
    ] {
        browser.open("about:blank");
        accept_language(&mut browser, accept);
        browser.open(&server.url("/"));
        let landed = browser.eval(
            r#"(async () => {
              const until = Date.now() + 10000;
              while (location.pathname === '/' && Date.now() < until)
                await new Promise(r => setTimeout(r, 20));
              return [location.pathname, navigator.language];
            })()"#,
        );
        let first = accept.split(',').next().unwrap_or_default();
        assert_eq!(landed, json!([expected, first]), "navigator.language {accept}");
    }
}

/// Clicks the switcher's link to `tag` and returns where the browser landed.
fn switch_to(browser: &mut Browser, tag: &str) -> Value {
    browser.navigate_by(&format!(
        "document.querySelector('.language-switcher a[hreflang=\"{tag}\"]').click()"
    ));
    browser.eval(WHERE)
}

#[test]
fn language_switcher_round_trips_on_a_release_a_chapter_and_the_downloads_page() {
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    for key in [SEED, CHAPTER, DOWNLOADS] {
        browser.open(&server.url(&format!("/ja/{key}/")));
        let start = browser.eval(WHERE);
        assert_eq!(start["current"], "日本語", "{key}: {start}");
        // ja → en → zh → ja, each by a click on the switcher.
        for (code, tag, label) in [LANGS[1], LANGS[2], LANGS[0]] {
            let here = switch_to(&mut browser, tag);
            assert_eq!(here["path"], format!("/{code}/{key}/"), "{key}: {here}");
            assert_eq!(here["lang"], tag, "{key}: {here}");
            assert_eq!(here["current"], label, "{key}: {here}");
        }
        assert_eq!(browser.eval("document.title"), start["title"], "{key}");
    }
}

const SECOND: &str = "releases/2020-04-01-second";

/// A fixture site whose second release exists in Japanese and English only, built with
/// `missing_translation` set to `mode` ("omit" or "fallback").
fn site_missing_chinese(mode: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.replace(
        "site.toml",
        "missing_translation = \"omit\"",
        &format!("missing_translation = \"{mode}\""),
    );
    for lang in ["ja", "en"] {
        site.write(
            &format!("content/{SECOND}/index.{lang}.md"),
            &format!("+++\ntitle = \"second-{lang}\"\ndate = 2020-04-01\n+++\n\nbody-{lang}\n"),
        );
    }
    site.build_ok();
    site
}

/// Every document the browser received since the last call, with its HTTP status.
fn documents(browser: &mut Browser) -> Vec<(String, i64)> {
    browser
        .take_events()
        .iter()
        .filter(|e| e["method"] == "Network.responseReceived" && e["params"]["type"] == "Document")
        .map(|e| {
            let response = &e["params"]["response"];
            let url = response["url"].as_str().unwrap_or_default().to_string();
            (url, response["status"].as_i64().unwrap_or_default())
        })
        .collect()
}

#[test]
fn missing_translation_is_announced_and_its_link_is_not_dead() {
    let Some(mut browser) = browser() else { return };
    browser.call("Network.enable", json!({}));
    // omit: the switcher says Chinese is not available and links the Chinese section.
    let site = site_missing_chinese("omit");
    let server = Server::start(&site.output(), "/");
    for (code, notice) in [("ja", "中国語版はまだありません"), ("en", "Not yet available in Chinese")] {
        browser.open(&server.url(&format!("/{code}/{SECOND}/")));
        let link = browser.eval(
            r#"(() => { const a = document.querySelector('.language-switcher a[hreflang="zh-Hans"]');
              return {text: a.textContent, title: a.title, unavailable: a.classList.contains('unavailable')}; })()"#,
        );
        assert_eq!(link["unavailable"], true, "{code}: {link}");
        for field in ["text", "title"] {
            let said = link[field].as_str().unwrap_or_default();
            assert!(said.contains(notice), "{code}: the link's {field} {said:?} lacks {notice:?}");
        }
        documents(&mut browser);
        let landed = switch_to(&mut browser, "zh-Hans");
        assert_eq!(landed["path"], "/zh/releases/", "{code}: {landed}");
        let served = documents(&mut browser);
        assert!(
            !served.is_empty() && served.iter().all(|(_, status)| *status == 200),
            "{code}: the switcher's link to the missing translation answered {served:?}"
        );
    }
    // fallback: the Chinese page exists with the Japanese text and says so.
    let site = site_missing_chinese("fallback");
    let server = Server::start(&site.output(), "/");
    browser.open(&server.url(&format!("/ja/{SECOND}/")));
    documents(&mut browser);
    let landed = switch_to(&mut browser, "zh-Hans");
    assert_eq!(landed["path"], format!("/zh/{SECOND}/"), "{landed}");
    assert!(documents(&mut browser).iter().all(|(_, s)| *s == 200));
    let notice = browser.eval(
        r#"(() => { const n = document.querySelector('.fallback-notice');
          return n ? {text: n.innerText, shown: n.getBoundingClientRect().height > 0} : null; })()"#,
    );
    assert_eq!(notice["shown"], true, "no visible fallback notice: {notice}");
    eprintln!("fallback notice on /zh/{SECOND}/: {}", notice["text"]);
}
