//! End-to-end tests of the shipped site (content/, built once) in headless Chromium, served
//! from a loopback server: the root page's language choice, the language switcher, a missing
//! translation (fixture sites), download checksums, a crawl of every page for console errors
//! and failed requests, axe-core accessibility checks, keyboard navigation and screenshots of
//! a release page (written to target/tmp/e2e-screens/, printed). Search is tests/search.rs.
//!
//! Without /usr/bin/chromium (or node_modules/axe-core for the accessibility test) each test
//! says loudly that it skipped, unless KOHO_REQUIRE_TOOLS=1, when it fails.

use crate::browser;
use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use browser::{axe_source, chromium_available, http_get, Browser, Server};
use serde_json::{json, Value};
use support::{build_shipped_site, ShippedBuild, SiteFixture};

const SEED: &str = "releases/2020-05-13-alibaba-foundation-masks-protective-suits";
const CHAPTER: &str = "handbook/03-nursing/03-ecmo-nursing";
const DOWNLOADS: &str = "downloads";
/// (code, the `lang` the page carries, the switcher's label).
const LANGS: [(&str, &str, &str); 3] = [
    ("ja", "ja", "日本語"),
    ("en", "en", "English"),
    ("zh", "zh-Hans", "中文"),
];

/// The shipped site, built once for every test of this file.
fn shipped() -> &'static ShippedBuild {
    static BUILT: OnceLock<ShippedBuild> = OnceLock::new();
    BUILT.get_or_init(build_shipped_site)
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
        assert_eq!(
            landed,
            json!([expected, first]),
            "navigator.language {accept}"
        );
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
    for (code, notice) in [
        ("ja", "中国語版はまだありません"),
        ("en", "Not yet available in Chinese"),
    ] {
        browser.open(&server.url(&format!("/{code}/{SECOND}/")));
        let link = browser.eval(
            r#"(() => { const a = document.querySelector('.language-switcher a[hreflang="zh-Hans"]');
              return {text: a.textContent, title: a.title, unavailable: a.classList.contains('unavailable')}; })()"#,
        );
        assert_eq!(link["unavailable"], true, "{code}: {link}");
        for field in ["text", "title"] {
            let said = link[field].as_str().unwrap_or_default();
            assert!(
                said.contains(notice),
                "{code}: the link's {field} {said:?} lacks {notice:?}"
            );
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
    assert_eq!(
        notice["shown"], true,
        "no visible fallback notice: {notice}"
    );
    eprintln!("fallback notice on /zh/{SECOND}/: {}", notice["text"]);
}

/// Fetches every download link of the page and hashes what came back (Web Crypto; the
/// loopback address is a secure context), next to what the link's row shows.
const CHECK_DOWNLOADS: &str = r#"(async () => {
  const hex = b => [...new Uint8Array(b)].map(x => x.toString(16).padStart(2, '0')).join('');
  const out = [];
  for (const a of document.querySelectorAll('a.download-link')) {
    const row = a.closest('tr');
    const response = await fetch(a.href);
    const bytes = await response.arrayBuffer();
    out.push({
      href: a.getAttribute('href'),
      status: response.status,
      sha256: hex(await crypto.subtle.digest('SHA-256', bytes)),
      size: bytes.byteLength,
      shown: row.querySelector('.sha256-full').value,
      short: row.querySelector('.checksum code').textContent.replace('…', ''),
      shown_size: Number(row.querySelector('data').value),
    });
  }
  return out;
})()"#;

#[test]
fn every_download_link_returns_the_file_whose_sha256_the_page_shows() {
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    for (code, _, _) in LANGS {
        browser.open(&server.url(&format!("/{code}/downloads/")));
        let links = browser.eval(CHECK_DOWNLOADS);
        let links = links.as_array().expect("a list");
        // At least the handbook summary's EPUB and print edition.
        assert!(
            links.len() >= 2,
            "/{code}/downloads/ lists {} files",
            links.len()
        );
        for link in links {
            assert_eq!(link["status"], 200, "{link}");
            assert_eq!(link["sha256"], link["shown"], "/{code}/downloads/: {link}");
            assert_eq!(
                link["size"], link["shown_size"],
                "/{code}/downloads/: {link}"
            );
            let (short, full) = (link["short"].as_str(), link["shown"].as_str());
            assert!(
                full.zip(short)
                    .is_some_and(|(f, s)| s.len() >= 8 && f.starts_with(s)),
                "the short form is not the hash's start: {link}"
            );
        }
    }
}

/// Every HTML file of a built site as a URL path (`ja/x/index.html` → `/ja/x/`), Pagefind's
/// own files left out.
fn html_pages(output: &Path) -> BTreeSet<String> {
    let mut pages = BTreeSet::new();
    let mut folders = vec![output.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("read the output")
            .flatten()
        {
            let path = entry.path();
            let relative = path.strip_prefix(output).expect("inside").to_string_lossy();
            if path.is_dir() && !relative.ends_with("search-index") {
                folders.push(path);
            } else if relative.ends_with(".html") {
                let url = format!("/{relative}");
                pages.insert(url.strip_suffix("index.html").unwrap_or(&url).to_string());
            }
        }
    }
    pages
}

/// What went wrong on a page, from the events of its load: console errors, uncaught
/// exceptions, browser log errors, failed requests and responses with status 400 or more.
fn problems(events: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    for event in events {
        let p = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                found.push(format!("console.{}: {}", p["type"], p["args"]))
            }
            "Runtime.exceptionThrown" => {
                found.push(format!("exception: {}", p["exceptionDetails"]))
            }
            "Log.entryAdded" if p["entry"]["level"] == "error" => {
                found.push(format!("log: {} {}", p["entry"]["text"], p["entry"]["url"]))
            }
            "Network.loadingFailed" => found.push(format!(
                "request failed: {} {} ({})",
                p["type"], p["errorText"], p["requestId"]
            )),
            "Network.responseReceived" if p["response"]["status"].as_i64() >= Some(400) => found
                .push(format!(
                    "HTTP {} for {}",
                    p["response"]["status"], p["response"]["url"]
                )),
            _ => {}
        }
    }
    found
}

/// The same-origin links of the open page, without their fragments.
const LINKS: &str = r#"[...document.querySelectorAll('a[href], link[href]')]
  .map(a => new URL(a.href, location.href))
  .filter(u => u.origin === location.origin)
  .map(u => decodeURI(u.pathname) + u.search)"#;

#[test]
fn crawl_every_page_without_console_errors_or_failed_requests() {
    let Some(mut browser) = browser() else { return };
    let output = &shipped().output;
    let server = Server::start(output, "/");
    for domain in ["Network.enable", "Runtime.enable", "Log.enable"] {
        browser.call(domain, json!({}));
    }
    let pages = html_pages(output);
    assert!(pages.len() > 100, "only {} pages", pages.len());
    let started = Instant::now();
    let (mut failures, mut linked) = (BTreeMap::new(), BTreeSet::new());
    for page in &pages {
        browser.take_events();
        browser.open(&server.url(page));
        browser.settle(Duration::from_millis(30));
        let found = problems(&browser.take_events());
        if !found.is_empty() {
            failures.insert(page.clone(), found);
        }
        let links = browser.eval(LINKS);
        linked.extend(
            links
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str().map(String::from)),
        );
    }
    eprintln!("crawled {} pages in {:?}", pages.len(), started.elapsed());
    // Every link any page holds answers 200 (the files the crawl did not open: downloads,
    // feeds, stylesheets).
    let dead: Vec<_> = linked
        .iter()
        .filter(|l| !pages.contains(*l))
        .filter_map(|l| {
            let (status, _) = http_get(server.port, &encode_path(l));
            (status != 200).then(|| format!("{l}: HTTP {status}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "problems while loading pages: {failures:#?}"
    );
    assert!(dead.is_empty(), "dead links: {dead:#?}");
    let unlinked: Vec<_> = pages.iter().filter(|p| !linked.contains(*p)).collect();
    eprintln!("pages no page links to: {unlinked:?}");
}

/// A decoded path percent-encoded again for a request line (non-ASCII and spaces).
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'!'..=b'~' if b != b'%' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs axe-core (already injected) on the page; returns its serious and critical
/// violations, each with the first nodes it names, and the ids of the lesser ones.
const AXE_RUN: &str = r#"axe.run(document, {resultTypes: ['violations']}).then(r => ({
  serious: r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})),
  lesser: r.violations
    .filter(v => v.impact !== 'serious' && v.impact !== 'critical')
    .map(v => v.impact + ' ' + v.id),
}))"#;

#[test]
fn axe_finds_no_serious_or_critical_violation_in_any_language() {
    let Some(axe) = axe_source() else { return };
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    let mut found = BTreeMap::new();
    let started = Instant::now();
    for (code, _, _) in LANGS {
        for key in ["", SEED, CHAPTER, DOWNLOADS] {
            let path = format!("/{code}/{key}/").replace("//", "/");
            for width in [1280, 390] {
                browser.viewport(width, 900);
                browser.open(&server.url(&path));
                browser.call("Runtime.evaluate", json!({"expression": axe}));
                let result = browser.eval(AXE_RUN);
                let view = format!("{path} at {width} px");
                if result["serious"].as_array().is_some_and(|v| !v.is_empty()) {
                    found.insert(view.clone(), result["serious"].clone());
                }
                if result["lesser"].as_array().is_some_and(|v| !v.is_empty()) {
                    eprintln!(
                        "axe-core, moderate or minor on {view}: {}",
                        result["lesser"]
                    );
                }
            }
        }
    }
    eprintln!("axe-core on 24 page views in {:?}", started.elapsed());
    assert!(found.is_empty(), "axe-core: {:#}", json!(found));
}

/// The focused element: where it is and whether a focus ring is drawn around it.
const FOCUSED: &str = r#"(() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    text: (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 30),
    hreflang: e.getAttribute('hreflang') || '',
    switcher: !!e.closest('.language-switcher'),
    menu: !!e.closest('.site-nav'),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
  };
})()"#;

/// Presses Tab until the focus is on an element `wanted` accepts (at most 25 times); returns
/// every element focused on the way.
fn tab_until(browser: &mut Browser, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..25 {
        browser.press("Tab");
        let focused = browser.eval(FOCUSED);
        let done = wanted(&focused);
        seen.push(focused);
        if done {
            break;
        }
    }
    seen
}

#[test]
fn keyboard_reaches_the_language_switcher_and_the_menu_with_a_visible_focus() {
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    for width in [1280, 390] {
        browser.viewport(width, 900);
        browser.open(&server.url(&format!("/ja/{SEED}/")));
        let seen = tab_until(&mut browser, |f| f["menu"] == true);
        let order: Vec<_> = seen
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["tag"].as_str().unwrap_or_default(),
                    f["text"].as_str().unwrap_or_default()
                )
            })
            .collect();
        eprintln!("Tab order at {width} px: {order:?}");
        let at = format!("at {width} px, Tab went through {seen:#?}");
        assert!(
            seen.iter().any(|f| f["switcher"] == true),
            "switcher not reached {at}"
        );
        assert!(
            seen.last().is_some_and(|f| f["menu"] == true),
            "menu not reached {at}"
        );
        assert!(
            seen.iter().all(|f| f["ring"] == true),
            "a focus without a ring {at}"
        );
        assert_eq!(
            seen[0]["text"], "本文へ移動",
            "the skip link comes first {at}"
        );
    }
    // Enter on the switcher's English link opens the English release.
    browser.open(&server.url(&format!("/ja/{SEED}/")));
    tab_until(&mut browser, |f| f["hreflang"] == "en");
    browser.navigate_by_key("Enter");
    let here = browser.eval(WHERE);
    assert_eq!(here["path"], format!("/en/{SEED}/"), "{here}");
}

/// The fonts Chromium drew the first element matching `css` with (DevTools
/// `CSS.getPlatformFontsForNode`), e.g. `["Noto Sans CJK JP"]`.
fn fonts_of(browser: &mut Browser, css: &str) -> Vec<String> {
    let document = browser.call("DOM.getDocument", json!({"depth": 0}));
    let node = browser.call(
        "DOM.querySelector",
        json!({"nodeId": document["root"]["nodeId"], "selector": css}),
    );
    let fonts = browser.call(
        "CSS.getPlatformFontsForNode",
        json!({"nodeId": node["nodeId"]}),
    );
    fonts["fonts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["familyName"].as_str().map(String::from))
        .collect()
}

#[test]
fn release_page_screenshots_in_three_languages_at_two_widths() {
    let Some(mut browser) = browser() else { return };
    let server = Server::start(&shipped().output, "/");
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-screens");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    eprintln!("screenshots of the release page go to {}", folder.display());
    browser.call("DOM.enable", json!({}));
    browser.call("CSS.enable", json!({}));
    // Japanese and Chinese headings are drawn with the font for their language (Noto CJK
    // JP and SC from fonts-noto-cjk), not with boxes or the other language's glyphs.
    for (code, script) in [("ja", "JP"), ("en", ""), ("zh", "SC")] {
        for width in [390, 1280] {
            browser.viewport(width, 900);
            browser.open(&server.url(&format!("/{code}/{SEED}/")));
            browser.eval("document.fonts.ready.then(() => true)");
            let fonts = fonts_of(&mut browser, "h1");
            if !script.is_empty() {
                assert!(
                    fonts
                        .iter()
                        .any(|f| f.contains("CJK") && f.ends_with(script)),
                    "/{code}/ h1 drawn with {fonts:?} (apt-get install fonts-noto-cjk)"
                );
            }
            let width_seen = browser.eval("document.documentElement.scrollWidth");
            assert_eq!(
                width_seen,
                json!(width),
                "/{code}/ scrolls sideways at {width} px"
            );
            // The first screen as a reader sees it, then the whole page.
            let top = folder.join(format!("release-{code}-{width}-top.png"));
            std::fs::write(&top, browser.screenshot_viewport()).expect("write the screenshot");
            let file = folder.join(format!("release-{code}-{width}.png"));
            std::fs::write(&file, browser.screenshot()).expect("write the screenshot");
            eprintln!("/{code}/ at {width} px: h1 drawn with {fonts:?}");
        }
    }
}
