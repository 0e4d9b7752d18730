//! Search in a real browser: the shipped site's search index, served from a loopback server
//! and queried in headless Chromium through the search page (`/<lang>/search/?q=…`), in
//! Japanese, Chinese and English; and the same under a subpath base URL. Screenshots of the
//! results at 390 and 1280 px wide go to target/tmp/search-screens/.
#![cfg(feature = "search")]

use crate::browser;
use crate::support;

use std::path::PathBuf;
use std::sync::OnceLock;

use browser::{chromium_available, Browser, Server};
use serde_json::Value;
use support::{build_shipped_site, unwrap_report, ShippedBuild, SiteFixture};

const HOSTILE: &str = "</script><img src=x onerror=alert(1)> & <b>'q'";

const SEED: &str = "releases/2020-05-13-alibaba-foundation-masks-protective-suits";

/// The shipped site, built once for every test of this file.
fn shipped() -> &'static ShippedBuild {
    static BUILT: OnceLock<ShippedBuild> = OnceLock::new();
    BUILT.get_or_init(build_shipped_site)
}

/// `q` for a URL query: every byte but the unreserved ones percent-encoded (RFC 3986 §2.3).
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Waits for the search page to finish and reads what it shows.
const READ_RESULTS: &str = r#"(async () => {
  const until = Date.now() + 30000;
  const page = document.querySelector('.search-page');
  while (Date.now() < until) {
    const state = page && page.dataset.state;
    if (state === 'done' || state === 'error') break;
    await new Promise(r => setTimeout(r, 50));
  }
  return {
    state: page ? page.dataset.state || '' : 'no search page',
    status: document.querySelector('.search-status').textContent,
    input: document.querySelector('#search-q').value,
    results: [...document.querySelectorAll('.search-result')].map(li => ({
      title: li.querySelector('.search-result-title').textContent,
      url: li.querySelector('.search-result-title').getAttribute('href'),
      section: (li.querySelector('.search-result-section') || {}).textContent || '',
      date: (li.querySelector('.search-result-date') || {}).textContent || '',
      excerpt: li.querySelector('.search-result-excerpt').textContent,
      marks: [...li.querySelectorAll('.search-result-excerpt mark')].map(m => m.textContent),
      other: [...li.querySelectorAll('.search-result-excerpt *')].filter(e => e.tagName !== 'MARK').length,
    })),
  };
})()"#;

fn search(browser: &mut Browser, server: &Server, path: &str, query: &str) -> Value {
    browser.open(&server.url(&format!("{path}?q={}", encode(query))));
    browser.eval(READ_RESULTS)
}

fn titles(found: &Value) -> Vec<String> {
    found["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["title"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// (language, query, title that must be among the results, its section, its date).
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "ja",
        "防護服",
        "アリババ創業者 ジャック・マー氏が再び物資支援",
        "プレスリリース",
        "2020年5月13日（水）",
    ),
    (
        "ja",
        "マスク",
        "アリババ創業者 ジャック・マー氏が再び物資支援",
        "プレスリリース",
        "2020年5月13日（水）",
    ),
    (
        "zh",
        "口罩",
        "阿里巴巴创始人马云再次捐赠医疗物资",
        "新闻稿",
        "2020年5月13日",
    ),
    (
        "zh",
        "防护服",
        "阿里巴巴创始人马云再次捐赠医疗物资",
        "新闻稿",
        "2020年5月13日",
    ),
    (
        "en",
        "masks",
        "Alibaba founder Jack Ma sends medical supplies again",
        "Press releases",
        "13 May 2020",
    ),
    (
        "en",
        "\"protective suits\"",
        "Alibaba founder Jack Ma sends medical supplies again",
        "Press releases",
        "13 May 2020",
    ),
    ("ja", "ECMO", "体外式膜型人工肺（ECMO）", "", ""),
    ("en", "ECMO", "ECMO Support", "", ""),
    ("ja", "人工肝", "人工肝補助療法の看護", "", ""),
    ("zh", "人工肝", "人工肝护理", "", ""),
    ("zh", "恢复期血浆", "康复者血浆治疗", "", ""),
];

#[test]
fn japanese_chinese_and_english_queries_find_the_release_and_the_chapters() {
    if !chromium_available() {
        return;
    }
    let site = shipped();
    let server = Server::start(&site.output, "/");
    let mut browser = Browser::launch();
    browser.viewport(1280, 900);
    for &(lang, query, title, section, date) in CASES {
        let found = search(&mut browser, &server, &format!("/{lang}/search/"), query);
        let context = format!("{lang} `{query}`: {found:#}");
        assert_eq!(found["state"], "done", "{context}");
        assert_eq!(
            found["input"], query,
            "the box shows the query read from the URL; {context}"
        );
        let results = found["results"].as_array().expect("results");
        let hit = results
            .iter()
            .find(|r| r["title"] == title)
            .unwrap_or_else(|| panic!("`{title}` is not among {:?}; {context}", titles(&found)));
        let url = hit["url"].as_str().unwrap_or_default();
        assert!(url.starts_with(&format!("/{lang}/")), "{context}");
        if !section.is_empty() {
            assert_eq!(hit["section"], section, "{context}");
            assert_eq!(hit["date"], date, "{context}");
            assert!(url.ends_with(&format!("{SEED}/")), "{context}");
        } else {
            assert!(url.contains("/handbook/"), "{context}");
            assert!(
                !hit["section"].as_str().unwrap_or_default().is_empty(),
                "the book is named; {context}"
            );
        }
        let marks: Vec<&str> = hit["marks"]
            .as_array()
            .expect("marks")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            !marks.is_empty(),
            "the snippet highlights the match; {context}"
        );
        assert_eq!(
            hit["other"], 0,
            "only <mark> elements in the snippet; {context}"
        );
        let status = found["status"].as_str().unwrap_or_default();
        let bare = query.trim_matches('"');
        assert!(
            status.contains(bare),
            "the status names the query; {context}"
        );
        // Only this language's pages.
        for r in results {
            assert!(
                r["url"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(&format!("/{lang}/")),
                "{context}"
            );
        }
    }
}

#[test]
fn an_unknown_word_says_nothing_was_found_in_the_readers_language() {
    if !chromium_available() {
        return;
    }
    let site = shipped();
    let server = Server::start(&site.output, "/");
    let mut browser = Browser::launch();
    for (lang, expected) in [
        ("ja", "見つかりませんでした"),
        ("en", "Nothing matches"),
        ("zh", "没有找到"),
    ] {
        // `$&` would be a replacement pattern if the query were put into the message naively.
        let found = search(
            &mut browser,
            &server,
            &format!("/{lang}/search/"),
            "zzqxjv$&",
        );
        assert_eq!(
            found["results"].as_array().map(Vec::len),
            Some(0),
            "{found:#}"
        );
        assert!(
            found["status"]
                .as_str()
                .unwrap_or_default()
                .contains(expected),
            "{found:#}"
        );
        assert!(
            found["status"]
                .as_str()
                .unwrap_or_default()
                .contains("zzqxjv$&"),
            "the query is shown as typed: {found:#}"
        );
    }
}

#[test]
fn screenshots_of_results_in_three_languages_at_two_widths() {
    if !chromium_available() {
        return;
    }
    let site = shipped();
    let server = Server::start(&site.output, "/");
    let mut browser = Browser::launch();
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("search-screens");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    for (lang, query) in [("ja", "防護服"), ("en", "masks"), ("zh", "口罩")] {
        for width in [390, 1280] {
            browser.viewport(width, 900);
            let found = search(&mut browser, &server, &format!("/{lang}/search/"), query);
            assert!(!titles(&found).is_empty(), "{lang}: {found:#}");
            let png = browser.screenshot();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
            let width_in_png = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
            assert_eq!(
                width_in_png, width,
                "the page fits the viewport without scrolling sideways"
            );
            let file = folder.join(format!("search-{lang}-{width}.png"));
            std::fs::write(&file, png).expect("write screenshot");
            eprintln!("screenshot: {}", file.display());
        }
    }
}

#[test]
fn search_works_under_a_subpath_base_url() {
    if !chromium_available() {
        return;
    }
    let site = SiteFixture::new();
    site.write(
        "content/releases/2020-06-01-gowns/index.ja.md",
        "+++\ntitle = \"医療用ガウンの寄贈\"\ndate = 2020-06-01\n+++\n\n病院に防護服とガウンを届けました。\n",
    );
    site.write(
        "content/releases/2020-06-02-hostile/index.ja.md",
        &format!("+++\ntitle = '''{HOSTILE}'''\ndate = 2020-06-02\n+++\n\n題名の検証です。<b>太字</b>も含みます。\n"),
    );
    unwrap_report(site.build_with(|o| o.base_url = Some("https://example.org/ngmo/".into())));
    let server = Server::start(&site.output(), "/ngmo/");
    let mut browser = Browser::launch();
    let found = search(&mut browser, &server, "/ngmo/ja/search/", "防護服");
    assert_eq!(titles(&found), ["医療用ガウンの寄贈"], "{found:#}");
    assert_eq!(
        found["results"][0]["url"], "/ngmo/ja/releases/2020-06-01-gowns/",
        "{found:#}"
    );
    // Switching language keeps the query.
    let english = browser
        .eval("document.querySelector('.language-switcher a[hreflang=en]').getAttribute('href')");
    assert_eq!(english, format!("/ngmo/en/search/?q={}", encode("防護服")));
    // A hostile title is shown as text, and the snippet holds nothing but text and marks.
    let found = search(&mut browser, &server, "/ngmo/ja/search/", "検証");
    assert_eq!(titles(&found), [HOSTILE], "{found:#}");
    assert_eq!(found["results"][0]["other"], 0, "{found:#}");
    let injected = browser.eval("document.querySelectorAll('.search-results script, .search-results img, .search-results b').length");
    assert_eq!(injected, 0);
    // The page it links to is there.
    let (status, _) = browser::http_get(server.port, "/ngmo/ja/releases/2020-06-01-gowns/");
    assert_eq!(status, 200);
    // The header's search box on any page leads to the search page with the query.
    browser.open(&server.url("/ngmo/ja/"));
    let action = browser.eval("document.querySelector('form.site-search').action");
    assert_eq!(action, server.url("/ngmo/ja/search/"));
    let method = browser.eval("document.querySelector('form.site-search').method + ' ' + document.querySelector('form.site-search input[type=search]').name");
    assert_eq!(method, "get q");
}

/// Measures what one query downloads from a built site (BENCHMARKS.md): run with
/// `KOHO_BENCH_SITE=<output folder> cargo test --release --test search -- --ignored --nocapture`.
/// Prints, per query, the bytes of every file the page fetched: index files and result pages.
#[test]
#[ignore]
fn bytes_downloaded_for_one_query() {
    let Ok(output) = std::env::var("KOHO_BENCH_SITE") else {
        eprintln!("SKIPPED: set KOHO_BENCH_SITE to a built site's output folder");
        return;
    };
    if !chromium_available() {
        return;
    }
    let server = Server::start(std::path::Path::new(&output), "/");
    let mut browser = Browser::launch();
    for (lang, query) in [
        ("ja", "マスク"),
        ("ja", "第1234号"),
        ("zh", "口罩"),
        ("en", "masks"),
        ("en", "\"release 1234\""),
    ] {
        server.take_served();
        let found = search(&mut browser, &server, &format!("/{lang}/search/"), query);
        let served = server.take_served();
        let total: u64 = served.values().sum();
        let index: u64 = served
            .iter()
            .filter(|(p, _)| p.contains("/search-index/"))
            .map(|(_, b)| *b)
            .sum();
        eprintln!(
            "{lang} {query}: {} results shown, {}; {} files, {total} bytes ({index} of the index, the rest the page, its script and style, and result pages for snippets)",
            found["results"].as_array().map_or(0, Vec::len),
            found["status"],
            served.len(),
        );
        for (path, bytes) in &served {
            eprintln!("    {bytes:>9}  {path}");
        }
    }
}
