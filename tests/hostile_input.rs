//! Hostile and huge input (issue 12): files over the size limit, thousands of files in one
//! folder, deep nesting, a very long title, empty files, front matter alone or never closed.
//! Inputs are built here, never committed. No crash, clear errors where a limit applies.

use crate::support;

use std::fs;

use support::*;

const PAGE_JA: &str = "content/releases/2020-05-13-first/index.ja.md";
const RELEASE_JA: &str = "ja/releases/2020-05-13-first/index.html";

/// A 50 MB Markdown file is refused before it is read (it used to take 0.8 GB), with an error
/// naming the file, its size and the limit; nothing is written.
#[test]
fn a_50_mb_markdown_file_is_refused_with_its_size_and_the_limit() {
    let site = SiteFixture::new();
    let paragraph = "長い本文の段落。A long paragraph of the body, repeated. 长段落。\n\n";
    let mut text = String::from("+++\ntitle = \"big\"\ndate = 2020-05-13\n+++\n\n");
    while text.len() < 50_000_000 {
        text.push_str(paragraph);
    }
    site.write(PAGE_JA, &text);
    let result = site.run_build(&[]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains(PAGE_JA) && result.stderr.contains(&text.len().to_string()),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("at most 10485760 bytes (10 MiB)"),
        "{}",
        result.stderr
    );
    assert!(!site.output().exists());
}

/// 10,000 pages in one folder build, each page listed on its section's pages.
#[test]
fn ten_thousand_files_in_one_folder_build() {
    let site = SiteFixture::new();
    site.write(
        "content/notes/_index.ja.md",
        "+++\ntitle = \"メモ\"\nsort_by = \"weight\"\npaginate_by = 1000\n+++\n",
    );
    let dir = site.path("content/notes");
    for n in 0..10_000 {
        let text = format!("+++\ntitle = \"メモ {n}\"\nweight = {n}\n+++\n\n本文 {n}\n");
        fs::write(dir.join(format!("n{n:05}.ja.md")), text).unwrap();
    }
    let report = site.build_ok();
    assert!(report.pages >= 10_000, "{} pages", report.pages);
    let last = site.page("ja/notes/n09999/index.html");
    assert_eq!(last.text("h1"), "メモ 9999");
    let tenth_list = site.page("ja/notes/page/10/index.html");
    assert!(
        tenth_list
            .links()
            .iter()
            .any(|href| href.ends_with("/ja/notes/n09999/")),
        "{:?}",
        tenth_list.links()
    );
}

/// 10,000 nested block quotes and 10,000 nested lists (`- - - … x`, each marker opens a list
/// inside the last item) build without overflowing the stack; the text inside is published.
#[test]
fn ten_thousand_nested_block_quotes_and_list_items_build() {
    let site = SiteFixture::new();
    let quotes = format!("{}深い引用\n", "> ".repeat(10_000));
    let lists = format!("{}深いリスト\n", "- ".repeat(10_000));
    site.write(
        PAGE_JA,
        &format!("+++\ntitle = \"深い\"\ndate = 2020-05-13\n+++\n\n{quotes}\n\n{lists}"),
    );
    site.build_ok();
    let page = site.page(RELEASE_JA);
    assert!(page.select("blockquote").len() >= 10_000);
    assert!(page.select("ul").len() >= 10_000);
    let html = site.read_output(RELEASE_JA);
    assert!(html.contains("深い引用") && html.contains("深いリスト"));
}

/// A 100,000-character title is published whole, in the heading and the `<title>`.
#[test]
fn a_100_000_character_title_is_published_whole() {
    let site = SiteFixture::new();
    let title: String = "題名Title标题".chars().cycle().take(100_000).collect();
    site.write(
        PAGE_JA,
        &format!("+++\ntitle = \"{title}\"\ndate = 2020-05-13\n+++\n\n本文\n"),
    );
    site.build_ok();
    let page = site.page(RELEASE_JA);
    assert_eq!(page.text("h1"), title);
    assert!(page.text("title").contains(&title));
}

/// A 0-byte file names the file and says front matter is missing.
#[test]
fn an_empty_file_is_an_error_naming_it() {
    let site = SiteFixture::new();
    site.write(PAGE_JA, "");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, PAGE_JA);
    assert!(
        error.message.contains("does not start with front matter"),
        "{error}"
    );
    assert_eq!(error.location.as_ref().unwrap().line, Some(1));
}

/// A file that is only front matter (no newline after the closing `+++`) is a page with an
/// empty body.
#[test]
fn a_file_of_front_matter_only_is_a_page_without_body() {
    let site = SiteFixture::new();
    site.write(PAGE_JA, "+++\ntitle = \"題だけ\"\ndate = 2020-05-13\n+++");
    site.build_ok();
    assert_eq!(site.page(RELEASE_JA).text("h1"), "題だけ");
}

/// Front matter that is never closed: the error says so and names the line it started on
/// (it used to say the file "does not start with front matter").
#[test]
fn front_matter_never_closed_names_the_line_it_starts_on() {
    let site = SiteFixture::new();
    site.write(PAGE_JA, "+++\ntitle = \"題\"\ndate = 2020-05-13\n\n本文\n");
    let result = site.run_build(&[]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!("{PAGE_JA}:1:1")),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("the front matter that starts on line 1 is never closed"),
        "{}",
        result.stderr
    );
    assert!(
        !result.stderr.contains("does not start"),
        "{}",
        result.stderr
    );
}
