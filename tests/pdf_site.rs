//! The PDF editions as part of a build: planned per release and language, listed in the
//! downloads (downloads.json, SHA256SUMS, the release page), cached under `.koho/pdf/` so a
//! rebuild with nothing changed typesets nothing, and a clear error when no font is found.
//! Text is read back with pdftotext where poppler-utils is installed (else SKIPPED, or a
//! failure under KOHO_REQUIRE_TOOLS=1).

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::{SiteFixture, RELEASE};

/// The fixture's site.toml with the releases as the feed section (whose pages get PDFs).
fn site_with_releases() -> SiteFixture {
    let site = SiteFixture::new();
    let toml = site.read("site.toml");
    site.write(
        "site.toml",
        &toml.replace(
            "[languages.ja]",
            "[discovery]\nfeed_section = \"releases\"\n\n[languages.ja]",
        ),
    );
    site
}

fn pdf_path(lang: &str) -> String {
    let name = RELEASE.rsplit('/').next().unwrap();
    format!("{lang}/{RELEASE}/{name}-{lang}.pdf")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cached PDFs of the site: file name → modification time.
fn cache_entries(site: &SiteFixture) -> BTreeMap<String, std::time::SystemTime> {
    std::fs::read_dir(site.path(".koho/pdf"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let modified = e.metadata().and_then(|m| m.modified()).unwrap();
                    (e.file_name().to_string_lossy().to_string(), modified)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(feature = "pdf")]
#[test]
fn every_release_gets_a_pdf_per_language_listed_in_the_downloads() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    let json: serde_json::Value =
        serde_json::from_str(&site.read_output("downloads.json")).expect("downloads.json");
    let items = json["items"].as_array().expect("items");
    let item = items
        .iter()
        .find(|i| i["id"] == "release-2020-05-13-first")
        .unwrap_or_else(|| panic!("no release item in {json:#}"));
    assert_eq!(item["category"], "press");
    let sums = site.read_output("downloads/SHA256SUMS");
    for lang in ["ja", "en", "zh"] {
        let path = pdf_path(lang);
        let bytes = std::fs::read(site.output().join(&path)).expect("PDF written");
        assert!(bytes.starts_with(b"%PDF-"), "{path} is not a PDF");
        let file = item["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["lang"] == lang)
            .unwrap_or_else(|| panic!("no {lang} file in {item:#}"));
        assert_eq!(file["size"], bytes.len() as u64);
        assert_eq!(file["sha256"], sha256_hex(&bytes));
        assert_eq!(file["media_type"], "application/pdf");
        assert!(file["url"].as_str().unwrap().ends_with(&path), "{file:#}");
        assert!(
            sums.contains(&format!("{}  ../{path}", sha256_hex(&bytes))),
            "{sums}"
        );
        // The release page links its PDF.
        let page = site.page(&format!("{lang}/{RELEASE}/index.html"));
        let hrefs = page.attrs("a[href$='.pdf']", "href");
        assert!(
            hrefs.iter().any(|h| h.ends_with(&path)),
            "{lang}: no link to {path} in {hrefs:?}"
        );
    }
}

#[cfg(feature = "pdf")]
#[test]
fn a_rebuild_with_nothing_changed_typesets_nothing() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    let first = cache_entries(&site);
    assert_eq!(first.len(), 3, "{first:?}");
    let output_before = std::fs::read(site.output().join(pdf_path("ja"))).unwrap();
    site.build_ok();
    assert_eq!(cache_entries(&site), first, "a cached PDF was made again");
    // An edit of one language re-typesets that PDF only; its old cache entry is dropped.
    site.replace(
        &format!("content/{RELEASE}/index.ja.md"),
        "body-ja",
        "本文を変えました",
    );
    site.build_ok();
    let after = cache_entries(&site);
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(
        after.keys().filter(|k| !first.contains_key(*k)).count(),
        1,
        "{first:?} → {after:?}"
    );
    let output_after = std::fs::read(site.output().join(pdf_path("ja"))).unwrap();
    assert_ne!(output_before, output_after);
    // Deleting the cache gives the same bytes again (reproducible).
    std::fs::remove_dir_all(site.path(".koho/pdf")).unwrap();
    site.build_ok();
    assert_eq!(
        std::fs::read(site.output().join(pdf_path("ja"))).unwrap(),
        output_after
    );
}

#[cfg(feature = "pdf")]
#[test]
fn a_font_that_is_nowhere_is_a_clear_error() {
    let site = site_with_releases().with_pdf();
    site.write(
        "themes/ngmo/pdf.toml",
        "[body]\nzh = [\"No Such Serif\", \"Nor This One\"]\n",
    );
    let errors = support::expect_site_errors(site.build());
    let text = support::render(&errors);
    for needle in [
        "`zh`",
        "No Such Serif",
        "Nor This One",
        "apt-get install fonts-noto-cjk",
        "index.zh.md",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    assert!(!text.contains("index.ja.md"), "{text}");
}

#[cfg(feature = "pdf")]
#[test]
fn a_bad_pdf_toml_names_the_file() {
    let site = site_with_releases().with_pdf();
    site.write("themes/ngmo/pdf.toml", "[bodies]\nja = 1\n");
    let errors = support::expect_site_errors(site.build());
    let text = support::render(&errors);
    assert!(text.contains("themes/ngmo/pdf.toml"), "{text}");
}

#[test]
fn without_pdf_toml_no_pdf_is_planned() {
    let site = site_with_releases();
    site.build_ok();
    assert!(!site.exists(&pdf_path("ja")));
    // Nothing to download at all: no downloads.json.
    assert!(!site.exists("downloads.json"));
}

#[cfg(not(feature = "pdf"))]
#[test]
fn without_the_feature_no_pdf_is_planned() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    assert!(!site.exists(&pdf_path("ja")));
}

/// Whether pdftotext is here. Missing: fails under KOHO_REQUIRE_TOOLS=1, else says loudly that
/// the test skipped.
fn pdftotext_available() -> bool {
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("pdftotext is required (KOHO_REQUIRE_TOOLS=1): apt-get install poppler-utils");
    }
    eprintln!("SKIPPED: pdftotext not installed (apt-get install poppler-utils)");
    false
}

fn pdf_text(file: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg(file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect()
}

#[cfg(feature = "pdf")]
#[test]
fn the_release_pdf_shows_the_page_with_its_image_footnote_and_localized_texts() {
    if !pdftotext_available() {
        return;
    }
    let site = site_with_releases().with_pdf();
    site.write(
        &format!("content/{RELEASE}/index.ja.md"),
        "+++\ntitle = \"物資を寄贈 #read(\\\"/etc/passwd\\\")\"\ndate = 2020-05-13\n+++\n\n\
         マスク30万枚[^1]を届けました。\n\n![倉庫の写真](photo.png)\n\n\
         [^1]: 日本医師会へ。\n",
    );
    site.write_bytes(
        &format!("content/{RELEASE}/photo.png"),
        &std::fs::read(support::manifest_dir().join("themes/ngmo/static/images/ngmo-logo.png"))
            .unwrap(),
    );
    site.build_ok();
    let text = pdf_text(&site.output().join(pdf_path("ja")));
    for needle in [
        "物資を寄贈#read(\"/etc/passwd\")",
        "2020年5月13日",
        "報道関係者各位",
        "30万枚",
        "日本医師会へ。",
        "一般社団法人日本医療国際化機構",
        "以上",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    let en = pdf_text(&site.output().join(pdf_path("en")));
    for needle in ["13May2020", "first-en", "body-en"] {
        assert!(en.contains(needle), "`{needle}` missing from:\n{en}");
    }
}

/// Hostile Markdown in a release with PDFs on: 200 levels of quotes and of lists build (the PDF
/// sets the deepest levels at its limit); a table too big to typeset in bounded memory is an
/// error naming the file, and the previous output stays.
#[cfg(feature = "pdf")]
#[test]
fn deep_nesting_builds_and_a_huge_table_is_a_clear_error() {
    let site = site_with_releases().with_pdf();
    let quotes = format!("{} deep quote\n", ">".repeat(200));
    let list: String = (0..200)
        .map(|n| format!("{}- item {n}\n", "  ".repeat(n)))
        .collect();
    site.write(
        &format!("content/{RELEASE}/index.en.md"),
        &format!("+++\ntitle = \"Deep\"\ndate = 2020-05-13\n+++\n\n{quotes}\n{list}"),
    );
    site.build_ok();
    assert!(site.exists(&pdf_path("en")));
    if pdftotext_available() {
        let text = pdf_text(&site.output().join(pdf_path("en")));
        assert!(
            text.contains("deepquote") && text.contains("item199"),
            "{text}"
        );
    }
    let before = site.snapshot();
    let mut table = String::from("| a | b |\n|---|---|\n");
    for n in 0..10_001 {
        table.push_str(&format!("| {n} | x |\n"));
    }
    site.write(
        &format!("content/{RELEASE}/index.en.md"),
        &format!("+++\ntitle = \"Table\"\ndate = 2020-05-13\n+++\n\n{table}"),
    );
    let errors = support::expect_site_errors(site.build());
    let text = support::render(&errors);
    assert!(
        text.contains("index.en.md") && text.contains("split the table"),
        "{text}"
    );
    support::assert_same_files(&before, &site.snapshot());
}

/// Every page that lists a release's PDFs shows the size and checksum of the bytes published:
/// (sha256, size) per PDF URL, as each page's download table says.
fn listed_checksums(site: &SiteFixture, page: &str) -> Vec<(String, String, String)> {
    let page = site.page(page);
    let urls = page.attrs(".download-files a.download-link", "href");
    let sums = page.attrs(".download-files input.sha256-full", "value");
    let sizes = page.attrs(".download-files data", "value");
    urls.into_iter()
        .zip(sums)
        .zip(sizes)
        .map(|((u, s), z)| (u, s, z))
        .collect()
}

fn assert_listed_checksums_are_the_files(site: &SiteFixture) {
    for lang in ["ja", "en", "zh"] {
        // (The fixture has no downloads section; its page takes the same fingerprints.)
        for page in [format!("{lang}/{RELEASE}/index.html")] {
            let listed = listed_checksums(site, &page);
            assert!(!listed.is_empty(), "{page} lists no file");
            for (url, sha256, size) in listed {
                let path = url
                    .trim_start_matches("https://example.org/")
                    .trim_start_matches('/');
                let bytes = std::fs::read(site.output().join(path)).expect("listed file");
                assert_eq!(sha256, sha256_hex(&bytes), "{page}: {url}");
                assert_eq!(size, bytes.len().to_string(), "{page}: {url}");
            }
        }
    }
}

/// A changed `pdf.toml` typesets the PDFs again, and every page that lists them shows the new
/// checksums (they had kept the old ones: the theme's files other than templates were no
/// input of the pages' fingerprints).
#[cfg(feature = "pdf")]
#[test]
fn a_pdf_toml_change_reaches_the_checksums_every_page_lists() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    assert_listed_checksums_are_the_files(&site);
    // English body text in the heading font: every English PDF is typeset anew.
    let toml = site.read("themes/ngmo/pdf.toml");
    let serif = "en = [\"Noto Serif CJK JP\"]";
    assert!(toml.contains(serif), "{toml}");
    site.write(
        "themes/ngmo/pdf.toml",
        &toml.replacen(serif, "en = [\"Noto Sans CJK JP\"]", 1),
    );
    site.build_ok();
    assert_listed_checksums_are_the_files(&site);
}

/// A body edit in one language changes that language's PDF, which the release's pages in the
/// other languages list too.
#[cfg(feature = "pdf")]
#[test]
fn a_body_edit_reaches_the_checksums_on_the_other_languages_pages() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    site.replace(
        &format!("content/{RELEASE}/index.ja.md"),
        "body-ja",
        "本文を書き直しました。",
    );
    site.build_ok();
    assert_listed_checksums_are_the_files(&site);
}

/// A date edit in one language changes the "updated" date the release's downloads show in
/// every language, as a fresh build shows it.
#[cfg(feature = "pdf")]
#[test]
fn a_date_edit_reaches_the_downloads_updated_date_in_every_language() {
    let site = site_with_releases().with_pdf();
    site.build_ok();
    site.replace(
        &format!("content/{RELEASE}/index.en.md"),
        "date = 2020-05-13",
        "date = 2020-05-20",
    );
    site.build_ok();
    let updated = |site: &SiteFixture| -> Vec<Vec<String>> {
        ["ja", "en", "zh"]
            .iter()
            .map(|lang| {
                site.page(&format!("{lang}/{RELEASE}/index.html"))
                    .attrs(".download-updated time", "datetime")
            })
            .collect()
    };
    let incremental = updated(&site);
    std::fs::remove_dir_all(site.output()).unwrap();
    std::fs::remove_dir_all(site.path(".koho")).unwrap();
    site.build_ok();
    assert_eq!(incremental, updated(&site));
    assert!(
        incremental.iter().all(|dates| !dates.is_empty()),
        "{incremental:?}"
    );
}

/// Runs `koho build` on `site` with one worker thread (`RAYON_NUM_THREADS=1`, as on a
/// one-core runner), killed after two minutes: whether it ended in time, and its stderr.
#[cfg(feature = "pdf")]
fn build_on_one_thread(site: &SiteFixture) -> (Option<std::process::ExitStatus>, String) {
    let stderr = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_koho"))
        .args(["build", "--quiet", "--root"])
        .arg(site.root())
        .env("RAYON_NUM_THREADS", "1")
        .stderr(stderr.reopen().unwrap())
        .spawn()
        .expect("run koho");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for koho") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    (status, std::fs::read_to_string(stderr.path()).unwrap())
}

#[cfg(feature = "pdf")]
#[test]
fn a_build_with_one_worker_thread_typesets_its_pdfs_without_waiting_for_itself() {
    // Rendering PDFs waits for the typesetting threads, which use the worker threads: a render
    // running on the only worker waited for itself (a build that never ended).
    let site = site_with_releases().with_pdf();
    for round in ["fresh", "after an edit"] {
        let (status, stderr) = build_on_one_thread(&site);
        let status = status.unwrap_or_else(|| panic!("{round}: still running after 2 minutes"));
        assert!(status.success(), "{round}: {stderr}");
        assert!(site.output().join(pdf_path("en")).is_file(), "{round}");
        let source = format!("content/{RELEASE}/index.en.md");
        site.write(&source, &format!("{}\nEdited.\n", site.read(&source)));
    }
}
