//! Books: the web edition (table of contents, numbering, chapter navigation, heading anchors,
//! language switching), the print edition, the EPUB (its structure read here, its validity by
//! epubcheck) and the book's bad input.
//!
//! The fixture book is tests/fixtures/book/, copied with the real theme and locales into a temp
//! dir. Its order is set by weights that run against the file names:
//!
//! | number | key (under handbook/) | part               | note                         |
//! |--------|-----------------------|--------------------|------------------------------|
//! | 1      | p-intro/zeta          | Part One (p-intro) | table, footnote, cross link  |
//! | 2      | p-intro/alpha         |                    | two `## 概要`, has children  |
//! | 2.1    | p-intro/alpha/zz      |                    |                              |
//! | 2.2    | p-intro/alpha/aa      |                    |                              |
//! | 3      | a-practice/omega      | Part Two           | no English text              |
//! | 4      | a-practice/beta       |                    | relative and external links  |
//! | A      | 0-appendix/y          | Appendix           |                              |
//! | B      | 0-appendix/x          |                    |                              |

use crate::support;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use koho::{BuildOptions, BuildReport};
use scraper::{ElementRef, Html};
use support::{
    assert_same_files, copy_dir, error_in, file_for, manifest_dir, percent_decode, render, select,
    text, unwrap_report, Page, SiteFixture,
};

const LANGS: [&str; 3] = ["ja", "en", "zh"];

/// A chapter of the fixture book, in reading order.
struct Chapter {
    key: &'static str,
    number: &'static str,
    /// ja, en, zh; `None` where the chapter has no text in that language.
    titles: [Option<&'static str>; 3],
}

const CHAPTERS: [Chapter; 8] = [
    Chapter {
        key: "p-intro/zeta",
        number: "1",
        titles: [Some("はじめに"), Some("Introduction"), Some("引言")],
    },
    Chapter {
        key: "p-intro/alpha",
        number: "2",
        titles: [Some("用語"), Some("Terms"), Some("术语")],
    },
    Chapter {
        key: "p-intro/alpha/zz",
        number: "2.1",
        titles: [Some("定義"), Some("Definitions"), Some("定义")],
    },
    Chapter {
        key: "p-intro/alpha/aa",
        number: "2.2",
        titles: [Some("略語"), Some("Abbreviations"), Some("缩写")],
    },
    Chapter {
        key: "a-practice/omega",
        number: "3",
        titles: [Some("感染対策"), None, Some("感染控制")],
    },
    Chapter {
        key: "a-practice/beta",
        number: "4",
        titles: [Some("記録"), Some("Records"), Some("记录")],
    },
    Chapter {
        key: "0-appendix/y",
        number: "A",
        titles: [Some("書式例"), Some("Sample forms"), Some("表格示例")],
    },
    Chapter {
        key: "0-appendix/x",
        number: "B",
        titles: [Some("連絡先"), Some("Contacts"), Some("联系方式")],
    },
];

/// The parts in order: key, label per language, title per language.
const PARTS: [(&str, [&str; 3], [&str; 3]); 3] = [
    (
        "p-intro",
        ["第1部", "Part One", "第一部分"],
        ["基礎", "Basics", "基础"],
    ),
    (
        "a-practice",
        ["第2部", "Part Two", "第二部分"],
        ["実践", "Practice", "实践"],
    ),
    (
        "0-appendix",
        ["付録", "Appendix", "附录"],
        ["資料", "Reference material", "参考资料"],
    ),
];

const BOOK_TITLES: [&str; 3] = ["試験ハンドブック", "Test Handbook", "测试手册"];
const LANG_TAGS: [&str; 3] = ["ja", "en", "zh-Hans"];

/// The ids of chapter 2's h2 headings, per language: the second `概要` gets `-1`.
const CHAPTER_2_IDS: [[&str; 3]; 3] = [
    ["概要", "手順", "概要-1"],
    ["overview", "steps", "overview-1"],
    ["概述", "步骤", "概述-1"],
];

fn lang_index(lang: &str) -> usize {
    LANGS
        .iter()
        .position(|l| *l == lang)
        .expect("known language")
}

impl Chapter {
    fn title(&self, lang: &str) -> Option<&'static str> {
        self.titles[lang_index(lang)]
    }

    fn url(&self, lang: &str) -> String {
        format!("/{lang}/handbook/{}/", self.key)
    }

    fn file(&self, lang: &str) -> String {
        file_for(&self.url(lang))
    }

    /// `2.1 定義`: how the chapter is listed.
    fn heading(&self, lang: &str) -> Option<String> {
        self.title(lang).map(|t| format!("{} {t}", self.number))
    }
}

/// The chapters that have text in `lang`, in reading order.
fn chapters_in(lang: &str) -> Vec<&'static Chapter> {
    CHAPTERS
        .iter()
        .filter(|c| c.title(lang).is_some())
        .collect()
}

fn chapter(key: &str) -> &'static Chapter {
    CHAPTERS
        .iter()
        .find(|c| c.key == key)
        .expect("known chapter")
}

/// The fixture book in a temp dir (not built).
fn fixture() -> SiteFixture {
    let fixture = SiteFixture::bare();
    copy_dir(&manifest_dir().join("tests/fixtures/book"), fixture.root());
    fixture
}

/// The fixture book, built.
fn built() -> (SiteFixture, BuildReport) {
    let fixture = fixture();
    let report = fixture.build_ok();
    (fixture, report)
}

/// The text of an element without the text of its `.toc-label`, and that label.
fn labelled(element: ElementRef<'_>) -> (String, String) {
    let label = element
        .select(&scraper::Selector::parse(".toc-label, .chapter-number").expect("selector"))
        .next()
        .map(text)
        .unwrap_or_default();
    let all = text(element);
    let title = all
        .strip_prefix(&label)
        .map(str::trim)
        .unwrap_or(&all)
        .to_string();
    (label, title)
}

/// Every id of a parsed document, with duplicates.
fn ids(html: &Html) -> Vec<String> {
    select(html, "[id]")
        .iter()
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect()
}

/// Ids that occur more than once.
fn duplicates(ids: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut dups: Vec<String> = ids
        .iter()
        .filter(|id| !seen.insert(id.as_str()))
        .cloned()
        .collect();
    dups.dedup();
    dups
}

/// Whether a fragment (as written in an href, maybe percent-encoded) names one of `ids`, as a
/// browser finds it: the fragment itself, else its percent-decoded form.
fn fragment_found(fragment: &str, ids: &HashSet<String>) -> bool {
    ids.contains(fragment) || ids.contains(&percent_decode(fragment))
}

/// Splits an internal href into its output file and decoded fragment.
fn split_href(href: &str) -> (String, Option<String>) {
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (href, None),
    };
    (file_for(path), fragment)
}

/// Asserts that an internal href (`/ja/x/#y`) lands on an existing output file and, if it has a
/// fragment, on an element with that id; returns the file.
fn assert_lands(fixture: &SiteFixture, from: &str, href: &str) -> String {
    assert!(
        href.starts_with('/'),
        "{from}: `{href}` is not a site-internal link"
    );
    let (file, fragment) = split_href(href);
    assert!(
        fixture.exists(&file),
        "{from}: `{href}` is a dead link ({file} was not written)"
    );
    if let Some(fragment) = fragment {
        let target = fixture.page(&file);
        let ids: HashSet<String> = ids(&target.html).into_iter().collect();
        assert!(
            ids.contains(&fragment),
            "{from}: `{href}` has no element with id `{fragment}` in {file}"
        );
    }
    file
}

/// The direct children of `element` named `name`.
fn children<'a>(element: ElementRef<'a>, name: &str) -> Vec<ElementRef<'a>> {
    element
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == name)
        .collect()
}

fn book_home(fixture: &SiteFixture, lang: &str) -> Page {
    fixture.page(&format!("{lang}/handbook/index.html"))
}

fn print_page(fixture: &SiteFixture, lang: &str) -> Page {
    fixture.page(&format!("{lang}/handbook/print/index.html"))
}

// ---------------------------------------------------------------------------------------------
// Web edition: table of contents and numbering
// ---------------------------------------------------------------------------------------------

#[test]
fn toc_follows_weights_across_parts_with_numbers_and_localised_part_labels() {
    let (fixture, _) = built();
    for lang in LANGS {
        let home = book_home(&fixture, lang);
        let i = lang_index(lang);
        let toc = home.one("nav.book-contents ol.book-toc");

        let parts: Vec<(String, String)> = children(toc, "li")
            .into_iter()
            .map(|li| {
                assert!(
                    li.value().classes().any(|c| c == "toc-part"),
                    "{lang}: a top-level TOC entry is not a part"
                );
                labelled(children(li, "a")[0])
            })
            .collect();
        let expected_parts: Vec<(String, String)> = PARTS
            .iter()
            .map(|(_, labels, titles)| (labels[i].to_string(), titles[i].to_string()))
            .collect();
        assert_eq!(parts, expected_parts, "{lang}: parts of the book home TOC");

        // Chapters in document order, nested ones included; sections are not toc-chapter.
        let chapters: Vec<String> = select(&home.html, "nav.book-contents li.toc-chapter > a")
            .into_iter()
            .map(text)
            .collect();
        let expected: Vec<String> = CHAPTERS
            .iter()
            .map(|c| {
                // A chapter missing in this language is listed with the default language's title.
                let title = c.title(lang).or(c.title("ja")).expect("ja title");
                format!("{} {title}", c.number)
            })
            .collect();
        assert_eq!(chapters, expected, "{lang}: chapters of the book home TOC");

        // Each chapter of a part sits inside that part's entry.
        for (part_key, _, _) in PARTS {
            let part_li = children(toc, "li")
                .into_iter()
                .find(|li| {
                    children(*li, "a")[0].value().attr("href")
                        == Some(format!("/{lang}/handbook/{part_key}/").as_str())
                        || children(*li, "a")[0].value().attr("href")
                            == Some(format!("/ja/handbook/{part_key}/").as_str())
                })
                .unwrap_or_else(|| panic!("{lang}: no TOC entry for part {part_key}"));
            let inside: Vec<String> = part_li
                .select(&scraper::Selector::parse("li.toc-chapter > a").expect("selector"))
                .filter_map(|a| a.value().attr("href").map(str::to_string))
                .collect();
            for c in CHAPTERS
                .iter()
                .filter(|c| c.key.starts_with(&format!("{part_key}/")))
            {
                let url_here = c.url(lang);
                let url_ja = c.url("ja");
                assert!(
                    inside.contains(&url_here) || inside.contains(&url_ja),
                    "{lang}: chapter {} is not listed inside part {part_key}: {inside:?}",
                    c.number
                );
            }
        }
    }
}

#[test]
fn toc_lists_each_chapters_h2_sections_with_their_anchors() {
    let (fixture, _) = built();
    for lang in LANGS {
        let home = book_home(&fixture, lang);
        let alpha = chapter("p-intro/alpha");
        let li = home
            .select("nav.book-contents li.toc-chapter")
            .into_iter()
            .find(|li| children(*li, "a")[0].value().attr("href") == Some(&alpha.url(lang)))
            .unwrap_or_else(|| panic!("{lang}: chapter 2 not in the TOC"));
        // Only the chapter's own sections, not those of its nested chapters.
        let own_sections = children(li, "ol")
            .into_iter()
            .find(|ol| ol.value().classes().any(|c| c == "toc-sections"))
            .unwrap_or_else(|| panic!("{lang}: chapter 2 lists no sections"));
        let sections: Vec<(String, String)> = own_sections
            .select(&scraper::Selector::parse("a").expect("selector"))
            .map(|a| {
                let (label, _) = labelled(a);
                let href = a.value().attr("href").unwrap_or_default();
                // Every URL koho writes is percent-encoded (ASCII), fragments included.
                assert!(href.is_ascii(), "{lang}: `{href}` is not encoded");
                (label, percent_decode(href))
            })
            .collect();
        // Chapter 2 has nested chapters (2.1, 2.2), which own those numbers: its sections
        // are listed without numbers.
        let expected: Vec<(String, String)> = CHAPTER_2_IDS[lang_index(lang)]
            .iter()
            .map(|id| (String::new(), format!("{}#{id}", alpha.url(lang))))
            .collect();
        assert_eq!(sections, expected, "{lang}: sections of chapter 2");
        for (_, href) in &sections {
            assert_lands(&fixture, &home.path, href);
        }
    }
}

#[test]
fn book_home_shows_title_block_notice_and_editions() {
    let (fixture, _) = built();
    let home = book_home(&fixture, "ja");
    assert_eq!(home.text(".book-title-block h1"), "試験ハンドブック");
    assert_eq!(
        home.text(".book-title-block .book-subtitle"),
        "二つの部と付録"
    );
    let meta = home.text(".book-title-block .book-meta");
    for expected in ["山田太郎（編集長）, 李華", "試験出版", "日本語版", "2021"]
    {
        assert!(
            meta.contains(expected),
            "book meta lacks `{expected}`: {meta}"
        );
    }
    assert!(home
        .text(".book-notice")
        .contains("これはテスト用の本です。"));
    let editions = home.attrs(".book-editions a", "href");
    assert!(
        editions.contains(&"/ja/handbook/print/".to_string()),
        "{editions:?}"
    );
    assert!(
        editions.contains(&"/ja/handbook/handbook-ja.epub".to_string()),
        "{editions:?}"
    );
    for href in editions {
        assert_lands(&fixture, &home.path, &href);
    }
}

#[test]
fn chapter_page_shows_its_number_part_and_marks_itself_in_the_sidebar() {
    let (fixture, _) = built();
    for lang in LANGS {
        let i = lang_index(lang);
        for c in chapters_in(lang) {
            let page = fixture.page(&c.file(lang));
            let (number, title) = labelled(page.one("article.book-chapter header h1"));
            assert_eq!(
                (number.as_str(), Some(title.as_str())),
                (c.number, c.title(lang))
            );
            let part = PARTS
                .iter()
                .find(|(key, _, _)| c.key.starts_with(&format!("{key}/")))
                .expect("every fixture chapter is in a part");
            assert_eq!(
                page.text(".chapter-kicker"),
                format!("{} {}", part.1[i], part.2[i]),
                "{}",
                page.path
            );
            // The sidebar TOC can be folded away (a details element) and marks the chapter.
            let current =
                page.one(".book-sidebar details.book-sidebar-toc a[aria-current=\"page\"]");
            assert_eq!(current.value().attr("href"), Some(c.url(lang).as_str()));
            for href in page.attrs(".book-sidebar a", "href") {
                assert_lands(&fixture, &page.path, &href);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Previous / next
// ---------------------------------------------------------------------------------------------

#[test]
fn previous_next_chain_crosses_part_boundaries_in_reading_order() {
    let (fixture, _) = built();
    for lang in LANGS {
        let expected: Vec<String> = chapters_in(lang).iter().map(|c| c.url(lang)).collect();
        if lang == "en" {
            assert!(
                !expected.contains(&chapter("a-practice/omega").url("en")),
                "the English chain must skip chapter 3"
            );
        }
        // Forwards from the first chapter.
        let mut forwards = vec![expected[0].clone()];
        loop {
            let page = fixture.page(&file_for(forwards.last().expect("one")));
            let next = page.attrs("nav.chapter-nav a.chapter-next", "href");
            match next.as_slice() {
                [] => break,
                [href] => {
                    assert!(forwards.len() <= CHAPTERS.len(), "{lang}: the chain loops");
                    forwards.push(href.clone());
                }
                more => panic!("{}: several next links {more:?}", page.path),
            }
        }
        assert_eq!(forwards, expected, "{lang}: following `next`");
        // Backwards from the last one.
        let mut backwards = vec![expected.last().expect("chapters").clone()];
        loop {
            let page = fixture.page(&file_for(backwards.last().expect("one")));
            let previous = page.attrs("nav.chapter-nav a.chapter-prev", "href");
            match previous.as_slice() {
                [] => break,
                [href] => {
                    assert!(backwards.len() <= CHAPTERS.len(), "{lang}: the chain loops");
                    backwards.push(href.clone());
                }
                more => panic!("{}: several previous links {more:?}", page.path),
            }
        }
        backwards.reverse();
        assert_eq!(backwards, expected, "{lang}: following `previous`");

        // The link's text names the neighbour: number and title.
        let chapters = chapters_in(lang);
        for pair in chapters.windows(2) {
            let page = fixture.page(&pair[0].file(lang));
            let next = page.one("nav.chapter-nav a.chapter-next .chapter-nav-title");
            assert_eq!(Some(text(next)), pair[1].heading(lang), "{}", page.path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A chapter missing in one language
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_chapter_is_a_warning_naming_chapter_and_language() {
    let (_fixture, report) = built();
    let book_warnings: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("handbook/"))
        .collect();
    assert_eq!(
        book_warnings.len(),
        1,
        "expected one warning, for chapter 3 in English:\n{}",
        render(&report.warnings)
    );
    let warning = book_warnings[0];
    assert!(!warning.is_error());
    assert!(
        warning.message.contains("handbook/a-practice/omega") && warning.message.contains("`en`"),
        "the warning must name the chapter and the language: {warning}"
    );
    let location = warning.location.as_ref().expect("the warning has a file");
    assert!(
        support::same_path(&location.path, "content/handbook/a-practice/omega.ja.md"),
        "{warning}"
    );
}

#[test]
fn paginate_by_in_a_book_is_an_error_naming_the_file_and_line() {
    let fixture = fixture();
    let part = "content/handbook/a-practice/_index.en.md";
    fixture.replace(part, "weight = 2", "weight = 2\npaginate_by = 2");
    let diagnostics = fixture.build_errors();
    let error = support::error_in(&diagnostics, part);
    assert!(error.message.contains("paginate_by in a book"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(4), "{error}");
    assert!(!fixture.exists("en/handbook/a-practice/page/2/index.html"));
}

#[test]
fn missing_chapter_warning_is_printed_by_the_binary_and_the_build_succeeds() {
    let fixture = fixture();
    let run = fixture.run_build(&[]);
    assert_eq!(run.code, 0, "{run:?}");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("handbook/a-practice/omega"))
        .unwrap_or_else(|| panic!("no warning about chapter 3 on stderr:\n{}", run.stderr));
    assert!(line.contains("warning") && line.contains("`en`"), "{line}");
    assert!(fixture.exists("en/handbook/index.html"));
}

#[test]
fn missing_chapter_is_unavailable_in_the_english_toc_and_never_a_dead_link() {
    let (fixture, _) = built();
    let omega = chapter("a-practice/omega");
    assert!(
        !fixture.exists(&omega.file("en")),
        "omit mode: no English page for chapter 3"
    );
    // The book home and the sidebar of every English chapter page.
    let mut pages = vec![book_home(&fixture, "en")];
    pages.extend(
        chapters_in("en")
            .iter()
            .map(|c| fixture.page(&c.file("en"))),
    );
    for page in &pages {
        let entry = page
            .select("ol.book-toc li.toc-chapter > a")
            .into_iter()
            .find(|a| text(*a).starts_with("3 "))
            .unwrap_or_else(|| panic!("{}: chapter 3 is not in the TOC", page.path));
        assert!(
            entry.value().classes().any(|c| c == "unavailable"),
            "{}: chapter 3 is not marked unavailable",
            page.path
        );
        assert_eq!(entry.value().attr("lang"), Some("ja"), "{}", page.path);
        let href = entry.value().attr("href").expect("href");
        let file = assert_lands(&fixture, &page.path, href);
        assert_eq!(file, omega.file("ja"));
        // Every other TOC link of the page lands too.
        for href in page.attrs("ol.book-toc a", "href") {
            assert_lands(&fixture, &page.path, &href);
        }
        // Available chapters are not marked.
        let marked = page.select("ol.book-toc a.unavailable").len();
        assert_eq!(marked, 1, "{}: only chapter 3 is unavailable", page.path);
    }
    // The Japanese TOC has nothing unavailable.
    assert!(book_home(&fixture, "ja").select("a.unavailable").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Heading anchors, links, tables, footnotes
// ---------------------------------------------------------------------------------------------

#[test]
fn heading_ids_keep_cjk_text_collisions_get_a_suffix_and_on_this_page_links_them() {
    let (fixture, _) = built();
    let alpha = chapter("p-intro/alpha");
    for lang in LANGS {
        let page = fixture.page(&alpha.file(lang));
        let h2_ids = page.attrs("article.book-chapter .prose h2", "id");
        let expected: Vec<String> = CHAPTER_2_IDS[lang_index(lang)]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(h2_ids, expected, "{}", page.path);

        // Each heading carries a `#` link to itself.
        for h2 in page.select("article.book-chapter .prose h2") {
            let id = h2.value().attr("id").expect("id");
            let anchor = children(h2, "a");
            assert_eq!(
                anchor.len(),
                1,
                "{}: heading {id} has no anchor link",
                page.path
            );
            let href = anchor[0].value().attr("href").unwrap_or_default();
            assert!(href.is_ascii(), "`{href}` is not percent-encoded");
            assert_eq!(percent_decode(href), format!("#{id}"));
        }

        // "On this page" lists every h2 in order, numbered 2.1 …
        let on_this_page: Vec<(String, String)> = page
            .select("nav.on-this-page li a")
            .into_iter()
            .map(|a| {
                (
                    labelled(a).0,
                    percent_decode(a.value().attr("href").unwrap_or_default()),
                )
            })
            .collect();
        // Unnumbered: the nested chapters 2.1 and 2.2 own those numbers.
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|id| (String::new(), format!("#{id}")))
            .collect();
        assert_eq!(on_this_page, expected, "{}", page.path);

        // Every in-page link resolves, and ids are unique on the page.
        let all_ids = ids(&page.html);
        assert!(
            duplicates(&all_ids).is_empty(),
            "{}: duplicate ids {:?}",
            page.path,
            duplicates(&all_ids)
        );
        let id_set: HashSet<String> = all_ids.into_iter().collect();
        for href in page.attrs("a[href^=\"#\"]", "href") {
            assert!(
                fragment_found(&href[1..], &id_set),
                "{}: `{href}` has no target",
                page.path
            );
        }
        // The link in the text to the first 概要 goes to the first one, not to `-1`.
        let back = page
            .select("article.book-chapter .prose p a")
            .into_iter()
            .map(|a| a.value().attr("href").unwrap_or_default().to_string())
            .collect::<Vec<_>>();
        assert_eq!(
            back.iter().map(|h| percent_decode(h)).collect::<Vec<_>>(),
            vec![format!("#{}", expected[0].1.trim_start_matches('#'))],
            "{}",
            page.path
        );
    }
}

#[test]
fn ids_are_unique_on_every_chapter_page() {
    let (fixture, _) = built();
    for lang in LANGS {
        for c in chapters_in(lang) {
            let page = fixture.page(&c.file(lang));
            let all = ids(&page.html);
            assert!(
                duplicates(&all).is_empty(),
                "{}: duplicate ids {:?}",
                page.path,
                duplicates(&all)
            );
        }
    }
}

#[test]
fn cross_chapter_link_goes_to_the_other_chapters_heading() {
    let (fixture, _) = built();
    let zeta = chapter("p-intro/zeta");
    let alpha = chapter("p-intro/alpha");
    for lang in LANGS {
        let page = fixture.page(&zeta.file(lang));
        let links: Vec<String> = page
            .attrs("article.book-chapter .prose a", "href")
            .into_iter()
            .filter(|h| h.starts_with('/'))
            .collect();
        assert_eq!(links.len(), 1, "{}: {links:?}", page.path);
        let second = CHAPTER_2_IDS[lang_index(lang)][2];
        assert_eq!(
            percent_decode(&links[0]),
            format!("{}#{second}", alpha.url(lang)),
            "{}",
            page.path
        );
        let file = assert_lands(&fixture, &page.path, &links[0]);
        // The id is the second of the two equal headings.
        let target = fixture.page(&file);
        let h2s = target.select("article.book-chapter .prose h2");
        assert_eq!(h2s[2].value().attr("id"), Some(second));
        assert_eq!(
            text(h2s[0]).trim_end_matches('#'),
            text(h2s[2]).trim_end_matches('#')
        );
    }
    // A relative link (`../p-intro/zeta.md`) goes to chapter 1 in the page's language.
    for lang in LANGS {
        let beta = chapter("a-practice/beta");
        let page = fixture.page(&beta.file(lang));
        let hrefs = page.attrs("article.book-chapter .prose a", "href");
        assert!(hrefs.contains(&zeta.url(lang)), "{}: {hrefs:?}", page.path);
        for href in hrefs.iter().filter(|h| h.starts_with('/')) {
            assert_lands(&fixture, &page.path, href);
        }
    }
    // The English chapter 4 links chapter 3, which exists only in Japanese: the Japanese page.
    let page = fixture.page(&chapter("a-practice/beta").file("en"));
    assert!(page
        .attrs("article.book-chapter .prose a", "href")
        .contains(&chapter("a-practice/omega").url("ja")));
}

#[test]
fn tables_and_footnotes_are_rendered() {
    let (fixture, _) = built();
    let zeta = chapter("p-intro/zeta");
    let headers = [["記号", "意味"], ["Mark", "Meaning"], ["符号", "含义"]];
    for lang in LANGS {
        let page = fixture.page(&zeta.file(lang));
        let th: Vec<String> = page
            .select("article.book-chapter .prose table thead th")
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(th, headers[lang_index(lang)], "{}", page.path);
        assert_eq!(
            page.select("article.book-chapter .prose table tbody tr")
                .len(),
            2
        );
        let reference = page.one(".prose sup.footnote-reference a");
        let href = reference.value().attr("href").expect("href");
        let definition = page.one(".prose .footnote-definition");
        let id = definition.value().attr("id").expect("footnote id");
        assert_eq!(percent_decode(&href[1..]), id, "{}", page.path);
        assert!(text(definition).contains("2021"), "{}", page.path);
    }
}

// ---------------------------------------------------------------------------------------------
// Language switcher
// ---------------------------------------------------------------------------------------------

#[test]
fn language_switcher_lands_on_the_same_chapter_in_the_other_language() {
    let (fixture, _) = built();
    for lang in LANGS {
        for c in chapters_in(lang) {
            let page = fixture.page(&c.file(lang));
            let links = page.select("nav.language-switcher a");
            assert_eq!(links.len(), 2, "{}: two other languages", page.path);
            for a in links {
                let tag = a.value().attr("hreflang").expect("hreflang");
                let other = LANGS[LANG_TAGS.iter().position(|t| *t == tag).expect("known tag")];
                assert_ne!(other, lang);
                let href = a.value().attr("href").expect("href");
                let file = assert_lands(&fixture, &page.path, href);
                if c.title(other).is_some() {
                    assert_eq!(href, c.url(other), "{}: switch to {other}", page.path);
                    let target = fixture.page(&file);
                    let (number, title) = labelled(target.one("article.book-chapter header h1"));
                    assert_eq!(
                        (number.as_str(), Some(title.as_str())),
                        (c.number, c.title(other))
                    );
                } else {
                    // No English chapter 3: the switcher says so and links an English page.
                    assert!(
                        a.value().classes().any(|k| k == "unavailable"),
                        "{}: the switcher to {other} should be marked unavailable",
                        page.path
                    );
                    assert!(href.starts_with(&format!("/{other}/")), "{href}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Print edition
// ---------------------------------------------------------------------------------------------

#[test]
fn print_edition_holds_every_chapter_in_reading_order() {
    let (fixture, _) = built();
    for lang in LANGS {
        let i = lang_index(lang);
        let page = print_page(&fixture, lang);
        let chapters: Vec<String> = page
            .select("section.print-chapter > h2")
            .into_iter()
            .map(text)
            .collect();
        let expected: Vec<String> = chapters_in(lang)
            .iter()
            .filter_map(|c| c.heading(lang))
            .collect();
        assert_eq!(chapters, expected, "{}", page.path);
        let parts: Vec<String> = page
            .select("section.print-part > h2")
            .into_iter()
            .map(text)
            .collect();
        let expected_parts: Vec<String> = PARTS
            .iter()
            .map(|(_, l, t)| format!("{} {}", l[i], t[i]))
            .collect();
        assert_eq!(parts, expected_parts, "{}", page.path);

        // Parts come before their chapters: the order of all sections.
        let order: Vec<String> = page
            .select("section.print-part > h2, section.print-chapter > h2")
            .into_iter()
            .map(text)
            .collect();
        let position = |s: &String| order.iter().position(|o| o == s).expect("present");
        assert!(position(&expected_parts[0]) < position(&expected[0]));
        assert!(
            position(&expected_parts[1])
                < position(&chapter("a-practice/beta").heading(lang).expect("beta"))
        );
        assert!(
            position(&expected_parts[1])
                > position(&chapter("p-intro/alpha/aa").heading(lang).expect("aa"))
        );
        assert!(
            position(&expected_parts[2])
                < position(&chapter("0-appendix/y").heading(lang).expect("y"))
        );

        // The print TOC lists the same sections in the same order, linking to them.
        let toc: Vec<String> = page
            .select("nav.print-toc li a")
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(toc, order, "{}: print TOC", page.path);
        let section_ids: Vec<String> = page
            .select("section.print-part, section.print-chapter")
            .into_iter()
            .map(|s| format!("#{}", s.value().attr("id").expect("section id")))
            .collect();
        assert_eq!(page.attrs("nav.print-toc li a", "href"), section_ids);

        // The chapter bodies are there, not only their titles.
        let body = text(page.one("main"));
        assert!(body.contains("2021"), "footnote text missing");
        assert!(!page.select("section.print-chapter table").is_empty());
    }
}

#[test]
fn print_edition_links_resolve_in_page_and_ids_are_unique() {
    let (fixture, _) = built();
    let alpha = chapter("p-intro/alpha");
    for lang in LANGS {
        let page = print_page(&fixture, lang);
        let all = ids(&page.html);
        assert!(
            duplicates(&all).is_empty(),
            "{}: duplicate ids {:?}",
            page.path,
            duplicates(&all)
        );
        let id_set: HashSet<String> = all.into_iter().collect();
        let in_page = page.attrs("a[href^=\"#\"]", "href");
        assert!(in_page.len() > 20, "{}: few in-page links", page.path);
        for href in &in_page {
            assert!(
                fragment_found(&href[1..], &id_set),
                "{}: `{href}` has no target on the page",
                page.path
            );
        }
        // No navigation chrome.
        for chrome in [
            ".site-nav",
            ".language-switcher",
            ".chapter-nav",
            ".book-sidebar",
            ".breadcrumbs",
            ".on-this-page",
            ".site-footer",
        ] {
            assert!(
                page.select(chrome).is_empty(),
                "{}: has {chrome}",
                page.path
            );
        }

        let section_of = |heading: &str| {
            page.select("section.print-chapter")
                .into_iter()
                .find(|s| text(children(*s, "h2")[0]) == heading)
                .unwrap_or_else(|| panic!("{}: no section `{heading}`", page.path))
        };
        // Chapter 1's link to chapter 2's second overview became an in-page link to it.
        let ch1 = section_of(&chapter("p-intro/zeta").heading(lang).expect("ch 1"));
        let ch2 = section_of(&alpha.heading(lang).expect("ch 2"));
        let ch1_links: Vec<String> = ch1
            .select(&scraper::Selector::parse(".prose p a").expect("selector"))
            .filter(|a| a.value().attr("class").is_none())
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .filter(|h| !h.contains("footnote"))
            .collect();
        let cross = ch1_links
            .iter()
            .find(|h| h.starts_with('#') && !h[1..].is_empty())
            .unwrap_or_else(|| {
                panic!("{}: no in-page link in chapter 1: {ch1_links:?}", page.path)
            });
        assert!(
            !ch1_links.iter().any(|h| h.contains("/handbook/")),
            "{}: a chapter link was left pointing at the web edition: {ch1_links:?}",
            page.path
        );
        let second_overview = ch2
            .select(&scraper::Selector::parse(".prose h3").expect("selector"))
            .nth(2)
            .expect("third section heading of chapter 2 (h3 on the print page)");
        let target_id = second_overview.value().attr("id").expect("id");
        let targets: Vec<String> = ch1_links
            .iter()
            .filter(|h| h.starts_with('#'))
            .map(|h| percent_decode(&h[1..]))
            .collect();
        assert!(
            targets.contains(&target_id.to_string()),
            "{}: chapter 1 links {targets:?}, not chapter 2's second overview `{target_id}` ({cross})",
            page.path
        );

        // Chapter 4's relative link to chapter 1 goes to chapter 1's section; the external
        // link stays as it is.
        let ch4 = section_of(&chapter("a-practice/beta").heading(lang).expect("ch 4"));
        let ch4_links: Vec<String> = ch4
            .select(&scraper::Selector::parse(".prose a").expect("selector"))
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        let ch1_id = ch1.value().attr("id").expect("chapter 1 section id");
        assert!(
            ch4_links.contains(&format!("#{ch1_id}")),
            "{}: chapter 4 → chapter 1 is not in-page: {ch4_links:?}",
            page.path
        );
        assert!(ch4_links.contains(&"https://example.com/guide".to_string()));
        // Any link left pointing into the site lands on a page that exists.
        for href in page.attrs("main a", "href") {
            if href.starts_with('/') {
                assert_lands(&fixture, &page.path, &href);
            }
        }
    }
    // The English chapter 4 links chapter 3, absent from the English print edition: it
    // links the Japanese web page instead of a missing anchor.
    let en = print_page(&fixture, "en");
    assert!(en
        .attrs("main a", "href")
        .contains(&chapter("a-practice/omega").url("ja")));
}

#[test]
fn print_stylesheet_starts_chapters_on_a_new_page_and_prints_external_urls() {
    let (fixture, _) = built();
    let page = print_page(&fixture, "ja");
    let sheets = page.attrs("link[rel=\"stylesheet\"]", "href");
    let css: String = sheets
        .iter()
        .map(|href| {
            assert_lands(&fixture, &page.path, href);
            fixture.read_output(href.trim_start_matches('/'))
        })
        .collect();
    let print = css
        .split("@media print")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!print.is_empty(), "no print rules in {sheets:?}");
    let compact: String = print.split_whitespace().collect();
    assert!(
        compact.contains(".print-chapter") && compact.contains("break-before:page"),
        "chapters do not start a new page"
    );
    assert!(
        compact.contains("a[href^=\"http\"]::after") && compact.contains("attr(href)"),
        "external URLs are not printed after their links"
    );
}

#[test]
fn print_and_epub_links_follow_a_base_path() {
    let fixture = fixture();
    unwrap_report(fixture.build_with(|o| o.base_url = Some("https://example.org/sub/".into())));
    let page = print_page(&fixture, "ja");
    let id_set: HashSet<String> = ids(&page.html).into_iter().collect();
    for href in page.attrs("main a", "href") {
        assert!(
            !href.contains("/handbook/"),
            "{}: `{href}` still points to the web edition",
            page.path
        );
        if let Some(fragment) = href.strip_prefix('#') {
            assert!(fragment_found(fragment, &id_set), "`{href}`");
        }
    }
    let epub = Epub::read(&fixture.output().join("en/handbook/handbook-en.epub"));
    epub.assert_internal_links();
    let beta = epub.chapter_document("4 Records");
    let hrefs: Vec<String> = select(&beta, "a[href]")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(
        hrefs.contains(&"https://example.org/sub/ja/handbook/a-practice/omega/".to_string()),
        "a chapter absent from the EPUB is linked on the web, under the base path: {hrefs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// EPUB
// ---------------------------------------------------------------------------------------------

/// An EPUB read into memory.
struct Epub {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Entry names in archive order.
    names: Vec<String>,
    entries: BTreeMap<String, Vec<u8>>,
}

impl Epub {
    fn read(path: &Path) -> Epub {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.clone()))
            .unwrap_or_else(|e| panic!("{} is not a zip: {e}", path.display()));
        let mut names = Vec::new();
        let mut entries = BTreeMap::new();
        for index in 0..archive.len() {
            let mut file = archive.by_index(index).expect("zip entry");
            let name = file.name().to_string();
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("read zip entry");
            names.push(name.clone());
            assert!(
                entries.insert(name.clone(), content).is_none(),
                "{}: entry {name} twice",
                path.display()
            );
        }
        Epub {
            path: path.to_path_buf(),
            bytes,
            names,
            entries,
        }
    }

    fn text(&self, name: &str) -> String {
        let bytes = self
            .entries
            .get(name)
            .unwrap_or_else(|| panic!("{}: no entry {name}", self.path.display()));
        String::from_utf8(bytes.clone()).expect("UTF-8 entry")
    }

    /// The package document's path, from META-INF/container.xml.
    fn package_path(&self) -> String {
        let container = self.text("META-INF/container.xml");
        let rootfiles = xml_elements(&container, "rootfile");
        assert_eq!(rootfiles.len(), 1, "{container}");
        let (attrs, _) = &rootfiles[0];
        assert_eq!(
            attrs.get("media-type").map(String::as_str),
            Some("application/oebps-package+xml")
        );
        attrs.get("full-path").expect("full-path").clone()
    }

    /// The folder of the package document, with a trailing `/` (or empty).
    fn package_dir(&self) -> String {
        let package = self.package_path();
        package
            .rsplit_once('/')
            .map_or(String::new(), |(dir, _)| format!("{dir}/"))
    }

    /// Manifest items: id → (href relative to the archive root, media type, properties).
    fn manifest(&self) -> BTreeMap<String, (String, String, String)> {
        let opf = self.text(&self.package_path());
        let dir = self.package_dir();
        xml_elements(&opf, "item")
            .into_iter()
            .map(|(attrs, _)| {
                let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
                (
                    get("id"),
                    (
                        format!("{dir}{}", get("href")),
                        get("media-type"),
                        get("properties"),
                    ),
                )
            })
            .collect()
    }

    /// The spine's documents in reading order, as archive paths.
    fn spine(&self) -> Vec<String> {
        let opf = self.text(&self.package_path());
        let manifest = self.manifest();
        xml_elements(&opf, "itemref")
            .into_iter()
            .map(|(attrs, _)| {
                let idref = attrs.get("idref").expect("idref");
                manifest
                    .get(idref)
                    .unwrap_or_else(|| panic!("spine item {idref} not in the manifest"))
                    .0
                    .clone()
            })
            .collect()
    }

    fn xhtml(&self, name: &str) -> Html {
        Html::parse_document(&self.text(name))
    }

    /// The archive path of the navigation document.
    fn nav_path(&self) -> String {
        let navs: Vec<String> = self
            .manifest()
            .into_values()
            .filter(|(_, _, properties)| properties.split_whitespace().any(|p| p == "nav"))
            .map(|(href, _, _)| href)
            .collect();
        assert_eq!(navs.len(), 1, "{}: one nav item", self.path.display());
        navs[0].clone()
    }

    /// (archive path, heading text) of each document holding a chapter, in spine order.
    fn chapters(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for name in self.spine() {
            let doc = self.xhtml(&name);
            let sections: Vec<ElementRef> = select(&doc, "section")
                .into_iter()
                .filter(|s| s.value().attr("epub:type") == Some("chapter"))
                .collect();
            assert!(
                sections.len() <= 1,
                "{}: {name} holds {} chapters",
                self.path.display(),
                sections.len()
            );
            if let Some(section) = sections.first() {
                let h1 = section
                    .select(&scraper::Selector::parse("h1").expect("selector"))
                    .next()
                    .unwrap_or_else(|| panic!("{name}: chapter without h1"));
                out.push((name, text(h1)));
            }
        }
        out
    }

    fn chapter_document(&self, heading: &str) -> Html {
        let (name, _) = self
            .chapters()
            .into_iter()
            .find(|(_, h)| h == heading)
            .unwrap_or_else(|| panic!("{}: no chapter `{heading}`", self.path.display()));
        self.xhtml(&name)
    }

    /// Every relative href and src of every XHTML document lands on an entry of the archive
    /// and, with a fragment, on an id of that entry.
    fn assert_internal_links(&self) {
        let ids_of =
            |name: &str| -> HashSet<String> { ids(&self.xhtml(name)).into_iter().collect() };
        for name in self.names.iter().filter(|n| n.ends_with(".xhtml")) {
            let doc = self.xhtml(name);
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
            let all = ids(&doc);
            assert!(
                duplicates(&all).is_empty(),
                "{}: {name} has duplicate ids {:?}",
                self.path.display(),
                duplicates(&all)
            );
            let mut refs: Vec<String> = Vec::new();
            for (css, attr) in [
                ("a[href]", "href"),
                ("link[href]", "href"),
                ("img[src]", "src"),
            ] {
                refs.extend(
                    select(&doc, css)
                        .iter()
                        .filter_map(|e| e.value().attr(attr).map(str::to_string)),
                );
            }
            for reference in refs {
                if reference.starts_with("http://")
                    || reference.starts_with("https://")
                    || reference.starts_with("mailto:")
                {
                    continue;
                }
                assert!(
                    !reference.starts_with('/'),
                    "{}: {name} refers to `{reference}`, a path of the web site",
                    self.path.display()
                );
                let (file, fragment) = reference
                    .split_once('#')
                    .map_or((reference.as_str(), None), |(f, g)| (f, Some(g)));
                let target = if file.is_empty() {
                    name.clone()
                } else if dir.is_empty() {
                    percent_decode(file)
                } else {
                    format!("{dir}/{}", percent_decode(file))
                };
                assert!(
                    self.entries.contains_key(&target),
                    "{}: {name} refers to `{reference}`, which is not in the EPUB",
                    self.path.display()
                );
                if let Some(fragment) = fragment {
                    assert!(
                        fragment_found(fragment, &ids_of(&target)),
                        "{}: {name} refers to `{reference}`: no such id in {target}",
                        self.path.display()
                    );
                }
            }
        }
    }
}

/// Elements named `name` of an XML text, with their attributes and inner text. Enough for the
/// flat elements of container.xml and the package document.
fn xml_elements(xml: &str, name: &str) -> Vec<(BTreeMap<String, String>, String)> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        if !after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            rest = after;
            continue;
        }
        let end = after.find('>').expect("tag closes");
        let tag = &after[..end];
        let body = &after[end + 1..];
        let attrs = xml_attributes(tag.trim_end_matches('/'));
        if tag.ends_with('/') {
            out.push((attrs, String::new()));
            rest = body;
        } else {
            let stop = body.find(&close).expect("element closes");
            out.push((attrs, body[..stop].trim().to_string()));
            rest = &body[stop + close.len()..];
        }
    }
    out
}

fn xml_attributes(tag: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().to_string();
        let value = rest[eq + 1..].trim_start();
        let quote = value.chars().next().expect("attribute value");
        let value = &value[1..];
        let end = value.find(quote).expect("closing quote");
        attrs.insert(name, value[..end].to_string());
        rest = &value[end + 1..];
    }
    attrs
}

fn epub_path(fixture: &SiteFixture, lang: &str) -> PathBuf {
    fixture
        .output()
        .join(format!("{lang}/handbook/handbook-{lang}.epub"))
}

#[test]
fn epub_is_written_at_a_stable_url_in_each_language() {
    let (fixture, _) = built();
    for lang in LANGS {
        let path = epub_path(&fixture, lang);
        assert!(path.is_file(), "{} missing", path.display());
        let home = book_home(&fixture, lang);
        assert!(home
            .attrs(".book-editions a", "href")
            .contains(&format!("/{lang}/handbook/handbook-{lang}.epub")));
    }
}

#[test]
fn epub_starts_with_a_stored_mimetype_and_names_its_package_document() {
    let (fixture, _) = built();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        // The OCF rule, on the bytes: the first local header is `mimetype`, stored, with no
        // extra field, followed by its content.
        let b = &epub.bytes;
        assert_eq!(&b[0..4], b"PK\x03\x04", "{lang}: not a zip local header");
        assert_eq!(
            u16::from_le_bytes([b[8], b[9]]),
            0,
            "{lang}: mimetype is compressed"
        );
        let name_len = u16::from_le_bytes([b[26], b[27]]) as usize;
        let extra_len = u16::from_le_bytes([b[28], b[29]]) as usize;
        assert_eq!(&b[30..30 + name_len], b"mimetype", "{lang}: first entry");
        assert_eq!(extra_len, 0, "{lang}: mimetype has an extra field");
        let data = 30 + name_len + extra_len;
        assert_eq!(&b[data..data + 20], b"application/epub+zip");
        // And through the zip reader.
        assert_eq!(epub.names[0], "mimetype");
        assert_eq!(epub.text("mimetype"), "application/epub+zip");
        let mut archive = zip::ZipArchive::new(Cursor::new(epub.bytes.clone())).expect("zip");
        assert_eq!(
            archive.by_index_raw(0).expect("entry").compression(),
            zip::CompressionMethod::Stored
        );

        let package = epub.package_path();
        assert!(
            epub.entries.contains_key(&package),
            "{lang}: container.xml names {package}, which is not in the EPUB"
        );
    }
}

#[test]
fn epub_package_document_has_the_required_metadata() {
    let (fixture, _) = built();
    for lang in LANGS {
        let i = lang_index(lang);
        let epub = Epub::read(&epub_path(&fixture, lang));
        let opf = epub.text(&epub.package_path());
        let package = xml_elements(&opf, "package");
        assert_eq!(package.len(), 1);
        assert_eq!(package[0].0.get("version").map(String::as_str), Some("3.0"));
        let unique = package[0]
            .0
            .get("unique-identifier")
            .expect("unique-identifier");

        let one = |name: &str| -> String {
            let found = xml_elements(&opf, name);
            assert!(
                !found.is_empty(),
                "{lang}: no {name} in the package document"
            );
            found[0].1.clone()
        };
        assert_eq!(one("dc:title"), BOOK_TITLES[i]);
        assert_eq!(one("dc:language"), LANG_TAGS[i]);
        let identifiers = xml_elements(&opf, "dc:identifier");
        let identifier = identifiers
            .iter()
            .find(|(attrs, _)| attrs.get("id") == Some(unique))
            .unwrap_or_else(|| panic!("{lang}: no dc:identifier with id {unique}"));
        assert!(!identifier.1.is_empty());
        let modified: Vec<String> = xml_elements(&opf, "meta")
            .into_iter()
            .filter(|(attrs, _)| {
                attrs.get("property").map(String::as_str) == Some("dcterms:modified")
            })
            .map(|(_, text)| text)
            .collect();
        assert_eq!(
            modified,
            vec!["2021-04-05T00:00:00Z".to_string()],
            "{lang}: dcterms:modified comes from the book's date"
        );
        let creators: Vec<String> = xml_elements(&opf, "dc:creator")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(creators.len(), 2, "{lang}: both editors: {creators:?}");
        let publisher = ["試験出版", "Test Press", "测试出版社"][i];
        assert!(opf.contains(publisher), "{lang}: no publisher");

        // The manifest: a nav document, a stylesheet, and every item in the archive.
        let manifest = epub.manifest();
        for (id, (href, media_type, _)) in &manifest {
            assert!(
                epub.entries.contains_key(href),
                "{lang}: manifest item {id} ({href}) is not in the EPUB"
            );
            assert!(!media_type.is_empty());
        }
        let nav = epub.nav_path();
        assert!(manifest
            .values()
            .any(|(_, media_type, _)| media_type == "text/css"));
        assert!(epub.spine().len() > chapters_in(lang).len());
        assert!(nav.ends_with(".xhtml"));

        // The cover comes first and names the book.
        let cover = epub.xhtml(&epub.spine()[0]);
        let cover_text = text(select(&cover, "body")[0]);
        assert!(
            cover_text.contains(BOOK_TITLES[i]),
            "{lang}: cover: {cover_text}"
        );
    }
}

#[test]
fn epub_nav_and_spine_list_every_chapter_in_order_one_file_each() {
    let (fixture, _) = built();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        let expected: Vec<String> = chapters_in(lang)
            .iter()
            .filter_map(|c| c.heading(lang))
            .collect();

        // One XHTML file per chapter, in the spine's order.
        let chapters = epub.chapters();
        let headings: Vec<String> = chapters.iter().map(|(_, h)| h.clone()).collect();
        assert_eq!(headings, expected, "{lang}: chapters in the spine");
        let files: BTreeSet<&String> = chapters.iter().map(|(f, _)| f).collect();
        assert_eq!(files.len(), expected.len(), "{lang}: one file per chapter");

        // The navigation document: the same chapters, in order, linking their files.
        let nav_path = epub.nav_path();
        let nav = epub.xhtml(&nav_path);
        let toc = select(&nav, "nav")
            .into_iter()
            .find(|n| n.value().attr("epub:type") == Some("toc"))
            .expect("nav epub:type=toc");
        let links: Vec<(String, String)> = toc
            .select(&scraper::Selector::parse("a").expect("selector"))
            .map(|a| {
                (
                    text(a),
                    a.value().attr("href").unwrap_or_default().to_string(),
                )
            })
            .collect();
        let listed: Vec<&(String, String)> =
            links.iter().filter(|(t, _)| expected.contains(t)).collect();
        assert_eq!(
            listed.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
            expected,
            "{lang}: chapters in the nav"
        );
        let nav_dir = nav_path.rsplit_once('/').map_or("", |(d, _)| d);
        for ((_, href), (file, _)) in listed.iter().zip(&chapters) {
            let target = if nav_dir.is_empty() {
                href.split('#').next().expect("file").to_string()
            } else {
                format!("{nav_dir}/{}", href.split('#').next().expect("file"))
            };
            assert_eq!(&target, file, "{lang}: nav link {href}");
        }
        // Parts are in the nav too.
        let i = lang_index(lang);
        for (_, labels, titles) in PARTS {
            let part = format!("{} {}", labels[i], titles[i]);
            assert!(
                links.iter().any(|(t, _)| *t == part),
                "{lang}: no `{part}` in the nav"
            );
        }
        // Chapter 2's sections are listed under it, with the suffixed id.
        let second = CHAPTER_2_IDS[i][2];
        assert!(
            links.iter().any(|(t, h)| {
                let h = percent_decode(h);
                !t.starts_with("2.")
                    && (h.ends_with(&format!("--{second}")) || h.ends_with(&format!("#{second}")))
            }),
            "{lang}: chapter 2's third section is not in the nav: {links:?}"
        );
        epub.assert_internal_links();
    }
}

#[test]
fn epub_cross_chapter_link_points_into_the_other_chapter_file() {
    let (fixture, _) = built();
    for lang in LANGS {
        let i = lang_index(lang);
        let epub = Epub::read(&epub_path(&fixture, lang));
        let chapters = epub.chapters();
        let file_of = |key: &str| {
            let heading = chapter(key).heading(lang).expect("chapter in lang");
            chapters
                .iter()
                .find(|(_, h)| *h == heading)
                .map(|(f, _)| f.clone())
                .expect("chapter file")
        };
        let zeta = epub.xhtml(&file_of("p-intro/zeta"));
        let alpha_file = file_of("p-intro/alpha");
        let alpha = epub.xhtml(&alpha_file);
        let second = select(&alpha, "h2")[2]
            .value()
            .attr("id")
            .expect("id")
            .to_string();
        assert!(second.contains(CHAPTER_2_IDS[i][2]), "{lang}: {second}");
        let alpha_name = alpha_file.rsplit('/').next().expect("name");
        let hrefs: Vec<String> = select(&zeta, "a[href]")
            .iter()
            .filter_map(|a| a.value().attr("href").map(percent_decode))
            .collect();
        assert!(
            hrefs.contains(&format!("{alpha_name}#{second}")),
            "{lang}: chapter 1 does not link `{alpha_name}#{second}`: {hrefs:?}"
        );
        // The web edition's `#` anchors beside headings are not in the book.
        assert!(select(&alpha, "a.heading-anchor").is_empty());
    }
}

#[test]
fn two_builds_give_byte_identical_epubs() {
    let first = fixture();
    first.build_ok();
    // Zip timestamps have a two-second resolution: a clock in the file would show.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let second = fixture();
    second.build_ok();
    for lang in LANGS {
        let a = std::fs::read(epub_path(&first, lang)).expect("first EPUB");
        let b = std::fs::read(epub_path(&second, lang)).expect("second EPUB");
        assert!(a == b, "{lang}: two builds of the same book differ");
    }
}

// ---------------------------------------------------------------------------------------------
// epubcheck
// ---------------------------------------------------------------------------------------------

const EPUBCHECK_JAR: &str = "/usr/share/java/epubcheck.jar";

/// Whether java and epubcheck are here. Missing: fails under KOHO_REQUIRE_TOOLS=1, else says
/// loudly that the test skipped.
fn epubcheck_available() -> bool {
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    let jar = Path::new(EPUBCHECK_JAR).is_file();
    if java && jar {
        return true;
    }
    let what = if java {
        format!("{EPUBCHECK_JAR} is missing")
    } else {
        "java is missing".to_string()
    };
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "epubcheck is required (KOHO_REQUIRE_TOOLS=1) but {what}: apt-get install epubcheck"
        );
    }
    eprintln!("SKIPPED: epubcheck not installed (apt-get install epubcheck) — {what}");
    false
}

/// Runs epubcheck on `file` and asserts zero errors and zero warnings.
fn assert_epubcheck_clean(file: &Path) {
    let output = Command::new("java")
        .arg("-jar")
        .arg(EPUBCHECK_JAR)
        .arg(file)
        .output()
        .expect("run epubcheck");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = all
        .lines()
        .find(|l| l.trim_start().starts_with("Messages:"))
        .unwrap_or_else(|| {
            panic!(
                "{}: epubcheck printed no Messages line:\n{all}",
                file.display()
            )
        });
    assert!(
        output.status.success() && messages.contains("0 fatals / 0 errors / 0 warnings"),
        "{}: epubcheck is not clean ({messages}):\n{all}",
        file.display()
    );
}

#[test]
fn epubcheck_accepts_the_fixture_books_epubs() {
    if !epubcheck_available() {
        return;
    }
    let (fixture, _) = built();
    for lang in LANGS {
        assert_epubcheck_clean(&epub_path(&fixture, lang));
    }
}

#[test]
fn epubcheck_accepts_the_shipped_sites_epubs() {
    if !epubcheck_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("public");
    unwrap_report(koho::build(&BuildOptions {
        root: manifest_dir(),
        output: Some(output.clone()),
        base_url: None,
        include_drafts: false,
        ..Default::default()
    }));
    for lang in LANGS {
        let file = output.join(format!("{lang}/handbook/handbook-{lang}.epub"));
        assert!(file.is_file(), "{} missing", file.display());
        assert_epubcheck_clean(&file);
    }
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The fixture with a figure in chapter 2 (an image in the chapter's folder), in every language.
fn fixture_with_figure() -> SiteFixture {
    let fixture = fixture();
    fixture.write_bytes("content/handbook/p-intro/alpha/fig.png", PNG);
    for (lang, heading, alt) in [
        ("ja", "## 手順", "図1"),
        ("en", "## Steps", "Figure 1"),
        ("zh", "## 步骤", "图1"),
    ] {
        fixture.replace(
            &format!("content/handbook/p-intro/alpha/index.{lang}.md"),
            heading,
            &format!("![{alt}](fig.png)\n\n{heading}"),
        );
    }
    fixture
}

#[test]
fn chapter_images_are_published_for_the_web_and_print_editions() {
    let fixture = fixture_with_figure();
    fixture.build_ok();
    let alpha = chapter("p-intro/alpha");
    for lang in LANGS {
        for page in [fixture.page(&alpha.file(lang)), print_page(&fixture, lang)] {
            let srcs = page.attrs(".prose img", "src");
            assert_eq!(srcs.len(), 1, "{}: {srcs:?}", page.path);
            let file = assert_lands(&fixture, &page.path, &srcs[0]);
            assert_eq!(
                std::fs::read(fixture.output().join(&file)).expect("image"),
                PNG
            );
        }
    }
}

#[test]
fn epub_carries_chapter_images() {
    let fixture = fixture_with_figure();
    fixture.build_ok();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        let doc = epub.chapter_document(&chapter("p-intro/alpha").heading(lang).expect("ch 2"));
        let srcs: Vec<String> = select(&doc, "img[src]")
            .iter()
            .filter_map(|e| e.value().attr("src").map(str::to_string))
            .collect();
        assert_eq!(srcs.len(), 1, "{lang}: {srcs:?}");
        let images: Vec<String> = epub
            .manifest()
            .into_values()
            .filter(|(_, media_type, _)| media_type == "image/png")
            .map(|(href, _, _)| href)
            .collect();
        assert_eq!(images.len(), 1, "{lang}: the image is not in the manifest");
        assert_eq!(epub.entries.get(&images[0]).map(Vec::as_slice), Some(PNG));
        epub.assert_internal_links();
        if epubcheck_available() {
            assert_epubcheck_clean(&epub_path(&fixture, lang));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

/// Builds the fixture, applies `change`, and expects the build to fail with the output left as
/// it was; returns the diagnostics.
fn breaks(change: impl FnOnce(&SiteFixture)) -> (SiteFixture, Vec<koho::Diagnostic>) {
    let fixture = fixture();
    fixture.build_ok();
    let before = fixture.snapshot();
    change(&fixture);
    let diagnostics = fixture.build_errors();
    assert_same_files(&before, &fixture.snapshot());
    (fixture, diagnostics)
}

#[test]
fn two_chapters_at_one_position_fail_the_build() {
    // Chapter 4 (beta) gets chapter 3's weight in the default language, which defines the order.
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.ja.md",
            "weight = 2",
            "weight = 1",
        )
    });
    let beta = "content/handbook/a-practice/beta.ja.md";
    let omega = "content/handbook/a-practice/omega.ja.md";
    let error = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .find(|d| {
            d.location.as_ref().is_some_and(|l| {
                support::same_path(&l.path, beta) || support::same_path(&l.path, omega)
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "no error located at beta or omega:\n{}",
                render(&diagnostics)
            )
        });
    let shown = error.to_string();
    assert!(
        shown.contains("beta.ja.md") && shown.contains("omega.ja.md"),
        "the error must name both chapters: {shown}"
    );
    assert!(shown.contains("weight"), "{shown}");
}

#[test]
fn two_parts_at_one_position_fail_the_build() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/_index.ja.md",
            "weight = 2",
            "weight = 1",
        )
    });
    let shown = render(&diagnostics);
    assert!(
        shown.contains("a-practice/_index.ja.md") && shown.contains("p-intro/_index.ja.md"),
        "the error must name both parts:\n{shown}"
    );
}

#[test]
fn chapters_of_a_missing_part_fail_the_build() {
    let (_, diagnostics) = breaks(|f| {
        for lang in LANGS {
            f.remove(&format!("content/handbook/a-practice/_index.{lang}.md"));
        }
    });
    for file in [
        "content/handbook/a-practice/beta.ja.md",
        "content/handbook/a-practice/omega.ja.md",
    ] {
        let error = error_in(&diagnostics, file);
        assert!(
            error.message.contains("content/handbook/a-practice/")
                && error.message.contains("part"),
            "{error}"
        );
    }
}

#[test]
fn link_to_a_missing_chapter_fails_the_build() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.ja.md",
            "## 記録の様式",
            "[なし](@/handbook/a-practice/nothing.md)\n\n## 記録の様式",
        )
    });
    let error = error_in(&diagnostics, "content/handbook/a-practice/beta.ja.md");
    assert!(error.message.contains("nothing.md"), "{error}");
    assert!(
        error.location.as_ref().and_then(|l| l.line).is_some(),
        "{error}"
    );
}

#[test]
fn missing_image_fails_the_build_and_keeps_the_previous_output() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/p-intro/alpha/index.ja.md",
            "## 手順",
            "![図](missing.png)\n\n## 手順",
        )
    });
    let error = error_in(&diagnostics, "content/handbook/p-intro/alpha/index.ja.md");
    assert!(error.message.contains("missing.png"), "{error}");
    let line = error.location.as_ref().and_then(|l| l.line);
    // Front matter (4 lines), blank, intro, blank, `## 概要`, blank, text, blank, the image.
    assert_eq!(line, Some(12), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Found by these tests (ignored until fixed)
// ---------------------------------------------------------------------------------------------

#[test]
fn epub_of_a_book_without_a_date_is_still_reproducible() {
    let first = fixture();
    let second = fixture();
    for f in [&first, &second] {
        for lang in LANGS {
            f.replace(
                &format!("content/handbook/_index.{lang}.md"),
                "published = 2021-04-05\n",
                "",
            );
        }
    }
    first.build_ok();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    second.build_ok();
    for lang in LANGS {
        let a = std::fs::read(epub_path(&first, lang)).expect("first EPUB");
        let b = std::fs::read(epub_path(&second, lang)).expect("second EPUB");
        assert!(a == b, "{lang}: two builds of a dateless book differ");
    }
}

#[test]
fn footnote_ids_do_not_collide_with_heading_ids() {
    let fixture = fixture();
    fixture.replace(
        "content/handbook/0-appendix/x.ja.md",
        "## 窓口",
        "## 窓口\n\n本文[^注]。\n\n## 注\n\n注の節。\n\n[^注]: 注の本文。",
    );
    fixture.build_ok();
    let x = chapter("0-appendix/x");
    for page in [fixture.page(&x.file("ja")), print_page(&fixture, "ja")] {
        let all = ids(&page.html);
        assert!(
            duplicates(&all).is_empty(),
            "{}: duplicate ids {:?}",
            page.path,
            duplicates(&all)
        );
        // Every footnote reference still reaches its footnote, not the heading (the print
        // page holds the other chapters' footnotes too).
        let references = page.select(".prose sup.footnote-reference a");
        assert!(
            !references.is_empty(),
            "{}: no footnote reference",
            page.path
        );
        for reference in references {
            let href = percent_decode(&reference.value().attr("href").expect("href")[1..]);
            let target = page
                .select("[id]")
                .into_iter()
                .find(|e| e.value().attr("id") == Some(href.as_str()))
                .expect("footnote target");
            assert!(target.value().classes().any(|c| c == "footnote-definition"));
        }
    }
    Epub::read(&epub_path(&fixture, "ja")).assert_internal_links();
}

#[test]
fn toc_numbers_are_unique() {
    let (fixture, _) = built();
    for lang in LANGS {
        let home = book_home(&fixture, lang);
        let labels: Vec<String> = home
            .select("nav.book-contents .toc-label")
            .into_iter()
            .map(text)
            .collect();
        let dups = duplicates(&labels);
        assert!(
            dups.is_empty(),
            "{lang}: numbers used twice in the TOC: {dups:?}"
        );
    }
}

#[test]
fn toc_marks_a_missing_nested_chapter_unavailable() {
    let fixture = fixture();
    fixture.remove("content/handbook/p-intro/alpha/aa.zh.md");
    fixture.build_ok();
    let home = book_home(&fixture, "zh");
    let entry = home
        .select("nav.book-contents li.toc-chapter > a")
        .into_iter()
        .find(|a| text(*a).starts_with("2.2 "))
        .expect("2.2 in the TOC");
    assert_eq!(
        entry.value().attr("href"),
        Some("/ja/handbook/p-intro/alpha/aa/")
    );
    assert!(
        entry.value().classes().any(|c| c == "unavailable"),
        "2.2 is missing in Chinese but not marked unavailable"
    );
    assert_eq!(entry.value().attr("lang"), Some("ja"));
}

#[test]
fn toc_lists_chapters_nested_three_deep() {
    let fixture = fixture();
    for lang in LANGS {
        let from = format!("content/handbook/p-intro/alpha/zz.{lang}.md");
        let text = fixture.read(&from);
        fixture.remove(&from);
        fixture.write(
            &format!("content/handbook/p-intro/alpha/zz/index.{lang}.md"),
            &text,
        );
        fixture.write(
            &format!("content/handbook/p-intro/alpha/zz/deep.{lang}.md"),
            &format!("+++\ntitle = \"deep-{lang}\"\nweight = 1\n+++\n\ndeep\n"),
        );
    }
    fixture.build_ok();
    for lang in LANGS {
        let print = print_page(&fixture, lang);
        assert!(print
            .select("section.print-chapter > h2")
            .into_iter()
            .any(|h| text(h) == format!("2.1.1 deep-{lang}")));
        let home = book_home(&fixture, lang);
        let entries: Vec<String> = home
            .select("nav.book-contents li.toc-chapter > a")
            .into_iter()
            .map(text)
            .collect();
        assert!(
            entries.contains(&format!("2.1.1 deep-{lang}")),
            "{lang}: 2.1.1 is not in the TOC: {entries:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Issue 8: every EPUB koho writes is valid (names, raw HTML, metadata, anchors)
// ---------------------------------------------------------------------------------------------

/// Every XML document of the EPUB (package, navigation, content documents) parses as XML.
fn assert_well_formed(epub: &Epub) {
    for name in epub
        .names
        .iter()
        .filter(|n| n.ends_with(".xhtml") || n.ends_with(".opf") || n.ends_with(".ncx"))
    {
        let text = epub.text(name);
        if let Err(e) = roxmltree::Document::parse_with_options(
            &text,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        ) {
            panic!(
                "{}: {name} is not well-formed XML: {e}\n{text}",
                epub.path.display()
            );
        }
    }
}

/// Structure, well-formedness and (when installed) epubcheck for every language's EPUB.
fn assert_valid_epubs(fixture: &SiteFixture) {
    let check = epubcheck_available();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(fixture, lang));
        assert_well_formed(&epub);
        epub.assert_internal_links();
        if check {
            assert_epubcheck_clean(&epub_path(fixture, lang));
        }
    }
}

const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"><rect width=\"4\" height=\"4\"/></svg>\n";

#[test]
fn images_with_non_ascii_names_and_spaces_are_packed_with_encoded_hrefs() {
    let fixture = fixture();
    fixture.write_bytes("content/handbook/p-intro/alpha/病棟 配置図.svg", SVG);
    for (lang, heading) in [("ja", "## 手順"), ("en", "## Steps"), ("zh", "## 步骤")] {
        fixture.replace(
            &format!("content/handbook/p-intro/alpha/index.{lang}.md"),
            heading,
            &format!("![配置図](病棟%20配置図.svg)\n\n{heading}"),
        );
    }
    fixture.build_ok();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        let doc = epub.chapter_document(&chapter("p-intro/alpha").heading(lang).expect("ch 2"));
        let srcs: Vec<String> = select(&doc, "img[src]")
            .iter()
            .filter_map(|e| e.value().attr("src").map(str::to_string))
            .collect();
        assert_eq!(srcs.len(), 1, "{lang}: {srcs:?}");
        assert!(
            srcs[0].is_ascii() && !srcs[0].contains(' '),
            "{lang}: `{}` is not percent-encoded",
            srcs[0]
        );
        let svgs: Vec<(String, String)> = epub
            .manifest()
            .into_values()
            .filter(|(_, media_type, _)| media_type == "image/svg+xml")
            .map(|(href, _, _)| (percent_decode(&href), href))
            .collect();
        assert_eq!(svgs.len(), 1, "{lang}: the image is not in the manifest");
        let (entry, href) = &svgs[0];
        assert!(
            href.is_ascii(),
            "{lang}: manifest href `{href}` is not encoded"
        );
        assert!(entry.contains("病棟"), "{lang}: {entry}");
        assert_eq!(epub.entries.get(entry).map(Vec::as_slice), Some(SVG));
        assert_eq!(
            format!("{}{}", epub.package_dir(), percent_decode(&srcs[0])),
            *entry
        );
    }
    assert_valid_epubs(&fixture);
}

#[test]
fn raw_html_in_a_chapter_becomes_valid_xhtml() {
    let fixture = fixture_with_figure();
    let raw = "一行目<br>二行目&nbsp;終わり\n\n<p>閉じない段落\n\n<div class=\"note\"><img src=\"fig.png\" alt=\"図\"></div>\n";
    for lang in LANGS {
        fixture.replace(
            &format!("content/handbook/p-intro/alpha/index.{lang}.md"),
            "## ",
            &format!("{raw}\n## "),
        );
    }
    fixture.build_ok();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        let name = epub
            .chapters()
            .into_iter()
            .find(|(_, h)| Some(h) == chapter("p-intro/alpha").heading(lang).as_ref())
            .map(|(name, _)| name)
            .expect("chapter 2");
        let xml = epub.text(&name);
        let doc = roxmltree::Document::parse_with_options(
            &xml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{lang}: {name}: {e}"));
        let count = |tag: &str| {
            doc.descendants()
                .filter(|n| n.tag_name().name() == tag)
                .count()
        };
        assert!(count("br") >= 1, "{lang}: <br> lost");
        assert_eq!(count("img"), 2, "{lang}: both images are kept");
        assert!(
            xml.contains("二行目\u{a0}終わり"),
            "{lang}: &nbsp; is a no-break space"
        );
        assert!(
            doc.descendants()
                .any(|n| n.tag_name().name() == "p"
                    && n.text().map(str::trim) == Some("閉じない段落")),
            "{lang}: the unclosed paragraph is closed"
        );
    }
    assert_valid_epubs(&fixture);
}

#[test]
fn html_the_epub_cannot_carry_is_an_error_naming_file_and_line() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.en.md",
            "The forms.",
            "The forms.\n\n<font color=\"red\">old markup</font>",
        )
    });
    let file = "content/handbook/a-practice/beta.en.md";
    let error = error_in(&diagnostics, file);
    // Front matter (4 lines), blank, intro, blank, heading, blank, `The forms.`, blank, font.
    assert_eq!(
        error.location.as_ref().and_then(|l| l.line),
        Some(12),
        "{error}"
    );
    assert!(error.message.contains("<font>"), "{error}");
}

#[test]
fn a_control_character_in_a_chapter_body_is_an_error_naming_file_and_line() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.en.md",
            "The forms.",
            "The forms.\u{1}",
        )
    });
    let error = error_in(&diagnostics, "content/handbook/a-practice/beta.en.md");
    assert_eq!(
        error.location.as_ref().and_then(|l| l.line),
        Some(10),
        "{error}"
    );
    assert!(error.message.contains("U+0001"), "{error}");
}

#[test]
fn a_control_character_in_a_title_is_an_error_naming_file_and_line() {
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.ja.md",
            "title = \"記録\"",
            "title = \"記録\\u0008\"",
        )
    });
    let error = error_in(&diagnostics, "content/handbook/a-practice/beta.ja.md");
    assert_eq!(
        error.location.as_ref().and_then(|l| l.line),
        Some(2),
        "{error}"
    );
    assert!(error.message.contains("U+0008"), "{error}");
}

#[test]
fn ampersands_and_brackets_in_metadata_give_a_valid_package_document() {
    let fixture = fixture();
    for lang in LANGS {
        let home = format!("content/handbook/_index.{lang}.md");
        let text = fixture.read(&home);
        let text = text
            .lines()
            .map(|line| {
                if line.starts_with("publisher = ") {
                    "publisher = \"NGMO & Partners\"".to_string()
                } else if line.starts_with("subtitle = ") {
                    "subtitle = \"A & B <draft>\"".to_string()
                } else if line.starts_with("description = ") {
                    "description = \"Q&A: <why> \\\"quoted\\\"\"".to_string()
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        fixture.write(&home, &text);
    }
    fixture.build_ok();
    for lang in LANGS {
        let epub = Epub::read(&epub_path(&fixture, lang));
        let opf = epub.text(&epub.package_path());
        let doc = roxmltree::Document::parse(&opf)
            .unwrap_or_else(|e| panic!("{lang}: content.opf is malformed: {e}\n{opf}"));
        let texts = |name: &str| -> Vec<String> {
            doc.descendants()
                .filter(|n| n.tag_name().name() == name)
                .filter_map(|n| n.text().map(str::to_string))
                .collect()
        };
        assert_eq!(texts("publisher"), ["NGMO & Partners"], "{lang}");
        assert_eq!(texts("description"), ["Q&A: <why> \"quoted\""], "{lang}");
        let cover = epub.xhtml(&epub.spine()[0]);
        assert_eq!(
            text(select(&cover, ".subtitle")[0]),
            "A & B <draft>",
            "{lang}"
        );
    }
    assert_valid_epubs(&fixture);
}

/// The book's home as the shipped handbook has it: a summary by a publisher, of an original
/// work with its own editors and date.
fn summary_fixture(updated: bool) -> SiteFixture {
    let fixture = fixture();
    for (lang, publisher) in [
        ("ja", "試験出版"),
        ("en", "Test Press"),
        ("zh", "测试出版社"),
    ] {
        let home = format!("content/handbook/_index.{lang}.md");
        let text = fixture.read(&home);
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with("editors = ") && !l.starts_with("published = "))
            .map(str::to_string)
            .collect();
        let at = lines.iter().position(|l| l == "[extra]").expect("[extra]") + 1;
        let mut extra = vec![
            "original_title = \"Original Handbook\"".to_string(),
            "original_editors = [\"原著病院\", \"原著編集長\"]".to_string(),
            "original_published = 2020-03-18".to_string(),
            format!("publisher = \"{publisher}\""),
        ];
        if updated {
            extra.push("updated = 2026-11-30".to_string());
        }
        lines.retain(|l| !l.starts_with("publisher = "));
        lines.splice(at..at, extra);
        fixture.write(&home, &(lines.join("\n") + "\n"));
    }
    fixture
}

#[test]
fn epub_credits_the_summary_to_its_publisher_and_names_the_original_as_source() {
    for updated in [true, false] {
        let fixture = summary_fixture(updated);
        fixture.build_ok();
        for (i, lang) in LANGS.iter().enumerate() {
            let epub = Epub::read(&epub_path(&fixture, lang));
            let opf = epub.text(&epub.package_path());
            let doc = roxmltree::Document::parse(&opf).expect("well-formed");
            let texts = |name: &str| -> Vec<String> {
                doc.descendants()
                    .filter(|n| n.tag_name().name() == name)
                    .filter_map(|n| n.text().map(str::to_string))
                    .collect()
            };
            let publisher = ["試験出版", "Test Press", "测试出版社"][i];
            assert_eq!(
                texts("creator"),
                [publisher],
                "{lang}: the summary's creator"
            );
            assert_eq!(texts("publisher"), [publisher], "{lang}");
            let source = texts("source").join(" ");
            for part in ["Original Handbook", "原著病院", "原著編集長", "2020-03-18"] {
                assert!(
                    source.contains(part),
                    "{lang}: dc:source `{source}` lacks {part}"
                );
            }
            let dates = texts("date");
            assert_eq!(dates.len(), 1, "{lang}");
            assert!(
                !dates[0].starts_with("2020-03-18"),
                "{lang}: the original's date is not the summary's: {dates:?}"
            );
            if updated {
                assert_eq!(dates, ["2026-11-30T00:00:00Z"], "{lang}");
            }
            // The cover names the original as what the book is based on.
            let cover = text(select(&epub.xhtml(&epub.spine()[0]), "body")[0]);
            assert!(
                cover.contains("Original Handbook") && cover.contains("原著病院"),
                "{lang}: {cover}"
            );
        }
        assert_valid_epubs(&fixture);
    }
}

#[test]
fn an_anchor_the_english_chapter_lacks_fails_the_build_instead_of_the_epub() {
    // The Japanese id on the English page: epubcheck's RSC-012 before, a build error now.
    let (_, diagnostics) = breaks(|f| {
        f.replace(
            "content/handbook/a-practice/beta.en.md",
            "The forms.",
            "The forms. See [the overview](@/handbook/p-intro/alpha/index.md#概要).",
        )
    });
    let error = error_in(&diagnostics, "content/handbook/a-practice/beta.en.md");
    assert_eq!(
        error.location.as_ref().and_then(|l| l.line),
        Some(10),
        "{error}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("overview") && shown.contains("steps"),
        "{shown}"
    );
}

#[test]
fn theme_anchors_and_encoded_anchors_stay_valid_in_print_and_epub() {
    let fixture = fixture();
    for (lang, id) in [("ja", "表記"), ("en", "notation"), ("zh", "表记")] {
        let file = format!("content/handbook/p-intro/zeta.{lang}.md");
        let text = fixture.read(&file);
        // The page's own `#main` (the theme's), another chapter's `#top`, an encoded id.
        let links = format!(
            "\n[top](#main) [alpha](@/handbook/p-intro/alpha/index.md#top) [enc](#{})\n",
            percent_encode(id)
        );
        fixture.write(&file, &(text + &links));
    }
    fixture.build_ok();
    for lang in LANGS {
        let print = print_page(&fixture, lang);
        let ids: HashSet<String> = ids(&print.html).into_iter().collect();
        for href in print.attrs("a[href^=\"#\"]", "href") {
            assert!(fragment_found(&href[1..], &ids), "{lang}: print `{href}`");
        }
    }
    assert_valid_epubs(&fixture);
}

fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Issue 8: the print edition and part pages
// ---------------------------------------------------------------------------------------------

/// The fixture with its appendix part titled by its label (付録 / Appendix / 附录), like the
/// shipped handbook.
fn appendix_titled_fixture() -> SiteFixture {
    let fixture = fixture();
    for (lang, title, label) in [
        ("ja", "資料", "付録"),
        ("en", "Reference material", "Appendix"),
        ("zh", "参考资料", "附录"),
    ] {
        fixture.replace(
            &format!("content/handbook/0-appendix/_index.{lang}.md"),
            &format!("title = \"{title}\""),
            &format!("title = \"{label}\""),
        );
    }
    fixture
}

#[test]
fn print_edition_loads_the_print_stylesheet_for_a4_and_has_one_h1() {
    let (fixture, _) = built();
    for lang in LANGS {
        let page = print_page(&fixture, lang);
        assert_eq!(
            page.select("h1").len(),
            1,
            "{lang}: one h1, the book's title"
        );
        assert_eq!(page.text("h1"), BOOK_TITLES[lang_index(lang)]);
        let print_css: Vec<String> = page
            .select("link[rel=stylesheet][media=print]")
            .iter()
            .filter_map(|l| l.value().attr("href").map(str::to_string))
            .collect();
        assert_eq!(print_css, ["/css/print.css"], "{lang}");
        // Parts and chapters are h2, the chapters' own headings one level below.
        assert_eq!(
            page.select(".print-chapter > h2.print-chapter-title").len(),
            chapters_in(lang).len(),
            "{lang}"
        );
        assert!(page.select(".print-chapter .prose h2").is_empty(), "{lang}");
        assert!(
            !page.select(".print-chapter .prose h3").is_empty(),
            "{lang}"
        );
    }
    let css = fixture.read_output("css/print.css");
    let page_rule = css.split("@page").nth(1).expect("an @page rule");
    assert!(page_rule.contains("size: A4"), "{page_rule}");
    assert!(
        page_rule.contains("counter(page)"),
        "page numbers: {page_rule}"
    );
}

#[test]
fn an_appendix_titled_by_its_label_shows_the_label_once() {
    let fixture = appendix_titled_fixture();
    fixture.build_ok();
    for (lang, label) in [("ja", "付録"), ("en", "Appendix"), ("zh", "附录")] {
        let print = print_page(&fixture, lang);
        let part_titles: Vec<String> = print
            .select(".print-part h2")
            .into_iter()
            .map(text)
            .collect();
        assert!(
            part_titles.contains(&label.to_string()),
            "{lang}: {part_titles:?}"
        );
        let toc: Vec<String> = print.select(".print-toc a").into_iter().map(text).collect();
        assert!(toc.contains(&label.to_string()), "{lang}: {toc:?}");
        // The web edition: the part page and the chapters' kicker.
        let part = fixture.page(&format!("{lang}/handbook/0-appendix/index.html"));
        let header = text(part.one("article.book-part .page-header"));
        assert_eq!(header, label, "{lang}: part page header");
        let chapter_page = fixture.page(&chapter("0-appendix/y").file(lang));
        assert_eq!(chapter_page.text(".chapter-kicker"), label, "{lang}");
        for text in part_titles.iter().chain(toc.iter()) {
            assert!(
                !text.contains(&format!("{label} {label}")),
                "{lang}: {text}"
            );
        }
    }
}

#[test]
fn part_pages_link_previous_and_next_like_chapters() {
    let (fixture, _) = built();
    // Part Two: after chapter 2.2, before its first chapter (3; in English 4, as 3 is missing).
    for (lang, previous, next) in [
        ("ja", "p-intro/alpha/aa", "a-practice/omega"),
        ("en", "p-intro/alpha/aa", "a-practice/beta"),
        ("zh", "p-intro/alpha/aa", "a-practice/omega"),
    ] {
        let part = fixture.page(&format!("{lang}/handbook/a-practice/index.html"));
        assert_eq!(
            part.attrs("nav.chapter-nav a.chapter-prev", "href"),
            [chapter(previous).url(lang)],
            "{lang}"
        );
        assert_eq!(
            part.attrs("nav.chapter-nav a.chapter-next", "href"),
            [chapter(next).url(lang)],
            "{lang}"
        );
    }
    // The first part has no previous page, and its next is chapter 1.
    let first = fixture.page("ja/handbook/p-intro/index.html");
    assert!(first.select("nav.chapter-nav a.chapter-prev").is_empty());
    assert_eq!(
        first.attrs("nav.chapter-nav a.chapter-next", "href"),
        [chapter("p-intro/zeta").url("ja")]
    );
}

// ---------------------------------------------------------------------------------------------
// The print edition through Chromium (outside tools: chromium, pdfinfo, pdftotext)
// ---------------------------------------------------------------------------------------------

/// Whether chromium and poppler's tools are here; missing: fails under KOHO_REQUIRE_TOOLS=1,
/// else says loudly that the test skipped.
fn chromium_available() -> bool {
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = [
        ("chromium", "--version"),
        ("pdfinfo", "-v"),
        ("pdftotext", "-v"),
    ]
    .into_iter()
    .filter(|(program, arg)| !runs(program, arg))
    .map(|(program, _)| program)
    .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "{missing:?} required (KOHO_REQUIRE_TOOLS=1): apt-get install chromium poppler-utils fonts-noto-cjk"
        );
    }
    eprintln!("SKIPPED: {missing:?} not installed (apt-get install chromium poppler-utils fonts-noto-cjk)");
    false
}

/// Serves `dir` over HTTP on 127.0.0.1 for the rest of the test process; returns the origin.
fn serve(dir: PathBuf) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let file = dir.join(file_for(path));
            let mut stream = &stream;
            match std::fs::read(&file) {
                Ok(body) => {
                    let kind = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("css") => "text/css",
                        Some("svg") => "image/svg+xml",
                        Some("js") => "text/javascript",
                        _ => "application/octet-stream",
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
                Err(_) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
            }
        }
    });
    origin
}

#[test]
fn print_edition_prints_on_a4_with_page_numbers_in_chromium() {
    if !chromium_available() {
        return;
    }
    let fixture = appendix_titled_fixture();
    fixture.build_ok();
    let origin = serve(fixture.output());
    for lang in LANGS {
        let pdf = fixture.path(&format!("print-{lang}.pdf"));
        let profile = tempfile::tempdir().expect("profile dir");
        let status = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("{origin}/{lang}/handbook/print/"))
            .output()
            .expect("run chromium");
        assert!(pdf.is_file(), "{lang}: no PDF: {status:?}");
        let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or_default();
        assert!(size.contains("(A4)"), "{lang}: {size}");
        // The second page ends with its number (drawn by the @page margin box).
        let page_two = Command::new("pdftotext")
            .args(["-f", "2", "-l", "2", "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let page_two = String::from_utf8_lossy(&page_two.stdout).to_string();
        let last = page_two
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        assert_eq!(last, "2", "{lang}: page 2 ends with `{last}`");
    }
}
