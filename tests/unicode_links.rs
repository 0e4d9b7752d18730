//! Unicode forms and URLs, links and anchors (issue 8): names in NFD (macOS, zip archives) and
//! links in NFC meet; link destinations are percent-decoded before the file is looked up;
//! every URL koho generates is percent-encoded by one rule; every `#anchor` is checked against
//! the ids of the page it lands on, with the file and line of the link.

use crate::support;

use std::path::Path;

use support::*;

const SECOND: &str = "releases/2020-04-01-second";

/// ガイドブック as macOS writes it: every voiced kana as base + U+3099.
const GUIDEBOOK_NFD: &str =
    "\u{30AB}\u{3099}\u{30A4}\u{30C8}\u{3099}\u{30D5}\u{3099}\u{30C3}\u{30AF}";
const GUIDEBOOK_NFC: &str = "ガイドブック";
/// `ガイドブック` percent-encoded (UTF-8 of the NFC form).
const GUIDEBOOK_URL: &str = "%E3%82%AC%E3%82%A4%E3%83%89%E3%83%96%E3%83%83%E3%82%AF";

fn write_release(site: &SiteFixture, key: &str, lang: &str, title: &str, body: &str) {
    site.write(
        &format!("content/{key}/index.{lang}.md"),
        &format!("+++\ntitle = \"{title}\"\ndate = 2020-04-01\n+++\n\n{body}\n"),
    );
}

/// Every file and folder name under `dir`, relative, `/`-separated.
fn names(dir: &Path) -> Vec<String> {
    walk(dir, dir)
}

fn walk(root: &Path, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let relative = path
            .strip_prefix(root)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            out.extend(walk(root, &path));
        }
        out.push(relative);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Unicode forms
// ---------------------------------------------------------------------------------------------

#[test]
fn nfd_folder_linked_in_nfc_resolves_and_its_url_is_nfc() {
    let site = SiteFixture::new();
    site.write(
        &format!("content/{GUIDEBOOK_NFD}/index.ja.md"),
        "+++\ntitle = \"ガイドブック\"\n+++\n\n本文\n",
    );
    write_release(
        &site,
        RELEASE,
        "ja",
        "first-ja",
        &format!("[案内](@/{GUIDEBOOK_NFC}/index.md)"),
    );
    site.build_ok();
    let page = site.page(&format!("ja/{RELEASE}/index.html"));
    assert_eq!(
        page.attrs(".release-body a", "href"),
        [format!("/ja/{GUIDEBOOK_URL}/")]
    );
    // Published under the NFC name, and no name of the output is NFD.
    assert!(site.exists(&format!("ja/{GUIDEBOOK_NFC}/index.html")));
    let guide = site.page(&format!("ja/{GUIDEBOOK_NFC}/index.html"));
    assert_eq!(
        guide.attr("link[rel=canonical]", "href"),
        format!("https://example.org/ja/{GUIDEBOOK_URL}/")
    );
    for name in names(&site.output()) {
        assert!(!name.contains('\u{3099}'), "`{name}` was written in NFD");
    }
}

#[test]
fn nfd_file_names_of_images_are_found_by_nfc_links() {
    let site = SiteFixture::new();
    // 図 has no decomposition; ガ does.
    site.write_bytes(
        &format!("content/{RELEASE}/\u{30AB}\u{3099}.svg"),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    write_release(&site, RELEASE, "ja", "first-ja", "![図](ガ.svg)");
    site.build_ok();
    let src = site
        .page(&format!("ja/{RELEASE}/index.html"))
        .attr(".release-body img", "src");
    assert_eq!(src, format!("/ja/{RELEASE}/%E3%82%AC.svg"));
    assert!(site.exists(&file_for(&src)));
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding: destinations decoded, URLs encoded by one rule
// ---------------------------------------------------------------------------------------------

#[test]
fn percent_encoded_image_destination_finds_the_file_with_a_space() {
    let site = SiteFixture::new();
    site.write_bytes(
        &format!("content/{RELEASE}/支援物資 写真.svg"),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    for lang in ["ja", "en", "zh"] {
        write_release(
            &site,
            RELEASE,
            lang,
            &format!("first-{lang}"),
            "![支援物資](支援物資%20写真.svg) [写真](<支援物資 写真.svg>)",
        );
    }
    site.build_ok();
    let page = site.page(&format!("ja/{RELEASE}/index.html"));
    let expected =
        format!("/ja/{RELEASE}/%E6%94%AF%E6%8F%B4%E7%89%A9%E8%B3%87%20%E5%86%99%E7%9C%9F.svg");
    assert_eq!(page.attr(".release-body img", "src"), expected);
    assert_eq!(page.attr(".release-body a", "href"), expected);
    assert!(site.exists(&format!("ja/{RELEASE}/支援物資 写真.svg")));
    assert!(site.exists(&file_for(&expected)));
}

#[test]
fn a_destination_that_is_not_utf8_after_decoding_is_an_error_with_its_line() {
    let site = SiteFixture::new();
    write_release(&site, RELEASE, "ja", "first-ja", "本文\n\n![x](%FF%FE.svg)");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, &format!("content/{RELEASE}/index.ja.md"));
    assert_eq!(error.location.as_ref().and_then(|l| l.line), Some(8));
    assert!(error.message.contains("not UTF-8"), "{error}");
}

/// `100% 達成` as every generated URL writes it.
const ACHIEVED: &str = "100%25%20%E9%81%94%E6%88%90";

#[test]
fn generated_urls_are_percent_encoded_like_markdown_links() {
    let site = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        write_release(
            &site,
            "releases/100% 達成",
            lang,
            &format!("achieved-{lang}"),
            "本文",
        );
        write_release(
            &site,
            SECOND,
            lang,
            &format!("second-{lang}"),
            "[a](<@/releases/100% 達成/index.md>) [b](@/releases/100%25%20達成/index.md)",
        );
    }
    // A slug is encoded the same way.
    site.write(
        "content/releases/2020-06-01-slug/index.ja.md",
        "+++\ntitle = \"スラッグ\"\ndate = 2020-06-01\nslug = \"支援 物資\"\n+++\n\n本文\n",
    );
    site.build_ok();
    let url = format!("/ja/releases/{ACHIEVED}/");
    assert!(site.exists("ja/releases/100% 達成/index.html"));
    // Markdown links, written decoded or encoded.
    let second = site.page(&format!("ja/{SECOND}/index.html"));
    assert_eq!(
        second.attrs(".release-body a", "href"),
        [url.clone(), url.clone()]
    );
    // The section's list, the page's canonical URL, hreflang alternates, the switcher.
    let list = site.page("ja/releases/index.html");
    assert!(
        list.links().contains(&url),
        "the release list links {:?}",
        list.links()
    );
    let page = site.page("ja/releases/100% 達成/index.html");
    assert_eq!(
        page.attr("link[rel=canonical]", "href"),
        format!("https://example.org{url}")
    );
    let alternates = page.attrs("link[rel=alternate]", "href");
    for lang in ["ja", "en", "zh"] {
        let expected = format!("https://example.org/{lang}/releases/{ACHIEVED}/");
        assert!(alternates.contains(&expected), "{alternates:?}");
        if lang != "ja" {
            let switcher = page.attrs(
                &format!(".language-switcher a[hreflang=\"{}\"]", tag(lang)),
                "href",
            );
            assert_eq!(switcher, [format!("/{lang}/releases/{ACHIEVED}/")]);
        }
    }
    // Every href and src the page has is ASCII: one rule for every URL.
    for link in page.links().iter().chain(list.links().iter()) {
        assert!(link.is_ascii(), "`{link}` is not percent-encoded");
    }
    let slug_url = "/ja/releases/%E6%94%AF%E6%8F%B4%20%E7%89%A9%E8%B3%87/";
    assert!(
        list.links().iter().any(|l| l == slug_url),
        "{:?}",
        list.links()
    );
    assert!(site.exists("ja/releases/支援 物資/index.html"));
}

fn tag(lang: &str) -> &str {
    if lang == "zh" {
        "zh-Hans"
    } else {
        lang
    }
}

#[test]
fn a_base_path_is_encoded_once_however_it_is_written() {
    let site = SiteFixture::new();
    for base in [
        "https://example.org/日本/",
        "https://example.org/%E6%97%A5%E6%9C%AC/",
    ] {
        unwrap_report(site.build_with(|o| o.base_url = Some(base.into())));
        let page = site.page(&format!("ja/{RELEASE}/index.html"));
        assert_eq!(
            page.attr("link[rel=canonical]", "href"),
            format!("https://example.org/%E6%97%A5%E6%9C%AC/ja/{RELEASE}/")
        );
        let css: Vec<String> = page.attrs("link[rel=stylesheet]", "href");
        assert!(
            css.iter()
                .all(|h| h.starts_with("/%E6%97%A5%E6%9C%AC/css/")),
            "{css:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Anchors
// ---------------------------------------------------------------------------------------------

/// An about page in ja and en whose headings differ by language, and a release per language
/// that links `body` (the same in every language).
fn about_site(body: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.write(
        "content/about/index.ja.md",
        "+++\ntitle = \"法人概要\"\n+++\n\n## 沿革\n\n2015年設立\n\n## 背景と経緯\n\n本文\n",
    );
    site.write(
        "content/about/index.en.md",
        "+++\ntitle = \"About\"\n+++\n\n## History\n\nFounded in 2015.\n\n## Background\n\nText.\n",
    );
    for lang in ["ja", "en"] {
        write_release(&site, RELEASE, lang, &format!("first-{lang}"), body);
    }
    site
}

#[test]
fn an_anchor_the_target_language_lacks_is_an_error_listing_its_ids() {
    // Line 6 of each release file holds the link (front matter 4 lines, a blank line).
    let site = about_site("[沿革](@/about/index.md#沿革)");
    let diagnostics = site.build_errors();
    let english = error_in(&diagnostics, &format!("content/{RELEASE}/index.en.md"));
    let location = english.location.as_ref().expect("location");
    assert_eq!(location.line, Some(6));
    let shown = english.to_string();
    assert!(
        shown.contains("#沿革") && shown.contains("content/about/index.en.md"),
        "{shown}"
    );
    assert!(
        shown.contains("history") && shown.contains("background"),
        "the error lists the ids the English page has: {shown}"
    );
    // The Japanese page has the heading: no error there.
    assert!(
        !diagnostics.iter().any(|d| d
            .location
            .as_ref()
            .is_some_and(|l| same_path(&l.path, &format!("content/{RELEASE}/index.ja.md")))),
        "{}",
        render(&diagnostics)
    );
}

#[test]
fn a_renamed_heading_breaks_links_from_other_pages() {
    // `背景` was the heading; it became `背景と経緯`.
    let site = about_site("[背景](@/about/index.ja.md#背景)");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, &format!("content/{RELEASE}/index.ja.md"));
    assert_eq!(error.location.as_ref().and_then(|l| l.line), Some(6));
    let shown = error.to_string();
    assert!(
        shown.contains("`背景`") && shown.contains("背景と経緯") && shown.contains("沿革"),
        "{shown}"
    );
}

#[test]
fn same_page_anchors_are_checked_too() {
    let site = SiteFixture::new();
    write_release(
        &site,
        RELEASE,
        "ja",
        "first-ja",
        "## 概要\n\n[上へ](#概要) [無効](#存在しない)",
    );
    let diagnostics = site.build_errors();
    let errors: Vec<_> = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", render(&diagnostics));
    let shown = errors[0].to_string();
    assert!(
        shown.contains(&format!("content/{RELEASE}/index.ja.md:8")),
        "{shown}"
    );
    assert!(
        shown.contains("#存在しない") && shown.contains("概要"),
        "{shown}"
    );
}

#[test]
fn valid_anchors_pass_whether_written_encoded_or_not() {
    let site = about_site(
        "[a](@/about/index.ja.md#沿革) [b](@/about/index.ja.md#%E6%B2%BF%E9%9D%A9) [c](@/about/index.md#main)",
    );
    // An id of raw HTML counts like a heading's.
    site.replace(
        "content/about/index.en.md",
        "Text.\n",
        "Text.\n\n<p id='連絡'>Contact</p>\n",
    );
    site.write(
        &format!("content/{RELEASE}/index.en.md"),
        "+++\ntitle = \"first-en\"\ndate = 2020-04-01\n+++\n\n[x](@/about/index.md#連絡) [y](@/about/index.md#history)\n",
    );
    site.build_ok();
    let ja = site.page(&format!("ja/{RELEASE}/index.html"));
    assert_eq!(
        ja.attrs(".release-body a", "href"),
        [
            "/ja/about/#%E6%B2%BF%E9%9D%A9",
            "/ja/about/#%E6%B2%BF%E9%9D%A9",
            "/ja/about/#main"
        ]
    );
    // Each lands on an element with that id.
    for (from, href) in [
        (&ja, "/ja/about/#%E6%B2%BF%E9%9D%A9"),
        (
            &site.page(&format!("en/{RELEASE}/index.html")),
            "/en/about/#history",
        ),
    ] {
        let (path, fragment) = href.split_once('#').expect("fragment");
        let target = site.page(&file_for(path));
        assert_eq!(
            target
                .select(&format!("[id=\"{}\"]", percent_decode(fragment)))
                .len(),
            1,
            "{}: {href}",
            from.path
        );
    }
}
