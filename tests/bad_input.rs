//! Bad input: each build fails with exit code 1 (or a site error from the library), names the
//! file (and line where known), and leaves the previous output exactly as it was.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};

use koho::{BuildError, Diagnostic};
use support::*;

const PAGE_JA: &str = "content/releases/2020-05-13-first/index.ja.md";
const PAGE_EN: &str = "content/releases/2020-05-13-first/index.en.md";

/// Asserts that no staging or retired output folder was left beside the output.
fn assert_no_leftovers(site: &SiteFixture) {
    for leftover in ["public/.koho-staging", ".public.koho-staging"] {
        assert!(!site.path(leftover).exists(), "{leftover} was left behind");
    }
}

/// Builds the good fixture, breaks it with `breaks`, builds again through the library and
/// returns the diagnostics; the output must be byte for byte what the first build wrote.
fn library_fails_keeping_output(
    site: &SiteFixture,
    breaks: impl FnOnce(&SiteFixture),
) -> Vec<Diagnostic> {
    site.build_ok();
    let before = site.snapshot();
    assert!(before.len() > 10 && !before.keys().any(|k| k.starts_with('.')));
    breaks(site);
    let diagnostics = site.build_errors();
    assert_same_files(&before, &site.snapshot());
    assert_no_leftovers(site);
    diagnostics
}

/// The same through the binary: exit code 1, and the stderr is returned.
fn binary_fails_keeping_output(site: &SiteFixture, breaks: impl FnOnce(&SiteFixture)) -> String {
    let first = site.run_build(&[]);
    assert_eq!(first.code, 0, "the fixture should build: {}", first.stderr);
    let before = site.snapshot();
    assert!(before.len() > 10 && !before.keys().any(|k| k.starts_with('.')));
    breaks(site);
    let second = site.run_build(&[]);
    assert_eq!(second.code, 1, "exit code; stderr:\n{}", second.stderr);
    assert_same_files(&before, &site.snapshot());
    assert_no_leftovers(site);
    assert!(second.stderr.contains("error"), "{}", second.stderr);
    second.stderr
}

/// A release source with the given front-matter lines (between the `+++` lines) and body.
fn release(front: &str, body: &str) -> String {
    format!("+++\n{front}\n+++\n\n{body}\n")
}

#[test]
fn toml_error_in_front_matter_names_file_line_and_column() {
    let site = SiteFixture::new();
    let stderr = binary_fails_keeping_output(&site, |s| {
        // Line 4 of the file holds the unterminated string.
        s.write(
            PAGE_JA,
            &release(
                "title = \"題\"\ndate = 2020-05-13\ndescription = \"unterminated",
                "本文",
            ),
        );
    });
    assert!(stderr.contains(&format!("{PAGE_JA}:4:")), "{stderr}");

    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, PAGE_JA);
    let location = error.location.as_ref().unwrap();
    assert_eq!(location.line, Some(4), "{error}");
    assert!(location.column.is_some(), "{error}");
}

#[test]
fn missing_title_is_an_error() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_EN,
            &release("date = 2020-05-13\ndescription = \"no title here\"", "body"),
        );
    });
    let error = error_in(&diagnostics, PAGE_EN);
    assert!(error.message.contains("title"), "{error}");
    assert_eq!(errors(&diagnostics).len(), 1, "{}", render(&diagnostics));
}

#[test]
fn missing_title_in_a_section_or_fragment_is_an_error_too() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "content/releases/_index.zh.md",
            "+++\nsort_by = \"date\"\n+++\n",
        );
        s.write("content/_fragments/contact.en.md", "+++\n+++\n\ncontact\n");
    });
    assert!(error_in(&diagnostics, "content/releases/_index.zh.md")
        .message
        .contains("title"));
    assert!(error_in(&diagnostics, "content/_fragments/contact.en.md")
        .message
        .contains("title"));
}

#[test]
fn impossible_dates_are_errors_with_their_line() {
    let site = SiteFixture::new();
    let feb = "content/releases/2020-02-30-feb/index.ja.md";
    let month = "content/releases/2020-13-01-month/index.ja.md";
    let stderr = binary_fails_keeping_output(&site, |s| {
        s.write(feb, &release("title = \"二月\"\ndate = 2020-02-30", "本文"));
        s.write(
            month,
            &release("title = \"十三月\"\ndate = 2020-13-01", "本文"),
        );
    });
    assert!(stderr.contains(&format!("{feb}:3")), "{stderr}");
    assert!(stderr.contains(&format!("{month}:3")), "{stderr}");

    let diagnostics = site.build_errors();
    for file in [feb, month] {
        let error = error_in(&diagnostics, file);
        assert_eq!(error.location.as_ref().unwrap().line, Some(3), "{error}");
    }
}

#[test]
fn impossible_quoted_dates_are_errors_too() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_JA,
            &release("title = \"題\"\ndate = \"2020-02-30\"", "本文"),
        );
        s.write(
            PAGE_EN,
            &release("title = \"t\"\ndate = \"13 May 2020\"", "body"),
        );
    });
    for file in [PAGE_JA, PAGE_EN] {
        let error = error_in(&diagnostics, file);
        assert_eq!(error.location.as_ref().unwrap().line, Some(3), "{error}");
        assert!(error.to_string().contains("date"), "{error}");
    }
}

#[test]
fn a_release_without_a_date_is_an_error() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(PAGE_JA, &release("title = \"日付なし\"", "本文"));
    });
    assert!(error_in(&diagnostics, PAGE_JA).to_string().contains("date"));
}

#[test]
fn unknown_front_matter_key_is_an_error() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_JA,
            &release(
                "title = \"題\"\ndate = 2020-05-13\ntitel = \"typo\"",
                "本文",
            ),
        );
    });
    let error = error_in(&diagnostics, PAGE_JA);
    assert!(error.message.contains("titel"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(4), "{error}");
}

#[test]
fn unknown_language_suffix_lists_the_configured_languages() {
    let site = SiteFixture::new();
    let file = "content/releases/2020-05-13-first/index.fr.md";
    let stderr = binary_fails_keeping_output(&site, |s| {
        s.write(
            file,
            &release("title = \"Premier\"\ndate = 2020-05-13", "texte"),
        );
    });
    let line = stderr
        .lines()
        .find(|l| l.contains(file))
        .unwrap_or_else(|| panic!("{file} not named:\n{stderr}"));
    assert!(line.contains("fr"), "{line}");
    assert!(
        stderr.contains("ja, en, zh"),
        "the configured languages are listed:\n{stderr}"
    );
}

#[test]
fn two_pages_with_the_same_slug_are_both_named() {
    let site = SiteFixture::new();
    let a = "content/releases/2020-04-01-a/index.ja.md";
    let b = "content/releases/2020-04-02-b/index.ja.md";
    let stderr = binary_fails_keeping_output(&site, |s| {
        s.write(
            a,
            &release("title = \"A\"\ndate = 2020-04-01\nslug = \"same\"", "a"),
        );
        s.write(
            b,
            &release("title = \"B\"\ndate = 2020-04-02\nslug = \"same\"", "b"),
        );
    });
    // One message names both files.
    let line = stderr
        .lines()
        .find(|l| l.contains(a) && l.contains(b))
        .unwrap_or_else(|| panic!("no message names both {a} and {b}:\n{stderr}"));
    assert!(line.contains("/ja/releases/same/"), "{line}");
}

#[test]
fn a_file_and_a_bundle_for_the_same_page_are_both_named() {
    let site = SiteFixture::new();
    let file = "content/releases/2020-05-13-first.ja.md";
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            file,
            &release("title = \"重複\"\ndate = 2020-05-13", "本文"),
        );
    });
    let named_both = diagnostics.iter().filter(|d| d.is_error()).any(|d| {
        let text = d.to_string();
        text.contains(file) && text.contains(PAGE_JA)
    });
    assert!(
        named_both,
        "no error names both files:\n{}",
        render(&diagnostics)
    );
}

#[test]
fn a_section_and_a_page_on_one_url_are_both_named() {
    let site = SiteFixture::new();
    let section = "content/news/_index.ja.md";
    let page = "content/news.ja.md";
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(section, "+++\ntitle = \"お知らせ\"\n+++\n");
        s.write(page, "+++\ntitle = \"お知らせページ\"\n+++\n");
    });
    let named_both = diagnostics.iter().filter(|d| d.is_error()).any(|d| {
        let text = d.to_string();
        text.contains(section) && text.contains(page)
    });
    assert!(
        named_both,
        "no error names both files:\n{}",
        render(&diagnostics)
    );
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        let mut bytes = release("title = \"題\"\ndate = 2020-05-13", "一行目").into_bytes();
        // Line 7 (after the body's line 6): Shift_JIS bytes, not UTF-8.
        bytes.extend_from_slice(b"\x82\xa0\x82\xa2\n");
        s.write_bytes(PAGE_JA, &bytes);
    });
    let error = error_in(&diagnostics, PAGE_JA);
    assert!(error.message.contains("UTF-8"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(7), "{error}");
}

#[test]
fn template_syntax_error_names_template_and_line() {
    let site = SiteFixture::new();
    let template = "themes/ngmo/templates/releases/page.html";
    let stderr = binary_fails_keeping_output(&site, |s| {
        let mut lines: Vec<String> = s.read(template).lines().map(String::from).collect();
        // Becomes line 5.
        lines.insert(4, "{% if %}broken{% endif %}".to_string());
        s.write(template, &(lines.join("\n") + "\n"));
    });
    let line = stderr
        .lines()
        .find(|l| l.contains("releases/page.html"))
        .unwrap_or_else(|| panic!("the template is not named:\n{stderr}"));
    assert!(line.contains("releases/page.html:5"), "{line}");
}

#[test]
fn a_partial_that_includes_itself_is_an_error_not_a_crash() {
    let site = SiteFixture::new();
    let partial = "themes/ngmo/templates/partials/site-brand.html";
    let stderr = binary_fails_keeping_output(&site, |s| {
        let mut lines: Vec<String> = s.read(partial).lines().map(String::from).collect();
        // Becomes line 2: Tera would follow it until the stack overflowed.
        lines.insert(1, "{% include \"partials/site-brand.html\" %}".to_string());
        s.write(partial, &(lines.join("\n") + "\n"));
    });
    assert!(!stderr.contains("overflow"), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("partials/site-brand.html:2"))
        .unwrap_or_else(|| panic!("the include is not named:\n{stderr}"));
    assert!(stderr.contains("renders itself again"), "{line}\n{stderr}");
}

#[test]
fn includes_in_a_cycle_through_several_templates_are_one_error() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/partials/ring-a.html",
            "a\n{% include \"partials/ring-b.html\" %}\n",
        );
        s.write(
            "themes/ngmo/templates/partials/ring-b.html",
            "{% filter upper %}{% include \"partials/ring-a.html\" %}{% endfilter %}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/partials/ring-a.html");
    assert!(
        error
            .message
            .contains("partials/ring-a.html → partials/ring-b.html → partials/ring-a.html"),
        "{error}"
    );
    assert_eq!(error.location.as_ref().unwrap().line, Some(2), "{error}");
    assert_eq!(errors(&diagnostics).len(), 1, "{}", render(&diagnostics));
}

#[test]
fn a_macro_that_always_includes_its_caller_is_an_error_not_a_crash() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/macros.html",
            "{% macro m() %}\n{% include \"mself.html\" %}\n{% endmacro m %}\n",
        );
        s.write(
            "themes/ngmo/templates/mself.html",
            "{% import \"macros.html\" as mm %}\nX {{ mm::m() }}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/macros.html");
    assert!(
        error
            .message
            .contains("macros.html::m → mself.html → macros.html::m"),
        "{error}"
    );
    assert_eq!(error.location.as_ref().unwrap().line, Some(2), "{error}");
}

#[test]
fn a_macro_file_that_imports_itself_is_an_error_not_a_crash() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/partials/m.html",
            "{% import \"partials/m.html\" as m %}{% macro r(n) %}hi{% endmacro r %}\n",
        );
        s.write(
            "themes/ngmo/templates/partials/uses-m.html",
            "{% import \"partials/m.html\" as m %}\n{{ m::r(n=0) }}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/partials/m.html");
    assert!(error.message.contains("imports itself"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(1), "{error}");
}

#[test]
fn templates_that_extend_each_other_are_an_error_at_the_extends_tag() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/ring-a.html",
            "{# a #}\n{% extends \"ring-b.html\" %}\n",
        );
        s.write(
            "themes/ngmo/templates/ring-b.html",
            "{% extends \"ring-a.html\" %}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/ring-a.html");
    assert!(
        error
            .message
            .contains("ring-a.html → ring-b.html → ring-a.html"),
        "{error}"
    );
    assert_eq!(error.location.as_ref().unwrap().line, Some(2), "{error}");
}

#[test]
fn an_extends_cycle_entered_from_another_template_is_an_error_not_a_crash() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/self.html",
            "{% extends \"self.html\" %}\n",
        );
        s.write(
            "themes/ngmo/templates/tail.html",
            "{% extends \"self.html\" %}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/self.html");
    assert!(error.message.contains("self.html → self.html"), "{error}");
}

#[test]
fn a_missing_parent_template_is_an_error_at_its_extends_tag() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "themes/ngmo/templates/orphan.html",
            "{# orphan #}\n  {%- extends \"nope/missing.html\" -%}\n",
        );
    });
    let error = error_in(&diagnostics, "themes/ngmo/templates/orphan.html");
    assert!(error.message.contains("nope/missing.html"), "{error}");
    let location = error.location.as_ref().unwrap();
    assert_eq!(
        (location.line, location.column),
        (Some(2), Some(3)),
        "{error}"
    );
    assert!(
        error
            .help
            .as_deref()
            .unwrap_or("")
            .contains("add nope/missing.html"),
        "{error}"
    );
}

#[test]
fn a_recursion_whose_condition_never_ends_it_is_an_error_not_a_crash() {
    let site = SiteFixture::new();
    let partial = "themes/ngmo/templates/partials/language-switcher.html";
    // Allowed by the check (it may end), but `true` never turns false.
    let stderr = binary_fails_keeping_output(&site, |s| {
        let text = s.read(partial);
        s.write(
            partial,
            &format!(
                "{text}{{% if true %}}{{% include \"partials/language-switcher.html\" %}}{{% endif %}}\n"
            ),
        );
    });
    assert!(!stderr.contains("overflow"), "{stderr}");
    assert!(stderr.contains("recurse without end"), "{stderr}");
}

#[test]
fn template_render_error_names_the_template() {
    let site = SiteFixture::new();
    let template = "themes/ngmo/templates/releases/section.html";
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.replace(
            template,
            "{% block main %}",
            "{% block main %}{{ t(key=\"no-such-message\") }}",
        );
    });
    let text = render(&diagnostics);
    assert!(text.contains("releases/section.html"), "{text}");
    assert!(text.contains("no-such-message"), "{text}");
}

#[test]
fn ftl_syntax_error_names_file_and_line() {
    let site = SiteFixture::new();
    let ftl = "locales/zh/main.ftl";
    let mut broken_line = 0;
    let stderr = binary_fails_keeping_output(&site, |s| {
        let text = s.read(ftl);
        let line = text
            .lines()
            .position(|l| l.starts_with("nav-home = "))
            .expect("nav-home in zh");
        broken_line = line + 1;
        s.write(
            ftl,
            &text.replacen("\nnav-home = ", "\nnav-home = 首页 } ", 1),
        );
    });
    assert!(
        stderr.contains(&format!("{ftl}:{broken_line}:")),
        "line {broken_line}:\n{stderr}"
    );

    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, ftl);
    assert_eq!(
        error.location.as_ref().unwrap().line,
        Some(broken_line),
        "{error}"
    );
    // The rest of the file still counts: one broken line is not a missing message for each of
    // the file's other messages (a tester saw 124 such warnings).
    let missing: Vec<String> = diagnostics
        .iter()
        .map(ToString::to_string)
        .filter(|d| d.contains("is missing in locale `zh`"))
        .collect();
    assert!(missing.len() <= 1, "{missing:#?}");
}

#[test]
fn ftl_unclosed_placeable_names_its_own_line() {
    let site = SiteFixture::new();
    let ftl = "locales/en/main.ftl";
    let mut broken_line = 0;
    let diagnostics = library_fails_keeping_output(&site, |s| {
        let text = s.read(ftl);
        broken_line = text
            .lines()
            .position(|l| l.starts_with("nav-home = "))
            .expect("nav-home in en")
            + 1;
        s.write(
            ftl,
            &text.replacen("\nnav-home = Home", "\nnav-home = { $x", 1),
        );
    });
    let error = error_in(&diagnostics, ftl);
    assert_eq!(
        error.location.as_ref().unwrap().line,
        Some(broken_line),
        "{error}"
    );
}

#[test]
fn link_to_a_missing_page_names_file_and_line() {
    let site = SiteFixture::new();
    let stderr = binary_fails_keeping_output(&site, |s| {
        // Lines 6 and 8 of the file.
        s.write(
            PAGE_JA,
            &release(
                "title = \"題\"\ndate = 2020-05-13",
                "最初の段落。\n\n[どこにもない](@/releases/none/index.md)\n\n[相対](../2020-01-01-nothing/index.ja.md)",
            ),
        );
    });
    assert!(stderr.contains(&format!("{PAGE_JA}:8")), "{stderr}");
    assert!(stderr.contains(&format!("{PAGE_JA}:10")), "{stderr}");
    assert!(stderr.contains("@/releases/none/index.md"), "{stderr}");
}

#[test]
fn link_to_a_missing_image_names_file_and_line() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_EN,
            &release(
                "title = \"t\"\ndate = 2020-05-13",
                "Lead paragraph.\n\nMore text.\n\n![photo](missing.png)",
            ),
        );
    });
    let error = error_in(&diagnostics, PAGE_EN);
    assert_eq!(error.location.as_ref().unwrap().line, Some(10), "{error}");
    assert!(error.message.contains("missing.png"), "{error}");
}

#[test]
fn a_missing_photo_in_front_matter_is_an_error() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_EN,
            &release(
                "title = \"t\"\ndate = 2020-05-13\n[extra]\nphoto = \"missing.svg\"",
                "body",
            ),
        );
    });
    let error = error_in(&diagnostics, PAGE_EN);
    assert!(error.to_string().contains("missing.svg"), "{error}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_are_refused_and_never_published() {
    use std::os::unix::fs::symlink;

    let site = SiteFixture::new();
    let outside = tempfile::tempdir().unwrap();
    let secret = "TOP-SECRET-4f1c9e";
    fs::write(outside.path().join("secret.txt"), format!("{secret}\n")).unwrap();
    fs::write(
        outside.path().join("secret.md"),
        format!("+++\ntitle = \"{secret}\"\ndate = 2020-05-01\n+++\n\n{secret}\n"),
    )
    .unwrap();
    fs::create_dir(outside.path().join("folder")).unwrap();
    fs::write(outside.path().join("folder/data.txt"), secret).unwrap();

    let dir = site.path("content/releases/2020-05-13-first");
    let stderr = binary_fails_keeping_output(&site, |_| {
        symlink(outside.path().join("secret.txt"), dir.join("notes.txt")).unwrap();
        fs::create_dir_all(site.path("content/releases/2020-05-01-leak")).unwrap();
        symlink(
            outside.path().join("secret.md"),
            site.path("content/releases/2020-05-01-leak/index.ja.md"),
        )
        .unwrap();
        symlink(outside.path().join("folder"), dir.join("folder")).unwrap();
        // A relative link that climbs out of the site folder.
        let depth = dir.components().count() - 1;
        let mut climbs: PathBuf = (0..depth).map(|_| Path::new("..")).collect();
        climbs.push(outside.path().strip_prefix("/").unwrap());
        climbs.push("secret.txt");
        symlink(&climbs, dir.join("relative.txt")).unwrap();
        assert!(
            dir.join("relative.txt").exists(),
            "the relative symlink resolves"
        );
    });
    for link in [
        "content/releases/2020-05-13-first/notes.txt",
        "content/releases/2020-05-01-leak/index.ja.md",
        "content/releases/2020-05-13-first/folder",
        "content/releases/2020-05-13-first/relative.txt",
    ] {
        assert!(stderr.contains(link), "{link} is not named:\n{stderr}");
    }
    assert!(
        !stderr.contains(secret),
        "the target's content was read into a message:\n{stderr}"
    );
    for (name, bytes) in site.snapshot() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{name} holds the secret"
        );
    }
    for entry in fs::read_dir(site.root()).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            !name.to_string_lossy().contains("staging"),
            "{name:?} left behind"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_content_is_published() {
    use std::os::unix::fs::symlink;

    // Links that stay inside content/ are followed (links to anywhere else, even inside the
    // site folder, are refused: tests/hardening.rs).
    let site = SiteFixture::new();
    site.write(
        "content/releases/photo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
    );
    symlink(
        "../photo.svg",
        site.path("content/releases/2020-05-13-first/photo.svg"),
    )
    .unwrap();
    site.build_ok();
    assert_eq!(
        site.read_output("ja/releases/2020-05-13-first/photo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"
    );
}

#[test]
fn several_errors_are_all_reported_in_one_build() {
    let site = SiteFixture::new();
    let template = "themes/ngmo/templates/section.html";
    let stderr = binary_fails_keeping_output(&site, |s| {
        s.write(PAGE_JA, &release("title = \"題\"\ndate = 2020-05-", "本文"));
        s.write(PAGE_EN, &release("date = 2020-05-13", "no title"));
        s.write(
            "content/releases/2020-05-13-first/index.zh.md",
            &release("title = \"t\"\ndate = 2020-02-30", "x"),
        );
        s.write(
            "content/_fragments/profile.en.md",
            &release("title = \"p\"\nauthor = \"x\"", "x"),
        );
        s.write(
            "content/about/index.de.md",
            &release("title = \"Über\"", "x"),
        );
        s.replace("locales/en/main.ftl", "nav-home = Home", "nav-home = { $x");
        s.replace(template, "{% block main %}", "{% block main %}{% for %}");
    });
    for file in [
        PAGE_JA,
        PAGE_EN,
        "content/releases/2020-05-13-first/index.zh.md",
        "content/_fragments/profile.en.md",
        "content/about/index.de.md",
        "locales/en/main.ftl",
        "section.html",
    ] {
        assert!(stderr.contains(file), "{file} is not reported:\n{stderr}");
    }
    let count: usize = stderr
        .split("failed with ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no error count:\n{stderr}"));
    assert!(count >= 7, "{count} errors:\n{stderr}");
}

#[test]
fn errors_of_different_kinds_are_reported_together() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            PAGE_JA,
            &release("title = \"題\"\ndate = 2020-13-01", "本文"),
        );
        s.write(
            PAGE_EN,
            &release(
                "title = \"t\"\ndate = 2020-05-13",
                "[gone](@/releases/none/index.md)",
            ),
        );
    });
    error_in(&diagnostics, PAGE_JA);
    error_in(&diagnostics, PAGE_EN);
}

#[test]
fn a_foreign_output_folder_is_not_replaced() {
    let site = SiteFixture::new();
    site.write("public/notes.txt", "my notes\n");
    site.write("public/drafts/plan.md", "# plan\n");
    let before = site.snapshot();

    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("public"), "{}", run.stderr);
    assert!(run.stderr.contains("not written by koho"), "{}", run.stderr);
    assert_same_files(&before, &site.snapshot());

    match site.build() {
        Err(BuildError::ForeignOutput(path)) => {
            assert!(path.ends_with("public"), "{}", path.display())
        }
        other => panic!("expected ForeignOutput, got {other:?}"),
    }
    assert_same_files(&before, &site.snapshot());
    assert_no_leftovers(&site);
}

#[test]
fn a_foreign_output_is_refused_even_when_the_site_has_errors() {
    let site = SiteFixture::new();
    site.write("public/keep.txt", "keep\n");
    site.write(PAGE_JA, &release("date = 2020-05-13", "no title"));
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1);
    assert_eq!(site.read_output("keep.txt"), "keep\n");
    assert_eq!(site.snapshot().len(), 1);
}

#[test]
fn an_output_path_that_is_a_file_is_not_replaced() {
    let site = SiteFixture::new();
    site.write("public", "not a folder\n");
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(site.read("public"), "not a folder\n");
}

#[test]
fn an_empty_or_marked_output_folder_is_replaced() {
    let site = SiteFixture::new();
    fs::create_dir_all(site.output()).unwrap();
    site.build_ok();
    assert!(site.exists("ja/index.html") && !site.exists(".koho-output"));
    // A stale file in koho's own output disappears on the next build.
    site.write("public/stale.html", "old");
    site.build_ok();
    assert!(!site.exists("stale.html"));
    assert!(site.exists("ja/index.html"));
}

#[test]
fn usage_errors_exit_with_2() {
    let site = SiteFixture::new();
    for args in [
        &["build", "--no-such-flag"][..],
        &["build", "--root"][..],
        &["build", "unexpected-positional"][..],
        &["frobnicate"][..],
        &[][..],
    ] {
        let run = site.run(args);
        assert_eq!(run.code, 2, "koho {args:?}: stderr:\n{}", run.stderr);
        let stderr = run.stderr.to_lowercase();
        assert!(
            stderr.contains("usage") || stderr.contains("--help"),
            "koho {args:?} explains the usage:\n{}",
            run.stderr
        );
    }
    assert!(!site.output().exists(), "a usage error built something");
}

#[test]
fn a_folder_without_site_toml_is_a_site_error_naming_it() {
    let empty = tempfile::tempdir().unwrap();
    let run = run_koho(empty.path(), &["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("site.toml"), "{}", run.stderr);
    assert!(!empty.path().join("public").exists());
}

#[test]
fn errors_do_not_create_an_output_folder() {
    let site = SiteFixture::new();
    site.write(
        PAGE_JA,
        &release("title = \"題\"\ndate = 2020-02-30", "本文"),
    );
    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !site.output().exists(),
        "a failed first build created public/"
    );
    assert_no_leftovers(&site);
}

/// Found by a tester: a .ftl file that is not UTF-8 is lost as a whole; its error must not come
/// with a "missing message" warning for each of its messages.
#[test]
fn an_ftl_file_that_is_not_utf8_is_one_error() {
    let site = SiteFixture::new();
    let ftl = "locales/en/main.ftl";
    let mut bytes = site.read(ftl).into_bytes();
    bytes.extend_from_slice(b"\xff\xfe bad\n");
    site.write_bytes(ftl, &bytes);
    let diagnostics = site.build_errors();
    let printed = render(&diagnostics);
    assert!(printed.contains("UTF-8"), "{printed}");
    assert!(!printed.contains("is missing in locale `en`"), "{printed}");
}

#[cfg(unix)]
#[test]
fn a_backslash_in_a_content_file_name_is_an_error_naming_the_file() {
    let site = SiteFixture::new();
    let diagnostics = library_fails_keeping_output(&site, |s| {
        s.write(
            "content/releases/2020-05-13-first/a\\b.txt",
            "an attachment",
        );
    });
    // Found by the file's own name: `error_in` reads backslashes as separators.
    let named = Path::new("content/releases/2020-05-13-first/a\\b.txt");
    let error = errors(&diagnostics)
        .into_iter()
        .find(|d| d.location.as_ref().is_some_and(|l| l.path == named))
        .unwrap_or_else(|| panic!("{}", render(&diagnostics)));
    assert!(error.message.contains("backslash"), "{error}");
    assert_eq!(errors(&diagnostics).len(), 1, "{}", render(&diagnostics));
}

#[test]
fn a_build_that_fails_while_rendering_still_reports_the_warnings_found_before() {
    let fixture = SiteFixture::new();
    fixture.write(
        "content/releases/2021-03-01-r3/index.en.md",
        "+++\ntitle = \"r3\"\ndate = 2021-03-01\n+++\n\nMore text.[^nowhere]\n",
    );
    let base = fixture.read("themes/ngmo/templates/base.html");
    fixture.write(
        "themes/ngmo/templates/base.html",
        &base.replacen("</body>", "{{ page.no_such_field.at_all }}</body>", 1),
    );
    let diagnostics = support::expect_site_errors(fixture.build());
    let rendered = support::render(&diagnostics);
    assert!(!support::errors(&diagnostics).is_empty(), "{rendered}");
    assert!(rendered.contains("nowhere"), "{rendered}");
    // Sorted: errors first, then by file and line.
    let mut sorted = diagnostics.clone();
    sorted.sort();
    assert_eq!(diagnostics, sorted);
}
