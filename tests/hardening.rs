//! Nothing leaked, nothing silent (issue 7) and one reader for text files (issue 8): links out
//! of content/, locales/ and themes/, named pipes, a draft page's files, the theme's name,
//! template functions given a key that names nothing, Fluent messages that cannot be
//! formatted, `--base-url`, byte-order marks, CRLF and legacy encodings.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use koho::Diagnostic;
use support::*;

const RELEASE_DIR: &str = "content/releases/2020-05-13-first";
const SECRET: &str = "TOP-SECRET-8d1e0a";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The first diagnostic (error or warning) located in `file`.
fn diagnostic_in<'a>(diagnostics: &'a [Diagnostic], file: &str) -> &'a Diagnostic {
    diagnostics
        .iter()
        .find(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| same_path(&l.path, file))
        })
        .unwrap_or_else(|| panic!("nothing located in {file}; got:\n{}", render(diagnostics)))
}

/// The 1-based line of the first line of `relative` that starts with `prefix`.
fn line_starting(site: &SiteFixture, relative: &str, prefix: &str) -> usize {
    site.read(relative)
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with `{prefix}` in {relative}"))
        + 1
}

/// Removes every line starting with `prefix` from a source file.
fn remove_lines(site: &SiteFixture, relative: &str, prefix: &str) {
    let text = site.read(relative);
    assert!(
        text.lines().any(|l| l.starts_with(prefix)),
        "{prefix} in {relative}"
    );
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(prefix)).collect();
    site.write(relative, &(kept.join("\n") + "\n"));
}

/// Asserts that no output file holds `needle`.
fn assert_not_published(site: &SiteFixture, needle: &str) {
    for (name, bytes) in site.snapshot() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "{name} holds `{needle}`"
        );
    }
}

/// Makes a named pipe with the `mkfifo` tool. Absent: fails under KOHO_REQUIRE_TOOLS=1, else
/// says loudly that the test skipped.
fn make_fifo(path: &Path) -> bool {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo").arg(path).status();
    if made.is_ok_and(|s| s.success()) {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("mkfifo is required (KOHO_REQUIRE_TOOLS=1) but could not make {path:?}");
    }
    eprintln!("SKIPPED: mkfifo (coreutils) could not make a named pipe");
    false
}

/// Runs `koho build` on the site; a build that has not ended after 60 s is killed and fails
/// the test (a build that opens a named pipe waits forever for a writer).
fn build_with_deadline(site: &SiteFixture) -> RunResult {
    let logs = tempfile::tempdir().unwrap();
    let stdout = logs.path().join("stdout");
    let stderr = logs.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_koho"))
        .args(["build", "--root"])
        .arg(site.root())
        .stdout(Stdio::from(fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(fs::File::create(&stderr).unwrap()))
        .spawn()
        .expect("run koho");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for koho") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("koho build blocked for 60 s (on a named pipe?)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    RunResult {
        code: status.code().expect("koho was killed by a signal"),
        stdout: fs::read_to_string(stdout).unwrap(),
        stderr: fs::read_to_string(stderr).unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing leaked: links
// ---------------------------------------------------------------------------------------------

/// A link under content/ to anything outside content/, even inside the site folder (`.env`,
/// `.git/config`, site.toml, the output), is an error naming the link, and nothing of the
/// target is published.
#[cfg(unix)]
#[test]
fn links_from_content_to_anywhere_outside_content_are_refused() {
    use std::os::unix::fs::symlink;

    let site = SiteFixture::new();
    site.build_ok();
    let before = site.snapshot();
    site.write(".env", &format!("API_KEY={SECRET}\n"));
    site.write(".git/config", &format!("[remote]\n  token = {SECRET}\n"));
    site.write("site.toml", &format!("{SITE_TOML}# {SECRET}\n"));
    let links = [
        ("env.txt", "../../../.env"),
        ("git-config.txt", "../../../.git/config"),
        ("site.toml.txt", "../../../site.toml"),
        ("published.html", "../../../public/ja/index.html"),
    ];
    for (name, target) in links {
        symlink(target, site.path(&format!("{RELEASE_DIR}/{name}"))).unwrap();
    }
    let diagnostics = site.build_errors();
    for (name, _) in links {
        let error = error_in(&diagnostics, &format!("{RELEASE_DIR}/{name}"));
        assert!(error.message.contains("outside content/"), "{error}");
    }
    assert!(!render(&diagnostics).contains(SECRET));
    assert_same_files(&before, &site.snapshot());
    assert_not_published(&site, SECRET);
}

/// A link under locales/ that leads out of locales/ is refused: its messages are not loaded.
#[cfg(unix)]
#[test]
fn a_link_from_locales_to_outside_locales_is_refused() {
    let site = SiteFixture::new();
    site.write("secret.ftl", &format!("secret-message = {SECRET}\n"));
    std::os::unix::fs::symlink("../../secret.ftl", site.path("locales/en/extra.ftl")).unwrap();
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "locales/en/extra.ftl");
    assert!(error.message.contains("outside locales/"), "{error}");
    // A link that stays inside locales/ is read.
    site.remove("locales/en/extra.ftl");
    site.write("locales/shared.ftl", "shared-message = shared\n");
    std::os::unix::fs::symlink("../shared.ftl", site.path("locales/en/shared.ftl")).unwrap();
    let report = site.build_ok();
    assert!(
        render(&report.warnings).contains("shared-message"),
        "the linked file was read (its message is missing in ja and zh): {}",
        render(&report.warnings)
    );
}

/// The checking walk the theme loader uses (`fsutil::walk_files`): links out of themes/ are
/// errors naming the link, links inside themes/ are listed, named pipes are skipped with a
/// warning.
#[cfg(unix)]
#[test]
fn the_safe_walk_refuses_links_out_of_a_theme() {
    use std::os::unix::fs::symlink;

    let site = SiteFixture::new();
    symlink(
        "../../../site.toml",
        site.path("themes/ngmo/static/leak.txt"),
    )
    .unwrap();
    symlink("css/site.css", site.path("themes/ngmo/static/alias.css")).unwrap();
    let pipe = make_fifo(&site.path("themes/ngmo/static/pipe.css"));
    let themes = site.path("themes");
    let (files, diagnostics) = koho::fsutil::walk_files(&koho::fsutil::Walk {
        dir: &site.path("themes/ngmo/static"),
        confine: &themes,
        root: site.root(),
        skip_hidden: false,
        max_depth: usize::MAX,
    });
    let names: Vec<String> = files
        .iter()
        .map(|f| f.relative.to_string_lossy().replace('\\', "/"))
        .collect();
    assert!(names.contains(&"alias.css".to_string()), "{names:?}");
    assert!(names.contains(&"css/site.css".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n == "leak.txt" || n == "pipe.css"));
    let error = error_in(&diagnostics, "themes/ngmo/static/leak.txt");
    assert!(error.message.contains("outside themes/"), "{error}");
    if pipe {
        let warning = diagnostic_in(&diagnostics, "themes/ngmo/static/pipe.css");
        assert!(!warning.is_error() && warning.message.contains("named pipe"));
    }
}

/// Links and pipes in the theme, through a whole build. Needs `render::load_theme` and
/// `output::theme_static_files` to walk with `fsutil::walk_files` (the output-plan work of
/// issue 7); enable then.
#[cfg(unix)]
#[test]
fn links_out_of_the_theme_are_refused_and_pipes_skipped_in_a_build() {
    use std::os::unix::fs::symlink;

    let site = SiteFixture::new();
    site.write(".env", &format!("API_KEY={SECRET}\n"));
    symlink("../../../.env", site.path("themes/ngmo/static/env.txt")).unwrap();
    symlink(
        "../../../../.env",
        site.path("themes/ngmo/templates/partials/env.html"),
    )
    .unwrap();
    let diagnostics = site.build_errors();
    error_in(&diagnostics, "themes/ngmo/static/env.txt");
    error_in(&diagnostics, "themes/ngmo/templates/partials/env.html");
    site.remove("themes/ngmo/static/env.txt");
    site.remove("themes/ngmo/templates/partials/env.html");
    if make_fifo(&site.path("themes/ngmo/static/pipe.css"))
        && make_fifo(&site.path("themes/ngmo/templates/pipe.html"))
    {
        let run = build_with_deadline(&site);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for pipe in [
            "themes/ngmo/static/pipe.css",
            "themes/ngmo/templates/pipe.html",
        ] {
            assert!(
                run.stderr.contains(&format!("warning: {pipe}")),
                "{}",
                run.stderr
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing leaked: named pipes
// ---------------------------------------------------------------------------------------------

/// A named pipe called `x.ftl` under locales/ used to block the build forever.
#[cfg(unix)]
#[test]
fn a_named_pipe_in_locales_is_skipped_with_a_warning() {
    let site = SiteFixture::new();
    if !make_fifo(&site.path("locales/en/x.ftl")) {
        return;
    }
    let run = build_with_deadline(&site);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: locales/en/x.ftl") && run.stderr.contains("named pipe"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_in_content_is_skipped_with_a_warning() {
    let site = SiteFixture::new();
    if !make_fifo(&site.path(&format!("{RELEASE_DIR}/pipe.pdf"))) {
        return;
    }
    let report = site.build_ok();
    let warning = diagnostic_in(&report.warnings, &format!("{RELEASE_DIR}/pipe.pdf"));
    assert!(
        !warning.is_error() && warning.message.contains("named pipe"),
        "{warning}"
    );
    assert!(!site.exists("ja/releases/2020-05-13-first/pipe.pdf"));
}

/// A socket where the downloads manifest or site.toml should be cannot even be opened: the
/// error still says what it is and what to do, not only the system's answer.
#[cfg(unix)]
#[test]
fn a_socket_in_the_manifests_or_site_tomls_place_is_named_as_not_a_file() {
    for (name, display) in [
        (
            "content/downloads/downloads.toml",
            "content/downloads/downloads.toml",
        ),
        ("site.toml", "site.toml"),
    ] {
        let site = SiteFixture::new();
        let path = site.path(name);
        let _ = fs::remove_file(&path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let run = build_with_deadline(&site);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let line = run
            .stderr
            .lines()
            .find(|line| line.starts_with("error:") && line.contains(display))
            .unwrap_or_else(|| panic!("no error names {display}: {}", run.stderr));
        assert!(line.contains("this is not a regular file"), "{line}");
        assert!(
            run.stderr
                .contains("help: replace it with an ordinary text file"),
            "{}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing leaked: a draft page's files
// ---------------------------------------------------------------------------------------------

const DRAFT: &str = "releases/2020-06-01-embargo";

fn with_draft_release(site: &SiteFixture, draft_languages: &[&str]) {
    for lang in ["ja", "en", "zh"] {
        let draft = draft_languages.contains(&lang);
        site.write(
            &format!("content/{DRAFT}/index.{lang}.md"),
            &format!("+++\ntitle = \"embargo-{lang}\"\ndate = 2020-06-01\ndraft = {draft}\n+++\n\nbody\n"),
        );
    }
    site.write_bytes(
        &format!("content/{DRAFT}/embargo.pdf"),
        format!("%PDF-1.4 {SECRET}").as_bytes(),
    );
    site.write_bytes(
        &format!("content/{DRAFT}/press/photo.jpg"),
        format!("JPEG {SECRET}").as_bytes(),
    );
}

#[test]
fn files_of_a_draft_page_are_published_only_with_drafts() {
    let site = SiteFixture::new();
    site.write(&format!("{RELEASE_DIR}/public.txt"), "published");
    with_draft_release(&site, &["ja", "en", "zh"]);
    site.build_ok();
    let files = site.snapshot();
    assert!(
        !files.keys().any(|name| name.contains("embargo")),
        "{:?}",
        files
            .keys()
            .filter(|n| n.contains("embargo"))
            .collect::<Vec<_>>()
    );
    assert_not_published(&site, SECRET);
    assert!(site.exists("ja/releases/2020-05-13-first/public.txt"));

    unwrap_report(site.build_with(|o| o.include_drafts = true));
    for lang in ["ja", "en", "zh"] {
        assert!(
            site.exists(&format!("{lang}/{DRAFT}/embargo.pdf")),
            "{lang}"
        );
    }
    // A sub-folder no page owns is published once, without a language.
    assert!(site.exists(&format!("{DRAFT}/press/photo.jpg")));
}

/// A page that is a draft in one language only is published in the others, with its files.
#[test]
fn files_of_a_page_published_in_some_language_are_published() {
    let site = SiteFixture::new();
    with_draft_release(&site, &["ja"]);
    site.build_ok();
    assert!(!site.exists(&format!("ja/{DRAFT}/index.html")));
    assert!(site.exists(&format!("en/{DRAFT}/embargo.pdf")));
    assert!(site.exists(&format!("{DRAFT}/press/photo.jpg")));
}

/// `Content` keeps the drafts it left out, so that later stages can say "is a draft".
#[test]
fn content_lists_the_drafts_it_left_out() {
    let site = SiteFixture::new();
    with_draft_release(&site, &["ja", "en", "zh"]);
    let config = koho::config::load(site.root(), None).expect("site.toml");
    let (content, diagnostics) = koho::content::load(&config, false);
    assert!(diagnostics.is_empty(), "{}", render(&diagnostics));
    assert_eq!(content.drafts.len(), 3);
    assert!(content.drafts.iter().all(|s| s.key == DRAFT));
    assert!(content.is_draft(DRAFT));
    assert!(!content.is_draft("releases/2020-05-13-first"));
    assert!(!content.assets.iter().any(|a| a.dir.starts_with(DRAFT)));

    let (content, _) = koho::content::load(&config, true);
    assert!(content.drafts.is_empty() && !content.is_draft(DRAFT));
    assert_eq!(
        content
            .assets
            .iter()
            .filter(|a| a.dir.starts_with(DRAFT))
            .count(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Nothing leaked: the theme's name
// ---------------------------------------------------------------------------------------------

/// `theme` names one folder under themes/: a path out of it is an error naming site.toml and
/// the line, even where that path holds a working theme.
#[test]
fn a_theme_outside_themes_is_an_error_naming_site_toml_and_line() {
    let site = SiteFixture::new();
    copy_dir(&site.path("themes/ngmo"), &site.path("elsewhere"));
    let absolute = site.path("themes/ngmo").to_string_lossy().into_owned();
    let line = line_starting(&site, "site.toml", "theme = ");
    for theme in ["../elsewhere", absolute.as_str(), "ngmo/../ngmo", "ngmo/"] {
        let text = SITE_TOML.replace("theme = \"ngmo\"", &format!("theme = {theme:?}"));
        site.write("site.toml", &text);
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, "site.toml");
        assert_eq!(error.location.as_ref().unwrap().line, Some(line), "{error}");
        assert!(error.message.contains("theme"), "{error}");
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing silent: template functions
// ---------------------------------------------------------------------------------------------

/// Builds with a home template calling `call` and returns the error naming the template.
fn template_call_fails(call: &str, names: &str) {
    let site = SiteFixture::new();
    site.home_template_main(call);
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "themes/ngmo/templates/index.html");
    assert!(error.message.contains(names), "{error}");

    let run = site.run_build(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("themes/ngmo/templates/index.html") && run.stderr.contains(names),
        "{}",
        run.stderr
    );
}

#[test]
fn url_for_a_key_that_does_not_exist_is_an_error() {
    template_call_fails(
        "<a href=\"{{ url_for(key='no/such/page') }}\">x</a>",
        "no/such/page",
    );
}

#[test]
fn section_pages_of_a_key_that_is_no_section_is_an_error() {
    template_call_fails(
        "{% for p in section_pages(key='news') %}{{ p.title }}{% endfor %}",
        "news",
    );
    // A page is not a section either.
    template_call_fails(
        "{% for p in section_pages(key='releases/2020-05-13-first') %}{% endfor %}",
        "releases/2020-05-13-first",
    );
}

#[test]
fn asset_url_of_a_file_that_does_not_exist_is_an_error() {
    template_call_fails("{{ asset_url(path='css/missing.css') }}", "css/missing.css");
    template_call_fails("{{ asset_url(path='../../site.toml') }}", "../../site.toml");
}

/// What still works: a key that exists only in another language links the nearest section;
/// `optional=true` gives an empty string for a key that does not exist, which the shipped theme
/// uses to list only the sections a site has.
#[test]
fn url_for_optional_and_untranslated_keys() {
    let site = SiteFixture::new();
    site.write(
        "content/about/index.ja.md",
        "+++\ntitle = \"機構について\"\n+++\n\n本文\n",
    );
    site.home_template_main(
        "<p id=\"missing\">[{{ url_for(key='handbook', optional=true) }}]</p>\n<p id=\"about\">{{ url_for(key='about') }}</p>\n<p id=\"asset\">{{ asset_url(path='css/site.css?v=2') }}</p>",
    );
    site.build_ok();
    let ja = site.page("ja/index.html");
    assert_eq!(ja.text("#missing"), "[]");
    assert_eq!(ja.text("#about"), "/ja/about/");
    assert_eq!(ja.text("#asset"), "/css/site.css?v=2");
    assert_eq!(site.page("en/index.html").text("#about"), "/en/");
    // The fixture has no handbook, downloads or about page: the navigation does not list them.
    site.write("themes/ngmo/templates/index.html", &shipped_home_template());
    site.remove("content/about");
    site.build_ok();
    let nav: Vec<String> = site.page("en/index.html").attrs("nav.site-nav a", "href");
    assert_eq!(nav, ["/en/", "/en/releases/"], "{nav:?}");
}

/// The shipped home template.
fn shipped_home_template() -> String {
    fs::read_to_string(manifest_dir().join("themes/ngmo/templates/index.html")).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Nothing silent: Fluent messages
// ---------------------------------------------------------------------------------------------

/// A message koho formats itself that fails (a variable koho does not pass) is an error naming
/// the .ftl file, its line and the message; it used to be taken for missing (ISO dates).
#[test]
fn a_date_message_that_cannot_be_formatted_names_file_line_and_id() {
    let site = SiteFixture::new();
    let file = "locales/en/main.ftl";
    let line = line_starting(&site, file, "date-long = ");
    site.replace(file, "date-long = { $day }", "date-long = { $dya }");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, file);
    assert_eq!(error.location.as_ref().unwrap().line, Some(line), "{error}");
    assert!(error.message.contains("`date-long`"), "{error}");
    assert!(error.message.contains("dya"), "{error}");
}

/// A reference to a message that does not exist is reported at the .ftl file and line, not only
/// as a template error.
#[test]
fn a_reference_to_a_missing_message_names_file_line_and_id() {
    let site = SiteFixture::new();
    let file = "locales/zh/main.ftl";
    let line = line_starting(&site, file, "nav-home = ");
    site.replace(file, "\nnav-home = ", "\nnav-home = { no-such-message } ");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, file);
    assert_eq!(error.location.as_ref().unwrap().line, Some(line), "{error}");
    assert!(error.message.contains("`nav-home`"), "{error}");
    assert!(error.message.contains("no-such-message"), "{error}");
}

/// A month or weekday name that `date-long` uses and no locale has used to print an empty name.
#[test]
fn a_missing_month_or_weekday_name_is_an_error() {
    let site = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        remove_lines(&site, &format!("locales/{lang}/main.ftl"), "month-5 ");
    }
    let diagnostics = site.build_errors();
    // en's date-long uses $monthname.
    let error = error_in(&diagnostics, "locales/en/main.ftl");
    assert!(error.message.contains("month-5"), "{error}");
    assert!(error.message.contains("`date-long`"), "{error}");
    assert_eq!(
        error.location.as_ref().unwrap().line,
        Some(line_starting(&site, "locales/en/main.ftl", "date-long = "))
    );

    let site = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        remove_lines(&site, &format!("locales/{lang}/main.ftl"), "weekday-3 ");
    }
    let diagnostics = site.build_errors();
    // ja's date-long uses $weekday.
    let error = error_in(&diagnostics, "locales/ja/main.ftl");
    assert!(error.message.contains("weekday-3"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Nothing silent: --base-url and base_url
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bad_base_url_flag_is_a_usage_error_blamed_on_the_flag() {
    let site = SiteFixture::new();
    for bad in [
        "example.org/ngmo/",
        "/ngmo/",
        "ftp://example.org/",
        "https://example.org/a b/",
        "https://example.org/\"onload=\"x",
        "https://example.org/'x'",
    ] {
        let run = site.run_build(&["--base-url", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("--base-url"), "{bad}: {}", run.stderr);
        assert!(!run.stderr.contains("site.toml"), "{bad}: {}", run.stderr);
        assert!(!site.output().exists(), "{bad}: something was written");
    }
}

/// Through the library the flag's value is checked too, and the message names the flag.
#[test]
fn a_bad_base_url_option_names_the_flag_not_site_toml() {
    let site = SiteFixture::new();
    let diagnostics = expect_site_errors(
        site.build_with(|o| o.base_url = Some("https://example.org/a b/".into())),
    );
    let error = errors(&diagnostics)[0];
    assert!(error.message.contains("--base-url"), "{error}");
    assert!(error.location.is_none(), "{error}");
}

#[test]
fn a_bad_base_url_in_site_toml_names_site_toml_and_line() {
    let site = SiteFixture::new();
    for bad in [
        "https://example.org/a b/",
        "example.org",
        "https://example.org/\\\"x",
    ] {
        site.write(
            "site.toml",
            &SITE_TOML.replace(
                "base_url = \"https://example.org/\"",
                &format!("base_url = \"{bad}\""),
            ),
        );
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, "site.toml");
        assert_eq!(error.location.as_ref().unwrap().line, Some(1), "{error}");
        assert!(error.message.contains("base_url"), "{error}");
    }
}

// ---------------------------------------------------------------------------------------------
// One reader for text files (issue 8)
// ---------------------------------------------------------------------------------------------

/// A byte-order mark and CRLF line ends, as translators' and Windows editors write them, are
/// accepted in .ftl, .md and site.toml, with no warning.
#[test]
fn byte_order_marks_and_crlf_are_accepted_everywhere() {
    let site = SiteFixture::new();
    for file in ["locales/en/main.ftl", "locales/ja/main.ftl", "site.toml"] {
        let text = site.read(file).replace('\n', "\r\n");
        site.write(file, &format!("\u{feff}{text}"));
    }
    let page = format!("{RELEASE_DIR}/index.en.md");
    let text = site.read(&page).replace('\n', "\r\n");
    site.write(&page, &format!("\u{feff}{text}"));
    let report = site.build_ok();
    assert!(report.warnings.is_empty(), "{}", render(&report.warnings));
    let en = site.page("en/index.html");
    assert_eq!(en.text("nav.site-nav a[href='/en/']"), "Home");
    let release = site.page("en/releases/2020-05-13-first/index.html");
    assert_eq!(release.text("h1"), "first-en");
}

/// Shift_JIS text: an error naming the file, line and column, telling to save as UTF-8.
#[test]
fn shift_jis_files_name_file_line_and_column() {
    // Where `SJIS` stands, 「日本」 in Shift_JIS.
    const SJIS: &str = "<SJIS>";
    let sjis = |text: &str| -> Vec<u8> {
        let parts: Vec<&[u8]> = text.split(SJIS).map(str::as_bytes).collect();
        parts.join(&b"\x93\xfa\x96\x7b"[..])
    };
    let cases = [
        (
            "locales/ja/main.ftl",
            format!("site-name = {SJIS}\n"),
            (1, 13),
        ),
        (
            "content/releases/2020-05-13-first/index.ja.md",
            format!("+++\ntitle = \"{SJIS}\"\ndate = 2020-05-13\n+++\n\nbody\n"),
            (2, 10),
        ),
        ("site.toml", format!("# {SJIS}\n{SITE_TOML}"), (1, 3)),
    ];
    for (file, text, (line, column)) in cases {
        let site = SiteFixture::new();
        site.write_bytes(file, &sjis(&text));
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, file);
        let location = error.location.as_ref().unwrap();
        assert_eq!(
            (location.line, location.column),
            (Some(line), Some(column)),
            "{file}: {error}"
        );
        assert!(error.message.contains("UTF-8"), "{file}: {error}");
        assert!(
            error
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("save the file as UTF-8"),
            "{file}: {error}"
        );
    }
}

#[test]
fn a_download_attached_to_a_draft_says_it_is_a_draft() {
    let site = SiteFixture::new();
    with_draft_release(&site, &["ja", "en", "zh"]);
    site.write_bytes("content/downloads/press/x.pdf", b"%PDF-1.4 x");
    site.write(
        "content/downloads/downloads.toml",
        &format!(
            "[[item]]\nid = \"x\"\ncategory = \"press\"\nupdated = 2020-06-01\n\
             title = {{ ja = \"x\" }}\npages = [\"{DRAFT}\"]\n\n[[item.file]]\nlang = \"ja\"\n\
             path = \"press/x.pdf\"\nformat = \"pdf\"\n"
        ),
    );
    let diagnostics = site.build_errors();
    let error = diagnostic_in(&diagnostics, "content/downloads/downloads.toml");
    assert!(error.message.contains("is a draft"), "{error}");
    assert!(!error.message.contains("does not exist"), "{error}");
    unwrap_report(site.build_with(|o| o.include_drafts = true));
}
