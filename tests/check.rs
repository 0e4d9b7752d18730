//! `koho check`: everything the build validates, without writing; text for people, JSON for CI.

use crate::support;

use support::*;

fn check_json(site: &SiteFixture, extra: &[&str]) -> (i32, serde_json::Value) {
    let root = site.root().to_string_lossy().into_owned();
    let mut args = vec!["check", "--root", root.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let run = site.run(&args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check prints JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    (run.code, json)
}

fn with_code<'a>(json: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    json.as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

#[test]
fn a_clean_site_passes_and_nothing_is_written() {
    let site = SiteFixture::new();
    let (code, json) = check_json(&site, &["--deny-warnings"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["severity"] != "error"));
    assert!(!site.output().exists(), "check writes no output");
}

#[test]
fn a_broken_link_is_an_error_with_file_line_and_column() {
    let site = SiteFixture::new();
    site.write(
        &format!("content/{RELEASE}/index.en.md"),
        "+++\ntitle = \"first\"\ndate = 2020-05-13\n+++\n\nSee [this](@/nowhere/index.md).\n",
    );
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 1);
    let links = with_code(&json, "broken-link");
    assert_eq!(links.len(), 1, "{json:#}");
    assert_eq!(links[0]["file"], format!("content/{RELEASE}/index.en.md"));
    assert_eq!(links[0]["line"], 6);
    assert!(links[0]["column"].as_u64().is_some());
    assert!(!site.output().exists());
}

#[test]
fn template_errors_and_output_clashes_are_found_without_writing() {
    let site = SiteFixture::new();
    site.write("content/css/site.css", "body{}");
    site.replace(
        "themes/ngmo/templates/releases/page.html",
        "{% block main %}",
        "{% block main %}{{ no_such_variable.field }}",
    );
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 1);
    assert_eq!(with_code(&json, "output-clash").len(), 1, "{json:#}");
    let (_, json) = {
        site.remove("content/css/site.css");
        check_json(&site, &[])
    };
    assert!(!with_code(&json, "template").is_empty(), "{json:#}");
}

#[test]
fn missing_and_unused_messages_are_listed_and_warnings_fail_only_when_denied() {
    let site = SiteFixture::new();
    let en = site.read("locales/en/main.ftl");
    site.write(
        "locales/en/main.ftl",
        &format!("{en}\nnever-used-anywhere = Hello\n"),
    );
    let zh = site
        .read("locales/zh/main.ftl")
        .replace("nav-home =", "nav-home-renamed =");
    site.write("locales/zh/main.ftl", &zh);
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 0, "warnings alone pass: {json:#}");
    let missing = with_code(&json, "fluent-missing");
    assert!(
        missing
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("`nav-home`")),
        "{json:#}"
    );
    let unused = with_code(&json, "fluent-unused");
    assert!(unused.iter().any(|d| d["message"]
        .as_str()
        .unwrap()
        .contains("never-used-anywhere")));
    let (code, _) = check_json(&site, &["--deny-warnings"]);
    assert_eq!(code, 1);
}

#[test]
fn text_output_shows_the_source_line() {
    let site = SiteFixture::new();
    site.write(
        &format!("content/{RELEASE}/index.en.md"),
        "+++\ntitle = \"first\"\ndate = 2020-05-13\n+++\n\nSee [this](@/nowhere/index.md).\n",
    );
    let root = site.root().to_string_lossy().into_owned();
    let run = site.run(&["check", "-r", root.as_str()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("See [this](@/nowhere/index.md)."),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains('^'), "{}", run.stderr);
    assert!(!run.stderr.contains("\u{1b}["), "no colours when piped");
}

#[test]
fn the_shipped_site_passes_check_with_warnings_denied() {
    let run = run_koho(&manifest_dir(), &["check", "--deny-warnings"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn stale_translations_are_warnings_and_missing_ones_notes() {
    let site = SiteFixture::new();
    let ja = format!("content/{RELEASE}/index.ja.md");
    let id = koho::status::blob::blob_id(site.read(&ja).as_bytes());
    let en = format!("content/{RELEASE}/index.en.md");
    let text = site
        .read(&en)
        .replacen("+++\n", &format!("+++\ntranslated_from = \"{id}\"\n"), 1);
    site.write(&en, &text);
    site.remove(&format!("content/{RELEASE}/index.zh.md"));
    let (code, json) = check_json(&site, &["--deny-warnings"]);
    assert_eq!(code, 0, "{json:#}");
    let missing = with_code(&json, "translation-missing");
    assert!(
        missing
            .iter()
            .any(|d| d["severity"] == "note" && d["message"].as_str().unwrap().contains("`zh`")),
        "{json:#}"
    );

    site.replace(&ja, "body-ja", "body-ja, revised");
    let (code, json) = check_json(&site, &["--deny-warnings"]);
    assert_eq!(code, 1);
    let stale = with_code(&json, "translation-stale");
    assert_eq!(stale.len(), 1, "{json:#}");
    assert_eq!(stale[0]["severity"], "warning");
    assert_eq!(stale[0]["file"], en);
}

#[test]
fn build_summary_quiet_and_verbose() {
    let site = SiteFixture::new();
    let run = site.run_build(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("(ja 3, en 3, zh 3)"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\r') && !run.stderr.contains("files\u{1b}"),
        "no progress bar when piped"
    );
    let run = site.run_build(&["--quiet"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let run = site.run_build(&["-v"]);
    assert!(
        run.stderr.contains("pages  zh") && run.stderr.contains(" ms  "),
        "{}",
        run.stderr
    );
    let help = site.run(&["help", "check"]);
    assert!(help.stdout.contains("--deny-warnings"), "{}", help.stdout);
}

/// Found by a tester: a page whose default-language file is missing got a note naming no file.
#[test]
fn a_page_without_its_default_language_file_is_named_in_the_note() {
    let site = SiteFixture::new();
    site.remove(&format!("content/{RELEASE}/index.ja.md"));
    let (_, json) = check_json(&site, &[]);
    let notes = with_code(&json, "translation-missing");
    assert!(!notes.is_empty(), "{json:#}");
    for note in notes {
        let file = note["file"].as_str().unwrap_or_default();
        assert!(file.contains("2020-05-13-first"), "{note:#}");
    }
}

/// After a build, `check` renders only the files whose inputs changed since (their
/// fingerprints differ from the build's record): a page whose front matter now takes a failing
/// branch of its template is one of them, and a template edit makes every page one (the
/// build before it rendered the template without error).
#[test]
fn after_a_build_check_still_finds_render_errors_in_what_changed() {
    let site = SiteFixture::new();
    let template = "themes/ngmo/templates/releases/page.html";
    site.replace(
        template,
        "{% block main %}",
        "{% block main %}{% if page.extra.boom %}{{ no_such_variable.field }}{% endif %}",
    );
    site.build_ok();
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 0, "{json:#}");
    let release = format!("content/{RELEASE}/index.en.md");
    site.write(
        &release,
        "+++\ntitle = \"first-en\"\ndate = 2020-05-13\n[extra]\nboom = true\n+++\n\nbody-en\n",
    );
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 1, "{json:#}");
    let errors = with_code(&json, "template");
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains(&release)),
        "{json:#}"
    );
    site.write(
        &release,
        "+++\ntitle = \"first-en\"\ndate = 2020-05-13\n+++\n\nbody-en\n",
    );
    site.build_ok();
    site.replace(template, "{% if page.extra.boom %}", "{% if true %}");
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert!(!with_code(&json, "template").is_empty(), "{json:#}");
}

/// A draft translation, which the checked build leaves out, is still a draft to the
/// translation status: neither missing nor untracked.
#[test]
fn a_draft_translation_is_neither_missing_nor_untracked() {
    let site = SiteFixture::new();
    let zh = format!("content/{RELEASE}/index.zh.md");
    site.write(
        &zh,
        "+++\ntitle = \"first-zh\"\ndate = 2020-05-13\ndraft = true\n+++\n\nbody-zh\n",
    );
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 0, "{json:#}");
    let about_zh = |code: &str| {
        with_code(&json, code)
            .into_iter()
            .filter(|d| d["file"] == zh.as_str() || d["message"].as_str().unwrap().contains("`zh`"))
            .filter(|d| d["file"].as_str().unwrap_or_default().contains(RELEASE))
            .count()
    };
    assert_eq!(about_zh("translation-missing"), 0, "{json:#}");
    assert_eq!(about_zh("translation-untracked"), 0, "{json:#}");
    // The same file published is untracked (no `translated_from`): the filter above can match.
    site.write(
        &zh,
        "+++\ntitle = \"first-zh\"\ndate = 2020-05-13\n+++\n\nbody-zh\n",
    );
    let (_, json) = check_json(&site, &[]);
    let untracked = with_code(&json, "translation-untracked");
    assert!(
        untracked.iter().any(|d| d["file"] == zh.as_str()),
        "{json:#}"
    );
}

/// `koho check --format json | head` closes the pipe before koho is done: exit code 1, and
/// no panic message or backtrace on stderr (a tester's report).
#[test]
fn a_closed_stdout_is_a_quiet_failure() {
    let site = SiteFixture::new();
    let root = site.root().to_string_lossy().into_owned();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_koho"))
        .args(["check", "--root", root.as_str(), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reading end is closed before koho has checked anything, so its first print fails.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
