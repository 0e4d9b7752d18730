//! No path outside the site root is ever read or written (issue 12): `..`, absolute paths,
//! drive letters and links out, in front matter (slugs, images), Markdown links and images,
//! the downloads manifest and the theme's name. Each hostile path is an error naming the file,
//! and nothing outside is published. (Symbolic links: tests/hardening.rs and bad_input.rs.)

use crate::support;

use support::*;

const PAGE_JA: &str = "content/releases/2020-05-13-first/index.ja.md";

/// Paths that lead out of a folder on Unix or Windows.
const HOSTILE: &[&str] = &[
    "../../../../secret.png",
    "..\\..\\..\\secret.png",
    "/etc/secret.png",
    "C:\\secret.png",
    "C:/secret.png",
    "c:secret.png",
    "\\\\server\\share\\secret.png",
];

/// A file beside the site folder that must never be published.
fn with_secret(site: &SiteFixture) {
    site.write("secret.png", "SECRET-BYTES");
}

fn assert_not_published(site: &SiteFixture) {
    for (path, bytes) in site.snapshot() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET-BYTES"),
            "{path} holds the secret"
        );
    }
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn paths_in_front_matter_slugs_are_refused() {
    for slug in HOSTILE.iter().copied().chain(["..", "C:", "a:b"]) {
        let site = SiteFixture::new();
        site.write(
            PAGE_JA,
            &format!(
                "+++\ntitle = \"t\"\ndate = 2020-05-13\nslug = {}\n+++\n",
                toml_string(slug)
            ),
        );
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, PAGE_JA);
        assert!(error.message.contains("slug"), "{slug}: {error}");
        assert_eq!(error.location.as_ref().unwrap().line, Some(4), "{slug}");
    }
}

#[test]
fn paths_in_front_matter_images_are_refused() {
    for path in HOSTILE {
        let site = SiteFixture::new();
        with_secret(&site);
        site.write(
            PAGE_JA,
            &format!(
                "+++\ntitle = \"t\"\ndate = 2020-05-13\n[extra]\nphoto = {}\n+++\n",
                toml_string(path)
            ),
        );
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, PAGE_JA);
        assert!(error.message.contains("[extra] photo"), "{path}: {error}");
    }
}

#[test]
fn paths_in_markdown_links_and_images_are_refused() {
    let mut accepted = Vec::new();
    for path in HOSTILE {
        for written in [format!("[x](<{path}>)"), format!("![x](<{path}>)")] {
            let site = SiteFixture::new();
            with_secret(&site);
            site.write(
                PAGE_JA,
                &format!("+++\ntitle = \"t\"\ndate = 2020-05-13\n+++\n\n{written}\n"),
            );
            let diagnostics = match site.build() {
                Err(koho::BuildError::Site(diagnostics)) => diagnostics,
                _ => {
                    accepted.push(written);
                    continue;
                }
            };
            let error = error_in(&diagnostics, PAGE_JA);
            assert!(error.message.contains("broken link"), "{written}: {error}");
            assert_eq!(error.location.as_ref().unwrap().line, Some(6), "{written}");
            assert!(!site.output().exists());
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}

#[test]
fn paths_in_the_downloads_manifest_are_refused() {
    for path in HOSTILE.iter().map(|p| p.replace(".png", ".pdf")) {
        let site = SiteFixture::new();
        site.write("secret.pdf", "SECRET-BYTES");
        site.write("content/downloads/ok.pdf", "%PDF");
        site.write(
            "content/downloads/downloads.toml",
            &format!(
                "[[item]]\nid = \"a\"\ncategory = \"press\"\nupdated = 2020-05-13\n\
                 title = {{ ja = \"資料\" }}\n\n[[item.file]]\nlang = \"ja\"\nformat = \"pdf\"\n\
                 path = {}\n",
                toml_string(&path)
            ),
        );
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, "content/downloads/downloads.toml");
        assert_eq!(
            error.location.as_ref().unwrap().line,
            Some(10),
            "{path}: {error}"
        );
        assert!(!site.output().exists());
    }
}

#[test]
fn paths_as_the_theme_name_are_refused() {
    for theme in HOSTILE.iter().copied().chain(["..", ".", "C:", "../ngmo"]) {
        let site = SiteFixture::new();
        site.replace(
            "site.toml",
            "theme = \"ngmo\"",
            &format!("theme = {}", toml_string(theme)),
        );
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, "site.toml");
        assert!(error.message.contains("theme"), "{theme}: {error}");
        assert_eq!(error.location.as_ref().unwrap().line, Some(3), "{theme}");
    }
}

/// A symbolic link in content/ to a file outside the site is not published, even when a page
/// links to it (hardening.rs covers links to files elsewhere in the site folder).
#[cfg(unix)]
#[test]
fn a_link_to_a_file_outside_the_site_is_never_published() {
    let site = SiteFixture::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), "SECRET-BYTES").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        site.path("content/releases/2020-05-13-first/secret.png"),
    )
    .unwrap();
    let diagnostics = site.build_errors();
    assert!(
        render(&diagnostics).contains("secret.png"),
        "{}",
        render(&diagnostics)
    );
    assert!(
        !site.output().exists() || {
            assert_not_published(&site);
            true
        }
    );
}
