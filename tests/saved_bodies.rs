//! Rendered bodies kept between builds (`<root>/.koho/bodies/`): a rebuild reuses the HTML of
//! every body whose text, options and links' answers are unchanged, and its output is always
//! what a build without saved bodies makes, its errors and warnings included.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::support;
use support::{assert_same_files, snapshot, SiteFixture};

const R1_EN: &str = "content/releases/2021-01-01-r1/index.en.md";
const R2_EN: &str = "content/releases/2021-02-01-r2/index.en.md";
const R3_EN: &str = "content/releases/2021-03-01-r3/index.en.md";

/// Three releases per language; r1 links to r2 and to a heading of r3.
fn fixture() -> SiteFixture {
    let fixture = SiteFixture::new();
    for n in 1..=3 {
        for lang in ["ja", "en", "zh"] {
            fixture.write(
                &format!("content/releases/2021-0{n}-01-r{n}/index.{lang}.md"),
                &format!(
                    "+++\ntitle = \"r{n}-{lang}\"\ndate = 2021-0{n}-01\n+++\n\n\
                     body {n}, long enough to count.\n\n## Section {n}\n\nMore text {n}.\n"
                ),
            );
        }
    }
    fixture.write(
        R1_EN,
        "+++\ntitle = \"r1-en\"\ndate = 2021-01-01\n+++\n\nSee [two](@/releases/2021-02-01-r2/index.md) \
         and [three's section](@/releases/2021-03-01-r3/index.md#section-3).\n",
    );
    fixture
}

fn bodies_dir(fixture: &SiteFixture) -> PathBuf {
    fixture.root().join(".koho").join("bodies")
}

/// The HTML files of the saved bodies, by name, with their sizes.
fn html_files(fixture: &SiteFixture) -> BTreeMap<String, u64> {
    std::fs::read_dir(bodies_dir(fixture))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("html-"))
        .map(|name| {
            let len = std::fs::metadata(bodies_dir(fixture).join(&name))
                .unwrap()
                .len();
            (name, len)
        })
        .collect()
}

/// The output of a build into a new folder with no saved bodies (they are saved anew).
fn output_without_saved_bodies(fixture: &SiteFixture) -> BTreeMap<String, Vec<u8>> {
    std::fs::remove_dir_all(bodies_dir(fixture)).unwrap();
    let other = fixture.path("fresh-out");
    let _ = std::fs::remove_dir_all(&other);
    support::unwrap_report(fixture.build_with(|o| o.output = Some(other.clone())));
    snapshot(&other)
}

#[test]
fn a_rebuild_renders_only_the_edited_body_and_publishes_what_a_fresh_build_does() {
    let fixture = fixture();
    fixture.build_ok();
    let first = html_files(&fixture);
    assert_eq!(first.len(), 1, "{first:?}");
    fixture.replace(R2_EN, "body 2", "an edited body");
    fixture.build_ok();
    let second = html_files(&fixture);
    assert_eq!(second.len(), 2, "{second:?}");
    let added: Vec<u64> = second
        .iter()
        .filter(|(name, _)| !first.contains_key(*name))
        .map(|(_, len)| *len)
        .collect();
    // One body rendered again: its HTML alone, a small part of the first build's.
    let whole = first.values().sum::<u64>();
    assert!(
        added.len() == 1 && added[0] * 5 < whole,
        "{added:?} of {whole}"
    );
    let main = fixture
        .page("en/releases/2021-02-01-r2/index.html")
        .text("main");
    assert!(main.contains("an edited body"), "{main}");
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn a_link_whose_target_moved_is_rendered_with_the_new_address() {
    let fixture = fixture();
    fixture.build_ok();
    fixture.replace(
        R2_EN,
        "date = 2021-02-01",
        "date = 2021-02-01\nslug = \"moved\"",
    );
    fixture.build_ok();
    let page = fixture.page("en/releases/2021-01-01-r1/index.html");
    let hrefs = page.attrs("main a", "href");
    assert!(
        hrefs.iter().any(|h| h.ends_with("/en/releases/moved/")),
        "{hrefs:?}"
    );
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn a_reused_body_reports_its_problems_again() {
    let fixture = fixture();
    fixture.replace(R3_EN, "More text 3.", "More text 3.[^nowhere]");
    let first = fixture.build_ok();
    let warning = |report: &koho::BuildReport| {
        report
            .warnings
            .iter()
            .map(|w| w.to_string())
            .find(|w| w.contains("nowhere"))
    };
    let expected = warning(&first).expect("a warning for the undefined footnote");
    fixture.replace(R2_EN, "body 2", "an edited body");
    let second = fixture.build_ok();
    assert_eq!(warning(&second), Some(expected));
    // A broken link fails every build, whether its body is rendered or reused.
    fixture.replace(R3_EN, "More text 3.", "[gone](@/releases/none/index.md)");
    for _ in 0..2 {
        let errors = support::expect_site_errors(fixture.build());
        let error = support::error_in(&errors, R3_EN);
        assert!(error.to_string().contains("none"), "{error}");
    }
}

#[test]
fn a_link_to_a_removed_heading_fails_even_when_its_body_is_reused() {
    let fixture = fixture();
    fixture.build_ok();
    fixture.replace(R3_EN, "## Section 3", "## Renamed");
    let errors = support::expect_site_errors(fixture.build());
    let error = support::error_in(&errors, R1_EN);
    // At its line and column: r1's text, not read since the first build, is read for it.
    let message = error.to_string();
    assert!(message.contains("section-3"), "{message}");
    assert!(message.contains(&format!("{R1_EN}:6:50:")), "{message}");
}

#[test]
fn a_changed_footnote_label_renders_every_body_again_from_its_file() {
    let fixture = fixture();
    fixture.replace(R2_EN, "More text 2.", "More text 2.[^1]\n\n[^1]: A note.");
    fixture.build_ok();
    fixture.replace(
        "locales/en/main.ftl",
        "footnote-backref = Back to reference",
        "footnote-backref = Back to the text",
    );
    fixture.build_ok();
    let page = fixture.page("en/releases/2021-02-01-r2/index.html");
    let labels = page.attrs("main a.footnote-backref", "aria-label");
    assert!(
        labels.iter().any(|l| l.starts_with("Back to the text ")),
        "{labels:?}"
    );
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn saved_html_changed_by_hand_fails_one_build_with_a_message_then_is_rendered_anew() {
    let fixture = fixture();
    fixture.build_ok();
    let (name, len) = html_files(&fixture).into_iter().next().unwrap();
    let file = bodies_dir(&fixture).join(name);
    std::fs::write(&file, vec![b'x'; len as usize]).unwrap();
    // A title edit renders r2's page, whose body is reused: its HTML is read back.
    fixture.replace(R2_EN, "title = \"r2-en\"", "title = \"r2, renamed\"");
    let message = support::render(&support::expect_site_errors(fixture.build()));
    assert!(
        message.contains("changed by something other than koho"),
        "{message}"
    );
    fixture.build_ok();
    let title = fixture
        .page("en/releases/2021-02-01-r2/index.html")
        .text("h1");
    assert!(title.contains("r2, renamed"), "{title}");
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn a_damaged_or_foreign_index_only_costs_rendering() {
    let fixture = fixture();
    fixture.build_ok();
    let index = bodies_dir(&fixture).join("index.bin");
    for damage in [&b"koho-bodies 1\nnot postcard"[..], b"", b"koho-bodies 9\n"] {
        std::fs::write(&index, damage).unwrap();
        fixture.replace(R2_EN, "body 2", "body 2 again");
        fixture.build_ok();
        assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
    }
}

#[test]
fn html_files_do_not_pile_up_over_many_edits() {
    let fixture = fixture();
    fixture.build_ok();
    for n in 0..12 {
        fixture.replace(R2_EN, "body 2", &format!("body 2 ({n})"));
        fixture.build_ok();
        let files = html_files(&fixture);
        assert!(files.len() <= 9, "after {n} edits: {files:?}");
    }
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_link_in_place_of_a_state_folder_is_replaced_and_its_target_left_alone() {
    let fixture = fixture();
    let elsewhere = fixture.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("html-1-2.bin"), "not koho's").unwrap();
    std::fs::write(elsewhere.join("en.terms"), "not koho's").unwrap();
    std::fs::create_dir_all(fixture.path(".koho")).unwrap();
    for folder in ["bodies", "search"] {
        std::os::unix::fs::symlink(&elsewhere, fixture.path(&format!(".koho/{folder}"))).unwrap();
    }
    fixture.build_ok();
    fixture.replace(R2_EN, "body 2", "an edited body");
    fixture.build_ok();
    assert_eq!(names(&elsewhere), ["en.terms", "html-1-2.bin"]);
    for file in ["html-1-2.bin", "en.terms"] {
        assert_eq!(
            std::fs::read_to_string(elsewhere.join(file)).unwrap(),
            "not koho's"
        );
    }
    for folder in ["bodies", "search"] {
        let meta = std::fs::symlink_metadata(fixture.path(&format!(".koho/{folder}"))).unwrap();
        assert!(meta.is_dir(), "{folder} is a folder of koho's again");
    }
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn a_folder_in_place_of_the_index_does_not_let_html_files_pile_up() {
    let fixture = fixture();
    fixture.build_ok();
    let index = bodies_dir(&fixture).join("index.bin");
    std::fs::remove_file(&index).unwrap();
    std::fs::create_dir_all(index.join("inside")).unwrap();
    for n in 0..4 {
        fixture.replace(R2_EN, "body 2", &format!("body 2 ({n})"));
        fixture.build_ok();
        assert!(
            html_files(&fixture).len() <= 2,
            "{:?}",
            html_files(&fixture)
        );
    }
    assert!(std::fs::metadata(&index).unwrap().is_file());
    assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
}

#[test]
fn a_check_through_another_spelling_of_the_root_keeps_the_builds_cached_pdfs() {
    // Releases get PDFs when they are the feed's section (as in tests/pdf_site.rs).
    let fixture = SiteFixture::new().with_pdf();
    let config = fixture.read("site.toml");
    fixture.write(
        "site.toml",
        &config.replace(
            "[languages.ja]",
            "[discovery]\nfeed_section = \"releases\"\n\n[languages.ja]",
        ),
    );
    fixture.build_ok();
    let cached = names(&fixture.path(".koho/pdf"));
    assert!(!cached.is_empty());
    let options = koho::BuildOptions {
        root: fixture.root().join("content").join(".."),
        ..koho::BuildOptions::default()
    };
    koho::check::check(&options).unwrap();
    assert_eq!(names(&fixture.path(".koho/pdf")), cached);
}

/// A tester's case: an HTML file of the saved bodies cut short (emptied, or truncated to half
/// by hand or by a full disk). The cut is seen when the store is opened, so the bodies past
/// its end are rendered again in the same build: neither `build` nor `check` fails, and the
/// output is a fresh build's.
#[test]
fn a_saved_html_file_cut_short_is_rendered_anew_without_failing() {
    for keep in [0.0, 0.5] {
        let fixture = fixture();
        fixture.build_ok();
        let (name, len) = html_files(&fixture).into_iter().next().unwrap();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(bodies_dir(&fixture).join(name))
            .unwrap();
        file.set_len((len as f64 * keep) as u64).unwrap();
        // Without saved search terms the search stage reads every page's HTML back.
        let search_terms = fixture.path(".koho/search");
        let _ = std::fs::remove_dir_all(&search_terms);
        let diagnostics = fixture.check();
        assert!(
            diagnostics
                .iter()
                .all(|d| d.severity != koho::Severity::Error),
            "check after cutting to {keep}: {diagnostics:?}"
        );
        let _ = std::fs::remove_dir_all(&search_terms);
        fixture.replace(R2_EN, "body 2", "body 2, edited");
        fixture.build_ok();
        assert_same_files(&output_without_saved_bodies(&fixture), &fixture.snapshot());
    }
}
