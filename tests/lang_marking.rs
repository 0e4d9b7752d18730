//! Language marking (issue 8): `lang` on exactly the elements whose language differs from the
//! page's. A fallback page (`missing_translation = "fallback"`) marks its fallback title,
//! subtitle and body with the content language while UI strings and fragments keep the page's;
//! list entries, asides, downloads and the book's contents carry the language of their text;
//! the switcher's "not available" note is in the page's language. Also: the distinct titles of
//! pagination pages, and phrase-aware line breaks in Japanese and Chinese headlines.

use crate::support;

use scraper::ElementRef;
use support::{copy_dir, manifest_dir, text, Page, SiteFixture, RELEASE};

/// A release that exists only in Japanese: in fallback mode the English and Chinese sites
/// publish it with the Japanese text.
const JA_ONLY: &str = "releases/2020-06-01-ja-only";
const JA_ONLY_TITLE: &str = "ジャック・マー氏が医療物資を寄贈";
const JA_ONLY_SUBTITLE: &str = "日本医師会を通じて医療現場へ";

/// The language an element is in: its own `lang` or its nearest ancestor's (HTML §3.2.6.2).
fn language_of(element: ElementRef<'_>) -> String {
    std::iter::once(element)
        .chain(element.ancestors().filter_map(ElementRef::wrap))
        .find_map(|e| e.value().attr("lang"))
        .unwrap_or_default()
        .to_string()
}

/// The language of the single element matching `css`.
fn language(page: &Page, css: &str) -> String {
    language_of(page.one(css))
}

/// Every element of `page`'s main part with a `lang` attribute other than the page's, with its
/// text.
fn foreign(page: &Page) -> Vec<(String, String)> {
    let own = page.attr("html", "lang");
    page.select("main [lang]")
        .into_iter()
        .filter(|e| e.value().attr("lang") != Some(own.as_str()))
        .map(|e| {
            (
                e.value().attr("lang").unwrap_or_default().to_string(),
                text(e),
            )
        })
        .collect()
}

/// The default fixture in fallback mode, with a release and a section page only in Japanese,
/// and the contact fragment missing in Chinese (it falls back to English).
fn fallback_site() -> SiteFixture {
    let fixture = SiteFixture::new();
    fixture.replace(
        "site.toml",
        "missing_translation = \"omit\"",
        "missing_translation = \"fallback\"",
    );
    fixture.write(
        &format!("content/{JA_ONLY}/index.ja.md"),
        &format!(
            "+++\ntitle = \"{JA_ONLY_TITLE}\"\ndate = 2020-06-01\n[extra]\nsubtitle = \"{JA_ONLY_SUBTITLE}\"\ntagline = \"当機構が橋渡し\"\n+++\n\n本文です。\n\n## 寄贈の概要\n\n概要です。\n"
        ),
    );
    fixture.remove("content/_fragments/contact.zh.md");
    fixture
}

#[test]
fn a_fallback_release_marks_only_its_own_text_as_japanese() {
    let fixture = fallback_site();
    fixture.build_ok();
    for (lang, tag) in [("en", "en"), ("zh", "zh-Hans")] {
        let page = fixture.page(&format!("{lang}/{JA_ONLY}/index.html"));
        let at = |css: &str| format!("{lang}: {css}");
        assert_eq!(page.attr("html", "lang"), tag);
        // The release's own text is Japanese.
        assert_eq!(page.text("h1"), JA_ONLY_TITLE, "{}", at("h1"));
        for css in [
            "h1",
            ".release-header .release-subtitle",
            ".release-tagline",
            ".release-body",
            ".release-body h2",
        ] {
            assert_eq!(language(&page, css), "ja", "{}", at(css));
        }
        // Everything around it is UI text or fragments in the page's language.
        for css in [
            ".press-release",
            ".release-addressee",
            ".release-issuer",
            ".release-end",
            ".fallback-notice",
            ".breadcrumbs",
            ".profile",
            ".release-aside h2",
            ".site-nav",
        ] {
            assert_eq!(language(&page, css), tag, "{}", at(css));
        }
        assert!(
            page.one(".press-release").value().attr("lang").is_none(),
            "{}",
            at("the article carries no lang of its own")
        );
        // Exactly title, subtitle, tagline and body are marked (the aside lists only the
        // translated release, in the page's language).
        let marked: Vec<(String, String)> = foreign(&page)
            .into_iter()
            .filter(|(l, _)| l == "ja")
            .collect();
        assert_eq!(marked.len(), 4, "{}: {marked:?}", at("marked"));
    }
}

#[test]
fn fragments_carry_the_language_they_fall_back_to() {
    let fixture = fallback_site();
    fixture.build_ok();
    let page = fixture.page(&format!("zh/{RELEASE}/index.html"));
    assert_eq!(page.text(".contact h2"), "Media contact");
    assert_eq!(language(&page, ".contact"), "en");
    assert_eq!(language(&page, ".contact h2"), "en");
    assert_eq!(language(&page, ".profile"), "zh-Hans");
    // The release is translated: nothing of its own is marked.
    assert_eq!(language(&page, "h1"), "zh-Hans");
    assert!(page.one("h1").value().attr("lang").is_none());
}

#[test]
fn list_entries_in_another_language_carry_it() {
    let fixture = fallback_site();
    fixture.build_ok();
    for (lang, tag) in [("en", "en"), ("zh", "zh-Hans")] {
        for file in [
            format!("{lang}/releases/index.html"),
            format!("{lang}/index.html"),
            format!("{lang}/{RELEASE}/index.html"),
        ] {
            let page = fixture.page(&file);
            let entries = page.select(".release-item");
            assert!(!entries.is_empty(), "{file}: no release entries");
            let mut seen_fallback = false;
            for entry in entries {
                let title = entry
                    .select(&scraper::Selector::parse(".release-title").expect("selector"))
                    .next()
                    .expect("an entry has a title");
                let date = entry
                    .select(&scraper::Selector::parse("time").expect("selector"))
                    .next()
                    .expect("an entry has a date");
                assert_eq!(language_of(date), tag, "{file}: dates are UI text");
                if text(title) == JA_ONLY_TITLE {
                    seen_fallback = true;
                    assert_eq!(title.value().attr("lang"), Some("ja"), "{file}");
                    for subtitle in
                        entry.select(&scraper::Selector::parse(".release-subtitle").expect("s"))
                    {
                        assert_eq!(subtitle.value().attr("lang"), Some("ja"), "{file}");
                    }
                } else {
                    assert_eq!(title.value().attr("lang"), None, "{file}: {}", text(title));
                    assert_eq!(language_of(title), tag, "{file}");
                }
            }
            assert!(
                seen_fallback,
                "{file}: the Japanese-only release is not listed"
            );
        }
    }
}

#[test]
fn a_translated_page_has_no_lang_but_on_foreign_phrases() {
    let fixture = fallback_site();
    fixture.build_ok();
    let page = fixture.page(&format!("en/{RELEASE}/index.html"));
    let marked: Vec<(String, String)> = foreign(&page)
        .into_iter()
        // The aside lists the Japanese-only release.
        .filter(|(_, t)| t != JA_ONLY_TITLE)
        .collect();
    assert!(marked.is_empty(), "unexpected lang attributes: {marked:?}");
}

#[test]
fn the_switchers_not_available_note_is_in_the_pages_language() {
    // Omit mode: the Japanese-only release has no English or Chinese page.
    let fixture = SiteFixture::new();
    fixture.write(
        &format!("content/{JA_ONLY}/index.ja.md"),
        &format!("+++\ntitle = \"{JA_ONLY_TITLE}\"\ndate = 2020-06-01\n+++\n\n本文\n"),
    );
    fixture.build_ok();
    let page = fixture.page(&format!("ja/{JA_ONLY}/index.html"));
    let unavailable = page.select(".language-switcher a.unavailable");
    assert_eq!(unavailable.len(), 2, "en and zh are not available");
    for link in unavailable {
        let note = link
            .select(&scraper::Selector::parse(".unavailable-note").expect("selector"))
            .next()
            .expect("a note");
        assert_eq!(language_of(note), "ja", "the note is Japanese UI text");
        assert_eq!(note.value().attr("lang"), Some("ja"));
        assert!(text(note).contains("版はまだありません"), "{}", text(note));
        // The title attribute is Japanese too, so the link itself carries no other language.
        assert_eq!(language_of(link), "ja");
        let name = link
            .select(&scraper::Selector::parse("span:not(.unavailable-note)").expect("selector"))
            .next()
            .expect("the language's name");
        let tag = link.value().attr("hreflang").expect("hreflang");
        assert_eq!(name.value().attr("lang"), Some(tag));
    }
}

#[test]
fn download_titles_and_descriptions_in_another_language_carry_it() {
    let fixture = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        fixture.write(
            &format!("content/downloads/_index.{lang}.md"),
            "+++\ntitle = \"Downloads\"\n+++\n",
        );
    }
    fixture.write_bytes("content/downloads/a.pdf", b"%PDF-1.4\nx\n");
    fixture.write(
        "content/downloads/downloads.toml",
        "[[item]]\nid = \"a\"\ncategory = \"press\"\nupdated = 2020-05-13\ntitle = { ja = \"資料\", en = \"Paper\" }\ndescription = { ja = \"日本語の説明\" }\n\n[[item.file]]\nlang = \"ja\"\npath = \"a.pdf\"\nformat = \"pdf\"\n",
    );
    fixture.build_ok();
    let en = fixture.page("en/downloads/index.html");
    assert_eq!(language(&en, ".download-item h2"), "en");
    assert_eq!(language(&en, ".download-description"), "ja");
    assert_eq!(language(&en, ".download-category"), "en");
    // zh falls back to English for the title (fluent_fallback = ["en", "ja"]).
    let zh = fixture.page("zh/downloads/index.html");
    assert_eq!(language(&zh, ".download-item h2"), "en");
    assert_eq!(language(&zh, ".download-description"), "ja");
    assert_eq!(language(&zh, ".download-updated"), "zh-Hans");
}

/// The book fixture of tests/book.rs in fallback mode: chapter `a-practice/omega` has no
/// English text, so the English site shows the Japanese chapter.
fn fallback_book() -> SiteFixture {
    let fixture = SiteFixture::bare();
    copy_dir(&manifest_dir().join("tests/fixtures/book"), fixture.root());
    fixture.replace(
        "site.toml",
        "missing_translation = \"omit\"",
        "missing_translation = \"fallback\"",
    );
    fixture.build_ok();
    fixture
}

#[test]
fn the_books_contents_and_a_fallback_chapter_mark_the_japanese_text_only() {
    let fixture = fallback_book();
    let omega_ja = fixture.page("ja/handbook/a-practice/omega/index.html");
    let chapter = fixture.page("en/handbook/a-practice/omega/index.html");
    assert_eq!(chapter.attr("html", "lang"), "en");
    assert_eq!(
        chapter.text("h1"),
        omega_ja.text("h1"),
        "the Japanese title"
    );
    for css in ["h1", ".book-chapter > .prose"] {
        assert_eq!(language(&chapter, css), "ja", "{css}");
    }
    for css in [
        ".book-chapter",
        ".book-summary-notice",
        ".fallback-notice",
        ".chapter-nav-label",
        ".book-sidebar-toc > summary",
    ] {
        for element in chapter.select(css) {
            assert_eq!(language_of(element), "en", "{css}");
        }
    }
    if !chapter.select(".chapter-kicker").is_empty() {
        assert_eq!(language(&chapter, ".chapter-kicker"), "en");
    }
    if !chapter.select(".on-this-page ol").is_empty() {
        assert_eq!(language(&chapter, ".on-this-page ol"), "ja");
        assert_eq!(language(&chapter, ".on-this-page h2"), "en");
    }
    // In every English TOC (book home, sidebars) the Japanese chapter's title is marked, its
    // number label is not foreign, and English entries carry no lang.
    for file in [
        "en/handbook/index.html",
        "en/handbook/a-practice/beta/index.html",
        "en/handbook/a-practice/omega/index.html",
    ] {
        let page = fixture.page(file);
        let mut seen = false;
        for link in page.select("ol.book-toc :is(li.toc-chapter, li.toc-part) > a") {
            if link.value().attr("href") == Some("/en/handbook/a-practice/omega/") {
                seen = true;
                assert_eq!(link.value().attr("lang"), Some("ja"), "{file}");
            } else {
                assert_eq!(language_of(link), "en", "{file}: {}", text(link));
            }
            for label in link.select(&scraper::Selector::parse(".toc-label").expect("s")) {
                assert_eq!(language_of(label), "en", "{file}: labels are UI text");
            }
        }
        assert!(seen, "{file}: the fallback chapter is not in the contents");
    }
    // Previous/next links name the fallback chapter in Japanese.
    let beta = fixture.page("en/handbook/a-practice/beta/index.html");
    for title in beta.select(".chapter-nav-title > span") {
        let parent_href = title
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find_map(|a| a.value().attr("href"))
            .unwrap_or_default();
        let expected = if parent_href.contains("omega") {
            "ja"
        } else {
            "en"
        };
        assert_eq!(language_of(title), expected, "{parent_href}");
    }
}

// ---------------------------------------------------------------------------------------------
// Pagination pages
// ---------------------------------------------------------------------------------------------

#[test]
fn every_page_of_a_paginated_list_has_a_title_of_its_own() {
    let fixture = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        fixture.replace(
            &format!("content/releases/_index.{lang}.md"),
            "paginate_by = 10",
            "paginate_by = 1",
        );
        fixture.write(
            &format!("content/releases/2020-06-01-second/index.{lang}.md"),
            &format!("+++\ntitle = \"second-{lang}\"\ndate = 2020-06-01\n+++\n\nbody\n"),
        );
    }
    fixture.build_ok();
    for (lang, first, second) in [
        ("ja", "プレスリリース", "プレスリリース（2ページ目）"),
        ("en", "Press releases", "Press releases (page 2)"),
        ("zh", "新闻稿", "新闻稿（第2页）"),
    ] {
        let one = fixture.page(&format!("{lang}/releases/index.html"));
        let two = fixture.page(&format!("{lang}/releases/page/2/index.html"));
        assert_eq!(one.text("h1"), first, "{lang}");
        assert_eq!(two.text("h1"), second, "{lang}");
        let title_one = one.text("title");
        let title_two = two.text("title");
        assert!(title_one.starts_with(&format!("{first} | ")), "{title_one}");
        assert!(
            title_two.starts_with(&format!("{second} | ")),
            "{title_two}"
        );
        assert_eq!(
            title_one.split_once(" | ").map(|p| p.1),
            title_two.split_once(" | ").map(|p| p.1),
            "{lang}: the site name follows both"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Phrase-aware line breaks in headlines
// ---------------------------------------------------------------------------------------------

/// The shipped site, built once per test that needs it.
fn shipped() -> SiteFixture {
    let fixture = SiteFixture::bare();
    copy_dir(&manifest_dir().join("content"), &fixture.path("content"));
    fixture.write(
        "site.toml",
        &std::fs::read_to_string(manifest_dir().join("site.toml")).expect("site.toml"),
    );
    fixture.build_ok();
    fixture
}

const SEED: &str = "releases/2020-05-13-alibaba-foundation-masks-protective-suits";

/// The text of `element` cut at each `<wbr>`: the pieces a line may start or end with.
fn pieces(element: ElementRef<'_>) -> Vec<String> {
    element
        .inner_html()
        .split("<wbr>")
        .map(|piece| {
            scraper::Html::parse_fragment(piece)
                .root_element()
                .text()
                .collect::<String>()
        })
        .collect()
}

/// Asserts that no break opportunity falls inside `name` in `element`'s text: `<wbr>` only
/// between phrases, and the name inside one `white-space: nowrap` span (keep-all alone would
/// still break after a middle dot).
fn assert_name_whole(element: ElementRef<'_>, name: &str, context: &str) {
    let pieces = pieces(element);
    let whole: String = pieces.concat();
    let start = whole
        .find(name)
        .unwrap_or_else(|| panic!("{context}: `{name}` not in `{whole}`"));
    let end = start + name.len();
    let mut at = 0;
    for piece in &pieces[..pieces.len() - 1] {
        at += piece.len();
        assert!(
            at <= start || at >= end,
            "{context}: a <wbr> splits `{name}`: {pieces:?}"
        );
    }
    if name.contains('・') {
        let kept = element
            .select(&scraper::Selector::parse("span.nobr").expect("selector"))
            .any(|span| text(span).contains(name));
        assert!(
            kept,
            "{context}: `{name}` is not kept whole: {}",
            element.html()
        );
    }
}

#[test]
fn headlines_never_break_inside_the_names_of_the_seed_release() {
    let fixture = shipped();
    for (lang, name) in [("ja", "ジャック・マー"), ("zh", "马云")] {
        let file = format!("{lang}/{SEED}/index.html");
        let page = fixture.page(&file);
        let h1 = page.one("h1");
        assert_name_whole(h1, name, &file);
        if cfg!(feature = "cjk-phrases") {
            assert!(
                pieces(h1).len() > 1,
                "{file}: the headline has no phrase breaks: {}",
                h1.html()
            );
        }
        // The same title in every list: the releases list and the home page.
        for (list, css) in [
            (format!("{lang}/releases/index.html"), ".release-title"),
            (format!("{lang}/index.html"), ".release-title"),
        ] {
            let listed = fixture.page(&list);
            let entry = listed
                .select(css)
                .into_iter()
                .find(|e| text(*e).contains(name))
                .unwrap_or_else(|| panic!("{list}: no {css} with {name}"));
            assert_name_whole(entry, name, &list);
        }
    }
}

/// The downloads list's titles (the handbook summary's editions since the release PDFs were
/// removed): a word such as ハンドブック (issue 8: ハ／ンドブック at 390 px) is never split.
#[test]
fn download_titles_never_break_inside_a_word() {
    let fixture = shipped();
    for (lang, word) in [("ja", "ハンドブック"), ("zh", "手册")] {
        let list = format!("{lang}/downloads/index.html");
        let page = fixture.page(&list);
        let entry = page
            .select(".download-item h2")
            .into_iter()
            .find(|e| text(*e).contains(word))
            .unwrap_or_else(|| panic!("{list}: no .download-item h2 with {word}"));
        assert_name_whole(entry, word, &list);
        if cfg!(feature = "cjk-phrases") {
            assert!(
                pieces(entry).len() > 1,
                "{list}: no phrase breaks: {}",
                entry.html()
            );
        }
    }
}

#[test]
fn headings_in_the_body_get_phrase_breaks_but_keep_their_text_and_ids() {
    let fixture = shipped();
    let file = "ja/handbook/02-diagnosis-treatment/10-ecmo/index.html";
    let page = fixture.page(file);
    let headings = page.select(".prose h2");
    assert!(!headings.is_empty());
    for heading in headings {
        let id = heading.value().attr("id").expect("id");
        assert!(!id.contains("wbr"), "{file}: {id}");
        assert!(!text(heading).contains('<'), "{file}");
    }
    if cfg!(feature = "cjk-phrases") {
        assert!(
            page.select(".prose h2")
                .iter()
                .any(|h| h.inner_html().contains("<wbr>")),
            "{file}: no phrase breaks in the chapter's headings"
        );
    }
    // English is left alone.
    let en = fixture.page("en/handbook/02-diagnosis-treatment/10-ecmo/index.html");
    assert!(!en.html.html().contains("<wbr>"));
}
