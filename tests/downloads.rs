//! Downloads: the manifest `content/downloads/downloads.toml`, the downloads pages in every
//! language, `/downloads.json`, `downloads/SHA256SUMS`, items attached to pages, the copy cache
//! (hard links of unchanged files) and the manifest's checks.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use chrono::Datelike;
use koho::Diagnostic;
use scraper::{ElementRef, Selector};
use sha2::{Digest, Sha256};
use support::*;

const MANIFEST: &str = "content/downloads/downloads.toml";
const BASE_URL: &str = "https://example.org/";

/// Code, BCP 47 tag and name in itself, in the order of site.toml.
const LANGS: [(&str, &str, &str); 3] = [
    ("ja", "ja", "日本語"),
    ("en", "en", "English"),
    ("zh", "zh-Hans", "中文"),
];

/// site.toml of the fixture: three languages and one book.
const SITE: &str = r#"base_url = "https://example.org/"
default_language = "ja"
theme = "ngmo"
missing_translation = "omit"
fluent_fallback = ["en", "ja"]
books = ["handbook"]

[languages.ja]
name = "日本語"
tag = "ja"

[languages.en]
name = "English"
tag = "en"

[languages.zh]
name = "中文"
tag = "zh-Hans"
"#;

/// One file of an item, as the test writes it under content/downloads/.
struct FileSpec {
    lang: &'static str,
    /// Relative to content/downloads/.
    path: &'static str,
    format: &'static str,
    media_type: &'static str,
    /// The format label the page shows.
    label: &'static str,
    bytes: Vec<u8>,
}

/// One `[[item]]` of the fixture's manifest.
struct ItemSpec {
    id: &'static str,
    category: &'static str,
    updated: &'static str,
    /// ja, en, zh.
    titles: [&'static str; 3],
    descriptions: [&'static str; 3],
    pages: &'static [&'static str],
    files: Vec<FileSpec>,
}

impl ItemSpec {
    fn title(&self, lang: &str) -> &'static str {
        self.titles[lang_index(lang)]
    }

    fn description(&self, lang: &str) -> &'static str {
        self.descriptions[lang_index(lang)]
    }

    fn files_in<'a>(&'a self, lang: &'a str) -> impl Iterator<Item = &'a FileSpec> + 'a {
        self.files.iter().filter(move |f| f.lang == lang)
    }
}

fn lang_index(lang: &str) -> usize {
    LANGS
        .iter()
        .position(|(code, _, _)| *code == lang)
        .unwrap_or_else(|| panic!("unknown language {lang}"))
}

fn tag_of(lang: &str) -> &'static str {
    LANGS[lang_index(lang)].1
}

fn name_of(lang: &str) -> &'static str {
    LANGS[lang_index(lang)].2
}

/// Deterministic bytes: different seeds give different contents of the same length.
fn pattern(seed: u32, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect()
}

/// A PDF-looking file of `len` bytes.
fn pdf(seed: u32, len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend(pattern(seed, len - bytes.len()));
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const RELEASE_KEY: &str = "releases/2020-05-13-first";

/// The items of the fixture: files in all languages (bytes, KB and MB sizes), an item with a
/// file only in English, and an item in Japanese and Chinese with two Japanese files.
fn item_specs() -> Vec<ItemSpec> {
    vec![
        ItemSpec {
            id: "annual-report",
            category: "press",
            updated: "2021-04-01",
            titles: ["年次報告書", "Annual report", "年度报告"],
            descriptions: [
                "年次報告書のPDF版です。",
                "The annual report as PDF.",
                "年度报告PDF版。",
            ],
            pages: &[RELEASE_KEY],
            files: vec![
                FileSpec {
                    lang: "ja",
                    path: "press/report-ja.pdf",
                    format: "pdf",
                    media_type: "application/pdf",
                    label: "PDF",
                    bytes: pdf(1, 3000),
                },
                FileSpec {
                    lang: "en",
                    path: "press/report-en.pdf",
                    format: "pdf",
                    media_type: "application/pdf",
                    label: "PDF",
                    bytes: pdf(2, 700),
                },
                FileSpec {
                    lang: "zh",
                    path: "press/report-zh.pdf",
                    format: "pdf",
                    media_type: "application/pdf",
                    label: "PDF",
                    bytes: pdf(3, 1_572_864),
                },
            ],
        },
        ItemSpec {
            id: "figures",
            category: "data",
            updated: "2022-12-31",
            titles: ["統計データ", "Figures", "统计数据"],
            descriptions: [
                "英語版のみの統計データです。",
                "The figures, in English only.",
                "仅有英文版的统计数据。",
            ],
            pages: &[],
            files: vec![FileSpec {
                lang: "en",
                path: "data/figures-en.csv",
                format: "csv",
                media_type: "text/csv",
                label: "CSV",
                bytes: pattern(4, 2048),
            }],
        },
        ItemSpec {
            id: "memo",
            category: "press",
            updated: "2020-02-29",
            titles: ["覚書", "Memo", "备忘录"],
            descriptions: [
                "日本語と中国語の覚書です。",
                "The memo, in Japanese and Chinese.",
                "日文和中文的备忘录。",
            ],
            pages: &[],
            files: vec![
                FileSpec {
                    lang: "ja",
                    path: "notes/memo-ja.txt",
                    format: "txt",
                    media_type: "text/plain",
                    label: "TXT",
                    bytes: pattern(5, 100),
                },
                FileSpec {
                    lang: "ja",
                    path: "notes/memo-ja.html",
                    format: "html",
                    media_type: "text/html",
                    label: "HTML",
                    bytes: pattern(6, 5000),
                },
                FileSpec {
                    lang: "zh",
                    path: "notes/memo-zh.txt",
                    format: "txt",
                    media_type: "text/plain",
                    label: "TXT",
                    bytes: pattern(7, 1023),
                },
            ],
        },
    ]
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn lang_table(values: &[&str; 3]) -> String {
    let pairs: Vec<String> = LANGS
        .iter()
        .zip(values)
        .map(|((code, _, _), value)| format!("{code} = {}", toml_string(value)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// The manifest text for `items`.
fn manifest(items: &[ItemSpec]) -> String {
    let mut text = String::from("# The fixture's downloads.\n");
    for item in items {
        text.push_str("\n[[item]]\n");
        text.push_str(&format!("id = {}\n", toml_string(item.id)));
        text.push_str(&format!("category = {}\n", toml_string(item.category)));
        text.push_str(&format!("updated = {}\n", item.updated));
        if !item.pages.is_empty() {
            let pages: Vec<String> = item.pages.iter().map(|p| toml_string(p)).collect();
            text.push_str(&format!("pages = [{}]\n", pages.join(", ")));
        }
        text.push_str(&format!("title = {}\n", lang_table(&item.titles)));
        text.push_str(&format!(
            "description = {}\n",
            lang_table(&item.descriptions)
        ));
        for file in &item.files {
            text.push_str("\n[[item.file]]\n");
            text.push_str(&format!("lang = {}\n", toml_string(file.lang)));
            text.push_str(&format!("path = {}\n", toml_string(file.path)));
            text.push_str(&format!("format = {}\n", toml_string(file.format)));
        }
    }
    text
}

/// The fixture site: home, one release, the handbook as a small book, the downloads section
/// in three languages, the manifest and its files.
fn downloads_site() -> (SiteFixture, Vec<ItemSpec>) {
    let site = SiteFixture::new();
    site.write("site.toml", SITE);
    for (lang, downloads, handbook, chapter) in [
        ("ja", "ダウンロード", "手引き", "はじめに"),
        ("en", "Downloads", "Handbook", "Introduction"),
        ("zh", "下载", "手册", "引言"),
    ] {
        site.write(
            &format!("content/downloads/_index.{lang}.md"),
            &format!("+++\ntitle = \"{downloads}\"\n+++\n\ndownloads-intro-{lang}\n"),
        );
        site.write(
            &format!("content/handbook/_index.{lang}.md"),
            &format!(
                "+++\ntitle = \"{handbook}\"\ndescription = \"{handbook}-description\"\n[extra]\npublished = 2020-03-18\n+++\n\nhandbook-{lang}\n"
            ),
        );
        site.write(
            &format!("content/handbook/01-intro.{lang}.md"),
            &format!(
                "+++\ntitle = \"{chapter}\"\nweight = 1\n+++\n\n## {chapter}\n\nchapter-{lang}\n"
            ),
        );
    }
    let items = item_specs();
    for item in &items {
        for file in &item.files {
            site.write_bytes(&format!("content/downloads/{}", file.path), &file.bytes);
        }
    }
    site.write(MANIFEST, &manifest(&items));
    (site, items)
}

// ---------------------------------------------------------------------------------------------
// Locale messages, read from the fixture's copy of the .ftl files (simple messages only).

fn ftl(site: &SiteFixture, lang: &str, key: &str) -> Option<String> {
    let text = site.read(&format!("locales/{lang}/main.ftl"));
    let prefix = format!("{key} =");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().to_string())
}

fn message(site: &SiteFixture, lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let mut value =
        ftl(site, lang, key).unwrap_or_else(|| panic!("no message {key} in locales/{lang}"));
    for (name, arg) in args {
        value = value.replace(&format!("{{ ${name} }}"), arg);
    }
    assert!(
        !value.contains('{'),
        "{lang}/{key} has a placeable this test does not know: {value}"
    );
    value
}

/// The size label koho should show for `size` bytes in `lang` (`size-kb = { $value } KB`).
fn size_label(site: &SiteFixture, lang: &str, size: usize) -> String {
    let (key, value) = if size < 1024 {
        ("size-bytes", size.to_string())
    } else if size < 1 << 20 {
        ("size-kb", format!("{:.1}", size as f64 / 1024.0))
    } else if size < 1 << 30 {
        ("size-mb", format!("{:.1}", size as f64 / 1_048_576.0))
    } else {
        ("size-gb", format!("{:.1}", size as f64 / 1_073_741_824.0))
    };
    message(site, lang, key, &[("value", &value)])
}

/// `date-long` of an ISO date in `lang`.
fn long_date(site: &SiteFixture, lang: &str, iso: &str) -> String {
    let date = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("ISO date");
    let weekday = message(
        site,
        lang,
        &format!("weekday-{}", date.weekday().number_from_monday()),
        &[],
    );
    let month_name = message(site, lang, &format!("month-{}", date.month()), &[]);
    message(
        site,
        lang,
        "date-long",
        &[
            ("year", &date.year().to_string()),
            ("month", &date.month().to_string()),
            ("day", &date.day().to_string()),
            ("weekday", &weekday),
            ("monthname", &month_name),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// HTML helpers.

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector `{css}`: {e:?}"));
    element.select(&selector).collect()
}

fn one_in<'a>(element: ElementRef<'a>, css: &str, context: &str) -> ElementRef<'a> {
    let found = within(element, css);
    assert_eq!(
        found.len(),
        1,
        "{context}: expected one `{css}`, found {}",
        found.len()
    );
    found[0]
}

fn attr<'a>(element: ElementRef<'a>, name: &str, context: &str) -> &'a str {
    element
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("{context}: <{}> has no {name}", element.value().name()))
}

fn read_bytes(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The downloads pages.

#[test]
fn downloads_page_shows_every_item_and_its_files_in_the_page_language() {
    let (site, items) = downloads_site();
    site.build_ok();
    let output = site.output();

    for (lang, tag, _) in LANGS {
        let path = format!("{lang}/downloads/index.html");
        let page = site.page(&path);
        assert_eq!(page.attr("html", "lang"), tag, "{path}: html lang");

        // Every manifest item in manifest order, then the book's generated item.
        let ids = page.attrs("article.download-item", "id");
        let mut expected: Vec<String> = items.iter().map(|i| format!("item-{}", i.id)).collect();
        expected.push("item-handbook".into());
        assert_eq!(ids, expected, "{path}: the items and their anchors");

        for item in &items {
            let context = format!("{path} #item-{}", item.id);
            let article = page.one(&format!("article#item-{}", item.id));

            // h2: the item titles sit right under the page's h1 (no skipped heading level).
            let heading = one_in(article, "h2", &context);
            assert_eq!(text(heading), item.title(lang), "{context}: title");
            assert_eq!(
                attr(heading, "lang", &context),
                tag,
                "{context}: title lang"
            );
            assert_eq!(
                text(one_in(article, ".download-description", &context)),
                item.description(lang),
                "{context}: description"
            );
            let category = ftl(&site, lang, &format!("download-category-{}", item.category))
                .unwrap_or_else(|| item.category.to_string());
            assert_eq!(
                text(one_in(article, ".download-category", &context)),
                category,
                "{context}: category"
            );
            let time = one_in(article, ".download-updated time", &context);
            assert_eq!(attr(time, "datetime", &context), item.updated);
            assert_eq!(
                text(time),
                long_date(&site, lang, item.updated),
                "{context}: updated date in the locale's format"
            );

            let files: Vec<&FileSpec> = item.files_in(lang).collect();
            let rows = within(article, "table.download-files tbody tr");
            assert_eq!(
                rows.len(),
                files.len(),
                "{context}: one row per file in {lang}"
            );
            if files.is_empty() {
                continue;
            }
            assert!(
                within(article, ".download-other-languages").is_empty(),
                "{context}: has files in {lang}, so no other-languages note"
            );
            for (row, file) in rows.iter().zip(&files) {
                let context = format!("{context} {}", file.path);
                let size = file.bytes.len();
                let sha = sha256(&file.bytes);

                let language = one_in(*row, "td[lang]", &context);
                assert_eq!(attr(language, "lang", &context), tag);
                assert_eq!(text(language), name_of(lang), "{context}: language name");
                assert_eq!(
                    text(one_in(*row, ".format-badge", &context)),
                    file.label,
                    "{context}: format label"
                );
                let data = one_in(*row, "data", &context);
                assert_eq!(attr(data, "value", &context), size.to_string());
                assert_eq!(
                    text(data),
                    size_label(&site, lang, size),
                    "{context}: size label"
                );
                let code = one_in(*row, ".checksum code", &context);
                assert_eq!(
                    attr(code, "title", &context),
                    sha,
                    "{context}: full SHA-256"
                );
                let shown = text(code);
                let short = shown.trim_end_matches('…');
                assert!(
                    short.len() >= 8 && short.len() < 64 && sha.starts_with(short),
                    "{context}: shortened SHA-256 `{shown}` of {sha}"
                );
                let input = one_in(*row, "input.sha256-full", &context);
                assert_eq!(
                    attr(input, "value", &context),
                    sha,
                    "{context}: input value"
                );
                assert!(input.value().attr("readonly").is_some());

                let link = one_in(*row, "a.download-link", &context);
                let href = attr(link, "href", &context);
                assert_eq!(href, format!("/downloads/{}", file.path), "{context}: href");
                let file_name = file.path.rsplit('/').next().unwrap_or_default();
                assert_eq!(attr(link, "download", &context), file_name);
                assert_eq!(attr(link, "type", &context), file.media_type);
                assert_eq!(attr(link, "hreflang", &context), tag);
                let published = read_bytes(&output.join(file_for(href)));
                assert_eq!(published, file.bytes, "{context}: the linked file's bytes");
            }
        }

        // The machine-readable lists are linked.
        let machine = page.attrs(".downloads-machine a", "href");
        assert!(machine.contains(&"/downloads.json".to_string()), "{path}");
        assert!(
            machine.contains(&"/downloads/SHA256SUMS".to_string()),
            "{path}"
        );
    }
}

#[test]
fn item_without_a_file_in_the_page_language_links_the_languages_that_have_one() {
    let (site, items) = downloads_site();
    site.build_ok();

    let mut checked = 0;
    for (lang, _, _) in LANGS {
        let path = format!("{lang}/downloads/index.html");
        let page = site.page(&path);
        for item in items.iter().filter(|i| i.files_in(lang).next().is_none()) {
            checked += 1;
            let context = format!("{path} #item-{}", item.id);
            let article = page.one(&format!("article#item-{}", item.id));
            assert!(
                within(article, "table.download-files").is_empty(),
                "{context}: no file table"
            );
            let note = one_in(article, ".download-other-languages", &context);
            let intro = message(&site, lang, "download-not-in-language", &[]);
            assert!(
                text(note).starts_with(intro.trim()),
                "{context}: `{}` should start with `{intro}`",
                text(note)
            );
            let having: Vec<&str> = LANGS
                .iter()
                .map(|(code, _, _)| *code)
                .filter(|code| item.files_in(code).next().is_some())
                .collect();
            let links = within(note, "a");
            assert_eq!(
                links.len(),
                having.len(),
                "{context}: one link per language"
            );
            for (link, other) in links.iter().zip(&having) {
                let href = attr(*link, "href", &context);
                assert_eq!(href, format!("/{other}/downloads/#item-{}", item.id));
                assert_eq!(attr(*link, "hreflang", &context), tag_of(other));
                assert_eq!(attr(*link, "lang", &context), tag_of(other));
                assert_eq!(text(*link), name_of(other));
                // The target exists and has the item with its files.
                let target = site.page(&file_for(href));
                let anchored = target.one(&format!("#item-{}", item.id));
                assert_eq!(
                    within(anchored, "table.download-files tbody tr").len(),
                    item.files_in(other).count(),
                    "{context}: the linked anchor shows the files in {other}"
                );
            }
        }
    }
    // figures on ja and zh, memo on en.
    assert_eq!(checked, 3);
}

// ---------------------------------------------------------------------------------------------
// downloads.json and SHA256SUMS.

#[test]
fn downloads_json_lists_every_file_of_every_item_with_correct_values() {
    let (site, items) = downloads_site();
    site.build_ok();
    let output = site.output();
    let json: serde_json::Value =
        serde_json::from_str(&site.read_output("downloads.json")).expect("downloads.json parses");
    let listed = json["items"].as_array().expect("items is an array");
    let ids: Vec<&str> = listed.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let mut expected_ids: Vec<&str> = items.iter().map(|i| i.id).collect();
    expected_ids.push("handbook");
    assert_eq!(ids, expected_ids);

    for (spec, item) in items.iter().zip(listed) {
        assert_eq!(item["category"], spec.category, "{}", spec.id);
        assert_eq!(item["updated"], spec.updated, "{}", spec.id);
        for (lang, _, _) in LANGS {
            assert_eq!(item["title"][lang], spec.title(lang), "{} {lang}", spec.id);
            assert_eq!(
                item["description"][lang],
                spec.description(lang),
                "{} {lang}",
                spec.id
            );
        }
        let files = item["files"].as_array().expect("files is an array");
        assert_eq!(files.len(), spec.files.len(), "{}: every file", spec.id);
        for (file, json) in spec.files.iter().zip(files) {
            let context = format!("{} {}", spec.id, file.path);
            assert_eq!(json["lang"], file.lang, "{context}");
            assert_eq!(json["format"], file.format, "{context}");
            assert_eq!(
                json["url"],
                format!("{BASE_URL}downloads/{}", file.path),
                "{context}: absolute URL"
            );
            assert_eq!(json["size"], file.bytes.len() as u64, "{context}");
            assert_eq!(json["sha256"], sha256(&file.bytes), "{context}");
            assert_eq!(json["media_type"], file.media_type, "{context}");
            assert_eq!(json["updated"], spec.updated, "{context}");
        }
    }

    // Every file of every item (the book's generated ones too) is where its URL says, with
    // that size and checksum.
    let mut files_seen = 0;
    for item in listed {
        for file in item["files"].as_array().unwrap() {
            for key in [
                "lang",
                "format",
                "url",
                "size",
                "sha256",
                "media_type",
                "updated",
            ] {
                assert!(!file[key].is_null(), "{}: a file without {key}", item["id"]);
            }
            let url = file["url"].as_str().unwrap();
            let relative = url
                .strip_prefix(BASE_URL)
                .unwrap_or_else(|| panic!("{url} is not under {BASE_URL}"));
            let bytes = read_bytes(&output.join(relative));
            assert_eq!(file["size"], bytes.len() as u64, "{url}");
            assert_eq!(file["sha256"], sha256(&bytes), "{url}");
            files_seen += 1;
        }
    }
    // 7 manifest files, an EPUB and a print edition per language.
    assert_eq!(files_seen, 7 + 6);
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn sha256sums_lists_every_file_and_verifies() {
    let (site, items) = downloads_site();
    site.build_ok();
    let folder = site.output().join("downloads");
    let text = site.read_output("downloads/SHA256SUMS");
    assert!(text.ends_with('\n'), "SHA256SUMS ends with a newline");

    let mut entries = BTreeMap::new();
    for line in text.lines() {
        let (sha, path) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("`{line}` is not `<sha256>  <path>`"));
        assert!(is_sha256(sha), "`{line}`: 64 lowercase hex digits");
        assert!(!path.is_empty() && !path.starts_with('/'), "`{line}`: path");
        // Verified in Rust whether or not sha256sum exists.
        let bytes = read_bytes(&folder.join(path));
        assert_eq!(sha256(&bytes), sha, "`{line}` does not match the file");
        assert!(entries.insert(path.to_string(), sha.to_string()).is_none());
    }
    for item in &items {
        for file in &item.files {
            assert_eq!(
                entries.get(file.path),
                Some(&sha256(&file.bytes)),
                "SHA256SUMS lists {}",
                file.path
            );
        }
    }
    for lang in ["ja", "en", "zh"] {
        for path in [
            format!("../{lang}/handbook/handbook-{lang}.epub"),
            format!("../{lang}/handbook/print/index.html"),
        ] {
            assert!(entries.contains_key(&path), "SHA256SUMS lists {path}");
        }
    }
    assert_eq!(entries.len(), 7 + 6);

    let has_sha256sum = Command::new("sha256sum")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_sha256sum {
        let check = Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&folder)
            .output()
            .expect("run sha256sum");
        assert!(
            check.status.success(),
            "sha256sum -c failed:\n{}\n{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let ok_lines = String::from_utf8_lossy(&check.stdout)
            .lines()
            .filter(|l| l.ends_with(": OK"))
            .count();
        assert_eq!(ok_lines, entries.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Items attached to pages.

#[test]
fn book_home_links_its_item_on_the_downloads_page() {
    let (site, _) = downloads_site();
    site.build_ok();
    for (lang, _, _) in LANGS {
        let home = site.page(&format!("{lang}/handbook/index.html"));
        let expected = format!("/{lang}/downloads/#item-handbook");
        let links = home.attrs(".book-editions a", "href");
        assert!(
            links.contains(&expected),
            "{lang}/handbook/: no link to {expected} in {links:?}"
        );
        let downloads = site.page(&file_for(&expected));
        let item = downloads.one("#item-handbook");
        let context = format!("{lang}/downloads/ #item-handbook");
        let hrefs: Vec<&str> = within(item, "a.download-link")
            .into_iter()
            .map(|a| attr(a, "href", &context))
            .collect();
        assert_eq!(
            hrefs,
            [
                format!("/{lang}/handbook/handbook-{lang}.epub"),
                format!("/{lang}/handbook/print/index.html"),
            ],
            "{context}: the EPUB and the print edition"
        );
        for row in within(item, "table.download-files tbody tr") {
            let href = attr(one_in(row, "a.download-link", &context), "href", &context);
            let bytes = read_bytes(&site.output().join(file_for(href)));
            assert_eq!(
                attr(one_in(row, "data", &context), "value", &context),
                bytes.len().to_string()
            );
            assert_eq!(
                attr(
                    one_in(row, "input.sha256-full", &context),
                    "value",
                    &context
                ),
                sha256(&bytes)
            );
        }
    }
}

/// The shipped release template does not call `downloads(page=...)` (yet), so this test gives
/// the fixture's copy of the template a list of attachments and checks what the function
/// returns for a release.
#[test]
fn downloads_function_returns_the_items_attached_to_a_release() {
    let (site, _) = downloads_site();
    site.replace(
        "themes/ngmo/templates/releases/page.html",
        "{% endblock main %}",
        "<ul class=\"test-attachments\">{% for item in downloads(page=page.key) %}<li id=\"att-{{ item.id }}\"><span class=\"t\">{{ item.title }}</span>{% for f in item.files %}<a href=\"{{ f.url }}\" hreflang=\"{{ f.lang_tag }}\">{{ f.format }}</a>{% endfor %}</li>{% endfor %}</ul>\n{% endblock main %}",
    );
    site.build_ok();
    let items = item_specs();
    let report = &items[0];
    for (lang, tag, _) in LANGS {
        let path = format!("{lang}/{RELEASE_KEY}/index.html");
        let page = site.page(&path);
        let attached = page.attrs(".test-attachments li", "id");
        assert_eq!(
            attached,
            ["att-annual-report"],
            "{path}: only the attached item"
        );
        assert_eq!(page.text(".test-attachments .t"), report.title(lang));
        let file = report.files_in(lang).next().unwrap();
        assert_eq!(
            page.attrs(".test-attachments a", "href"),
            [format!("/downloads/{}", file.path)],
            "{path}: the file in the page's language"
        );
        assert_eq!(page.attr(".test-attachments a", "hreflang"), tag);
    }
}

#[test]
fn attaching_an_item_to_a_missing_page_is_an_error_naming_the_manifest() {
    let (site, _) = downloads_site();
    site.build_ok();
    let before = site.snapshot();
    site.replace(MANIFEST, RELEASE_KEY, "releases/no-such-release");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, MANIFEST);
    assert!(
        error.message.contains("releases/no-such-release"),
        "{error}"
    );
    assert_same_files(&before, &site.snapshot());
}

#[test]
fn attaching_an_item_to_a_missing_page_names_the_line() {
    let (site, _) = downloads_site();
    site.replace(MANIFEST, RELEASE_KEY, "releases/no-such-release");
    let line = line_of(&site.read(MANIFEST), "releases/no-such-release");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, MANIFEST);
    assert_eq!(
        error.location.as_ref().and_then(|l| l.line),
        Some(line),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Copies and the cache.

fn ino(path: &Path) -> u64 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ino()
}

fn modified(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn set_modified(path: &Path, time: SystemTime) {
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(time))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}

/// The published values of `downloads/<path>`: size and sha256 in downloads.json, the line of
/// SHA256SUMS and the size and checksum on the Japanese downloads page.
fn published(site: &SiteFixture, path: &str) -> (u64, String, String, String, String) {
    let json: serde_json::Value =
        serde_json::from_str(&site.read_output("downloads.json")).unwrap();
    let url = format!("{BASE_URL}downloads/{path}");
    let file = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["files"].as_array().unwrap())
        .find(|f| f["url"] == url)
        .unwrap_or_else(|| panic!("{url} not in downloads.json"))
        .clone();
    let sums = site.read_output("downloads/SHA256SUMS");
    let line = sums
        .lines()
        .find(|l| l.ends_with(&format!("  {path}")))
        .unwrap_or_else(|| panic!("{path} not in SHA256SUMS"))
        .to_string();
    let page = site.page("ja/downloads/index.html");
    let row = page
        .select("table.download-files tbody tr")
        .into_iter()
        .find(|row| {
            within(*row, "a.download-link")
                .first()
                .and_then(|a| a.value().attr("href"))
                == Some(format!("/downloads/{path}").as_str())
        })
        .unwrap_or_else(|| panic!("no row for {path}"));
    let label = text(one_in(row, "data", path));
    let sha = attr(one_in(row, "input.sha256-full", path), "value", path).to_string();
    (
        file["size"].as_u64().unwrap(),
        file["sha256"].as_str().unwrap().to_string(),
        line,
        label,
        sha,
    )
}

#[test]
fn unchanged_rebuild_keeps_the_copied_file_and_counts_it_unchanged() {
    let (site, _) = downloads_site();
    let first = site.build_ok();
    let source = site.path("content/downloads/press/report-zh.pdf");
    let copy = site.output().join("downloads/press/report-zh.pdf");
    let inode = ino(&copy);
    assert_ne!(
        inode,
        ino(&source),
        "the output is a copy, not a link to the source"
    );
    assert_eq!(
        modified(&copy),
        modified(&source),
        "the copy takes the source's time"
    );
    let before = site.snapshot();

    let second = site.build_ok();
    assert_eq!(
        ino(&copy),
        inode,
        "an unchanged file is linked from the previous output"
    );
    assert_eq!(second.written, 0, "nothing changed, nothing is written");
    assert_eq!(second.unchanged, first.written + first.unchanged);
    assert_same_files(&before, &site.snapshot());
}

#[test]
fn touched_file_is_copied_again_with_its_new_time() {
    let (site, items) = downloads_site();
    let first = site.build_ok();
    let source = site.path("content/downloads/press/report-ja.pdf");
    let copy = site.output().join("downloads/press/report-ja.pdf");
    let inode = ino(&copy);
    let before = site.snapshot();

    let new_time = modified(&source) - Duration::from_secs(86_400);
    set_modified(&source, new_time);
    let second = site.build_ok();
    assert_eq!(second.written, 1, "only the touched file is written");
    assert_eq!(second.unchanged, first.written + first.unchanged - 1);
    assert_ne!(ino(&copy), inode, "the touched file is copied anew");
    assert_eq!(
        modified(&copy),
        new_time,
        "the copy takes the source's new time"
    );
    assert_eq!(read_bytes(&copy), items[0].files[0].bytes);
    // Same bytes: pages, downloads.json and SHA256SUMS are as before.
    assert_same_files(&before, &site.snapshot());

    // And the next unchanged build keeps the new copy.
    let inode = ino(&copy);
    let third = site.build_ok();
    assert_eq!(third.written, 0);
    assert_eq!(ino(&copy), inode);
}

#[test]
fn changed_bytes_are_copied_and_published_with_their_size_and_checksum() {
    let (site, items) = downloads_site();
    site.build_ok();
    let path = "press/report-ja.pdf";
    let source = site.path(&format!("content/downloads/{path}"));
    let copy = site.output().join(format!("downloads/{path}"));
    let old = &items[0].files[0].bytes;
    let (size, sha, line, label, page_sha) = published(&site, path);
    assert_eq!(size, old.len() as u64);
    assert_eq!(sha, sha256(old));
    assert_eq!(line, format!("{}  {path}", sha256(old)));
    assert_eq!(label, size_label(&site, "ja", old.len()));
    assert_eq!(page_sha, sha256(old));
    let old_time = modified(&source);

    // Same size, different bytes (and a later time, as an edit gives).
    let same_size = pdf(101, old.len());
    assert_ne!(&same_size, old);
    fs::write(&source, &same_size).unwrap();
    set_modified(&source, old_time + Duration::from_secs(10));
    let inode = ino(&copy);
    let report = site.build_ok();
    assert!(report.written >= 1);
    assert_ne!(ino(&copy), inode, "the changed file is copied anew");
    assert_eq!(read_bytes(&copy), same_size);
    let (size, sha, line, label, page_sha) = published(&site, path);
    assert_eq!(size, same_size.len() as u64);
    assert_eq!(
        sha,
        sha256(&same_size),
        "downloads.json has the new checksum"
    );
    assert_eq!(line, format!("{}  {path}", sha256(&same_size)));
    assert_eq!(
        page_sha,
        sha256(&same_size),
        "the page has the new checksum"
    );
    assert_eq!(label, size_label(&site, "ja", same_size.len()));

    // A different size.
    let bigger = pdf(102, 5000);
    fs::write(&source, &bigger).unwrap();
    set_modified(&source, old_time + Duration::from_secs(20));
    site.build_ok();
    assert_eq!(read_bytes(&copy), bigger);
    let (size, sha, line, label, page_sha) = published(&site, path);
    assert_eq!(size, 5000);
    assert_eq!(sha, sha256(&bigger));
    assert_eq!(line, format!("{}  {path}", sha256(&bigger)));
    assert_eq!(page_sha, sha256(&bigger));
    assert_eq!(label, size_label(&site, "ja", 5000));
    assert_ne!(label, size_label(&site, "ja", old.len()));
}

#[test]
fn hash_cache_is_kept_under_the_site_root_not_in_the_output() {
    let (site, items) = downloads_site();
    site.build_ok();
    let hashes = fs::read_to_string(site.path(".koho/hashes.tsv")).expect("hashes.tsv is written");
    for file in items.iter().flat_map(|i| &i.files) {
        assert!(
            hashes.contains(&sha256(&file.bytes)),
            "the cache has the checksum of {}",
            file.path
        );
    }
    assert!(
        !site.snapshot().keys().any(|name| name.contains("hashes")),
        "the cache is not published"
    );
}

#[test]
fn file_removed_from_the_manifest_leaves_the_output() {
    let (site, mut items) = downloads_site();
    site.build_ok();
    assert!(site.exists("downloads/data/figures-en.csv"));
    items.remove(1);
    site.write(MANIFEST, &manifest(&items));
    site.build_ok();
    assert!(!site.exists("downloads/data/figures-en.csv"));
    assert!(!site
        .read_output("downloads/SHA256SUMS")
        .contains("figures-en.csv"));
    assert!(!site.read_output("downloads.json").contains("figures"));
    assert!(site
        .page("ja/downloads/index.html")
        .select("#item-figures")
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// Bad input: the build fails, names the manifest and the line, and keeps the previous output.

/// The 1-based lines of `text` that contain `needle`.
fn lines_of(text: &str, needle: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(i, _)| i + 1)
        .collect()
}

fn line_of(text: &str, needle: &str) -> usize {
    let lines = lines_of(text, needle);
    assert_eq!(lines.len(), 1, "`{needle}` should be on exactly one line");
    lines[0]
}

/// A built fixture and the snapshot of its output.
fn built_site() -> (SiteFixture, BTreeMap<String, Vec<u8>>) {
    let (site, _) = downloads_site();
    site.build_ok();
    let before = site.snapshot();
    assert!(!before.is_empty());
    (site, before)
}

/// Builds, expects an error at `MANIFEST:line` whose message has every one of `words`, and
/// checks that the output is exactly `before`.
fn expect_manifest_error(
    site: &SiteFixture,
    before: &BTreeMap<String, Vec<u8>>,
    line: usize,
    words: &[&str],
) -> Diagnostic {
    let diagnostics = site.build_errors();
    let error = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .find(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| same_path(&l.path, MANIFEST) && l.line == Some(line))
        })
        .unwrap_or_else(|| {
            panic!(
                "no error at {MANIFEST}:{line}; got:\n{}",
                render(&diagnostics)
            )
        })
        .clone();
    let shown = error.to_string();
    assert!(
        shown.contains(&format!("{MANIFEST}:{line}")),
        "`{shown}` names the manifest and line {line}"
    );
    for word in words {
        assert!(shown.contains(word), "`{shown}` should mention `{word}`");
    }
    assert_same_files(before, &site.snapshot());
    error
}

/// Appends an item with one file to the manifest.
fn append_item(site: &SiteFixture, id: &str, lang: &str, path: &str, format: &str) {
    let mut text = site.read(MANIFEST);
    text.push_str(&format!(
        "\n[[item]]\nid = \"{id}\"\ncategory = \"press\"\nupdated = 2023-01-01\ntitle = {{ ja = \"追加\", en = \"Added\", zh = \"追加\" }}\n\n[[item.file]]\nlang = \"{lang}\"\npath = \"{path}\"\nformat = \"{format}\"\n"
    ));
    site.write(MANIFEST, &text);
}

#[test]
fn listed_file_that_does_not_exist_is_an_error() {
    let (site, before) = built_site();
    append_item(&site, "absent", "ja", "press/absent.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "press/absent.pdf");
    expect_manifest_error(
        &site,
        &before,
        line,
        &["press/absent.pdf", "does not exist"],
    );
}

#[test]
fn path_with_dot_dot_is_refused() {
    let (site, before) = built_site();
    // The file exists, inside the site but outside content/downloads/.
    site.write_bytes("content/x.pdf", &pdf(9, 400));
    append_item(&site, "escape", "ja", "../x.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "../x.pdf");
    expect_manifest_error(&site, &before, line, &["../x.pdf"]);
}

#[test]
fn absolute_path_is_refused() {
    let (site, before) = built_site();
    append_item(&site, "passwd", "ja", "/etc/passwd", "txt");
    let line = line_of(&site.read(MANIFEST), "/etc/passwd");
    expect_manifest_error(&site, &before, line, &["/etc/passwd"]);
}

const SECRET: &[u8] = b"TOP-SECRET: this file lives outside the site 7f3a9c";

/// Whether any file of the output holds `needle`.
fn output_contains(site: &SiteFixture, needle: &[u8]) -> Option<String> {
    site.snapshot()
        .into_iter()
        .find(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
        .map(|(name, _)| name)
}

#[test]
fn symlink_to_a_file_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.pdf");
    fs::write(&secret, SECRET).unwrap();
    let (site, before) = built_site();
    std::os::unix::fs::symlink(&secret, site.path("content/downloads/press/leak.pdf")).unwrap();
    append_item(&site, "leak", "ja", "press/leak.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "press/leak.pdf");
    expect_manifest_error(&site, &before, line, &["press/leak.pdf"]);
    assert_eq!(output_contains(&site, SECRET), None);
}

#[test]
fn symlinked_folder_leading_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.pdf"), SECRET).unwrap();
    let (site, before) = built_site();
    std::os::unix::fs::symlink(outside.path(), site.path("content/downloads/ext")).unwrap();
    append_item(&site, "leak", "ja", "ext/secret.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "ext/secret.pdf");
    expect_manifest_error(&site, &before, line, &["ext/secret.pdf"]);
    assert_eq!(output_contains(&site, SECRET), None);
}

/// Even unlisted, a link in the downloads folder that leads outside the site stops the build
/// (the content walker refuses it), and nothing from outside is published.
#[test]
fn unlisted_symlinks_leading_outside_are_refused_too() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.pdf");
    fs::write(&secret, SECRET).unwrap();
    let (site, before) = built_site();
    std::os::unix::fs::symlink(&secret, site.path("content/downloads/press/leak.pdf")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path("content/downloads/ext")).unwrap();
    let diagnostics = site.build_errors();
    for link in ["content/downloads/press/leak.pdf", "content/downloads/ext"] {
        error_in(&diagnostics, link);
    }
    assert_same_files(&before, &site.snapshot());
    assert_eq!(output_contains(&site, SECRET), None);
}

#[test]
fn symlink_inside_the_downloads_folder_is_published_as_a_copy() {
    let (site, items) = downloads_site();
    std::os::unix::fs::symlink(
        "report-ja.pdf",
        site.path("content/downloads/press/alias.pdf"),
    )
    .unwrap();
    append_item(&site, "alias", "ja", "press/alias.pdf", "pdf");
    site.build_ok();
    let alias = site.output().join("downloads/press/alias.pdf");
    assert!(
        fs::symlink_metadata(&alias).unwrap().file_type().is_file(),
        "a plain file, not a link"
    );
    assert_eq!(read_bytes(&alias), items[0].files[0].bytes);
    assert!(site.read_output("downloads/SHA256SUMS").contains(&format!(
        "{}  press/alias.pdf",
        sha256(&items[0].files[0].bytes)
    )));
}

#[test]
fn two_items_with_one_id_are_an_error_naming_both_lines() {
    let (site, before) = built_site();
    site.write_bytes("content/downloads/press/other.pdf", &pdf(10, 800));
    append_item(&site, "figures", "en", "press/other.pdf", "pdf");
    let lines = lines_of(&site.read(MANIFEST), "id = \"figures\"");
    assert_eq!(lines.len(), 2);
    let error = expect_manifest_error(&site, &before, lines[1], &["figures"]);
    assert!(
        error.message.contains(&format!("line {}", lines[0])),
        "`{error}` refers to the first item's line {}",
        lines[0]
    );
}

#[test]
fn unknown_language_of_a_file_is_an_error() {
    let (site, before) = built_site();
    site.write_bytes("content/downloads/press/report-fr.pdf", &pdf(11, 800));
    append_item(&site, "french", "fr", "press/report-fr.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "lang = \"fr\"");
    expect_manifest_error(&site, &before, line, &["fr"]);
}

#[test]
fn extension_contradicting_the_format_is_an_error() {
    let (site, before) = built_site();
    site.write_bytes("content/downloads/press/x.pdf", &pdf(12, 800));
    append_item(&site, "mislabelled", "ja", "press/x.pdf", "epub");
    let line = line_of(&site.read(MANIFEST), "press/x.pdf");
    expect_manifest_error(&site, &before, line, &["press/x.pdf", "EPUB"]);
}

#[test]
fn empty_listed_file_is_an_error() {
    let (site, before) = built_site();
    site.write_bytes("content/downloads/press/empty.pdf", b"");
    append_item(&site, "empty", "ja", "press/empty.pdf", "pdf");
    let line = line_of(&site.read(MANIFEST), "press/empty.pdf");
    expect_manifest_error(&site, &before, line, &["press/empty.pdf", "empty"]);
}

#[test]
fn every_bad_file_of_one_manifest_is_reported() {
    let (site, before) = built_site();
    site.write_bytes("content/downloads/press/empty.pdf", b"");
    append_item(&site, "absent", "ja", "press/absent.pdf", "pdf");
    append_item(&site, "empty", "en", "press/empty.pdf", "pdf");
    append_item(&site, "french", "fr", "press/report-ja.pdf", "pdf");
    let text = site.read(MANIFEST);
    let diagnostics = site.build_errors();
    let lines: BTreeSet<usize> = errors(&diagnostics)
        .iter()
        .filter_map(|d| d.location.as_ref())
        .filter(|l| same_path(&l.path, MANIFEST))
        .filter_map(|l| l.line)
        .collect();
    for needle in ["press/absent.pdf", "press/empty.pdf", "lang = \"fr\""] {
        let line = line_of(&text, needle);
        assert!(
            lines.contains(&line),
            "`{needle}` (line {line}) is reported; got:\n{}",
            render(&diagnostics)
        );
    }
    assert_same_files(&before, &site.snapshot());
}

/// Appends an item whose title and description are given as TOML inline tables.
fn append_texts(site: &SiteFixture, id: &str, title: &str, description: &str) {
    site.write_bytes(&format!("content/downloads/press/{id}.pdf"), &pdf(13, 800));
    let mut text = site.read(MANIFEST);
    text.push_str(&format!(
        "\n[[item]]\nid = \"{id}\"\ncategory = \"press\"\nupdated = 2023-01-01\ntitle = {title}\ndescription = {description}\n\n[[item.file]]\nlang = \"ja\"\npath = \"press/{id}.pdf\"\nformat = \"pdf\"\n"
    ));
    site.write(MANIFEST, &text);
}

#[test]
fn unknown_language_in_a_title_is_an_error_at_its_line() {
    let (site, before) = built_site();
    append_texts(
        &site,
        "titled",
        "{ ja = \"題\", fr = \"Titre\" }",
        "{ ja = \"説明\" }",
    );
    let line = line_of(&site.read(MANIFEST), "fr = \"Titre\"");
    expect_manifest_error(&site, &before, line, &["fr"]);
}

#[test]
fn unknown_language_in_a_description_is_an_error_at_its_line() {
    let (site, before) = built_site();
    append_texts(
        &site,
        "described",
        "{ ja = \"題\" }",
        "{ ja = \"説明\", fr = \"Description\" }",
    );
    let line = line_of(&site.read(MANIFEST), "fr = \"Description\"");
    expect_manifest_error(&site, &before, line, &["fr"]);
}

#[test]
fn other_language_links_never_lead_to_a_missing_page() {
    let (site, _) = downloads_site();
    site.remove("content/downloads/_index.en.md");
    site.build_ok();
    assert!(!site.exists("en/downloads/index.html"));
    let page = site.page("ja/downloads/index.html");
    let hrefs = page.attrs("#item-figures .download-other-languages a", "href");
    assert!(!hrefs.is_empty(), "figures (English only) links somewhere");
    for href in hrefs {
        assert!(
            site.exists(&file_for(&href)),
            "ja/downloads/: the link {href} leads to a missing page"
        );
    }
}

#[test]
fn download_urls_of_names_with_spaces_and_non_ascii_are_percent_encoded() {
    let (site, _) = downloads_site();
    let path = "press/my report ü.pdf";
    site.write_bytes(&format!("content/downloads/{path}"), &pdf(14, 900));
    append_item(&site, "spaced", "ja", path, "pdf");
    site.build_ok();
    let json: serde_json::Value =
        serde_json::from_str(&site.read_output("downloads.json")).unwrap();
    let url = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "spaced")
        .map(|i| i["files"][0]["url"].as_str().unwrap().to_string())
        .unwrap();
    let href = site
        .page("ja/downloads/index.html")
        .attr("#item-spaced a.download-link", "href");
    for link in [&url, &href] {
        assert!(
            link.is_ascii() && !link.contains(' '),
            "`{link}` is not percent-encoded"
        );
    }
    assert_eq!(percent_decode(&url), format!("{BASE_URL}downloads/{path}"));
    assert_eq!(percent_decode(&href), format!("/downloads/{path}"));
}

#[test]
fn download_urls_follow_the_one_encoding_rule_percent_sign_included() {
    let (site, _) = downloads_site();
    let path = "press/100% 達成.pdf";
    site.write_bytes(&format!("content/downloads/{path}"), &pdf(15, 700));
    append_item(&site, "achieved", "ja", path, "pdf");
    site.build_ok();
    let encoded = "downloads/press/100%25%20%E9%81%94%E6%88%90.pdf";
    let href = site
        .page("ja/downloads/index.html")
        .attr("#item-achieved a.download-link", "href");
    assert_eq!(href, format!("/{encoded}"));
    let json: serde_json::Value =
        serde_json::from_str(&site.read_output("downloads.json")).unwrap();
    let url = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "achieved")
        .map(|i| i["files"][0]["url"].as_str().unwrap().to_string())
        .unwrap();
    assert_eq!(url, format!("{BASE_URL}{encoded}"));
    assert!(site.exists(&format!("downloads/{path}")));
}

#[test]
fn base_url_with_a_path_prefixes_every_download_link() {
    let (site, items) = downloads_site();
    unwrap_report(site.build_with(|o| o.base_url = Some("https://cdn.example.net/ngmo/".into())));
    let file = &items[0].files[0];
    let page = site.page("ja/downloads/index.html");
    assert_eq!(
        page.attr("#item-annual-report a.download-link", "href"),
        format!("/ngmo/downloads/{}", file.path)
    );
    assert_eq!(
        page.attrs("#item-figures .download-other-languages a", "href"),
        ["/ngmo/en/downloads/#item-figures"]
    );
    let json = site.read_output("downloads.json");
    assert!(
        json.contains(&format!(
            "\"https://cdn.example.net/ngmo/downloads/{}\"",
            file.path
        )),
        "downloads.json uses the base URL"
    );
    assert!(!json.contains("https://example.org/"));
    // SHA256SUMS paths stay relative to its folder.
    assert!(site.read_output("downloads/SHA256SUMS").contains(&format!(
        "{}  {}",
        sha256(&file.bytes),
        file.path
    )));
}
