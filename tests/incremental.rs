//! Rebuilds render only what changed: a file whose inputs have the same fingerprint as when the
//! previous build wrote it, and that nobody touched since, is kept without rendering; the
//! output is always byte for byte what a fresh build makes.

use crate::support;

use support::{assert_same_files, snapshot, SiteFixture, RELEASE};

/// Three more releases per language, so that a one-release edit has pages to leave alone.
fn fixture() -> SiteFixture {
    let fixture = SiteFixture::new();
    let config = fixture.read("site.toml");
    fixture.write(
        "site.toml",
        &config.replacen(
            "[languages.ja]",
            "[discovery]\nfeed_section = \"releases\"\n\n[languages.ja]",
            1,
        ),
    );
    for n in 1..=3 {
        for lang in ["ja", "en", "zh"] {
            fixture.write(
                &format!("content/releases/2021-0{n}-01-r{n}/index.{lang}.md"),
                &format!("+++\ntitle = \"r{n}-{lang}\"\ndate = 2021-0{n}-01\n+++\n\nbody {n}\n"),
            );
        }
    }
    fixture
}

/// The text of the `<main>` of the output page at `path`.
fn main_text(fixture: &SiteFixture, path: &str) -> String {
    let page = fixture.page(path);
    page.select("main").iter().flat_map(|m| m.text()).collect()
}

/// The output of a fresh build of the same site into a new folder.
fn fresh_output(fixture: &SiteFixture) -> std::collections::BTreeMap<String, Vec<u8>> {
    let other = fixture.path("fresh-out");
    let _ = std::fs::remove_dir_all(&other);
    let report = support::unwrap_report(fixture.build_with(|o| o.output = Some(other.clone())));
    assert_eq!(report.written, report.files);
    snapshot(&other)
}

#[test]
fn a_rebuild_with_nothing_changed_renders_only_the_always_rendered_files() {
    let fixture = fixture();
    let first = fixture.build_ok();
    assert!(first.rendered >= 40, "{first:?}");
    let second = fixture.build_ok();
    assert_eq!(second.written, 0, "{second:?}");
    assert_eq!(second.removed, 0);
    // What is always rendered: the root chooser and other files without a fingerprint.
    assert!(second.rendered <= 3, "{} rendered", second.rendered);
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn the_site_folder_named_another_way_keeps_the_previous_output() {
    let fixture = fixture();
    let output = fixture.output();
    let first = fixture.build_ok();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "an edited body",
    );
    // `koho build` inside the site and `koho build -r ../site` from beside it: one output.
    let name = fixture.root().file_name().unwrap().to_owned();
    let through_parent = fixture.root().join("..").join(name);
    for root in [fixture.root().join("."), through_parent] {
        let report = support::unwrap_report(fixture.build_with(|o| {
            o.root = root.clone();
            o.output = Some(output.clone());
        }));
        assert!(report.rendered < 15, "{root:?}: {report:?} after {first:?}");
    }
    let main = main_text(&fixture, "en/releases/2021-02-01-r2/index.html");
    assert!(main.contains("an edited body"), "{main}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_renamed_feed_section_is_named_in_every_pages_feed_link() {
    let fixture = fixture();
    fixture.build_ok();
    let releases = "content/releases/_index.en.md";
    let text = fixture.read(releases);
    let title = text
        .lines()
        .find(|l| l.starts_with("title = "))
        .expect("a title")
        .to_string();
    fixture.write(
        releases,
        &text.replacen(&title, "title = \"Releases renamed\"", 1),
    );
    fixture.build_ok();
    for path in ["en/index.html", "en/releases/2021-01-01-r1/index.html"] {
        let page = fixture.page(path);
        let feed_title = page.attr("link[type=\"application/atom+xml\"]", "title");
        assert!(
            feed_title.starts_with("Releases renamed |"),
            "{path}: {feed_title}"
        );
    }
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_body_edit_renders_that_page_and_what_shows_its_text() {
    let fixture = fixture();
    fixture.build_ok();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "an edited body",
    );
    let report = fixture.build_ok();
    // The page and the English feed; the search index files its words are in (with the
    // search feature); nothing in other languages.
    assert!(report.rendered < 15, "{report:?}");
    let main = main_text(&fixture, "en/releases/2021-02-01-r2/index.html");
    assert!(main.contains("an edited body"), "{main}");
    assert!(fixture
        .read_output("en/atom.xml")
        .contains("an edited body"));
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_title_edit_reaches_the_listing_and_every_page_that_shows_it() {
    let fixture = fixture();
    fixture.build_ok();
    fixture.replace(
        &format!("content/{RELEASE}/index.ja.md"),
        "first-ja",
        "改題",
    );
    fixture.build_ok();
    let listing = fixture.page("ja/releases/index.html");
    let titles: Vec<String> = listing
        .select("main a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert!(titles.iter().any(|t| t.contains("改題")), "{titles:?}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn template_locale_and_config_edits_render_everything_again() {
    let fixture = fixture();
    let first = fixture.build_ok();
    let base = "themes/ngmo/templates/base.html";
    let text = fixture.read(base);
    fixture.write(base, &text.replacen("<body", "<body data-edited", 1));
    let report = fixture.build_ok();
    assert!(report.rendered >= first.rendered - 3, "{report:?}");
    assert!(fixture.read_output("en/index.html").contains("data-edited"));
    fixture.replace("site.toml", "name = \"English\"", "name = \"English (UK)\"");
    let report = fixture.build_ok();
    assert!(report.rendered >= first.rendered - 3, "{report:?}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn an_output_file_changed_by_hand_is_rendered_again() {
    let fixture = fixture();
    fixture.build_ok();
    let page = fixture
        .output()
        .join("en/releases/2021-01-01-r1/index.html");
    std::fs::write(&page, "tampered").unwrap();
    let removed = fixture.output().join("zh/index.html");
    std::fs::remove_file(&removed).unwrap();
    let report = fixture.build_ok();
    assert_eq!(report.written, 2, "{report:?}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn drafts_and_base_url_options_are_part_of_the_fingerprint() {
    let fixture = fixture();
    let first = fixture.build_ok();
    let report = support::unwrap_report(
        fixture.build_with(|o| o.base_url = Some("https://example.com/sub/".into())),
    );
    assert_eq!(
        report.rendered, first.rendered,
        "every file again: {report:?}"
    );
    assert!(fixture
        .read_output("en/index.html")
        .contains("https://example.com/sub/"));
    let report = support::unwrap_report(fixture.build_with(|o| o.include_drafts = true));
    assert!(report.rendered >= first.rendered, "{report:?}");
}

/// Whether the build was skipped as up to date (`koho::uptodate`).
fn skipped(report: &koho::BuildReport) -> bool {
    report.timings.len() == 1 && report.timings[0].0.contains("nothing to do")
}

#[test]
fn a_build_with_nothing_changed_is_skipped_and_reports_the_same_site() {
    let fixture = fixture();
    let first = fixture.build_ok();
    let before = fixture.snapshot();
    let second = fixture.build_ok();
    assert!(skipped(&second), "{second:?}");
    assert_eq!(
        (second.pages, second.files, second.downloads),
        (first.pages, first.files, first.downloads)
    );
    assert_eq!(second.pages_per_language, first.pages_per_language);
    assert_eq!((second.written, second.unchanged), (0, first.files));
    assert_same_files(&before, &fixture.snapshot());
}

#[test]
fn a_new_or_removed_source_file_is_never_skipped() {
    let fixture = fixture();
    let first = fixture.build_ok();
    fixture.write(
        "content/releases/2021-05-01-r5/index.ja.md",
        "+++\ntitle = \"r5-ja\"\ndate = 2021-05-01\n+++\n\n本文\n",
    );
    let added = fixture.build_ok();
    assert!(!skipped(&added), "{added:?}");
    assert_eq!(added.pages, first.pages + 1);
    assert!(fixture.exists("ja/releases/2021-05-01-r5/index.html"));
    fixture.remove("content/releases/2021-05-01-r5/index.ja.md");
    let removed = fixture.build_ok();
    assert!(!skipped(&removed), "{removed:?}");
    assert_eq!(removed.pages, first.pages);
    assert!(!fixture.exists("ja/releases/2021-05-01-r5/index.html"));
    // A locale or theme change counts as much as content.
    fixture.build_ok();
    let locale = fixture.read("locales/en/main.ftl");
    fixture.write(
        "locales/en/main.ftl",
        &format!("{locale}\nextra-message = x\n"),
    );
    assert!(!skipped(&fixture.build_ok()));
}

#[test]
fn an_output_touched_by_someone_else_is_repaired_not_skipped() {
    let fixture = fixture();
    fixture.build_ok();
    let before = fixture.snapshot();
    // A deleted page, an edited page, and a stray file deep in a folder koho wrote.
    let out = fixture.output();
    std::fs::remove_file(out.join("en/releases/2021-01-01-r1/index.html")).unwrap();
    std::fs::write(out.join("ja/index.html"), "defaced").unwrap();
    std::fs::write(out.join("zh/releases/2021-02-01-r2/stray.html"), "x").unwrap();
    let report = fixture.build_ok();
    assert!(!skipped(&report), "{report:?}");
    assert_eq!(report.removed, 1, "the stray file: {report:?}");
    assert_same_files(&before, &fixture.snapshot());
    // A stray file in an untouched-looking tree is found after any later change too.
    std::fs::write(out.join("en/releases/stray.txt"), "x").unwrap();
    fixture.replace(
        "content/releases/2021-01-01-r1/index.en.md",
        "body 1",
        "body one",
    );
    let report = fixture.build_ok();
    assert_eq!(report.removed, 1, "{report:?}");
    assert!(!fixture.exists("en/releases/stray.txt"));
}

#[test]
fn strays_written_while_pages_render_are_gone_after_the_next_build_at_the_latest() {
    // The stale files are looked for while the changed pages render (`Writer::find_stale`):
    // a stray that arrives meanwhile, in a folder the rebuild leaves alone or in one it
    // writes into, may be missed by that build but never kept for good.
    let fixture = fixture();
    fixture.build_ok();
    let before = fixture.snapshot();
    fixture.replace(
        "content/releases/2021-01-01-r1/index.en.md",
        "body 1",
        "body one",
    );
    let out = fixture.output();
    let strays = [
        "zh/releases/2021-02-01-r2/stray.html",
        "en/releases/2021-01-01-r1/stray.html",
        "stray-root.txt",
    ];
    let written = std::sync::Once::new();
    let progress = |_: usize, _: usize| {
        written.call_once(|| {
            for stray in strays {
                std::fs::write(out.join(stray), "x").unwrap();
            }
        })
    };
    let first = koho::build_with_progress(&fixture.options(), &progress).unwrap();
    assert!(written.is_completed(), "the progress callback ran");
    let second = fixture.build_ok();
    assert_eq!(
        first.removed + second.removed,
        strays.len(),
        "{first:?} {second:?}"
    );
    for stray in strays {
        assert!(!out.join(stray).exists(), "{stray} kept");
    }
    fixture.replace(
        "content/releases/2021-01-01-r1/index.en.md",
        "body one",
        "body 1",
    );
    fixture.build_ok();
    assert_same_files(&before, &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn a_commit_refused_before_moving_anything_leaves_no_staging_folder() {
    // A folder of kept files replaced by a link after the writer opened, in a folder that is
    // listed again (a stray in it changed its stamp): removing the link would lose them, so
    // the commit is refused, with the output as it was.
    let fixture = fixture();
    fixture.build_ok();
    let options = fixture.options();
    let output = fixture.output();
    std::fs::write(output.join("zh/releases/stray.txt"), "x").unwrap();
    let prepared = koho::prepare(&options).unwrap();
    let lock = koho::output::lock_output(&options.root, &output).unwrap();
    let mut writer = koho::output::Writer::open(&options.root, &output, lock).unwrap();
    writer.start().unwrap();
    let before = fixture.snapshot();
    let folder = output.join("zh/releases/2021-02-01-r2");
    std::fs::rename(&folder, fixture.path("moved-away")).unwrap();
    std::os::unix::fs::symlink(fixture.path("moved-away"), &folder).unwrap();
    let stale = writer.find_stale(&prepared.plan);
    let error = writer.commit(&prepared.plan, stale).err().expect("refused");
    assert!(error.to_string().contains("replaced by a link"), "{error}");
    assert!(
        !output.join(".koho-staging").exists(),
        "staging folder left"
    );
    assert!(
        folder.is_symlink(),
        "the link is left for the next build to repair"
    );
    std::fs::remove_file(&folder).unwrap();
    std::fs::rename(fixture.path("moved-away"), &folder).unwrap();
    assert_same_files(&before, &fixture.snapshot());
    writer.abandon();
}

#[test]
fn an_output_file_edited_in_place_with_its_size_and_time_restored_is_rewritten() {
    let fixture = fixture();
    fixture.build_ok();
    let before = fixture.snapshot();
    let page = fixture.output().join("en/index.html");
    let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&page).unwrap();
    let defaced = text.replacen("Home", "XXXX", 1);
    assert_eq!(defaced.len(), text.len());
    // The same inode, size and mtime: only the ctime tells.
    let mut file = std::fs::OpenOptions::new().write(true).open(&page).unwrap();
    std::io::Write::write_all(&mut file, defaced.as_bytes()).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    let report = fixture.build_ok();
    assert!(!skipped(&report), "{report:?}");
    assert_same_files(&before, &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn a_theme_reached_through_a_link_is_an_input_too() {
    let fixture = fixture();
    std::fs::rename(fixture.path("themes/ngmo"), fixture.path("shared-theme")).unwrap();
    std::os::unix::fs::symlink("../shared-theme", fixture.path("themes/ngmo")).unwrap();
    assert_template_edit_is_seen(&fixture, "shared-theme/templates/base.html");
}

/// Builds, expects the next build to be skipped, edits `base_template` (the theme's base
/// template, reached however the test set it up) and expects the edit in the output.
fn assert_template_edit_is_seen(fixture: &SiteFixture, base_template: &str) {
    fixture.build_ok();
    assert!(skipped(&fixture.build_ok()));
    fixture.replace(
        base_template,
        "<body class=",
        "<body data-edited=\"yes\" class=",
    );
    let report = fixture.build_ok();
    assert!(!skipped(&report), "{report:?}");
    assert!(fixture
        .read_output("en/index.html")
        .contains("data-edited=\"yes\""));
}

/// A linked folder is recorded as a folder: a file added at its top is listed by the next
/// build and watched from then on (it was recorded as a file, so the new file was never
/// listed and its edits were skipped as up to date; a tester found it).
#[cfg(unix)]
#[test]
fn a_file_added_at_the_top_of_a_linked_folder_is_watched_from_then_on() {
    let fixture = fixture();
    let elsewhere = fixture.path("elsewhere/static");
    std::fs::create_dir_all(fixture.path("elsewhere")).unwrap();
    std::fs::rename(fixture.path("themes/ngmo/static"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, fixture.path("themes/ngmo/static")).unwrap();
    fixture.build_ok();
    std::fs::write(elsewhere.join("added.txt"), "first").unwrap();
    assert!(!skipped(&fixture.build_ok()));
    assert_eq!(fixture.read_output("added.txt"), "first");
    std::fs::write(elsewhere.join("added.txt"), "second, longer").unwrap();
    let report = fixture.build_ok();
    assert!(!skipped(&report), "{report:?}");
    assert_eq!(fixture.read_output("added.txt"), "second, longer");
}

#[cfg(unix)]
#[test]
fn a_link_loop_beside_the_theme_neither_hangs_nor_breaks_the_skip() {
    let fixture = fixture();
    // A folder the theme loader never reads, holding a link back to the theme itself.
    std::fs::create_dir_all(fixture.path("themes/ngmo/notes")).unwrap();
    std::os::unix::fs::symlink("..", fixture.path("themes/ngmo/notes/loop")).unwrap();
    assert_template_edit_is_seen(&fixture, "themes/ngmo/templates/base.html");
}

/// Fails on any symbolic link under `dir` (koho writes none into an output).
#[cfg(unix)]
fn assert_no_links(dir: &std::path::Path) {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk the output");
        assert!(
            !entry.path_is_symlink(),
            "{} is a link",
            entry.path().display()
        );
    }
}

#[cfg(unix)]
#[test]
fn an_output_folder_swapped_for_a_link_to_its_moved_self_is_a_folder_again() {
    for folder in ["css", "en/releases/2021-01-01-r1"] {
        let fixture = fixture();
        fixture.build_ok();
        let out = fixture.output();
        let moved = format!("{folder}-real");
        std::fs::rename(out.join(folder), out.join(&moved)).unwrap();
        std::os::unix::fs::symlink(
            std::path::Path::new(&moved).file_name().unwrap(),
            out.join(folder),
        )
        .unwrap();
        fixture.build_ok();
        assert_no_links(&out);
        assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
        assert!(skipped(&fixture.build_ok()), "{folder}: then up to date");
    }
}

#[cfg(unix)]
#[test]
fn a_link_to_an_outside_folder_in_the_output_is_removed_and_its_target_left_alone() {
    let fixture = fixture();
    fixture.build_ok();
    let out = fixture.output();
    // The outside folder holds files at the paths the build writes and keeps.
    let victim = tempfile::tempdir().unwrap();
    std::fs::write(victim.path().join("index.html"), "VICTIM DATA").unwrap();
    std::fs::write(victim.path().join("precious.txt"), "keep").unwrap();
    let before = snapshot(victim.path());
    let folder = out.join("en/releases/2021-01-01-r1");
    std::fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(victim.path(), &folder).unwrap();
    // Once with nothing else changed, once with the page itself edited.
    for round in 0..2 {
        if round == 1 {
            std::fs::remove_dir_all(&folder).unwrap();
            std::os::unix::fs::symlink(victim.path(), &folder).unwrap();
            fixture.replace(
                "content/releases/2021-01-01-r1/index.en.md",
                "body 1",
                "body one",
            );
        }
        fixture.build_ok();
        assert_same_files(&before, &snapshot(victim.path()));
        assert_no_links(&out);
        assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    }
    assert!(!out.join(".koho-staging").exists());
}

#[test]
fn a_file_named_like_the_staging_folder_does_not_stop_the_build() {
    let fixture = fixture();
    fixture.build_ok();
    std::fs::write(fixture.output().join(".koho-staging"), "in the way").unwrap();
    fixture.build_ok();
    assert!(!fixture.output().join(".koho-staging").exists());
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn a_theme_kept_outside_the_site_may_link_within_itself() {
    let fixture = fixture();
    let outside = tempfile::tempdir().unwrap();
    let theme = outside.path().join("ngmo");
    std::fs::rename(fixture.path("themes/ngmo"), &theme).unwrap();
    std::os::unix::fs::symlink(&theme, fixture.path("themes/ngmo")).unwrap();
    std::os::unix::fs::symlink("favicon.svg", theme.join("static/alias.svg")).unwrap();
    fixture.build_ok();
    assert_eq!(
        fixture.read_output("alias.svg"),
        std::fs::read_to_string(theme.join("static/favicon.svg")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn a_folder_koho_did_not_write_is_refused_before_its_staging_folder_is_touched() {
    let fixture = fixture();
    let victim = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(victim.path().join("old")).unwrap();
    std::fs::write(victim.path().join("old/secret.txt"), "secret").unwrap();
    std::fs::write(victim.path().join("journal"), "remove\tsecret.txt\n").unwrap();
    let before = snapshot(victim.path());
    let foreign = fixture.path("foreign-out");
    std::fs::create_dir_all(&foreign).unwrap();
    std::os::unix::fs::symlink(victim.path(), foreign.join(".koho-staging")).unwrap();
    let error = fixture
        .build_with(|o| o.output = Some(foreign.clone()))
        .unwrap_err();
    assert!(
        matches!(error, koho::BuildError::ForeignOutput(_)),
        "{error}"
    );
    assert_same_files(&before, &snapshot(victim.path()));
    assert!(!foreign.join("secret.txt").exists());
}

#[cfg(unix)]
#[test]
fn a_link_where_a_new_page_goes_is_replaced_by_the_page() {
    let fixture = fixture();
    fixture.build_ok();
    let page = "content/releases/2021-04-01-r4/index.en.md";
    fixture.write(
        page,
        "+++\ntitle = \"r4\"\ndate = 2021-04-01\n+++\n\nbody 4\n",
    );
    // The outside folder holds exactly the bytes the new page renders to.
    let rendered = fresh_output(&fixture)["en/releases/2021-04-01-r4/index.html"].clone();
    let victim = tempfile::tempdir().unwrap();
    std::fs::write(victim.path().join("index.html"), &rendered).unwrap();
    let folder = fixture.output().join("en/releases/2021-04-01-r4");
    std::os::unix::fs::symlink(victim.path(), &folder).unwrap();
    fixture.build_ok();
    assert!(!folder.is_symlink());
    assert_no_links(&fixture.output());
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    assert_eq!(
        std::fs::read(victim.path().join("index.html")).unwrap(),
        rendered
    );
}

#[cfg(unix)]
#[test]
fn strays_no_journal_line_can_name_and_empty_stray_folders_are_removed() {
    use std::os::unix::ffi::OsStrExt;
    let fixture = fixture();
    fixture.build_ok();
    let out = fixture.output();
    let odd = std::ffi::OsStr::from_bytes(b"ja\xff");
    std::fs::write(out.join("en").join(odd), "not UTF-8").unwrap();
    std::fs::create_dir_all(out.join("en/a\nreplace\t0\t..")).unwrap();
    std::fs::write(out.join("en/a\nreplace\t0\t../x.txt"), "a newline").unwrap();
    std::fs::create_dir_all(out.join("empty-stray/sub")).unwrap();
    std::fs::write(out.join("en/a\\b.html"), "a backslash").unwrap();
    std::fs::create_dir_all(out.join("zh/e\\f")).unwrap();
    std::fs::write(out.join("zh/e\\f/x.html"), "in a backslash folder").unwrap();
    let report = fixture.build_ok();
    assert_eq!(
        report.removed, 4,
        "the odd file, the odd folder with its file, the backslash file and folder"
    );
    let warning = report
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("did not write"))
        .expect("a warning naming the removed entries");
    for name in ["ja\\xFF", "a\\\\b.html", "e\\\\f", "a\\nreplace"] {
        assert!(warning.contains(name), "{name} in {warning}");
    }
    assert!(warning.contains("removed 4 file(s)"), "{warning}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    assert!(!out.join("empty-stray").exists());
    assert!(skipped(&fixture.build_ok()));
}

#[test]
fn a_failed_commit_keeps_even_the_strays_no_journal_line_can_name() {
    let fixture = fixture();
    fixture.build_ok();
    let out = fixture.output();
    std::fs::write(out.join("en/a\nb.html"), "a newline").unwrap();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    let failed = fixture.build_with(|o| o.fail_commit_after = Some(0));
    assert!(failed.is_err());
    assert!(out.join("en/a\nb.html").exists(), "restored as it was");
    fixture.build_ok();
    assert!(!out.join("en/a\nb.html").exists());
}

#[test]
fn a_lock_held_for_a_moment_only_is_waited_for() {
    // As by a child process forked by another thread while a build held the lock: it shares
    // the lock until it executes its program.
    let fixture = fixture();
    fixture.build_ok();
    let held = koho::output::lock_output(fixture.root(), &fixture.output()).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(held);
    });
    fixture.build_ok();
    release.join().unwrap();
}

#[test]
fn a_build_while_another_holds_the_output_fails_before_reading_anything() {
    let fixture = fixture();
    fixture.build_ok();
    let held = koho::output::lock_output(fixture.root(), &fixture.output()).unwrap();
    let before = fixture.snapshot();
    // Up to date: not reported as skipped while the other build may be changing the output.
    let error = fixture.build().unwrap_err();
    assert!(matches!(error, koho::BuildError::Locked(_)), "{error}");
    // With an edit: refused before anything is read or staged.
    fixture.replace(
        "content/releases/2021-01-01-r1/index.en.md",
        "body 1",
        "body one",
    );
    let error = fixture.build().unwrap_err();
    assert!(matches!(error, koho::BuildError::Locked(_)), "{error}");
    assert!(!fixture.output().join(".koho-staging").exists());
    assert_same_files(&before, &fixture.snapshot());
    drop(held);
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn two_spellings_of_one_output_share_its_skip() {
    let fixture = fixture();
    fixture.build_ok();
    assert!(skipped(&fixture.build_ok()));
    let spelled = fixture.root().join("content/../public/");
    let report = support::unwrap_report(fixture.build_with(|o| o.output = Some(spelled.clone())));
    assert!(skipped(&report), "{report:?}");
    assert!(skipped(&fixture.build_ok()));
}

/// An edit in place changes no folder, so the next build takes its list of inputs from the
/// record instead of walking content/, locales/ and themes/ again (`uptodate::check`); the
/// list it records must still hold every input, and a folder that changed must be walked.
#[test]
fn inputs_listed_from_the_record_still_see_every_added_and_removed_file() {
    let fixture = fixture();
    fixture.build_ok();
    let r2 = "content/releases/2021-02-01-r2/index.en.md";
    fixture.replace(r2, "body 2", "body 2, edited in place");
    let edited = fixture.build_ok();
    assert!(!skipped(&edited), "{edited:?}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    // The record written by that build is complete: nothing changed, nothing to do.
    assert!(skipped(&fixture.build_ok()));
    // An edit in place together with a new folder: the new page is found.
    fixture.replace(r2, "edited in place", "edited again");
    fixture.write(
        "content/releases/2021-06-01-r6/index.en.md",
        "+++\ntitle = \"r6-en\"\ndate = 2021-06-01\n+++\n\nbody 6\n",
    );
    let added = fixture.build_ok();
    assert!(
        fixture.exists("en/releases/2021-06-01-r6/index.html"),
        "{added:?}"
    );
    assert!(fixture
        .read_output("en/releases/2021-02-01-r2/index.html")
        .contains("edited again"));
    // An edit in place together with a file removed from an existing folder.
    fixture.replace(r2, "edited again", "edited a third time");
    fixture.remove("content/releases/2021-03-01-r3/index.zh.md");
    fixture.build_ok();
    assert!(!fixture.exists("zh/releases/2021-03-01-r3/index.html"));
    assert!(skipped(&fixture.build_ok()));
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    // A file added to a locale folder after the record was reused is an input too.
    fixture.replace(r2, "a third time", "a fourth time");
    fixture.build_ok();
    fixture.write("locales/en/extra.ftl", "extra-message = x\n");
    assert!(!skipped(&fixture.build_ok()));
}

/// The listing of content/ a build saves for the next one (`content::Listing::Saved`) is only
/// a shortcut: unreadable, it is walked again; after a failed build it is not trusted.
#[test]
fn a_saved_listing_that_cannot_be_read_or_outlived_a_failed_build_is_walked_again() {
    let fixture = fixture();
    fixture.build_ok();
    let state = std::fs::read_dir(fixture.path(".koho"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("listing.bin").is_file())
        .expect("a saved listing");
    std::fs::write(state.join("listing.bin"), "koho-listing 1\nnot postcard").unwrap();
    let r2 = "content/releases/2021-02-01-r2/index.en.md";
    fixture.replace(r2, "body 2", "body 2, edited in place");
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    // A failed build that found a new page, then the page removed and the error fixed in
    // place: the listing that build saved names a page that is gone.
    fixture.write(
        "content/releases/2021-07-01-r7/index.en.md",
        "+++\ntitle = \"r7-en\"\ndate = 2021-07-01\n+++\n\nbody 7\n",
    );
    fixture.replace(r2, "+++\ntitle", "+++\ntitle = \ntitle");
    assert!(fixture.build().is_err());
    fixture.remove("content/releases/2021-07-01-r7/index.en.md");
    fixture.replace(r2, "+++\ntitle = \ntitle", "+++\ntitle");
    fixture.build_ok();
    assert!(!fixture.exists("en/releases/2021-07-01-r7/index.html"));
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

/// The state folder of the fixture's output (`.koho/output-<id>/`).
fn state_dir(fixture: &SiteFixture) -> std::path::PathBuf {
    std::fs::read_dir(fixture.path(".koho"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("documents.bin").is_file())
        .expect("saved documents")
}

#[test]
fn a_source_edited_in_place_with_its_size_and_time_restored_is_read_again() {
    let fixture = fixture();
    fixture.build_ok();
    let r2 = fixture.path("content/releases/2021-02-01-r2/index.en.md");
    let modified = std::fs::metadata(&r2).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&r2).unwrap();
    let edited = text.replacen("body 2", "BODY 2", 1);
    assert_eq!(edited.len(), text.len());
    // The same inode, size and mtime: only the ctime tells the saved text is not this file's.
    let mut file = std::fs::OpenOptions::new().write(true).open(&r2).unwrap();
    std::io::Write::write_all(&mut file, edited.as_bytes()).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    fixture.build_ok();
    let main = main_text(&fixture, "en/releases/2021-02-01-r2/index.html");
    assert!(main.contains("BODY 2"), "{main}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn damaged_or_foreign_saved_documents_are_never_published() {
    let fixture = fixture();
    fixture.build_ok();
    let saved = state_dir(&fixture).join("documents.bin");
    let r2 = "content/releases/2021-02-01-r2/index.en.md";
    // Cut in the middle: none of the file is used.
    let bytes = std::fs::read(&saved).unwrap();
    std::fs::write(&saved, &bytes[..bytes.len() / 2]).unwrap();
    fixture.replace(r2, "body 2", "body 2, edited once");
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    // Saved again whole by that build, then replaced by a file in another format.
    assert!(std::fs::metadata(&saved).unwrap().len() > bytes.len() as u64 / 2);
    std::fs::write(&saved, "koho-documents 0\n").unwrap();
    fixture.replace(r2, "edited once", "edited twice");
    fixture.build_ok();
    let main = main_text(&fixture, "en/releases/2021-02-01-r2/index.html");
    assert!(main.contains("edited twice"), "{main}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_source_replaced_by_rename_is_read_again() {
    let fixture = fixture();
    fixture.build_ok();
    let r3 = "content/releases/2021-03-01-r3/index.zh.md";
    // An editor's save: a new file renamed over the old one (a new inode, the same size).
    let text = fixture.read(r3).replacen("body 3", "BODY 3", 1);
    fixture.write("content/releases/2021-03-01-r3/.index.zh.md.swp", &text);
    std::fs::rename(
        fixture.path("content/releases/2021-03-01-r3/.index.zh.md.swp"),
        fixture.path(r3),
    )
    .unwrap();
    fixture.build_ok();
    let main = main_text(&fixture, "zh/releases/2021-03-01-r3/index.html");
    assert!(main.contains("BODY 3"), "{main}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn state_files_linked_elsewhere_are_replaced_never_written_through() {
    let fixture = fixture();
    fixture.build_ok();
    let state = state_dir(&fixture);
    let victim = fixture.path("victim.txt");
    std::fs::write(&victim, "IMPORTANT").unwrap();
    for name in [
        "lock",
        "last-build.json",
        "documents.bin",
        "written.tsv",
        "inputs.tsv",
    ] {
        std::fs::remove_file(state.join(name)).unwrap();
        std::os::unix::fs::symlink(&victim, state.join(name)).unwrap();
    }
    let temporary = state.join(format!("written.tmp{}", std::process::id()));
    let _ = std::os::unix::fs::symlink(&victim, temporary);
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    fixture.build_ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "IMPORTANT");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn records_cut_or_edited_by_hand_are_not_trusted() {
    let fixture = fixture();
    fixture.write("content/about/note.txt", "a note");
    fixture.build_ok();
    let state = state_dir(&fixture);
    // The record of inputs cut to its first lines: an edit elsewhere must still be seen.
    let inputs = std::fs::read_to_string(state.join("inputs.tsv")).unwrap();
    let head: String = inputs.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(state.join("inputs.tsv"), head).unwrap();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "EDITED",
    );
    let report = fixture.build_ok();
    assert!(!skipped(&report), "{report:?}");
    assert!(fixture
        .read_output("en/releases/2021-02-01-r2/index.html")
        .contains("EDITED"));
    // The record of written files cut in the middle of a line: the next build is not stuck.
    let written = std::fs::read_to_string(state.join("written.tsv")).unwrap();
    std::fs::write(state.join("written.tsv"), &written[..written.len() / 2]).unwrap();
    fixture.remove("content/about/note.txt");
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn a_record_replaced_by_a_folder_a_pipe_or_a_dangling_link_is_a_damaged_record() {
    // A tester's cases: each made every later build refuse the output as someone else's.
    let fixture = fixture();
    fixture.build_ok();
    let record = state_dir(&fixture).join("written.tsv");
    let replace: [&dyn Fn(&std::path::Path); 3] = [
        &|p| std::fs::create_dir_all(p.join("inner")).unwrap(),
        &|p| {
            let made = std::process::Command::new("mkfifo").arg(p).status();
            assert!(made.unwrap().success());
        },
        &|p| std::os::unix::fs::symlink("/nonexistent/koho-record", p).unwrap(),
    ];
    for (round, put) in replace.iter().enumerate() {
        std::fs::remove_file(&record).unwrap();
        put(&record);
        fixture.replace(
            "content/releases/2021-02-01-r2/index.en.md",
            "body 2",
            &format!("body 2 round {round}"),
        );
        fixture.build_ok();
        assert!(
            record.is_file(),
            "round {round}: the record is written again"
        );
        assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    }
}

#[test]
fn a_folder_in_place_of_the_lock_is_replaced_by_the_lock() {
    // A tester's case: every build failed with "cannot write …/lock: Is a directory".
    let fixture = fixture();
    fixture.build_ok();
    let lock = state_dir(&fixture).join("lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir_all(lock.join("inner")).unwrap();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    fixture.build_ok();
    assert!(lock.is_file());
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_state_file_of_many_gigabytes_is_no_state() {
    // A sparse file in place of a record or cache was read whole: gigabytes of memory.
    let fixture = fixture();
    fixture.build_ok();
    let state = state_dir(&fixture);
    for name in ["written.tsv", "inputs.tsv", "documents.bin"] {
        let file = std::fs::File::create(state.join(name)).unwrap();
        file.set_len(koho::cache::MAX_STATE_FILE_BYTES + 1).unwrap();
    }
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[test]
fn a_saved_document_changed_by_hand_is_never_published() {
    let fixture = fixture();
    fixture.build_ok();
    let saved = state_dir(&fixture).join("documents.bin");
    let mut bytes = std::fs::read(&saved).unwrap();
    let at = bytes
        .windows(5)
        .position(|w| w == b"r1-en")
        .expect("a saved title");
    bytes[at] = b'X';
    std::fs::write(&saved, &bytes).unwrap();
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

#[cfg(unix)]
#[test]
fn named_pipes_in_place_of_state_files_are_never_waited_on() {
    let fixture = fixture();
    fixture.build_ok();
    let state = state_dir(&fixture);
    for name in [
        "output-id",
        "output-path",
        "documents.bin",
        "written.tsv",
        "last-build.json",
    ] {
        std::fs::remove_file(state.join(name)).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(state.join(name))
            .status()
            .unwrap();
        assert!(made.success());
    }
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "body 2",
        "edited",
    );
    // A build that opened a pipe for reading would wait here for a writer forever.
    let (done, finished) = std::sync::mpsc::channel();
    let root = fixture.path("");
    std::thread::spawn(move || {
        let build_into = |output: Option<std::path::PathBuf>| {
            let options = koho::BuildOptions {
                root: root.clone(),
                output,
                ..koho::BuildOptions::default()
            };
            koho::build(&options).map(|_| ()).map_err(|e| e.to_string())
        };
        let same = build_into(None);
        let other = build_into(Some(root.join("other-out")));
        let _ = done.send((same, other));
    });
    let (same, other) = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("both builds finish");
    assert_eq!(other, Ok(()), "a build into another output");
    // Without a readable record the output is not known to be koho's: refused, not replaced.
    let refused = same.expect_err("the record is a pipe");
    assert!(refused.contains("not written by koho"), "{refused}");
}

#[test]
fn extra_floats_of_an_unchanged_source_are_published_as_a_fresh_build_publishes_them() {
    let fixture = fixture();
    let r1 = "content/releases/2021-01-01-r1/index.en.md";
    fixture.replace(
        r1,
        "date = 2021-01-01\n",
        "date = 2021-01-01\n[extra]\nsubtitle = 9.109e-31\ntagline = 1.602176634e-19\n",
    );
    fixture.build_ok();
    // Another release's title: the listing that shows r1's subtitle is rendered again from
    // r1's saved front matter.
    fixture.replace(
        "content/releases/2021-02-01-r2/index.en.md",
        "title = \"r2-en\"",
        "title = \"r2-en, edited\"",
    );
    fixture.build_ok();
    let listing = main_text(&fixture, "en/releases/index.html");
    assert!(listing.contains("109e-31"), "{listing}");
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
}

/// A saved search bundle whose first line still names the current key but whose bytes were
/// damaged is read on the other core while the edited language is indexed; the damage is
/// found there and the language is indexed again, so the search index is a fresh build's.
#[test]
fn a_saved_search_bundle_damaged_after_its_first_line_is_indexed_again() {
    if !koho::render::search::ENABLED {
        eprintln!("skipped: koho built without the search feature");
        return;
    }
    let fixture = fixture();
    fixture.build_ok();
    let bundle = fixture.path(".koho/search/en.bundle");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let first_line = bytes.iter().position(|&b| b == b'\n').unwrap();
    assert!(bytes.len() > first_line + 40, "a bundle with files");
    let at = bytes.len() - 20;
    bytes[at] ^= 0xff;
    std::fs::write(&bundle, &bytes).unwrap();
    // A Japanese edit: English is not indexed again unless its saved bundle is unusable.
    fixture.write(
        "content/releases/2021-01-01-r1/index.ja.md",
        "+++\ntitle = \"r1-ja\"\ndate = 2021-01-01\n+++\n\nbody changed\n",
    );
    fixture.build_ok();
    assert_same_files(&fresh_output(&fixture), &fixture.snapshot());
    assert_ne!(std::fs::read(&bundle).unwrap(), bytes, "saved again whole");
}

/// Overwrites every saved HTML file of the bodies with as many `x` bytes (changed by hand in
/// place: the size is the same, the hashes are not).
fn overwrite_saved_html(fixture: &SiteFixture) {
    let bodies = fixture.path(".koho/bodies");
    for entry in std::fs::read_dir(&bodies).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("html-") {
            let len = entry.metadata().unwrap().len() as usize;
            std::fs::write(entry.path(), vec![b'x'; len]).unwrap();
        }
    }
}

/// The tester's case: a build that fails because saved pages' HTML cannot be read back (a
/// damaged `.koho/bodies/html-*.bin`) while the search stage indexes a language anew (its
/// saved terms gone) must not save empty terms for those pages: the next, successful build
/// would reuse them, and the index would lack the pages' words until each page changed.
#[test]
fn search_terms_of_pages_a_failed_build_could_not_read_are_not_reused() {
    if !koho::render::search::ENABLED {
        eprintln!("skipped: koho built without the search feature");
        return;
    }
    let fixture = fixture();
    fixture.build_ok();
    overwrite_saved_html(&fixture);
    std::fs::remove_file(fixture.path(".koho/search/en.terms")).unwrap();
    fixture.write(
        "content/releases/2021-01-01-r1/index.en.md",
        "+++\ntitle = \"r1-en\"\ndate = 2021-01-01\n+++\n\nbody changed\n",
    );
    let message = support::render(&support::expect_site_errors(fixture.build()));
    assert!(message.contains("2021-02-01-r2/index.en.md"), "{message}");
    fixture.build_ok();
    let built = fixture.snapshot();
    std::fs::remove_dir_all(fixture.path(".koho")).unwrap();
    let fresh = fresh_output(&fixture);
    let index = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        files
            .keys()
            .filter(|path| path.starts_with("search-index/en/"))
            .count()
    };
    assert!(index(&fresh) > 1, "an English index: {:?}", fresh.keys());
    assert_same_files(&fresh, &built);
}

/// A tester's case: when the feed is the first to read back a page whose saved HTML was
/// changed by hand, the build fails once (as for any reader) with an error that names the
/// page, not only the feed.
#[test]
fn a_feed_that_cannot_read_a_page_back_names_the_page() {
    let fixture = fixture();
    fixture.build_ok();
    overwrite_saved_html(&fixture);
    // Only this page's text changes (the search stage reads no other page back); the English
    // feed shows every English release, read back from the damaged file.
    fixture.write(
        "content/releases/2021-01-01-r1/index.en.md",
        "+++\ntitle = \"r1-en\"\ndate = 2021-01-01\n+++\n\nbody changed\n",
    );
    let errors = support::expect_site_errors(fixture.build());
    let message = support::render(&errors);
    assert!(message.contains("Atom feed"), "{message}");
    assert!(
        message.contains("content/releases/2021-02-01-r2/index.en.md")
            || message.contains("content/releases/2021-03-01-r3/index.en.md"),
        "{message}"
    );
    fixture.build_ok();
    let built = fixture.snapshot();
    std::fs::remove_dir_all(fixture.path(".koho")).unwrap();
    assert_same_files(&fresh_output(&fixture), &built);
}

/// A tester's case: a template that is a symbolic link (the theme loader reads through it) to
/// a file elsewhere under themes/. Editing the target, or pointing the link at another file,
/// changes the input: a rebuild renders the pages again and `koho check` after a build sees a
/// new error in it (both kept the old pages when links were not followed).
#[cfg(unix)]
#[test]
fn a_linked_template_whose_target_changes_is_a_changed_input() {
    let fixture = fixture();
    fixture.write("themes/common/linked.html", "<p class=\"linked\">one</p>");
    fixture.write("themes/common/other.html", "<p class=\"linked\">other</p>");
    let link = fixture.path("themes/ngmo/templates/partials/linked.html");
    std::os::unix::fs::symlink("../../../common/linked.html", &link).unwrap();
    fixture.replace(
        "themes/ngmo/templates/releases/page.html",
        "{% block main %}",
        "{% block main %}{% include \"partials/linked.html\" %}",
    );
    let page = "en/releases/2021-01-01-r1/index.html";
    let linked = |fixture: &SiteFixture| fixture.page(page).text("p.linked");
    fixture.build_ok();
    assert_eq!(linked(&fixture), "one");
    fixture.write("themes/common/linked.html", "<p class=\"linked\">two</p>");
    fixture.build_ok();
    assert_eq!(linked(&fixture), "two");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("../../../common/other.html", &link).unwrap();
    fixture.build_ok();
    assert_eq!(linked(&fixture), "other");
    fixture.write("themes/common/other.html", "{{ undefined_value.field }}");
    let diagnostics = fixture.check();
    assert!(
        diagnostics
            .iter()
            .any(|d| d.severity == koho::Severity::Error && d.message.contains("undefined_value")),
        "{diagnostics:?}"
    );
}

/// A tester's case: a theme that calls `get_env()` shows the environment of the build, which
/// no input file records: a build in another environment renders again and is never skipped.
#[test]
fn a_theme_that_reads_the_environment_is_rendered_in_each_build() {
    let fixture = fixture();
    fixture.replace(
        "themes/ngmo/templates/releases/page.html",
        "{% block main %}",
        "{% block main %}<p class=\"env\">{{ get_env(name=\"KOHO_TEST_GREETING\", default=\"none\") }}</p>",
    );
    let root = fixture.root().to_string_lossy().into_owned();
    let build = |greeting: &str| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_koho"))
            .args(["build", "--quiet", "--root", root.as_str()])
            .env("KOHO_TEST_GREETING", greeting)
            .status()
            .unwrap();
        assert!(status.success());
        fixture
            .page("en/releases/2021-01-01-r1/index.html")
            .text("p.env")
    };
    assert_eq!(build("hello"), "hello");
    assert_eq!(build("bonjour"), "bonjour");
    assert_eq!(build("bonjour"), "bonjour");
}
