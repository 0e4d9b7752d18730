//! Safe output (issue 12): raw HTML in Markdown passes, is escaped or is removed as
//! `[security] raw_html` says; pages carry the Content-Security-Policy of site.toml.

use crate::support;

use support::*;

const PAGE_JA: &str = "content/releases/2020-05-13-first/index.ja.md";
const RELEASE_JA: &str = "ja/releases/2020-05-13-first/index.html";

/// A release whose body holds raw HTML an untrusted author might write.
fn hostile_release(site: &SiteFixture) {
    site.write(
        PAGE_JA,
        "+++\ntitle = \"題\"\ndate = 2020-05-13\n+++\n\n\
         <div class=\"raw\" onclick=\"steal()\">ブロック</div>\n\n\
         本文 <span class=\"raw\" onmouseover=\"steal()\">インライン</span>\
         <script>steal()</script><img src=x onerror=steal()>\n",
    );
}

/// `[security]` appended to the fixture's site.toml.
fn security(site: &SiteFixture, lines: &str) {
    let toml = site.read("site.toml");
    site.write("site.toml", &format!("{toml}\n[security]\n{lines}\n"));
}

/// The body of the release page (the theme's `.prose`), parsed.
fn body_of(site: &SiteFixture) -> (Page, String) {
    let page = site.page(RELEASE_JA);
    let body = page.one(".release-body").html();
    (page, body)
}

/// Asserts that nothing the author wrote became markup that runs script.
fn assert_no_author_markup(page: &Page) {
    assert!(page.select(".release-body .raw").is_empty());
    assert!(page.select(".release-body script").is_empty());
    assert!(page.select(".release-body img").is_empty());
    for element in page.select(".release-body *") {
        assert!(
            element
                .value()
                .attrs()
                .all(|(name, _)| !name.starts_with("on")),
            "{}",
            element.html()
        );
    }
}

#[test]
fn raw_html_passes_by_default_for_trusted_authors() {
    let site = SiteFixture::new();
    hostile_release(&site);
    site.build_ok();
    let (page, _) = body_of(&site);
    assert_eq!(page.select(".release-body div.raw").len(), 1);
    assert_eq!(page.select(".release-body span.raw").len(), 1);
    assert_eq!(page.select(".release-body script").len(), 1);
}

#[test]
fn raw_html_escape_shows_it_as_text() {
    let site = SiteFixture::new();
    hostile_release(&site);
    security(&site, "raw_html = \"escape\"");
    site.build_ok();
    let (page, _) = body_of(&site);
    assert_no_author_markup(&page);
    let text = page.text(".release-body");
    for shown in [
        "<div class=\"raw\" onclick=\"steal()\">",
        "<script>steal()</script>",
        "ブロック",
        "インライン",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
}

#[test]
fn raw_html_remove_leaves_it_out_and_keeps_the_text_between_inline_tags() {
    let site = SiteFixture::new();
    hostile_release(&site);
    security(&site, "raw_html = \"remove\"");
    site.build_ok();
    let (page, body) = body_of(&site);
    assert_no_author_markup(&page);
    assert!(!body.contains("raw"), "{body}");
    let text = page.text(".release-body");
    // An HTML block is one piece of HTML (CommonMark §4.6): it goes whole. Between inline
    // tags the text is Markdown, and stays.
    assert!(!text.contains("ブロック"), "{text}");
    assert!(text.contains("本文 インライン"), "{text}");
    assert!(!text.contains("steal()"), "{text}");
}

#[test]
fn a_javascript_link_is_an_error_where_raw_html_is_not_allowed() {
    let site = SiteFixture::new();
    site.write(
        PAGE_JA,
        "+++\ntitle = \"題\"\ndate = 2020-05-13\n+++\n\n本文\n\n[押す](javascript:steal())\n",
    );
    security(&site, "raw_html = \"escape\"");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, PAGE_JA);
    assert!(error.message.contains("`javascript:`"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(8), "{error}");
}

#[test]
fn an_unknown_raw_html_value_names_site_toml_and_line() {
    let site = SiteFixture::new();
    security(&site, "raw_html = \"sanitize\"");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "site.toml");
    assert!(error.message.contains("\"sanitize\""), "{error}");
    let toml = site.read("site.toml");
    let line = toml
        .lines()
        .position(|l| l.starts_with("raw_html"))
        .unwrap()
        + 1;
    assert_eq!(error.location.as_ref().unwrap().line, Some(line), "{error}");
}

/// The policy meta of a page, if any.
fn policy(page: &Page) -> Option<String> {
    let found = page.select("meta[http-equiv=\"Content-Security-Policy\"]");
    assert!(found.len() <= 1);
    found
        .first()
        .and_then(|m| m.value().attr("content").map(String::from))
}

#[test]
fn pages_carry_the_default_policy_or_the_one_of_site_toml() {
    let site = SiteFixture::new();
    site.build_ok();
    for path in [RELEASE_JA, "index.html", "ja/404.html", "404.html"] {
        assert_eq!(
            policy(&site.page(path)).as_deref(),
            Some(koho::config::DEFAULT_CSP),
            "{path}"
        );
    }
    security(
        &site,
        "content_security_policy = \"default-src 'self'; img-src *\"",
    );
    site.build_ok();
    assert_eq!(
        policy(&site.page(RELEASE_JA)).as_deref(),
        Some("default-src 'self'; img-src *")
    );
}

#[test]
fn an_empty_policy_turns_it_off_and_a_bad_one_is_an_error() {
    let site = SiteFixture::new();
    security(&site, "content_security_policy = \"\"");
    site.build_ok();
    assert_eq!(policy(&site.page(RELEASE_JA)), None);
    let toml = site.read("site.toml");
    site.write(
        "site.toml",
        &toml.replace(
            "content_security_policy = \"\"",
            "content_security_policy = \"default-src\\n'self'\"",
        ),
    );
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "site.toml");
    assert!(error.message.contains("printable ASCII"), "{error}");
}
