//! Being found: Atom feeds, the sitemap with hreflang, robots.txt, the 404 pages, sharing
//! metadata (canonical, description, OpenGraph, Twitter card, JSON-LD) and the search page and
//! box, on fixture sites. XML is read with roxmltree and checked element by element, HTML
//! with scraper, JSON-LD with serde_json; a hostile title is checked in every format.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node};
use serde_json::Value;
use support::*;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML: &str = "http://www.w3.org/1999/xhtml";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const LANGS: [&str; 3] = ["ja", "en", "zh"];

const DISCOVERY: &str = "
[discovery]
feed_section = \"releases\"
share_image = \"images/ngmo-card.png\"
logo = \"images/ngmo-logo.png\"
";

/// The standard fixture with feeds and the share image configured.
fn site() -> SiteFixture {
    let site = SiteFixture::new();
    site.write("site.toml", &format!("{SITE_TOML}{DISCOVERY}"));
    site
}

/// Writes `content/releases/<slug>/index.<lang>.md`.
fn release(site: &SiteFixture, slug: &str, lang: &str, front: &str, body: &str) {
    site.write(
        &format!("content/releases/{slug}/index.{lang}.md"),
        &format!("+++\n{front}\n+++\n\n{body}\n"),
    );
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Node<'a, 'i> {
    node.children()
        .find(|n| n.has_tag_name((ns, name)))
        .unwrap_or_else(|| panic!("<{name}> missing in <{}>", node.tag_name().name()))
}

fn children<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|n| n.has_tag_name((ns, name)))
        .collect()
}

fn text_of(node: Node, ns: &str, name: &str) -> String {
    child(node, ns, name).text().unwrap_or_default().to_string()
}

/// `<link>` elements of an Atom node as (rel, type, hreflang, href).
fn atom_links(node: Node) -> Vec<(String, String, String, String)> {
    children(node, ATOM, "link")
        .iter()
        .map(|l| {
            let a = |name: &str| l.attribute(name).unwrap_or_default().to_string();
            (a("rel"), a("type"), a("hreflang"), a("href"))
        })
        .collect()
}

fn is_rfc3339(text: &str) -> bool {
    text.len() == 20 && text.ends_with("T00:00:00Z") && content_date(&text[..10])
}

fn content_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

// ---------------------------------------------------------------------------------------------
// Atom feeds
// ---------------------------------------------------------------------------------------------

/// 23 Japanese releases after the fixture's first one, a newer draft, and one with links.
fn feed_site() -> SiteFixture {
    let site = site();
    for n in 1..=23 {
        release(
            &site,
            &format!("r{n:02}"),
            "ja",
            &format!("title = \"発表{n}\"\ndate = 2021-01-{n:02}\ndescription = \"説明{n}。\""),
            &format!("本文{n}です。"),
        );
    }
    release(
        &site,
        "r99-draft",
        "ja",
        "title = \"下書き\"\ndate = 2022-01-01\ndraft = true",
        "未公開。",
    );
    release(
        &site,
        "r23",
        "ja",
        "title = \"発表23\"\ndate = 2021-01-23\n[extra]\nupdated = 2021-02-01",
        "最初の段落です。二つ目の文です。\n\n[前の発表](../r01/index.md)、[この節](#節)、[外部](https://example.com/a?b=1&c=2)\n\n![図](figure.png)\n\n## 節\n\n本文。",
    );
    site.write_bytes("content/releases/r23/figure.png", b"\x89PNG\r\n\x1a\n");
    site
}

#[test]
fn the_feed_holds_the_newest_twenty_and_never_a_draft() {
    let site = feed_site();
    unwrap_report(site.build_with(|o| o.include_drafts = true));
    assert!(
        site.exists("ja/releases/r99-draft/index.html"),
        "the preview publishes the draft"
    );
    let xml = site.read_output("ja/atom.xml");
    let doc = Document::parse(&xml).expect("the feed is XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(feed.attribute((XML_NS, "lang")), Some("ja"));
    assert_eq!(
        text_of(feed, ATOM, "id"),
        "https://example.org/ja/releases/"
    );
    assert_eq!(
        text_of(feed, ATOM, "title"),
        "プレスリリース | 一般社団法人日本医療国際化機構"
    );
    // The newest entry's `updated`: r23's [extra] updated, not the build time.
    assert_eq!(text_of(feed, ATOM, "updated"), "2021-02-01T00:00:00Z");
    let author = child(feed, ATOM, "author");
    assert_eq!(
        text_of(author, ATOM, "name"),
        "一般社団法人日本医療国際化機構"
    );
    assert_eq!(text_of(author, ATOM, "uri"), "https://example.org/ja/");
    let links = atom_links(feed);
    assert!(
        links.contains(&(
            "self".into(),
            "application/atom+xml".into(),
            String::new(),
            "https://example.org/ja/atom.xml".into()
        )),
        "{links:?}"
    );
    assert!(
        links.contains(&(
            "alternate".into(),
            "text/html".into(),
            "ja".into(),
            "https://example.org/ja/releases/".into()
        )),
        "{links:?}"
    );

    let entries = children(feed, ATOM, "entry");
    assert_eq!(entries.len(), 20, "the newest 20");
    let ids: Vec<String> = entries.iter().map(|e| text_of(*e, ATOM, "id")).collect();
    let expected: Vec<String> = (4..=23)
        .rev()
        .map(|n| format!("https://example.org/ja/releases/r{n:02}/"))
        .collect();
    assert_eq!(ids, expected, "newest first, no draft");
    for entry in &entries {
        let id = text_of(*entry, ATOM, "id");
        assert!(!text_of(*entry, ATOM, "title").is_empty());
        let updated = text_of(*entry, ATOM, "updated");
        let published = text_of(*entry, ATOM, "published");
        assert!(
            is_rfc3339(&updated) && is_rfc3339(&published),
            "{updated} {published}"
        );
        let alternate: Vec<_> = atom_links(*entry)
            .into_iter()
            .filter(|l| l.0 == "alternate")
            .collect();
        assert_eq!(
            alternate,
            [(
                "alternate".to_string(),
                "text/html".to_string(),
                "ja".to_string(),
                id.clone()
            )]
        );
        let summary = child(*entry, ATOM, "summary");
        assert_eq!(summary.attribute("type"), Some("text"));
        assert!(!summary.text().unwrap_or_default().is_empty());
        let content = child(*entry, ATOM, "content");
        assert_eq!(content.attribute("type"), Some("html"));
    }
    let newest = entries[0];
    assert_eq!(text_of(newest, ATOM, "published"), "2021-01-23T00:00:00Z");
    assert_eq!(text_of(newest, ATOM, "updated"), "2021-02-01T00:00:00Z");
    assert_eq!(
        text_of(newest, ATOM, "summary"),
        "最初の段落です。二つ目の文です。"
    );
    assert_eq!(text_of(entries[1], ATOM, "summary"), "説明22。");
    // The body, unescaped, is HTML whose every link is absolute.
    let html = text_of(newest, ATOM, "content");
    let body = Page::parse("atom content", &html);
    let hrefs = body.attrs("p a", "href");
    assert_eq!(
        hrefs,
        [
            "https://example.org/ja/releases/r01/",
            &format!(
                "https://example.org/ja/releases/r23/#{}",
                percent_encoded("節")
            ),
            "https://example.com/a?b=1&c=2",
        ]
    );
    assert_eq!(
        body.attrs("img", "src"),
        ["https://example.org/ja/releases/r23/figure.png"]
    );
}

fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn each_language_has_its_feed_with_alternate_links_to_the_translations() {
    let site = site();
    unwrap_report(site.build());
    for (lang, tag) in [("ja", "ja"), ("en", "en"), ("zh", "zh-Hans")] {
        let xml = site.read_output(&format!("{lang}/atom.xml"));
        let doc = Document::parse(&xml).expect("XML");
        assert_eq!(doc.root_element().attribute((XML_NS, "lang")), Some(tag));
        let entries = children(doc.root_element(), ATOM, "entry");
        assert_eq!(entries.len(), 1);
        assert_eq!(text_of(entries[0], ATOM, "title"), format!("first-{lang}"));
        let alternates: BTreeMap<String, String> = atom_links(entries[0])
            .into_iter()
            .filter(|l| l.0 == "alternate")
            .map(|l| (l.2, l.3))
            .collect();
        let expected: BTreeMap<String, String> = [("ja", "ja"), ("en", "en"), ("zh-Hans", "zh")]
            .iter()
            .map(|(tag, code)| {
                (
                    tag.to_string(),
                    format!("https://example.org/{code}/{RELEASE}/"),
                )
            })
            .collect();
        assert_eq!(alternates, expected, "{lang}");
    }
}

#[test]
fn every_page_links_its_languages_feed_and_the_release_list_shows_it() {
    let site = site();
    unwrap_report(site.build());
    let files = site.snapshot();
    let mut checked = 0;
    for (name, html) in html_files(&files) {
        let Some(lang) = LANGS.iter().find(|l| name.starts_with(&format!("{l}/"))) else {
            continue;
        };
        let page = Page::parse(name, &html);
        let feeds = page.attrs("link[rel=alternate][type='application/atom+xml']", "href");
        assert_eq!(feeds, [format!("/{lang}/atom.xml")], "{name}");
        checked += 1;
    }
    assert!(checked >= 12, "{checked} pages");
    let list = site.page("ja/releases/index.html");
    assert_eq!(list.attr("main a.feed-link", "href"), "/ja/atom.xml");
    assert_eq!(list.text("main a.feed-link"), "新着をフィードで購読");
}

#[test]
fn feeds_work_under_a_subpath_and_do_not_change_with_the_build_time() {
    let site = feed_site();
    let subpath =
        |o: &mut koho::BuildOptions| o.base_url = Some("https://example.org/ngmo/".into());
    unwrap_report(site.build_with(subpath));
    let first = site.read_output("ja/atom.xml");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    site.remove("public");
    unwrap_report(site.build_with(subpath));
    assert_eq!(
        site.read_output("ja/atom.xml"),
        first,
        "a rebuild a second later writes the same feed"
    );
    let doc = Document::parse(&first).expect("XML");
    let feed = doc.root_element();
    assert_eq!(
        text_of(feed, ATOM, "id"),
        "https://example.org/ngmo/ja/releases/"
    );
    assert!(atom_links(feed)
        .iter()
        .any(|l| l.0 == "self" && l.3 == "https://example.org/ngmo/ja/atom.xml"));
    let html = text_of(children(feed, ATOM, "entry")[0], ATOM, "content");
    let body = Page::parse("content", &html);
    assert_eq!(
        body.attrs("a", "href")[0],
        "https://example.org/ngmo/ja/releases/r01/"
    );
    assert_eq!(
        body.attrs("img", "src"),
        ["https://example.org/ngmo/ja/releases/r23/figure.png"]
    );
    let home = site.page("ja/index.html");
    assert_eq!(
        home.attr("link[type='application/atom+xml']", "href"),
        "/ngmo/ja/atom.xml"
    );
}

#[test]
fn feed_settings_that_cannot_work_are_errors_naming_the_file() {
    let site = site();
    site.replace(
        "site.toml",
        "feed_section = \"releases\"",
        "feed_section = \"news\"",
    );
    let errors = site.build_errors();
    let error = error_in(&errors, "site.toml");
    assert!(
        error
            .message
            .contains("feed_section = \"news\" is not a section"),
        "{error}"
    );

    let site = site_with_undated_feed();
    let errors = site.build_errors();
    let error = error_in(&errors, "content/notes/undated.ja.md");
    assert!(
        error.message.contains("Atom feed") && error.message.contains("no date"),
        "{error}"
    );
}

#[test]
fn a_feed_section_whose_files_fail_gives_their_errors_only() {
    let site = site();
    for lang in ["ja", "en", "zh"] {
        let file = format!("content/releases/_index.{lang}.md");
        site.replace(&file, "paginate_by = 10", "paginate_by = 0");
    }
    let errors = site.build_errors();
    assert!(
        errors
            .iter()
            .all(|e| !e.message.contains("is not a section")),
        "{}",
        render(&errors)
    );
    assert!(errors.iter().any(|e| e.message.contains("paginate_by")));
}

fn site_with_undated_feed() -> SiteFixture {
    let site = site();
    site.replace(
        "site.toml",
        "feed_section = \"releases\"",
        "feed_section = \"notes\"",
    );
    site.write(
        "content/notes/_index.ja.md",
        "+++\ntitle = \"メモ\"\n+++\n\n一覧。\n",
    );
    site.write(
        "content/notes/undated.ja.md",
        "+++\ntitle = \"日付なし\"\n+++\n\n本文。\n",
    );
    site
}

// ---------------------------------------------------------------------------------------------
// Sitemap and robots.txt
// ---------------------------------------------------------------------------------------------

struct SitemapEntry {
    lastmod: Option<String>,
    alternates: BTreeMap<String, String>,
}

fn read_sitemap(xml: &str) -> BTreeMap<String, SitemapEntry> {
    let doc = Document::parse(xml).expect("the sitemap is XML");
    let root = doc.root_element();
    assert!(
        root.has_tag_name((SITEMAP, "urlset")),
        "{}",
        root.tag_name().name()
    );
    let mut entries = BTreeMap::new();
    for url in children(root, SITEMAP, "url") {
        let loc = text_of(url, SITEMAP, "loc");
        let lastmod = children(url, SITEMAP, "lastmod")
            .first()
            .and_then(|n| n.text())
            .map(str::to_string);
        let mut alternates = BTreeMap::new();
        for link in children(url, XHTML, "link") {
            assert_eq!(link.attribute("rel"), Some("alternate"));
            let previous = alternates.insert(
                link.attribute("hreflang").expect("hreflang").to_string(),
                link.attribute("href").expect("href").to_string(),
            );
            assert!(previous.is_none(), "{loc}: one link per hreflang");
        }
        assert!(
            entries
                .insert(
                    loc.clone(),
                    SitemapEntry {
                        lastmod,
                        alternates
                    }
                )
                .is_none(),
            "{loc} twice"
        );
    }
    entries
}

/// Three releases in every language, listed two to a page in Japanese (2 pages), one to a page
/// in English (3 pages) and ten to a page in Chinese (1 page).
fn pagination_site() -> SiteFixture {
    let site = site();
    for (lang, per_page) in [("ja", 2), ("en", 1), ("zh", 10)] {
        site.replace(
            &format!("content/releases/_index.{lang}.md"),
            "paginate_by = 10",
            &format!("paginate_by = {per_page}"),
        );
        for (slug, date) in [("second", "2020-06-01"), ("third", "2020-07-01")] {
            release(
                &site,
                slug,
                lang,
                &format!("title = \"{slug}-{lang}\"\ndate = {date}"),
                "text",
            );
        }
    }
    site
}

/// The `<link rel="alternate" hreflang>` of a page's head, hreflang → href.
fn head_alternates(page: &Page) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for link in page.select("head link[rel=alternate][hreflang]") {
        let hreflang = link.value().attr("hreflang").expect("hreflang").to_string();
        let href = link.value().attr("href").expect("href").to_string();
        assert!(
            map.insert(hreflang, href).is_none(),
            "one link per hreflang"
        );
    }
    map
}

/// Issue 8, "Pagination pages": `/<lang>/releases/page/2/` has its own canonical URL, a
/// self-referencing hreflang, alternates only to the languages whose own list has that page,
/// x-default only when the default language has it, and a numbered title; the sitemap lists
/// the same alternates as the page's head.
#[test]
fn pagination_pages_have_their_own_canonical_and_hreflang() {
    let site = pagination_site();
    site.build_ok();
    assert!(site.exists("en/releases/page/3/index.html"));
    assert!(!site.exists("ja/releases/page/3/index.html"));
    assert!(!site.exists("zh/releases/page/2/index.html"));
    let url = |path: &str| format!("https://example.org/{path}");
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(tag, path)| (tag.to_string(), url(path)))
            .collect()
    };
    let page_two = map(&[
        ("ja", "ja/releases/page/2/"),
        ("en", "en/releases/page/2/"),
        ("x-default", "ja/releases/page/2/"),
    ]);
    let expected = [
        (
            "ja/releases/",
            map(&[
                ("ja", "ja/releases/"),
                ("en", "en/releases/"),
                ("zh-Hans", "zh/releases/"),
                ("x-default", "ja/releases/"),
            ]),
        ),
        ("ja/releases/page/2/", page_two.clone()),
        ("en/releases/page/2/", page_two),
        // Only English has a third page: it names itself, and there is no x-default.
        ("en/releases/page/3/", map(&[("en", "en/releases/page/3/")])),
    ];
    let sitemap = read_sitemap(&site.read_output("sitemap.xml"));
    for (path, alternates) in &expected {
        let page = site.page(&format!("{path}index.html"));
        assert_eq!(
            page.attr("link[rel=canonical]", "href"),
            url(path),
            "{path}"
        );
        assert_eq!(page.attr("meta[property='og:url']", "content"), url(path));
        assert_eq!(&head_alternates(&page), alternates, "{path}: head");
        let entry = sitemap
            .get(&url(path))
            .unwrap_or_else(|| panic!("{path} is not in the sitemap"));
        assert_eq!(&entry.alternates, alternates, "{path}: sitemap");
    }
    for (path, title) in [
        ("ja/releases/page/2/", "プレスリリース（2ページ目）"),
        ("en/releases/page/3/", "Press releases (page 3)"),
    ] {
        let page = site.page(&format!("{path}index.html"));
        assert_eq!(page.text("h1"), title);
        assert!(
            page.text("title").starts_with(&format!("{title} | ")),
            "{path}"
        );
        assert_eq!(page.attr("meta[property='og:title']", "content"), title);
    }
}

fn sitemap_site() -> SiteFixture {
    let site = site();
    for n in 1..=11 {
        for lang in LANGS {
            release(
                &site,
                &format!("r{n:02}"),
                lang,
                &format!("title = \"r{n}-{lang}\"\ndate = 2021-03-{n:02}"),
                "text",
            );
        }
    }
    release(
        &site,
        "ja-only",
        "ja",
        "title = \"日本語のみ\"\ndate = 2019-01-01\n[extra]\nupdated = 2019-02-03",
        "本文。",
    );
    release(
        &site,
        "draft",
        "ja",
        "title = \"下書き\"\ndate = 2019-01-02\ndraft = true",
        "本文。",
    );
    site
}

#[test]
fn the_sitemap_lists_every_page_with_symmetric_hreflang_and_x_default() {
    let site = sitemap_site();
    unwrap_report(site.build_with(|o| o.include_drafts = true));
    let entries = read_sitemap(&site.read_output("sitemap.xml"));
    // Every page of the output, pagination pages included; not the root chooser, the 404 and
    // search pages, nor the draft.
    let files = site.snapshot();
    let expected: BTreeSet<String> = files
        .keys()
        .filter(|f| f.ends_with("index.html") && f.as_str() != "index.html")
        .filter(|f| !f.contains("/search/") && !f.contains("/draft/"))
        .map(|f| format!("https://example.org/{}", f.trim_end_matches("index.html")))
        .collect();
    let listed: BTreeSet<String> = entries.keys().cloned().collect();
    assert_eq!(listed, expected);
    assert!(listed.contains("https://example.org/ja/releases/page/2/"));

    for (loc, entry) in &entries {
        if entry.alternates.is_empty() {
            continue;
        }
        assert!(
            entry.alternates.values().any(|href| href == loc),
            "{loc} lists itself"
        );
        let default = &entry.alternates["x-default"];
        assert_eq!(
            default, &entry.alternates["ja"],
            "{loc}: x-default is the default language"
        );
        for (lang, href) in &entry.alternates {
            if lang == "x-default" {
                continue;
            }
            let other = entries
                .get(href)
                .unwrap_or_else(|| panic!("{loc} → {href} is not listed"));
            assert_eq!(
                other.alternates, entry.alternates,
                "{href} does not link back to {loc} alike"
            );
        }
    }
    let page2 = &entries["https://example.org/en/releases/page/2/"];
    assert_eq!(
        page2.alternates["zh-Hans"],
        "https://example.org/zh/releases/page/2/"
    );
    assert_eq!(page2.alternates.len(), 4);
    // The page's head and the sitemap share one rule: a version alone names itself and is
    // the x-default.
    let ja_only = &entries["https://example.org/ja/releases/ja-only/"];
    let itself = "https://example.org/ja/releases/ja-only/".to_string();
    assert_eq!(
        ja_only.alternates,
        BTreeMap::from([
            ("ja".to_string(), itself.clone()),
            ("x-default".to_string(), itself)
        ]),
        "no other version: itself only"
    );
    assert_eq!(
        ja_only.lastmod.as_deref(),
        Some("2019-02-03"),
        "[extra] updated wins over date"
    );
    assert_eq!(
        entries["https://example.org/en/releases/r05/"]
            .lastmod
            .as_deref(),
        Some("2021-03-05")
    );
    assert_eq!(
        entries["https://example.org/ja/releases/"]
            .lastmod
            .as_deref(),
        Some("2021-03-11"),
        "a list: its newest page"
    );
    assert_eq!(
        page2.lastmod, entries["https://example.org/en/releases/"].lastmod,
        "each page of a list: the list's newest page"
    );
    assert!(page2.lastmod.is_some());

    let robots = site.read_output("robots.txt");
    let lines: Vec<&str> = robots.lines().collect();
    assert_eq!(
        lines,
        [
            "User-agent: *",
            "Allow: /",
            "",
            "Sitemap: https://example.org/sitemap.xml"
        ]
    );
}

#[test]
fn the_sitemap_and_robots_work_under_a_subpath_and_a_theme_robots_txt_wins() {
    let site = site();
    site.write(
        "themes/ngmo/static/robots.txt",
        "User-agent: *\nDisallow: /private/\n",
    );
    unwrap_report(site.build_with(|o| o.base_url = Some("https://example.org/ngmo/".into())));
    assert_eq!(
        site.read_output("robots.txt"),
        "User-agent: *\nDisallow: /private/\n"
    );
    let entries = read_sitemap(&site.read_output("sitemap.xml"));
    assert!(
        entries
            .keys()
            .all(|loc| loc.starts_with("https://example.org/ngmo/")),
        "{:?}",
        entries.keys()
    );
    assert!(entries.contains_key(&format!("https://example.org/ngmo/zh/{RELEASE}/")));
}

#[test]
fn fallback_pages_name_their_original_and_stay_out_of_the_sitemap() {
    let site = site();
    site.replace(
        "site.toml",
        "missing_translation = \"omit\"",
        "missing_translation = \"fallback\"",
    );
    site.write(
        "content/about/index.ja.md",
        "+++\ntitle = \"概要\"\n+++\n\n機構の紹介です。\n",
    );
    unwrap_report(site.build());
    let zh = site.page("zh/about/index.html");
    assert_eq!(
        zh.attr("link[rel=canonical]", "href"),
        "https://example.org/ja/about/"
    );
    let entries = read_sitemap(&site.read_output("sitemap.xml"));
    assert!(entries.contains_key("https://example.org/ja/about/"));
    assert!(!entries.contains_key("https://example.org/zh/about/"));
    // The fallbacks are no versions of it: the original names only itself, in the sitemap and
    // in its head alike.
    let itself = "https://example.org/ja/about/".to_string();
    let alone = BTreeMap::from([
        ("ja".to_string(), itself.clone()),
        ("x-default".to_string(), itself),
    ]);
    assert_eq!(entries["https://example.org/ja/about/"].alternates, alone);
    assert_eq!(head_alternates(&site.page("ja/about/index.html")), alone);
    assert!(
        head_alternates(&zh).is_empty(),
        "a fallback has no alternates"
    );
}

// ---------------------------------------------------------------------------------------------
// 404 pages
// ---------------------------------------------------------------------------------------------

#[test]
fn the_root_404_greets_in_every_language_with_links_that_work_at_any_depth() {
    let site = site();
    unwrap_report(site.build_with(|o| o.base_url = Some("https://example.org/ngmo/".into())));
    let page = site.page("404.html");
    assert_eq!(page.attr("meta[name=robots]", "content"), "noindex");
    let greetings = page.select("section.not-found-greeting");
    let langs: Vec<&str> = greetings
        .iter()
        .filter_map(|g| g.value().attr("lang"))
        .collect();
    assert_eq!(langs, ["ja", "en", "zh-Hans"]);
    let headings: Vec<String> = page
        .select(".not-found-greeting :is(h1, h2)")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        headings,
        ["ページが見つかりません", "Page not found", "找不到该页面"]
    );
    let homes: Vec<String> = page.attrs(".not-found-actions a[hreflang]", "href");
    assert!(
        homes.contains(&"/ngmo/ja/".to_string()) && homes.contains(&"/ngmo/zh/".to_string()),
        "{homes:?}"
    );
    for link in page.links() {
        assert!(
            link.starts_with("/ngmo/"),
            "{link} would break below the root"
        );
    }
    for lang in LANGS {
        let page = site.page(&format!("{lang}/404.html"));
        assert_eq!(page.attr("meta[name=robots]", "content"), "noindex");
        assert!(page.select("link[rel=canonical]").is_empty());
        for link in page.links() {
            assert!(
                link.starts_with("/ngmo/") || link.starts_with('#'),
                "{lang}: {link}"
            );
        }
    }
    assert_eq!(site.page("en/404.html").text("main h1"), "Page not found");
    assert_eq!(site.page("ja/404.html").attr("html", "lang"), "ja");
}

// ---------------------------------------------------------------------------------------------
// Sharing metadata and JSON-LD
// ---------------------------------------------------------------------------------------------

fn meta(page: &Page, property: &str) -> String {
    page.attr(
        &format!("meta[property='{property}'], meta[name='{property}']"),
        "content",
    )
}

fn json_ld(page: &Page) -> Value {
    let script = page.one("script[type='application/ld+json']");
    let raw: String = script.text().collect();
    assert!(
        !raw.contains('<') && !raw.contains('>') && !raw.contains('&'),
        "{raw}"
    );
    serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("{}: JSON-LD does not parse: {e}\n{raw}", page.path))
}

#[test]
fn a_release_has_canonical_description_opengraph_twitter_and_news_article() {
    let site = site();
    release(&site, "2020-06-01-second", "ja", "title = \"二つ目\"\ndate = 2020-06-01\ndescription = \"説明の文です。\"\n[extra]\nupdated = 2020-06-03", "本文。");
    release(
        &site,
        "2020-06-01-second",
        "en",
        "title = \"Second\"\ndate = 2020-06-01",
        "Body.",
    );
    unwrap_report(site.build());
    let page = site.page("ja/releases/2020-06-01-second/index.html");
    let url = "https://example.org/ja/releases/2020-06-01-second/";
    assert_eq!(page.attr("link[rel=canonical]", "href"), url);
    assert_eq!(meta(&page, "description"), "説明の文です。");
    assert_eq!(meta(&page, "og:title"), "二つ目");
    assert_eq!(meta(&page, "og:description"), "説明の文です。");
    assert_eq!(meta(&page, "og:url"), url);
    assert_eq!(meta(&page, "og:type"), "article");
    assert_eq!(
        meta(&page, "og:site_name"),
        "一般社団法人日本医療国際化機構"
    );
    assert_eq!(meta(&page, "og:locale"), "ja_JP");
    assert_eq!(
        page.attrs("meta[property='og:locale:alternate']", "content"),
        ["en_US"],
        "only existing translations"
    );
    assert_eq!(
        meta(&page, "og:image"),
        "https://example.org/images/ngmo-card.png"
    );
    assert_eq!(meta(&page, "og:image:width"), "1200");
    assert_eq!(meta(&page, "og:image:height"), "630");
    assert_eq!(meta(&page, "og:image:type"), "image/png");
    assert_eq!(meta(&page, "twitter:card"), "summary_large_image");
    // X falls back to og:title, og:description and og:image: they are not repeated.
    for repeated in ["twitter:title", "twitter:description", "twitter:image"] {
        assert!(
            page.select(&format!("meta[name='{repeated}']")).is_empty(),
            "{repeated} repeats an OpenGraph tag"
        );
    }
    assert!(!meta(&page, "twitter:image:alt").is_empty());
    assert_eq!(meta(&page, "article:published_time"), "2020-06-01");
    assert_eq!(meta(&page, "article:modified_time"), "2020-06-03");

    let ld = json_ld(&page);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "二つ目");
    assert_eq!(ld["datePublished"], "2020-06-01");
    assert_eq!(ld["dateModified"], "2020-06-03");
    assert_eq!(ld["inLanguage"], "ja");
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    assert_eq!(ld["image"][0], "https://example.org/images/ngmo-card.png");
    let publisher = &ld["publisher"];
    assert_eq!(publisher["@type"], "Organization");
    assert_eq!(publisher["name"], "一般社団法人日本医療国際化機構");
    assert_eq!(
        publisher["logo"]["url"],
        "https://example.org/images/ngmo-logo.png"
    );
    assert_eq!(publisher["logo"]["width"], 512);
    assert_eq!(publisher["logo"]["height"], 512);

    let zh = site.page(&format!("zh/{RELEASE}/index.html"));
    assert_eq!(meta(&zh, "og:locale"), "zh_CN");
    assert_eq!(json_ld(&zh)["inLanguage"], "zh-Hans");
    let en = site.page(&format!("en/{RELEASE}/index.html"));
    assert_eq!(meta(&en, "og:locale"), "en_US");
    let mut alternates = en.attrs("meta[property='og:locale:alternate']", "content");
    alternates.sort();
    assert_eq!(alternates, ["ja_JP", "zh_CN"]);
}

#[test]
fn without_a_description_the_first_paragraph_is_cut_at_a_sentence() {
    let site = site();
    let ja_first = "当機構は、日本医師会に医療物資を届ける橋渡しを担いました。".repeat(2);
    let ja_body = format!(
        "{ja_first}{}",
        "配布の実務も担当し、全国の医療現場へ届けました。".repeat(4)
    );
    release(
        &site,
        "long",
        "ja",
        "title = \"長文\"\ndate = 2021-01-01",
        &ja_body,
    );
    let zh_body = "本机构为日本医师会搭建了捐赠的桥梁。".repeat(8);
    release(
        &site,
        "long",
        "zh",
        "title = \"长文\"\ndate = 2021-01-01",
        &zh_body,
    );
    let en_body = "NGMO acted as the bridge for the donation of 300,000 masks. ".repeat(4);
    release(
        &site,
        "long",
        "en",
        "title = \"Long\"\ndate = 2021-01-01",
        &en_body,
    );
    unwrap_report(site.build());
    let description = |lang: &str| {
        meta(
            &site.page(&format!("{lang}/releases/long/index.html")),
            "description",
        )
    };
    let ja = description("ja");
    assert!(
        ja.ends_with('。') && ja.chars().count() <= 120 && ja_body.starts_with(&ja),
        "{ja}"
    );
    assert!(ja.chars().count() > 60, "{ja}");
    let zh = description("zh");
    assert!(
        zh.ends_with('。') && zh.chars().count() <= 120 && zh_body.starts_with(&zh),
        "{zh}"
    );
    let en = description("en");
    assert!(
        en.ends_with("masks.") && en.chars().count() <= 160 && en_body.starts_with(&en),
        "{en}"
    );
    assert_eq!(
        meta(&site.page("en/releases/long/index.html"), "og:description"),
        en
    );
}

#[test]
fn the_home_page_describes_the_organisation_and_the_book_its_chapters() {
    let site = site();
    let toml = site.read("site.toml").replacen(
        "\n[languages.ja]",
        "books = [\"handbook\"]\n\n[languages.ja]",
        1,
    );
    site.write("site.toml", &toml);
    for lang in LANGS {
        site.write(
            &format!("content/handbook/_index.{lang}.md"),
            &format!("+++\ntitle = \"book-{lang}\"\nsort_by = \"weight\"\n+++\n\nhome\n"),
        );
        site.write(
            &format!("content/handbook/b.{lang}.md"),
            &format!("+++\ntitle = \"b-{lang}\"\nweight = 2\n+++\n\ntext\n"),
        );
        site.write(
            &format!("content/handbook/a.{lang}.md"),
            &format!("+++\ntitle = \"a-{lang}\"\nweight = 1\n+++\n\ntext\n"),
        );
    }
    unwrap_report(site.build());
    let home = site.page("en/index.html");
    assert_eq!(
        meta(&home, "og:title"),
        "Nippon Global Medical Organization"
    );
    assert_eq!(meta(&home, "og:type"), "website");
    let ld = json_ld(&home);
    let graph = ld["@graph"].as_array().expect("@graph");
    let org = graph
        .iter()
        .find(|n| n["@type"] == "Organization")
        .expect("Organization");
    assert_eq!(org["name"], "Nippon Global Medical Organization");
    assert_eq!(org["url"], "https://example.org/en/");
    assert_eq!(
        org["logo"]["url"],
        "https://example.org/images/ngmo-logo.png"
    );
    let website = graph
        .iter()
        .find(|n| n["@type"] == "WebSite")
        .expect("WebSite");
    if cfg!(feature = "search") {
        assert_eq!(
            website["potentialAction"]["target"],
            "https://example.org/en/search/?q={search_term_string}"
        );
    }

    let book = site.page("ja/handbook/index.html");
    assert_eq!(meta(&book, "og:type"), "book");
    let ld = json_ld(&book);
    assert_eq!(ld["@type"], "Book");
    assert_eq!(ld["name"], "book-ja");
    let parts: Vec<(String, String)> = ld["hasPart"]
        .as_array()
        .expect("hasPart")
        .iter()
        .map(|p| {
            assert_eq!(p["@type"], "Chapter");
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["url"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (
                "a-ja".to_string(),
                "https://example.org/ja/handbook/a/".to_string()
            ),
            (
                "b-ja".to_string(),
                "https://example.org/ja/handbook/b/".to_string()
            )
        ]
    );
}

const HOSTILE: &str = "</script><script>alert(\"x\")</script> <!-- & 'q' <b>";

#[test]
fn a_hostile_title_stays_text_in_html_json_ld_atom_and_the_sitemap() {
    let site = site();
    release(
        &site,
        "a&b'c",
        "ja",
        &format!("title = '''{HOSTILE}'''\ndate = 2022-01-01"),
        "本文です。",
    );
    unwrap_report(site.build());
    let page = site.page("ja/releases/a&b'c/index.html");
    assert!(page.text("title").starts_with(HOSTILE));
    assert_eq!(meta(&page, "og:title"), HOSTILE);
    assert_eq!(page.text("article h1"), HOSTILE);
    let scripts = page.select("script");
    assert_eq!(
        scripts.len(),
        1,
        "only the JSON-LD: the title opened no script"
    );
    assert_eq!(json_ld(&page)["headline"], HOSTILE);

    let feed = site.read_output("ja/atom.xml");
    let doc = Document::parse(&feed).expect("the feed is still XML");
    let entry = children(doc.root_element(), ATOM, "entry")[0];
    assert_eq!(text_of(entry, ATOM, "title"), HOSTILE);
    assert_eq!(
        text_of(entry, ATOM, "id"),
        "https://example.org/ja/releases/a%26b%27c/"
    );

    let entries = read_sitemap(&site.read_output("sitemap.xml"));
    assert!(
        entries.contains_key("https://example.org/ja/releases/a%26b%27c/"),
        "{:?}",
        entries.keys()
    );
}

#[test]
fn configured_locales_and_images_are_checked() {
    let site = site();
    site.replace(
        "site.toml",
        "tag = \"zh-Hans\"",
        "tag = \"zh-Hans\"\nlocale = \"zh_SG\"",
    );
    unwrap_report(site.build());
    assert_eq!(meta(&site.page("zh/index.html"), "og:locale"), "zh_SG");
    assert!(site
        .page("ja/index.html")
        .attrs("meta[property='og:locale:alternate']", "content")
        .contains(&"zh_SG".to_string()));

    let site = self::site();
    site.replace(
        "site.toml",
        "tag = \"zh-Hans\"",
        "tag = \"zh-Hans\"\nlocale = \"zh-CN\"",
    );
    let errors = site.build_errors();
    assert!(error_in(&errors, "site.toml")
        .message
        .contains("locale = \"zh-CN\""));

    let site = self::site();
    site.replace("site.toml", "images/ngmo-card.png", "favicon.svg");
    let errors = site.build_errors();
    let error = error_in(&errors, "site.toml");
    assert!(
        error.message.contains("share_image") && error.message.contains("not a PNG or JPEG"),
        "{error}"
    );

    let site = self::site();
    site.replace("site.toml", "images/ngmo-logo.png", "images/missing.png");
    let errors = site.build_errors();
    assert!(error_in(&errors, "site.toml")
        .message
        .contains("publishes no such file"));
}

// ---------------------------------------------------------------------------------------------
// Search page and box (the browser test is tests/search.rs)
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "search")]
#[test]
fn every_page_has_a_search_box_and_each_language_a_search_page_and_index() {
    let site = site();
    unwrap_report(site.build());
    let files = site.snapshot();
    for (name, html) in html_files(&files) {
        let Some(lang) = LANGS.iter().find(|l| name.starts_with(&format!("{l}/"))) else {
            continue;
        };
        let page = Page::parse(name, &html);
        if name.ends_with("search/index.html") {
            assert!(page.select("form.site-search").len() <= 1);
        } else {
            assert_eq!(
                page.attr("form.site-search", "action"),
                format!("/{lang}/search/"),
                "{name}"
            );
            assert_eq!(
                page.attr("form.site-search input[type=search]", "name"),
                "q"
            );
        }
    }
    for lang in LANGS {
        let page = site.page(&format!("{lang}/search/index.html"));
        assert_eq!(
            page.attr(".search-page", "data-bundle"),
            format!("/search-index/{lang}/")
        );
        assert_eq!(page.attr("meta[name=robots]", "content"), "noindex");
        assert_eq!(page.attr("script[type=module]", "src"), "/js/search.js");
        let index: Value =
            serde_json::from_str(&site.read_output(&format!("search-index/{lang}/index.json")))
                .expect("index JSON");
        assert_eq!(index["version"], 1, "{index}");
        let pages = index["pages"].as_u64().expect("page count");
        assert!(pages > 0, "{index}");
        let chunk = index["chunk"].as_u64().expect("chunk size");
        let mut listed = 0;
        for j in 0..pages.div_ceil(chunk) {
            let meta: Value =
                serde_json::from_str(&site.read_output(&format!("search-index/{lang}/m/{j}.json")))
                    .expect("page metadata JSON");
            for row in meta.as_array().expect("rows") {
                let url = row[0].as_str().expect("url");
                assert!(url.starts_with(&format!("/{lang}/")), "{row}");
                assert!(!row[1].as_str().expect("title").is_empty(), "{row}");
                listed += 1;
            }
        }
        assert_eq!(listed, pages, "every indexed page has its metadata");
        for k in 0..index["shards"].as_u64().expect("shards") {
            assert!(site.exists(&format!("search-index/{lang}/t/{k}.bin")));
        }
    }
    let messages = site.page("en/search/index.html");
    assert_eq!(
        messages.attr(".search-page", "data-results-one"),
        "{n} result for “{q}”"
    );
    assert_eq!(
        messages.attr(".search-page", "data-results-other"),
        "{n} results for “{q}”"
    );
    // Nothing in the output comes from elsewhere.
    for (name, html) in html_files(&files) {
        for link in Page::parse(name, &html).attrs("script[src], link[rel=stylesheet]", "src") {
            assert!(link.starts_with('/'), "{name}: {link}");
        }
    }
}

#[cfg(feature = "search")]
#[test]
fn a_page_at_the_search_path_clashes_with_the_search_page() {
    let site = site();
    site.write(
        "content/search/_index.ja.md",
        "+++\ntitle = \"検索\"\n+++\n\n本文。\n",
    );
    let errors = site.build_errors();
    let error = error_in(&errors, "themes/ngmo/templates/search.html");
    assert!(
        error.message.contains("the search page")
            && error.message.contains("content/search/_index.ja.md"),
        "{error}"
    );
}

#[cfg(not(feature = "search"))]
#[test]
fn without_the_search_feature_there_is_no_search_box_or_index() {
    let site = site();
    unwrap_report(site.build());
    assert!(!site.exists("search-index/ja/index.json"));
    assert!(!site.exists("ja/search/index.html"));
    assert!(site
        .page("ja/index.html")
        .select("form.site-search")
        .is_empty());
}

/// A share image replaced by one of another size: every page's `og:image:width` and `height`
/// follow on the next build (the theme's static files were no input of the pages'
/// fingerprints, and no page was rendered again).
#[test]
fn a_replaced_share_image_gives_every_page_its_new_size() {
    let site = site();
    site.build_ok();
    let page = site.page(&format!("en/{RELEASE}/index.html"));
    assert_eq!(meta(&page, "og:image:width"), "1200");
    let logo = std::fs::read(site.path("themes/ngmo/static/images/ngmo-logo.png")).unwrap();
    site.write_bytes("themes/ngmo/static/images/ngmo-card.png", &logo);
    site.build_ok();
    for lang in LANGS {
        let page = site.page(&format!("{lang}/{RELEASE}/index.html"));
        assert_eq!(meta(&page, "og:image:width"), "512", "{lang}");
        assert_eq!(meta(&page, "og:image:height"), "512", "{lang}");
        let home = site.page(&format!("{lang}/index.html"));
        assert_eq!(meta(&home, "og:image:width"), "512", "{lang} home");
    }
}
