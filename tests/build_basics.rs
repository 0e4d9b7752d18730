//! What a successful build produces: URLs, languages, translations, dates, pagination,
//! headings, links, assets, base paths, escaping, determinism and extra languages.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use support::*;

const LANGS: [&str; 3] = ["ja", "en", "zh"];
const FIRST: &str = "releases/2020-05-13-first";
const SECOND: &str = "releases/2020-04-01-second";

/// Writes `content/<key>/index.<lang>.md` with a title, a date and a body.
fn write_page(site: &SiteFixture, key: &str, lang: &str, title: &str, date: &str, body: &str) {
    site.write(
        &format!("content/{key}/index.{lang}.md"),
        &format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\n\n{body}\n"),
    );
}

fn html_names(files: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    files
        .keys()
        .filter(|n| n.ends_with(".html"))
        .cloned()
        .collect()
}

/// The language switcher's link for `hreflang`: its href, its text (with any "not yet
/// available" note) and whether it is marked unavailable.
fn switcher(page: &Page, hreflang: &str) -> (String, String, bool) {
    let css = format!(".language-switcher a[hreflang=\"{hreflang}\"]");
    let link = page.one(&css);
    (
        link.value().attr("href").unwrap_or_default().to_string(),
        text(link),
        link.value().classes().any(|c| c == "unavailable"),
    )
}

#[test]
fn pretty_urls_put_each_page_in_its_own_folder() {
    let site = SiteFixture::new();
    // A page that is a single file, not a bundle folder, in Japanese only.
    site.write(
        "content/releases/2020-04-01-second.ja.md",
        "+++\ntitle = \"二本目\"\ndate = 2020-04-01\n+++\n\n本文\n",
    );
    // A page without language suffix is in the default language (ja).
    site.write(
        "content/about/index.md",
        "+++\ntitle = \"機構について\"\n+++\n\n本文\n",
    );
    site.build_ok();

    let expected: BTreeSet<String> = [
        "index.html",
        "ja/index.html",
        "en/index.html",
        "zh/index.html",
        "ja/releases/index.html",
        "en/releases/index.html",
        "zh/releases/index.html",
        "ja/releases/2020-05-13-first/index.html",
        "en/releases/2020-05-13-first/index.html",
        "zh/releases/2020-05-13-first/index.html",
        "ja/releases/2020-04-01-second/index.html",
        "ja/about/index.html",
        // The 404 pages (root and per language) and, with the `search` feature, search pages.
        "404.html",
        "ja/404.html",
        "en/404.html",
        "zh/404.html",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        ["ja", "en", "zh"]
            .iter()
            .filter(|_| cfg!(feature = "search"))
            .map(|lang| format!("{lang}/search/index.html")),
    )
    .collect();
    assert_eq!(html_names(&site.snapshot()), expected);

    // Lists link the folder, not the file.
    let list = site.page("ja/releases/index.html");
    let hrefs = list.attrs(".release-list a.release-title", "href");
    assert_eq!(
        hrefs,
        [
            "/ja/releases/2020-05-13-first/",
            "/ja/releases/2020-04-01-second/"
        ],
        "newest first, pretty URLs"
    );
    assert_eq!(site.page("ja/about/index.html").text("h1"), "機構について");
}

#[test]
fn html_lang_comes_from_the_language_tag() {
    let site = SiteFixture::new();
    site.build_ok();
    for (lang, tag) in [("ja", "ja"), ("en", "en"), ("zh", "zh-Hans")] {
        for file in [
            format!("{lang}/index.html"),
            format!("{lang}/releases/index.html"),
            format!("{lang}/{FIRST}/index.html"),
        ] {
            let page = site.page(&file);
            assert_eq!(page.attr("html", "lang"), tag, "{file}");
        }
        let release = site.page(&format!("{lang}/{FIRST}/index.html"));
        // The article is in the page's language: it carries no lang of its own.
        assert_eq!(release.one("article").value().attr("lang"), None);
        assert_eq!(
            release.attr(".language-switcher [aria-current]", "lang"),
            tag
        );
    }
    // The language-select page at the root is in the default language.
    assert_eq!(site.page("index.html").attr("html", "lang"), "ja");
}

#[test]
fn hreflang_alternates_list_existing_translations_and_x_default() {
    let site = SiteFixture::new();
    for lang in ["ja", "en"] {
        write_page(
            &site,
            SECOND,
            lang,
            &format!("second-{lang}"),
            "2020-04-01",
            "text",
        );
    }
    site.build_ok();

    let alternates = |file: &str| -> BTreeMap<String, String> {
        let page = site.page(file);
        page.select("link[rel=alternate][hreflang]")
            .iter()
            .map(|l| {
                (
                    l.value().attr("hreflang").unwrap().to_string(),
                    l.value().attr("href").unwrap().to_string(),
                )
            })
            .collect()
    };

    let full = alternates(&format!("en/{FIRST}/index.html"));
    let url = |lang: &str, key: &str| format!("https://example.org/{lang}/{key}/");
    let expected: BTreeMap<String, String> = [
        ("ja", url("ja", FIRST)),
        ("en", url("en", FIRST)),
        ("zh-Hans", url("zh", FIRST)),
        ("x-default", url("ja", FIRST)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(full, expected);

    // Without a Chinese translation there is no zh-Hans alternate, on either translation.
    for lang in ["ja", "en"] {
        let partial = alternates(&format!("{lang}/{SECOND}/index.html"));
        let expected: BTreeMap<String, String> = [
            ("ja", url("ja", SECOND)),
            ("en", url("en", SECOND)),
            ("x-default", url("ja", SECOND)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(partial, expected, "{lang}");
    }
    assert!(!site.exists(&format!("zh/{SECOND}/index.html")));

    // Every alternate and the canonical link point to a page that exists.
    let files = site.snapshot();
    for (name, text) in html_files(&files) {
        let page = Page::parse(name, &text);
        for href in page.attrs("link[rel=alternate], link[rel=canonical]", "href") {
            let path = href
                .strip_prefix("https://example.org")
                .unwrap_or_else(|| panic!("{name}: {href} is not under base_url"));
            assert!(
                files.contains_key(&file_for(path)),
                "{name}: {href} points nowhere"
            );
        }
    }
}

#[test]
fn language_switcher_links_translations_or_the_section_with_a_note() {
    let site = SiteFixture::new();
    for lang in ["ja", "en"] {
        write_page(
            &site,
            SECOND,
            lang,
            &format!("second-{lang}"),
            "2020-04-01",
            "text",
        );
    }
    // A section that exists only in Japanese, with one page.
    site.write(
        "content/news/_index.ja.md",
        "+++\ntitle = \"お知らせ\"\n+++\n",
    );
    site.write(
        "content/news/item.ja.md",
        "+++\ntitle = \"お知らせ1\"\n+++\n\n本文\n",
    );
    site.build_ok();

    let ja = site.page(&format!("ja/{SECOND}/index.html"));
    assert_eq!(ja.text(".language-switcher [aria-current]"), "日本語");
    let (href, label, unavailable) = switcher(&ja, "en");
    assert_eq!(
        (href.as_str(), label.as_str(), unavailable),
        ("/en/releases/2020-04-01-second/", "English", false)
    );
    let (href, label, unavailable) = switcher(&ja, "zh-Hans");
    assert_eq!(
        href, "/zh/releases/",
        "the missing translation links the zh section"
    );
    assert!(unavailable, "the missing translation is marked");
    assert!(label.contains("中文"), "{label}");
    assert!(label.contains("中国語版はまだありません"), "{label}");

    let en = site.page(&format!("en/{SECOND}/index.html"));
    let (href, label, unavailable) = switcher(&en, "zh-Hans");
    assert_eq!(href, "/zh/releases/");
    assert!(unavailable);
    assert!(label.contains("Not yet available in Chinese"), "{label}");
    let (href, _, unavailable) = switcher(&en, "ja");
    assert_eq!(
        (href.as_str(), unavailable),
        ("/ja/releases/2020-04-01-second/", false)
    );

    // Where the whole section is missing, the language's home is linked.
    let item = site.page("ja/news/item/index.html");
    for (tag, home) in [("en", "/en/"), ("zh-Hans", "/zh/")] {
        let (href, label, unavailable) = switcher(&item, tag);
        assert_eq!(href, home, "{tag}");
        assert!(
            unavailable && label.contains("版はまだありません"),
            "{label}"
        );
    }
    let news = site.page("ja/news/index.html");
    assert_eq!(switcher(&news, "en").0, "/en/");

    // No switcher link anywhere is dead.
    let files = site.snapshot();
    for (name, text) in html_files(&files) {
        let page = Page::parse(name, &text);
        for href in page.attrs(".language-switcher a, .footer-languages a", "href") {
            assert!(
                files.contains_key(&file_for(&href)),
                "{name}: switcher link {href} is dead"
            );
        }
    }
}

#[test]
fn fallback_mode_publishes_the_default_language_text_with_a_notice() {
    let site = SiteFixture::new();
    site.replace(
        "site.toml",
        "missing_translation = \"omit\"",
        "missing_translation = \"fallback\"",
    );
    write_page(
        &site,
        SECOND,
        "ja",
        "二本目の題",
        "2020-04-01",
        "日本語の本文です。",
    );
    site.build_ok();

    for (lang, tag, notice) in [
        ("zh", "zh-Hans", "本页尚无中文版，现以日语显示。"),
        (
            "en",
            "en",
            "This page is not yet available in English; it is shown in Japanese.",
        ),
    ] {
        let page = site.page(&format!("{lang}/{SECOND}/index.html"));
        assert_eq!(page.attr("html", "lang"), tag);
        assert_eq!(page.text(".fallback-notice"), notice);
        assert_eq!(page.text("h1"), "二本目の題");
        // Only the text is marked as Japanese; UI strings around it stay in the page's language
        // (tests/lang_marking.rs has the details).
        for css in ["h1", ".release-body"] {
            assert_eq!(
                page.attr(css, "lang"),
                "ja",
                "{css}: the text is marked as Japanese"
            );
        }
        assert_eq!(page.one("article").value().attr("lang"), None);
        assert_eq!(page.text(".release-body"), "日本語の本文です。");
        // The switcher links the fallback page itself: it exists.
        assert_eq!(switcher(&page, "ja").0, "/ja/releases/2020-04-01-second/");
    }
    let ja = site.page(&format!("ja/{SECOND}/index.html"));
    assert!(
        ja.select(".fallback-notice").is_empty(),
        "the original has no notice"
    );
    assert_eq!(
        switcher(&ja, "zh-Hans").0,
        "/zh/releases/2020-04-01-second/"
    );
    // A fallback is not a translation: no alternate for it.
    assert_eq!(
        ja.attrs("link[rel=alternate]", "hreflang"),
        ["ja", "x-default"]
    );
    // A translated page has no notice.
    assert!(site
        .page(&format!("zh/{FIRST}/index.html"))
        .select(".fallback-notice")
        .is_empty());
}

#[test]
fn omit_mode_does_not_publish_missing_translations() {
    let site = SiteFixture::new();
    write_page(&site, SECOND, "ja", "二本目", "2020-04-01", "本文");
    site.build_ok();
    assert!(site.exists(&format!("ja/{SECOND}/index.html")));
    assert!(!site.exists(&format!("en/{SECOND}/index.html")));
    assert!(!site.exists(&format!("zh/{SECOND}/index.html")));
    let en_list = site.page("en/releases/index.html");
    assert_eq!(
        en_list.attrs(".release-list a", "href"),
        ["/en/releases/2020-05-13-first/"]
    );
}

#[test]
fn dates_are_localized_inside_time_elements() {
    let site = SiteFixture::new();
    site.build_ok();
    for (lang, long) in [
        ("ja", "2020年5月13日（水）"),
        ("en", "13 May 2020"),
        ("zh", "2020年5月13日"),
    ] {
        for file in [
            format!("{lang}/{FIRST}/index.html"),
            format!("{lang}/releases/index.html"),
        ] {
            let page = site.page(&file);
            let times = page.select("time");
            assert_eq!(times.len(), 1, "{file}");
            assert_eq!(
                times[0].value().attr("datetime"),
                Some("2020-05-13"),
                "{file}"
            );
            assert_eq!(text(times[0]), long, "{file}");
        }
    }
    assert_eq!(
        site.page(&format!("en/{FIRST}/index.html"))
            .text(".release-dateline"),
        "TOKYO, 13 May 2020 —"
    );
}

#[test]
fn long_sections_are_paginated() {
    let site = SiteFixture::new();
    for lang in LANGS {
        site.replace(
            &format!("content/releases/_index.{lang}.md"),
            "paginate_by = 10",
            "paginate_by = 2",
        );
        for day in 1..=4 {
            write_page(
                &site,
                &format!("releases/2020-04-0{day}-r{day}"),
                lang,
                &format!("r{day}-{lang}"),
                &format!("2020-04-0{day}"),
                "text",
            );
        }
    }
    site.build_ok();

    for (lang, page_of) in [
        ("ja", "2 / 3 ページ"),
        ("en", "Page 2 of 3"),
        ("zh", "第2页，共3页"),
    ] {
        let first = site.page(&format!("{lang}/releases/index.html"));
        let second = site.page(&format!("{lang}/releases/page/2/index.html"));
        let third = site.page(&format!("{lang}/releases/page/3/index.html"));
        assert!(!site.exists(&format!("{lang}/releases/page/4/index.html")));

        let titles = |page: &Page| -> Vec<String> {
            page.select(".release-list a")
                .iter()
                .map(|a| text(*a))
                .collect()
        };
        assert_eq!(
            titles(&first),
            [format!("first-{lang}"), format!("r4-{lang}")]
        );
        assert_eq!(
            titles(&second),
            [format!("r3-{lang}"), format!("r2-{lang}")]
        );
        assert_eq!(titles(&third), [format!("r1-{lang}")]);

        assert!(first.select(".pagination a[rel=prev]").is_empty());
        assert_eq!(
            first.attr(".pagination a[rel=next]", "href"),
            format!("/{lang}/releases/page/2/")
        );
        assert_eq!(
            second.attr(".pagination a[rel=prev]", "href"),
            format!("/{lang}/releases/")
        );
        assert_eq!(
            second.attr(".pagination a[rel=next]", "href"),
            format!("/{lang}/releases/page/3/")
        );
        assert_eq!(
            third.attr(".pagination a[rel=prev]", "href"),
            format!("/{lang}/releases/page/2/")
        );
        assert!(third.select(".pagination a[rel=next]").is_empty());
        assert_eq!(second.text(".page-of"), page_of);
        assert_eq!(
            second.attr("html", "lang"),
            if lang == "zh" { "zh-Hans" } else { lang }
        );
    }
}

#[test]
fn a_long_list_links_its_first_last_and_nearby_pages_only() {
    let site = SiteFixture::new();
    site.replace(
        "content/releases/_index.en.md",
        "paginate_by = 10",
        "paginate_by = 1",
    );
    for day in 1..=8 {
        let key = format!("releases/2020-04-0{day}-r{day}");
        write_page(
            &site,
            &key,
            "en",
            &format!("r{day}"),
            &format!("2020-04-0{day}"),
            "text",
        );
    }
    site.build_ok();
    let pager = |number: usize| {
        let path = match number {
            1 => "en/releases/index.html".to_string(),
            n => format!("en/releases/page/{n}/index.html"),
        };
        let page = site.page(&path);
        let items: Vec<String> = page
            .select(".pager-numbers li")
            .iter()
            .map(|li| text(*li))
            .collect();
        let current = page.text(".pager-numbers [aria-current=page]");
        let hrefs = page.attrs(".pager-numbers a", "href");
        let labels = page.attrs(".pager-numbers a", "aria-label");
        (items, current, hrefs, labels)
    };
    let (items, current, hrefs, labels) = pager(6);
    assert_eq!(items, ["1", "…", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(current, "6");
    assert_eq!(hrefs[0], "/en/releases/");
    assert_eq!(hrefs[1], "/en/releases/page/4/");
    assert_eq!(hrefs.last().unwrap(), "/en/releases/page/9/");
    assert_eq!(labels[0], "Page 1");
    for href in &hrefs {
        let file = format!("{}index.html", href.trim_start_matches('/'));
        assert!(site.exists(&file), "{href} leads nowhere");
    }
    // A gap of a single page shows its number instead of "…".
    assert_eq!(pager(5).0, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(pager(1).0, ["1", "2", "3", "…", "9"]);
    assert_eq!(pager(9).0, ["1", "…", "7", "8", "9"]);
    assert_eq!(pager(3).0, ["1", "2", "3", "4", "5", "…", "9"]);
    assert_eq!(pager(7).0, ["1", "…", "5", "6", "7", "8", "9"]);
    assert!(!site.exists("en/releases/page/10/index.html"));
}

#[test]
fn short_sections_have_no_pagination() {
    let site = SiteFixture::new();
    site.build_ok();
    assert!(site
        .page("ja/releases/index.html")
        .select(".pagination")
        .is_empty());
    assert!(!site.exists("ja/releases/page/2/index.html"));
}

#[test]
fn heading_ids_keep_cjk_text_and_are_unique_in_the_body() {
    let site = SiteFixture::new();
    write_page(
        &site,
        FIRST,
        "ja",
        "見出し",
        "2020-05-13",
        "## 概要と背景\n\na\n\n## 概要と背景\n\nb\n\n## About NGMO!\n\n### 1.2 ECMO\n\n## ジャック・マー氏の貢献\n",
    );
    site.build_ok();
    let page = site.page(&format!("ja/{FIRST}/index.html"));
    let ids = page.attrs(".release-body h2, .release-body h3", "id");
    assert_eq!(
        ids,
        [
            "概要と背景",
            "概要と背景-1",
            "about-ngmo",
            "1-2-ecmo",
            "ジャック-マー氏の貢献"
        ]
    );
    // Each heading has an anchor to itself.
    for heading in page.select(".release-body h2, .release-body h3") {
        let id = heading.value().attr("id").unwrap();
        let anchor = heading
            .select(&scraper::Selector::parse("a").unwrap())
            .next()
            .expect("anchor");
        // Encoded like every URL koho writes: ASCII, decoding to the id.
        let href = anchor.value().attr("href").unwrap();
        assert!(href.is_ascii(), "{href}");
        assert_eq!(support::percent_decode(href), format!("#{id}"));
    }
    // Stable: a second build gives the same ids.
    let before = site.read_output(&format!("ja/{FIRST}/index.html"));
    site.build_ok();
    assert_eq!(site.read_output(&format!("ja/{FIRST}/index.html")), before);
}

#[test]
fn heading_ids_are_unique_in_the_whole_page() {
    let site = SiteFixture::new();
    site.write(
        "content/_fragments/profile.ja.md",
        "+++\ntitle = \"法人概要\"\n+++\n\n## 沿革\n\n2015年設立\n",
    );
    write_page(&site, FIRST, "ja", "題", "2020-05-13", "## 沿革\n\n本文\n");
    site.build_ok();
    let page = site.page(&format!("ja/{FIRST}/index.html"));
    let ids = page.attrs("[id]", "id");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "duplicate ids in one page: {ids:?}"
    );
}

#[test]
fn content_links_resolve_in_the_page_language() {
    let site = SiteFixture::new();
    for lang in LANGS {
        write_page(
            &site,
            SECOND,
            lang,
            &format!("second-{lang}"),
            "2020-04-01",
            "text\n\n## Part\n",
        );
        // Every `#anchor` must name an id of its page (checked like a page link).
        write_page(
            &site,
            FIRST,
            lang,
            &format!("first-{lang}"),
            "2020-05-13",
            "[a](@/releases/2020-04-01-second/index.md) [b](../2020-04-01-second/index.ja.md) \
             [c](@/releases/_index.md) [d](@/releases/2020-04-01-second/index.md#part) \
             [e](https://example.com/x) [f](#local) [g](@/only-ja/index.md) [h](@/_index.md)\n\n## Local\n",
        );
    }
    site.write(
        "content/only-ja/index.ja.md",
        "+++\ntitle = \"日本語だけ\"\n+++\n",
    );
    site.build_ok();
    for lang in LANGS {
        let page = site.page(&format!("{lang}/{FIRST}/index.html"));
        assert_eq!(
            page.attrs(".release-body p a", "href"),
            [
                format!("/{lang}/releases/2020-04-01-second/"),
                format!("/{lang}/releases/2020-04-01-second/"),
                format!("/{lang}/releases/"),
                format!("/{lang}/releases/2020-04-01-second/#part"),
                "https://example.com/x".to_string(),
                "#local".to_string(),
                // Not translated: the existing (default-language) page.
                "/ja/only-ja/".to_string(),
                format!("/{lang}/"),
            ],
            "{lang}"
        );
    }
}

#[test]
fn files_beside_a_page_are_published_with_it() {
    let site = SiteFixture::new();
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>\n";
    let pdf: &[u8] = b"%PDF-1.4\n\xff\xfe\x00binary\n";
    site.write(&format!("content/{FIRST}/photo.svg"), svg);
    site.write_bytes(&format!("content/{FIRST}/report.pdf"), pdf);
    for lang in LANGS {
        site.write(
            &format!("content/{FIRST}/index.{lang}.md"),
            &format!(
                "+++\ntitle = \"t-{lang}\"\ndate = 2020-05-13\n[extra]\nphoto = \"photo.svg\"\nphoto_caption = \"cap-{lang}\"\n+++\n\n\
                 ![inline-{lang}](photo.svg)\n\n[PDF](report.pdf)\n"
            ),
        );
    }
    site.build_ok();
    let files = site.snapshot();
    for lang in LANGS {
        let dir = format!("{lang}/{FIRST}");
        assert_eq!(files[&format!("{dir}/photo.svg")], svg.as_bytes(), "{lang}");
        assert_eq!(files[&format!("{dir}/report.pdf")], pdf, "{lang}");
        let page = site.page(&format!("{dir}/index.html"));
        assert_eq!(
            page.attr(".release-body img", "src"),
            format!("/{dir}/photo.svg")
        );
        assert_eq!(
            page.attr(".release-body img", "alt"),
            format!("inline-{lang}")
        );
        assert_eq!(
            page.attr(".release-body a", "href"),
            format!("/{dir}/report.pdf")
        );
        assert_eq!(page.attr("figure img", "src"), format!("/{dir}/photo.svg"));
        assert_eq!(page.text("figure figcaption"), format!("cap-{lang}"));
    }
    assert!(
        !files.keys().any(|name| name.ends_with(".md")),
        "no Markdown source is published"
    );
}

#[test]
fn the_root_page_links_each_language() {
    let site = SiteFixture::new();
    site.build_ok();
    let root = site.page("index.html");
    let links: Vec<(String, String, String)> = root
        .select(".language-choices a")
        .iter()
        .map(|a| {
            (
                a.value().attr("href").unwrap().to_string(),
                a.value().attr("hreflang").unwrap().to_string(),
                text(*a),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("/ja/".to_string(), "ja".to_string(), "日本語".to_string()),
            ("/en/".to_string(), "en".to_string(), "English".to_string()),
            (
                "/zh/".to_string(),
                "zh-Hans".to_string(),
                "中文".to_string()
            ),
        ]
    );
    for (href, _, _) in &links {
        assert!(site.exists(&file_for(href)), "{href}");
    }
    assert_eq!(
        root.attrs("link[rel=alternate]", "hreflang"),
        ["ja", "en", "zh-Hans", "x-default"]
    );
}

#[test]
fn a_base_url_with_a_subpath_prefixes_every_link() {
    let site = SiteFixture::new();
    site.write(
        &format!("content/{FIRST}/photo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    write_page(&site, SECOND, "ja", "二本目", "2020-04-01", "text");
    for lang in LANGS {
        site.write(
            &format!("content/{FIRST}/index.{lang}.md"),
            &format!(
                "+++\ntitle = \"t-{lang}\"\ndate = 2020-05-13\n[extra]\nphoto = \"photo.svg\"\n+++\n\n\
                 ![p](photo.svg) [s](@/releases/2020-04-01-second/index.md) [ext](https://example.com/) [top](#main)\n"
            ),
        );
    }
    let run = site.run_build(&["--base-url", "https://example.org/ngmo/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let files = site.snapshot();
    let mut checked = 0;
    for (name, text) in html_files(&files) {
        let page = Page::parse(name, &text);
        for link in page.links() {
            checked += 1;
            if link.starts_with('#') || link.starts_with("https://example.com/") {
                continue;
            }
            let path = link
                .strip_prefix("https://example.org/ngmo/")
                .or_else(|| link.strip_prefix("/ngmo/"))
                .unwrap_or_else(|| panic!("{name}: `{link}` is outside /ngmo/"));
            let target = file_for(&percent_decode(path));
            assert!(
                files.contains_key(&target),
                "{name}: `{link}` points to a missing file {target}"
            );
        }
    }
    assert!(checked > 100, "only {checked} links checked");
    // The language-select script (a file, no inline script) redirects under the base path too.
    let root = site.page("index.html");
    assert_eq!(root.attr("script", "src"), "/ngmo/js/language-select.js");
    assert_eq!(root.attr("script", "data-base"), "/ngmo/");
    assert!(files.contains_key("js/language-select.js"));
    assert_eq!(
        site.page(&format!("en/{FIRST}/index.html"))
            .attr("link[rel=canonical]", "href"),
        format!("https://example.org/ngmo/en/{FIRST}/")
    );
}

#[test]
fn front_matter_strings_are_html_escaped() {
    let site = SiteFixture::new();
    let title = "<script>alert(\"t\")</script> & <b>bold</b>";
    let description = "\"quoted\" <script>alert('d')</script>";
    let subtitle = "<img src=x onerror=alert(1)>";
    let caption = "<script>alert('c')</script>";
    let alt = "\"><script>alert('a')</script>";
    let section = "<script>alert('s')</script>リリース";
    let profile = "<script>alert('p')</script>";
    let toml = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    site.write(
        &format!("content/{FIRST}/photo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    site.write(
        &format!("content/{FIRST}/index.ja.md"),
        &format!(
            "+++\ntitle = \"{}\"\ndate = 2020-05-13\ndescription = \"{}\"\n[extra]\nsubtitle = \"{}\"\n\
             photo = \"photo.svg\"\nphoto_caption = \"{}\"\nphoto_alt = \"{}\"\n+++\n\n本文\n",
            toml(title),
            toml(description),
            toml(subtitle),
            toml(caption),
            toml(alt)
        ),
    );
    site.write(
        "content/releases/_index.ja.md",
        &format!(
            "+++\ntitle = \"{}\"\nsort_by = \"date\"\n+++\n",
            toml(section)
        ),
    );
    site.write(
        "content/_fragments/profile.ja.md",
        &format!("+++\ntitle = \"{}\"\n+++\n\nx\n", toml(profile)),
    );
    site.build_ok();

    let page = site.page(&format!("ja/{FIRST}/index.html"));
    // The only script is the page's JSON-LD, which must still parse (tests/discovery.rs checks
    // its escaping in detail).
    assert!(
        page.select("script:not([type='application/ld+json'])")
            .is_empty(),
        "a <script> element was injected"
    );
    for script in page.select("script") {
        let json: String = script.text().collect();
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "{json}"
        );
    }
    assert!(
        page.select("[onerror]").is_empty(),
        "an onerror attribute was injected"
    );
    assert!(page.select("h1 b").is_empty());
    assert_eq!(
        page.text("h1"),
        title.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert!(
        page.text("title").starts_with(title),
        "{}",
        page.text("title")
    );
    assert_eq!(page.attr("meta[name=description]", "content"), description);
    assert_eq!(page.text(".release-subtitle"), subtitle);
    assert_eq!(page.text("figcaption"), caption);
    assert_eq!(page.attr("figure img", "alt"), alt);
    assert_eq!(page.text("#profile-heading"), profile);
    assert_eq!(text(page.select(".breadcrumbs a")[1]), section);

    for file in ["ja/releases/index.html", "ja/index.html"] {
        let list = site.page(file);
        assert!(
            list.select("script:not([type='application/ld+json'])")
                .is_empty(),
            "{file}: a <script> element was injected"
        );
        assert!(list.select("[onerror]").is_empty(), "{file}");
        assert_eq!(
            list.text(".release-list a.release-title"),
            title.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}

#[test]
fn output_is_deterministic() {
    let make = || {
        let site = SiteFixture::new();
        for lang in LANGS {
            site.replace(
                &format!("content/releases/_index.{lang}.md"),
                "paginate_by = 10",
                "paginate_by = 3",
            );
            for day in 1..=7 {
                write_page(
                    &site,
                    &format!("releases/2020-04-0{day}-r{day}"),
                    lang,
                    &format!("r{day}-{lang}"),
                    &format!("2020-04-0{day}"),
                    "## 見出し\n\n## 見出し\n\n[x](@/releases/2020-05-13-first/index.md)",
                );
            }
        }
        site.write(
            &format!("content/{FIRST}/photo.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
        );
        site
    };
    let site = make();
    let out_a = tempfile::tempdir().unwrap();
    let out_b = tempfile::tempdir().unwrap();
    let a = out_a.path().join("site");
    let b = out_b.path().join("site");
    unwrap_report(site.build_with(|o| o.output = Some(a.clone())));
    unwrap_report(site.build_with(|o| o.output = Some(b.clone())));
    let first = snapshot(&a);
    assert!(first.len() > 30, "{} files", first.len());
    assert_same_files(&first, &snapshot(&b));

    // The same sources in another folder give the same bytes too.
    let other = make();
    other.build_ok();
    assert_same_files(&first, &other.snapshot());

    // Building again over the previous output changes nothing.
    unwrap_report(site.build_with(|o| o.output = Some(a.clone())));
    assert_same_files(&first, &snapshot(&a));
}

#[test]
fn a_fourth_language_needs_no_code_change() {
    let site = SiteFixture::new();
    site.write(
        "site.toml",
        &format!("{SITE_TOML}\n[languages.fr]\nname = \"Français\"\ntag = \"fr\"\n"),
    );
    site.write("locales/fr/main.ftl", &site.read("locales/en/main.ftl"));
    site.write(
        "content/_index.fr.md",
        "+++\ntitle = \"Accueil\"\n+++\n\nBienvenue\n",
    );
    site.write(
        "content/releases/_index.fr.md",
        "+++\ntitle = \"Communiqués\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n",
    );
    write_page(
        &site,
        FIRST,
        "fr",
        "Premier communiqué",
        "2020-05-13",
        "[liste](@/releases/_index.md)",
    );
    site.write(
        "content/_fragments/profile.fr.md",
        "+++\ntitle = \"Profil\"\n+++\n\nprofil\n",
    );
    site.write(
        "content/_fragments/contact.fr.md",
        "+++\ntitle = \"Contact\"\n+++\n\ncontact\n",
    );
    let report = site.build_ok();
    assert!(report.warnings.is_empty(), "{}", render(&report.warnings));

    let fr = site.page(&format!("fr/{FIRST}/index.html"));
    assert_eq!(fr.attr("html", "lang"), "fr");
    assert_eq!(fr.text("h1"), "Premier communiqué");
    assert_eq!(fr.text("time"), "13 May 2020");
    assert_eq!(fr.attr(".release-body a", "href"), "/fr/releases/");
    assert_eq!(fr.text("#profile-heading"), "Profil");
    assert_eq!(fr.text(".language-switcher [aria-current]"), "Français");

    let ja = site.page(&format!("ja/{FIRST}/index.html"));
    assert_eq!(
        switcher(&ja, "fr"),
        (format!("/fr/{FIRST}/"), "Français".to_string(), false)
    );
    assert!(ja
        .attrs("link[rel=alternate]", "hreflang")
        .contains(&"fr".to_string()));

    let root = site.page("index.html");
    assert_eq!(
        root.attrs(".language-choices a", "href"),
        ["/ja/", "/en/", "/zh/", "/fr/"]
    );
    assert!(site.exists("fr/index.html") && site.exists("fr/releases/index.html"));
}

#[test]
fn drafts_are_published_only_when_asked() {
    let site = SiteFixture::new();
    site.write(
        &format!("content/{SECOND}/index.ja.md"),
        "+++\ntitle = \"下書き\"\ndate = 2020-04-01\ndraft = true\n+++\n\n本文\n",
    );
    site.build_ok();
    assert!(!site.exists(&format!("ja/{SECOND}/index.html")));
    assert_eq!(
        site.page("ja/releases/index.html")
            .select(".release-list li")
            .len(),
        1
    );

    unwrap_report(site.build_with(|o| o.include_drafts = true));
    assert_eq!(
        site.page(&format!("ja/{SECOND}/index.html")).text("h1"),
        "下書き"
    );
}

#[test]
fn the_fixture_site_builds_cleanly_through_the_binary() {
    let site = SiteFixture::new();
    let run = site.run_build(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("built"), "{}", run.stderr);
    assert!(
        !site.exists(".koho-output"),
        "nothing of koho's own is deployed"
    );
    let report = site.build_ok();
    assert!(report.warnings.is_empty(), "{}", render(&report.warnings));
    assert_eq!(
        report.unchanged + report.written,
        site.snapshot().len(),
        "every file but the marker"
    );
    assert_eq!(
        report.written, 0,
        "a rebuild of unchanged sources writes nothing new"
    );
}

#[test]
fn a_fourth_language_shows_missing_translations_like_the_others() {
    let site = SiteFixture::new();
    site.write(
        "site.toml",
        &format!("{SITE_TOML}\n[languages.fr]\nname = \"Français\"\ntag = \"fr\"\n"),
    );
    site.write("locales/fr/main.ftl", &site.read("locales/en/main.ftl"));
    // The theme names each language in the UI language: one message per locale, no code.
    for (lang, name) in [
        ("ja", "フランス語"),
        ("en", "French"),
        ("zh", "法语"),
        ("fr", "French"),
    ] {
        let ftl = format!("locales/{lang}/main.ftl");
        site.write(
            &ftl,
            &format!("{}\nlanguage-fr = {name}\n", site.read(&ftl)),
        );
    }
    site.write("content/_index.fr.md", "+++\ntitle = \"Accueil\"\n+++\n");
    site.write(
        "content/_fragments/profile.fr.md",
        "+++\ntitle = \"Profil\"\n+++\n",
    );
    site.write(
        "content/_fragments/contact.fr.md",
        "+++\ntitle = \"Contact\"\n+++\n",
    );
    // No French release section and no French release.
    site.build_ok();

    let ja = site.page(&format!("ja/{FIRST}/index.html"));
    let (href, label, unavailable) = switcher(&ja, "fr");
    assert_eq!(
        href, "/fr/",
        "the French home, as there is no French section"
    );
    assert!(unavailable);
    assert!(label.contains("フランス語版はまだありません"), "{label}");
    assert!(!ja
        .attrs("link[rel=alternate]", "hreflang")
        .contains(&"fr".to_string()));
    assert!(!site.exists(&format!("fr/{FIRST}/index.html")));
    assert!(site.exists("fr/index.html"));
}

/// Every file under `dir`, relative, recursively.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

#[test]
fn pages_read_back_from_the_html_store_are_whole_and_it_leaves_no_file() {
    let site = SiteFixture::new();
    // Long bodies in three scripts, so that pages sit at many offsets of the store's file.
    for (i, lang) in LANGS.iter().enumerate() {
        for n in 0..12 {
            let body = format!(
                "## 見出し {n}\n\n{}",
                "本文と text と 正文。".repeat(40 + n * 7)
            );
            let key = format!("releases/2021-01-{:02}-long-{n}", n + 1);
            write_page(
                &site,
                &key,
                lang,
                &format!("長文 {n} {i}"),
                "2021-01-02",
                &body,
            );
        }
    }
    site.build_ok();
    for lang in LANGS {
        for n in 0..12 {
            let key = format!("releases/2021-01-{:02}-long-{n}", n + 1);
            let page = site.page(&format!("{lang}/{key}/index.html"));
            let heading = page.one(&format!("main h2[id=\"見出し-{n}\"]"));
            // The heading's text, then its anchor link (`#`).
            let heading_text = text(heading);
            assert!(
                heading_text.starts_with(&format!("見出し {n}")),
                "{heading_text}"
            );
            let body = page.text("main");
            assert_eq!(
                body.matches("本文と text と 正文。").count(),
                40 + n * 7,
                "{lang} {key}"
            );
        }
    }
    let left: Vec<String> = files_under(&site.root().join(".koho"))
        .into_iter()
        .filter(|f| f.contains("pages-html"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let checked = site.run(&["check"]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(files_under(&site.root().join(".koho"))
        .iter()
        .all(|f| !f.contains("pages-html")));
}
