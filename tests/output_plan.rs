//! The output plan and the writer: every file declared once, clashes named, nothing lost,
//! leaked or left half-written (issue 7).

use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use koho::BuildError;
use support::*;

/// Every file of a folder with its bytes and modification time, to prove nothing changed.
fn stamped(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let time = fs::metadata(dir.join(&path)).unwrap().modified().unwrap();
            (path, (bytes, time))
        })
        .collect()
}

/// The one error of a failed build whose message contains `needle`, as printed.
fn error_with(diagnostics: &[koho::Diagnostic], needle: &str) -> String {
    let printed = render(diagnostics);
    diagnostics
        .iter()
        .map(ToString::to_string)
        .find(|d| d.contains(needle))
        .unwrap_or_else(|| panic!("no error mentions {needle:?}:\n{printed}"))
}

const BOOK_SITE: &str = "books = [\"handbook\"]\n";

fn with_book(site: &SiteFixture) {
    let toml = site.read("site.toml").replacen(
        "\n[languages.ja]",
        &format!("{BOOK_SITE}\n[languages.ja]"),
        1,
    );
    site.write("site.toml", &toml);
    for lang in ["ja", "en", "zh"] {
        site.write(
            &format!("content/handbook/_index.{lang}.md"),
            &format!("+++\ntitle = \"book-{lang}\"\nsort_by = \"weight\"\n+++\n\nhome\n"),
        );
        site.write(
            &format!("content/handbook/intro.{lang}.md"),
            &format!("+++\ntitle = \"intro-{lang}\"\nweight = 1\n+++\n\n## A\n\ntext\n"),
        );
    }
}

#[test]
fn a_chapter_with_slug_print_clashes_with_the_print_edition() {
    let site = SiteFixture::new();
    with_book(&site);
    site.write(
        "content/handbook/intro.ja.md",
        "+++\ntitle = \"intro\"\nweight = 1\nslug = \"print\"\n+++\n\ntext\n",
    );
    let errors = site.build_errors();
    let message = error_with(&errors, "/ja/handbook/print/index.html");
    assert!(
        message.contains("content/handbook/intro.ja.md"),
        "{message}"
    );
    assert!(
        message.contains("print edition of content/handbook/_index.ja.md"),
        "{message}"
    );
}

#[test]
fn content_at_a_pagination_path_clashes_with_the_pagination_page() {
    let site = SiteFixture::new();
    site.replace(
        "content/releases/_index.ja.md",
        "paginate_by = 10",
        "paginate_by = 1",
    );
    site.write(
        "content/releases/2020-05-14-second/index.ja.md",
        "+++\ntitle = \"second\"\ndate = 2020-05-14\n+++\n\nbody\n",
    );
    site.write(
        "content/releases/page/2/index.ja.md",
        "+++\ntitle = \"squatter\"\ndate = 2020-05-15\n+++\n\nbody\n",
    );
    let errors = site.build_errors();
    let message = error_with(&errors, "/ja/releases/page/2/index.html");
    assert!(
        message.contains("content/releases/page/2/index.ja.md"),
        "{message}"
    );
    assert!(
        message.contains("pagination page of content/releases/_index.ja.md"),
        "{message}"
    );
}

#[test]
fn an_index_html_file_beside_a_page_clashes_with_the_page() {
    let site = SiteFixture::new();
    site.write(&format!("content/{RELEASE}/index.html"), "<p>hand-made</p>");
    let errors = site.build_errors();
    let message = error_with(&errors, &format!("/ja/{RELEASE}/index.html"));
    assert!(
        message.contains(&format!("content/{RELEASE}/index.html")),
        "{message}"
    );
    assert!(
        message.contains(&format!("content/{RELEASE}/index.ja.md")),
        "{message}"
    );
}

#[test]
fn a_theme_index_html_clashes_with_the_root_chooser() {
    let site = SiteFixture::new();
    site.write("themes/ngmo/static/index.html", "<p>theme</p>");
    let errors = site.build_errors();
    let message = error_with(&errors, "both would be written to /index.html");
    assert!(
        message.contains("themes/ngmo/static/index.html"),
        "{message}"
    );
    assert!(message.contains("root language chooser"), "{message}");
}

#[test]
fn a_content_file_clashes_with_the_theme_css() {
    let site = SiteFixture::new();
    site.write("content/css/site.css", "body{}");
    let errors = site.build_errors();
    let message = error_with(&errors, "/css/site.css");
    assert!(message.contains("content/css/site.css"), "{message}");
    assert!(
        message.contains("themes/ngmo/static/css/site.css"),
        "{message}"
    );
}

#[test]
fn paths_compare_after_nfc_and_case_only_differences_warn() {
    let site = SiteFixture::new();
    // ガ as one code point (NFC) and as カ + combining mark (NFD, as macOS writes names).
    site.write("content/files/ガ.txt", "nfc");
    site.write("content/files/カ\u{3099}.txt", "nfd");
    let errors = site.build_errors();
    error_with(&errors, "/files/ガ.txt");

    let site = SiteFixture::new();
    site.write("content/files/Report.txt", "a");
    site.write("content/files/report.txt", "b");
    let report = site.build_ok();
    let warnings = render(&report.warnings);
    assert!(
        warnings.contains("differ only in letter case"),
        "{warnings}"
    );
}

#[test]
fn bad_slugs_are_named_at_the_content_file_never_at_a_staging_path() {
    for slug in ["index.html", &"長".repeat(100), "a\\u0000b"] {
        let site = SiteFixture::new();
        site.build_ok();
        site.write(
            "content/about.ja.md",
            &format!("+++\ntitle = \"about\"\nslug = \"{slug}\"\n+++\n\nbody\n"),
        );
        if slug == "index.html" {
            // `ja/index.html/` would need a folder where the home page is a file.
            site.write(
                "content/about.ja.md",
                "+++\ntitle = \"about\"\nslug = \"index.html\"\n+++\n\nbody\n",
            );
        }
        let errors = site.build_errors();
        let printed = render(&errors);
        assert!(printed.contains("content/about.ja.md"), "{slug}: {printed}");
        assert!(!printed.contains("koho-staging"), "{printed}");
    }
}

#[test]
fn a_failure_in_the_middle_of_the_commit_leaves_the_output_as_it_was() {
    let site = SiteFixture::new();
    site.build_ok();
    let before = stamped(&site.output());
    // Changes and a removal, so the commit has several steps.
    for lang in ["ja", "en"] {
        site.replace(
            &format!("content/{RELEASE}/index.{lang}.md"),
            "body-",
            "changed body-",
        );
    }
    site.remove(&format!("content/{RELEASE}/index.zh.md"));
    for fail_after in [0, 1, 3] {
        let error = site
            .build_with(|o| o.fail_commit_after = Some(fail_after))
            .expect_err("the injected failure fails the build");
        let message = error.to_string();
        assert!(matches!(error, BuildError::Commit { .. }), "{message}");
        assert!(message.contains("restored as it was"), "{message}");
        assert_eq!(
            stamped(&site.output()),
            before,
            "after a failure at step {fail_after}"
        );
        assert!(!site.output().join(".koho-staging").exists());
    }
    let report = site.build_ok();
    assert!(report.written >= 2 && report.removed >= 1, "{report:?}");
    assert!(site
        .read_output(&format!("ja/{RELEASE}/index.html"))
        .contains("changed body-ja"));
}

#[test]
fn a_second_build_into_the_same_output_fails_at_once() {
    let site = SiteFixture::new();
    site.build_ok();
    let state = koho::output::state_dir(site.root(), &site.output());
    let lock = fs::File::create(state.join("lock")).unwrap();
    lock.try_lock().expect("the test takes the lock");
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("another koho build"), "{}", run.stderr);
    drop(lock);
    site.build_ok();
}

#[test]
fn nothing_is_written_beside_the_output_so_a_mount_point_works() {
    let site = SiteFixture::new();
    let parent = tempfile::tempdir().unwrap();
    let output = parent.path().join("html");
    fs::create_dir(&output).unwrap();
    for _ in 0..2 {
        site.replace("content/_index.ja.md", "welcome", "welcome!");
        unwrap_report(site.build_with(|o| o.output = Some(output.clone())));
        let beside: Vec<_> = fs::read_dir(parent.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            beside,
            vec![std::ffi::OsString::from("html")],
            "only the output itself"
        );
    }
    // The output folder itself is never renamed: its inode stays (a mount point cannot move).
    assert!(read_output(&output, "ja/index.html").contains("welcome!!"));
}

#[test]
fn an_output_inside_the_inputs_is_refused() {
    for inside in [
        "content/out",
        "themes/ngmo/static/out",
        "locales/out",
        "content",
    ] {
        let site = SiteFixture::new();
        let before = snapshot(&site.path("content"));
        let run = site.run_build(&["--output", &site.path(inside).to_string_lossy()]);
        assert_eq!(run.code, 1, "{inside}: {}", run.stderr);
        assert!(
            run.stderr.contains("refusing to write the site"),
            "{}",
            run.stderr
        );
        assert_eq!(snapshot(&site.path("content")), before);
    }
}

fn manifest(path: &str) -> String {
    format!(
        "[[item]]\nid = \"report\"\ncategory = \"press\"\nupdated = 2020-05-13\n\
         title = {{ ja = \"報告\", en = \"Report\" }}\n\n[[item.file]]\nlang = \"ja\"\n\
         path = \"{path}\"\nformat = \"pdf\"\n"
    )
}

#[test]
fn download_paths_have_one_spelling_and_survive_rebuilds() {
    for written in ["./press/x.pdf", "press//x.pdf", "press/./x.pdf"] {
        let site = SiteFixture::new();
        site.write_bytes("content/downloads/press/x.pdf", b"%PDF-1.4 one");
        site.write("content/downloads/downloads.toml", &manifest(written));
        for build in 0..3 {
            site.build_ok();
            assert!(
                site.exists("downloads/press/x.pdf"),
                "{written}, build {build}"
            );
            let sums = site.read_output("downloads/SHA256SUMS");
            assert!(
                sums.contains("  press/x.pdf") || sums.contains("downloads/press/x.pdf"),
                "{sums}"
            );
        }
    }
}

#[test]
fn a_download_replaced_with_the_same_size_and_time_is_published_anew() {
    let site = SiteFixture::new();
    let source = site.path("content/downloads/press/x.pdf");
    site.write_bytes("content/downloads/press/x.pdf", b"%PDF-1.4 old!");
    site.write("content/downloads/downloads.toml", &manifest("press/x.pdf"));
    site.build_ok();
    let time = fs::metadata(&source).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let replacement = site.path("content/downloads/press/new.tmp");
    fs::write(&replacement, b"%PDF-1.4 new!").unwrap();
    fs::File::options()
        .write(true)
        .open(&replacement)
        .unwrap()
        .set_modified(time)
        .unwrap();
    fs::rename(&replacement, &source).unwrap();
    site.build_ok();
    let copy = fs::read(site.output().join("downloads/press/x.pdf")).unwrap();
    assert_eq!(copy, b"%PDF-1.4 new!");
    let json = site.read_output("downloads.json");
    let new_sha = sha256_hex(b"%PDF-1.4 new!");
    assert!(
        json.contains(&new_sha),
        "downloads.json has the new checksum"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn an_unreadable_manifest_is_an_error_and_keeps_the_published_files() {
    let site = SiteFixture::new();
    site.write_bytes("content/downloads/press/x.pdf", b"%PDF-1.4 one");
    site.write("content/downloads/downloads.toml", &manifest("press/x.pdf"));
    site.build_ok();
    let before = site.snapshot();
    // Saved as Shift_JIS: 報告 is 0x95 0xF1 0x8D 0x90.
    let mut bytes = manifest("press/x.pdf").replace("報告", "@@").into_bytes();
    let at = bytes.windows(2).position(|w| w == b"@@").unwrap();
    bytes.splice(at..at + 2, [0x95, 0xF1, 0x8D, 0x90]);
    site.write_bytes("content/downloads/downloads.toml", &bytes);
    let errors = site.build_errors();
    let message = error_with(&errors, "not valid UTF-8");
    assert!(
        message.contains("content/downloads/downloads.toml:5:"),
        "{message}"
    );
    assert_same_files(&before, &site.snapshot());
}

#[test]
fn the_state_of_a_build_is_kept_under_the_site_root_and_never_deployed() {
    let site = SiteFixture::new();
    site.build_ok();
    assert!(site.path(".koho/hashes.tsv").is_file() || site.path(".koho").is_dir());
    let files = site.snapshot();
    assert!(
        !files
            .keys()
            .any(|k| k.split('/').any(|p| p.starts_with('.'))),
        "{:?}",
        files.keys()
    );
}

#[test]
fn a_no_change_rebuild_of_the_shipped_site_writes_nothing() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let output = dir.path().join("public");
    let options = koho::BuildOptions {
        root: manifest_dir(),
        output: Some(output.clone()),
        ..Default::default()
    };
    let first = unwrap_report(koho::build(&options));
    assert!(first.warnings.is_empty(), "{}", render(&first.warnings));
    let before = stamped(&output);
    std::thread::sleep(Duration::from_millis(20));
    let second = unwrap_report(koho::build(&options));
    assert_eq!((second.written, second.removed), (0, 0));
    assert_eq!(second.unchanged, first.files);
    assert_eq!(stamped(&output), before, "every byte and time as it was");
}
