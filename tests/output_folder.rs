//! The output folder as sites set it up: a symbolic link to the folder a web server serves, a
//! new folder under parents that do not exist yet, a first build killed halfway. A build that
//! fails leaves the output as it was, the times of its folders included.

use crate::support;

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use support::*;

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// Breaks the release's front matter, so that the site fails to prepare.
fn break_front_matter(site: &SiteFixture) {
    site.replace(
        &format!("content/{RELEASE}/index.en.md"),
        "+++\ntitle",
        "+++\ntitle = \ntitle",
    );
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_is_written_through_and_the_link_kept() {
    let site = SiteFixture::new();
    let served = site.path("www");
    fs::create_dir(&served).unwrap();
    std::os::unix::fs::symlink(&served, site.path("public")).unwrap();
    let first = site.build_ok();
    assert!(fs::symlink_metadata(site.path("public"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(served.join("ja/index.html").is_file(), "{first:?}");
    assert_same_files(&snapshot(&served), &snapshot(&site.path("public")));
    // Nothing changed: nothing to do, through the link as well.
    let second = site.build_ok();
    assert_eq!(second.written, 0, "{second:?}");
    // Another link to the same folder is the same output.
    std::os::unix::fs::symlink(&served, site.path("alias")).unwrap();
    site.replace(
        &format!("content/{RELEASE}/index.en.md"),
        "body-en",
        "body-en, edited",
    );
    let run = site.run_build(&["--output", "alias"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(site.path("alias"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!served.join(".koho-staging").exists());
    let fresh = site.path("fresh");
    support::unwrap_report(site.build_with(|o| o.output = Some(fresh.clone())));
    assert_same_files(&snapshot(&fresh), &snapshot(&served));
}

#[cfg(unix)]
#[test]
fn an_output_link_to_nothing_is_an_error_and_stays_a_link() {
    let site = SiteFixture::new();
    std::os::unix::fs::symlink(site.path("gone"), site.path("public")).unwrap();
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert!(run.stderr.contains("create the folder"), "{}", run.stderr);
    assert!(fs::symlink_metadata(site.path("public"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!site.path("gone").exists());
}

#[test]
fn a_site_with_errors_leaves_the_output_and_its_folder_times_as_they_were() {
    let site = SiteFixture::new();
    site.build_ok();
    let output = site.output();
    let before = (mtime(&output), mtime(&output.join("en")), snapshot(&output));
    // Folder times have a resolution; a change made now must be able to show.
    std::thread::sleep(std::time::Duration::from_millis(20));
    break_front_matter(&site);
    assert!(site.build().is_err());
    let after = (mtime(&output), mtime(&output.join("en")), snapshot(&output));
    assert_eq!(before.0, after.0, "the output folder's time changed");
    assert_eq!(before.1, after.1);
    assert_same_files(&before.2, &after.2);
    assert!(!output.join(".koho-staging").exists());
}

#[test]
fn a_failed_build_into_a_new_folder_leaves_no_folder_behind_nor_above() {
    let site = SiteFixture::new();
    break_front_matter(&site);
    let deep = site.path("deploy/a/b");
    assert!(site.build_with(|o| o.output = Some(deep.clone())).is_err());
    assert!(!site.path("deploy").exists());
}

/// A first build killed while it writes straight into the new output leaves part of a site;
/// the next build must repair it, not refuse the folder as one koho did not write.
#[test]
fn a_first_build_killed_halfway_is_repaired_by_the_next() {
    let site = SiteFixture::new();
    for n in 0..300 {
        for lang in ["ja", "en", "zh"] {
            site.write(
                &format!("content/releases/2021-01-01-r{n}/index.{lang}.md"),
                &format!("+++\ntitle = \"r{n}\"\ndate = 2021-01-01\n+++\n\nbody {n}\n"),
            );
        }
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_koho"))
        .arg("build")
        .current_dir(site.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run koho");
    // Killed as soon as the first page is in the output (or when it is done already).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !site.path("public/ja").exists()
        && child.try_wait().unwrap().is_none()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
    let run = site.run_build(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fresh = site.path("fresh");
    support::unwrap_report(site.build_with(|o| o.output = Some(fresh.clone())));
    assert_same_files(&snapshot(&fresh), &snapshot(&site.output()));
}

/// Found by a tester: a theme shared through a link took an output inside it, and every build
/// copied the site into itself again.
#[cfg(unix)]
#[test]
fn an_output_inside_a_linked_theme_or_named_like_a_staging_folder_is_refused() {
    let site = SiteFixture::new();
    let shared = tempfile::tempdir().unwrap();
    let theme = shared.path().join("ngmo");
    fs::rename(site.path("themes/ngmo"), &theme).unwrap();
    std::os::unix::fs::symlink(&theme, site.path("themes/ngmo")).unwrap();
    let inside = theme.join("static/out");
    let run = site.run_build(&["--output", inside.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing to write the site"),
        "{}",
        run.stderr
    );
    assert!(!inside.exists());
    site.build_ok();
    let staging = site.path("public/.koho-staging");
    let run = site.run_build(&["--output", staging.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing to write the site"),
        "{}",
        run.stderr
    );
}

/// Found by a tester: `rm -rf public` and a folder of other files moved there still counted
/// as koho's, and the next build deleted them.
#[test]
fn a_folder_put_where_the_output_was_is_not_koho_s() {
    let site = SiteFixture::new();
    site.build_ok();
    let output = site.output();
    fs::remove_dir_all(&output).unwrap();
    let other = site.path("other");
    fs::create_dir_all(other.join("photos")).unwrap();
    fs::write(other.join("photos/p1.jpg"), "img").unwrap();
    fs::rename(&other, &output).unwrap();
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not written by koho"), "{}", run.stderr);
    assert!(output.join("photos/p1.jpg").is_file());
}

/// Files put into the output by hand are removed (the output is exactly the site), but never
/// silently: the build names them.
#[test]
fn files_koho_did_not_write_are_named_when_removed() {
    let site = SiteFixture::new();
    site.build_ok();
    fs::write(site.output().join("CNAME"), "example.org").unwrap();
    let report = site.build_ok();
    assert_eq!(report.removed, 1, "{report:?}");
    let warning = report
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("did not write"))
        .expect("a warning naming the removed file");
    assert!(warning.contains("CNAME"), "{warning}");
    assert!(!site.output().join("CNAME").exists());
}

#[test]
fn a_failed_build_says_whether_there_was_an_output_to_keep() {
    let site = SiteFixture::new();
    break_front_matter(&site);
    let first = site.run_build(&[]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(
        first.stderr.contains("nothing was written"),
        "{}",
        first.stderr
    );
    site.replace(
        &format!("content/{RELEASE}/index.en.md"),
        "+++\ntitle = \ntitle",
        "+++\ntitle",
    );
    site.build_ok();
    break_front_matter(&site);
    let again = site.run_build(&[]);
    assert!(
        again
            .stderr
            .contains("the previous output was left as it was"),
        "{}",
        again.stderr
    );
}

/// Found by a tester: an output inside another output of the site was accepted, and the next
/// build of the outer one removed it.
#[test]
fn an_output_inside_another_output_of_the_site_is_refused() {
    let site = SiteFixture::new();
    site.build_ok();
    let inner = site.output().join("sub");
    let run = site.run_build(&["--output", inner.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("an output of this site"),
        "{}",
        run.stderr
    );
    assert!(!inner.exists());
}
