//! The daily workflow commands: `koho status` (table, JSON, HTML, --mark, --diff against git
//! objects the test writes itself, no git binary), `koho new` and `koho init`.

use crate::support;

use std::collections::BTreeMap;
use std::fs;

use koho::status::blob::blob_id;
use scraper::Html;
use serde_json::Value;
use support::*;

const RELEASE_JA: &str = "content/releases/2020-05-13-first/index.ja.md";
const RELEASE_EN: &str = "content/releases/2020-05-13-first/index.en.md";

/// Makes the fixture's folder a git repository as far as reading objects goes: HEAD, refs/ and
/// objects/ (what a repository needs to be recognised; see gitrepository-layout(5)).
fn make_repository(site: &SiteFixture) {
    site.write(".git/HEAD", "ref: refs/heads/main\n");
    fs::create_dir_all(site.path(".git/refs/heads")).unwrap();
    fs::create_dir_all(site.path(".git/objects")).unwrap();
}

#[cfg(feature = "git")]
/// Stores `bytes` as a loose blob (zlib of `blob <len>\0<bytes>` at objects/xx/yyyy…), as
/// `git add` would; returns its id.
fn store_blob(site: &SiteFixture, bytes: &[u8]) -> String {
    use std::io::Write;
    let id = blob_id(bytes);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(format!("blob {}\0", bytes.len()).as_bytes())
        .unwrap();
    encoder.write_all(bytes).unwrap();
    let compressed = encoder.finish().unwrap();
    site.write_bytes(
        &format!(".git/objects/{}/{}", &id[..2], &id[2..]),
        &compressed,
    );
    id
}

#[cfg(feature = "git")]
/// A release source of five paragraphs; `third` is the one that changes.
fn release_source(third: &str) -> String {
    format!(
        "+++\ntitle = \"first-ja\"\ndate = 2020-05-13\n+++\n\n第一段落。\n\n第二段落。\n\n{third}\n\n第四段落。\n\n第五段落。\n"
    )
}

fn translation(id: &str) -> String {
    format!("+++\ntitle = \"first-en\"\ndate = 2020-05-13\ntranslated_from = \"{id}\"\n+++\n\nbody-en\n")
}

fn status_json(site: &SiteFixture, extra: &[&str]) -> Value {
    let mut args = vec!["status", "--format", "json"];
    args.extend_from_slice(extra);
    let run = site.run(&args);
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// `(row name, language)` → state, from `koho status --format json`.
fn states(json: &Value) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for row in json["rows"].as_array().unwrap() {
        for cell in row["cells"].as_array().unwrap() {
            out.insert(
                (
                    row["name"].as_str().unwrap().to_string(),
                    cell["lang"].as_str().unwrap().to_string(),
                ),
                cell["state"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

fn state(states: &BTreeMap<(String, String), String>, name: &str, lang: &str) -> String {
    states
        .get(&(name.to_string(), lang.to_string()))
        .unwrap_or_else(|| panic!("no cell {name} {lang} in {states:?}"))
        .clone()
}

/// A site with one translation in each state.
fn mixed_site() -> SiteFixture {
    let site = SiteFixture::new();
    let release_id = blob_id(site.read(RELEASE_JA).as_bytes());
    site.write(RELEASE_EN, &translation(&release_id));
    site.write(
        "content/releases/2020-05-13-first/index.zh.md",
        &format!(
            "+++\ntitle = \"first-zh\"\ndraft = true\ntranslated_from = \"{release_id}\"\n+++\n"
        ),
    );
    let home_before = site.read("content/_index.ja.md");
    site.replace(
        "content/_index.en.md",
        "+++\n",
        &format!(
            "+++\ntranslated_from = \"{}\"\n",
            blob_id(home_before.as_bytes())
        ),
    );
    site.replace("content/_index.ja.md", "welcome-ja", "welcome-ja, changed");
    site.remove("content/releases/_index.en.md");
    site.write("content/only-en.en.md", "+++\ntitle = \"only\"\n+++\n");
    site
}

#[test]
fn status_table_json_and_counts() {
    let site = mixed_site();
    let json = status_json(&site, &[]);
    let s = states(&json);
    assert_eq!(state(&s, "releases/2020-05-13-first", "ja"), "source");
    assert_eq!(state(&s, "releases/2020-05-13-first", "en"), "ok");
    assert_eq!(state(&s, "releases/2020-05-13-first", "zh"), "draft");
    assert_eq!(state(&s, "/", "en"), "stale");
    assert_eq!(state(&s, "/", "zh"), "untracked");
    assert_eq!(state(&s, "releases/", "en"), "missing");
    assert_eq!(state(&s, "only-en", "en"), "orphan");
    assert_eq!(state(&s, "only-en", "ja"), "missing");
    assert_eq!(state(&s, "_fragments/profile", "en"), "untracked");
    let en = json["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["lang"] == "en")
        .unwrap();
    assert_eq!(
        (
            en["ok"].as_u64(),
            en["stale"].as_u64(),
            en["missing"].as_u64(),
            en["orphan"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(1))
    );
    assert_eq!(
        json["rows"][0]["source_id"].as_str().map(str::len),
        Some(40)
    );

    // Piped: a plain table, one line per document, no colour codes.
    let run = site.run(&["status"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("releases/2020-05-13-first "))
        .unwrap();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>()[1..],
        ["source", "ok", "draft"]
    );
    assert!(run.stdout.contains("koho status --diff"), "{}", run.stdout);

    let only_en = status_json(&site, &["--lang", "en"]);
    assert_eq!(only_en["languages"], serde_json::json!(["en"]));
    assert!(only_en["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["cells"].as_array().unwrap().len() == 1));
    let unknown = site.run(&["status", "--lang", "fr"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(unknown.stderr.contains("ja, en, zh"), "{}", unknown.stderr);
}

#[cfg(feature = "git")]
#[test]
fn stale_translation_shows_the_changed_paragraphs_from_git_objects() {
    let site = SiteFixture::new();
    make_repository(&site);
    let old = release_source("第三段落。");
    site.write(RELEASE_JA, &old);
    let old_id = store_blob(&site, old.as_bytes());
    site.write(RELEASE_EN, &translation(&old_id));
    assert_eq!(
        state(
            &states(&status_json(&site, &[])),
            "releases/2020-05-13-first",
            "en"
        ),
        "ok"
    );

    site.write(RELEASE_JA, &release_source("第三段落を書き直した。"));
    let s = states(&status_json(&site, &[]));
    assert_eq!(state(&s, "releases/2020-05-13-first", "en"), "stale");

    let run = site.run(&["status", "--diff", RELEASE_EN]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].contains("stale"), "{}", run.stdout);
    let hunk = lines.iter().position(|l| l.starts_with("@@")).unwrap();
    assert_eq!(
        lines[hunk..],
        [
            "@@ -3,3 +3,3 @@ paragraphs",
            " 第二段落。",
            "-",
            "-第三段落。",
            "+",
            "+第三段落を書き直した。",
            " ",
            " 第四段落。"
        ],
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("第一段落"), "context is one paragraph");

    let run = site.run(&["status", "--diff", RELEASE_EN, "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["state"], "stale");
    assert_eq!(json["translated_from"], old_id.as_str());
    assert_eq!(json["diff"]["result"], "shown");
    let paragraphs = &json["diff"]["hunks"][0]["paragraphs"];
    assert_eq!(paragraphs[1]["tag"], "delete");
    assert_eq!(paragraphs[1]["text"], "第三段落。");
    assert_eq!(paragraphs[2]["tag"], "insert");
    assert_eq!(paragraphs[2]["text"], "第三段落を書き直した。");
}

#[cfg(not(feature = "git"))]
#[test]
fn diff_without_the_git_feature_says_so() {
    let site = SiteFixture::new();
    make_repository(&site);
    site.write(RELEASE_EN, &translation(&blob_id(b"an earlier version")));
    let run = site.run(&["status", "--diff", RELEASE_EN]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("without the `git` feature"),
        "{}",
        run.stdout
    );
}

#[cfg(feature = "git")]
#[test]
fn diff_without_the_old_version_says_why_and_that_it_is_stale() {
    let site = SiteFixture::new();
    let outside_git = site
        .root()
        .ancestors()
        .all(|dir| !dir.join(".git").exists());
    site.write(RELEASE_EN, &translation(&blob_id(b"an earlier version")));
    if outside_git {
        let run = site.run(&["status", "--diff", RELEASE_EN]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stdout.contains("stale"), "{}", run.stdout);
        assert!(
            run.stdout.contains("not in a git repository"),
            "{}",
            run.stdout
        );
    } else {
        eprintln!("SKIPPED: the temp folder is inside a git repository");
    }
    make_repository(&site);
    let run = site.run(&["status", "--diff", RELEASE_EN]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("stale"), "{}", run.stdout);
    assert!(run.stdout.contains("never committed"), "{}", run.stdout);

    // A current translation and one that records nothing.
    let id = blob_id(site.read(RELEASE_JA).as_bytes());
    site.write(RELEASE_EN, &translation(&id));
    let run = site.run(&["status", "--diff", RELEASE_EN]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("matches its source"), "{}", run.stdout);
    let run = site.run(&["status", "--diff", "content/_index.en.md"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("records no `translated_from`"),
        "{}",
        run.stdout
    );
    let run = site.run(&["status", "--diff", RELEASE_JA]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("is the source"), "{}", run.stderr);
}

#[test]
fn mark_rewrites_only_that_line() {
    let site = SiteFixture::new();
    let id = blob_id(site.read(RELEASE_JA).as_bytes());
    // CRLF, an old id with a comment, and a table after it.
    let before = "+++\r\ntitle = \"first-en\"\r\ndate = 2020-05-13\r\ntranslated_from = \"0000000000000000000000000000000000000000\"  # old\r\n[extra]\r\nsubtitle = \"s\"\r\n+++\r\n\r\nbody-en\r\n";
    site.write(RELEASE_EN, before);
    let zh = "content/releases/2020-05-13-first/index.zh.md";
    let zh_before = site
        .read(zh)
        .replace("+++\n\nbody", "[extra]\nnote = 1\n+++\n\nbody");
    site.write(zh, &zh_before);

    let run = site.run(&["status", "--mark", RELEASE_EN, zh]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run
        .stdout
        .contains("marked content/releases/2020-05-13-first/index.en.md"));
    let expected = before.replace(
        "translated_from = \"0000000000000000000000000000000000000000\"  # old",
        // The comment stays (a tester found it dropped).
        &format!("translated_from = \"{id}\"  # old"),
    );
    assert_eq!(site.read(RELEASE_EN), expected);
    assert_eq!(
        site.read(zh),
        zh_before.replace("[extra]", &format!("translated_from = \"{id}\"\n[extra]"))
    );
    let s = states(&status_json(&site, &[]));
    assert_eq!(state(&s, "releases/2020-05-13-first", "en"), "ok");
    assert_eq!(state(&s, "releases/2020-05-13-first", "zh"), "ok");
    site.build_ok();

    // All or nothing: one bad path and no file is written.
    let home_en = site.read("content/_index.en.md");
    for bad in [RELEASE_JA, "content/nope.en.md", "site.toml"] {
        let run = site.run(&["status", "--mark", "content/_index.en.md", bad]);
        assert_eq!(run.code, 1, "{bad}: {run:?}");
        assert!(run.stderr.contains("nothing was marked"), "{}", run.stderr);
        assert_eq!(site.read("content/_index.en.md"), home_en);
    }
}

#[test]
fn malformed_translated_from_is_an_error_with_its_line() {
    let site = SiteFixture::new();
    site.write(
        RELEASE_EN,
        "+++\ntitle = \"first-en\"\ndate = 2020-05-13\ntranslated_from = \"abc\"\n+++\n",
    );
    let errors = site.build_errors();
    let error = error_in(&errors, RELEASE_EN);
    assert!(error.message.contains("not a git blob id"), "{error}");
    assert_eq!(error.location.as_ref().unwrap().line, Some(4));
    let run = site.run(&["status"]);
    assert_eq!(run.code, 1, "{run:?}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("releases/2020"))
        .unwrap();
    assert!(line.contains("invalid"), "{line}");
}

#[test]
fn html_report_outside_content_and_output() {
    let site = mixed_site();
    let run = site.run(&["status", "--html", "report.html"]);
    assert_eq!(run.code, 0, "{run:?}");
    let html = Html::parse_document(&site.read("report.html"));
    let stale: Vec<String> = select(&html, "table:not(.counts) td.stale")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(stale, ["stale"]);
    let header: Vec<String> = select(&html, "table:not(.counts) th")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(header, ["document", "ja", "en", "zh"]);
    assert_eq!(select(&html, "meta[name=robots]").len(), 1);

    fs::create_dir_all(site.path("public")).unwrap();
    for refused in [
        "content/report.html",
        "public/report.html",
        "public/new/report.html",
    ] {
        let run = site.run(&["status", "--html", refused]);
        assert_eq!(run.code, 1, "{refused}: {run:?}");
        assert!(
            run.stderr.contains("refusing to write the report"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "nothing printed before the refusal");
        assert!(!site.path(refused).exists());
    }
}

fn snapshot_content(site: &SiteFixture) -> BTreeMap<String, Vec<u8>> {
    snapshot(&site.path("content"))
}

#[test]
fn new_release_creates_source_and_drafts() {
    let site = SiteFixture::new();
    let run = site.run(&["new", "release", "new-office", "--date", "2020-06-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    let folder = "content/releases/2020-06-01-new-office";
    let paths: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        paths,
        ["ja", "en", "zh"].map(|l| format!("{folder}/index.{l}.md"))
    );
    let ja = site.read(&format!("{folder}/index.ja.md"));
    assert!(
        ja.contains("date = 2020-06-01\n") && !ja.contains("draft"),
        "{ja}"
    );
    let en = site.read(&format!("{folder}/index.en.md"));
    assert!(en.contains("draft = true\n"), "{en}");
    assert!(
        en.contains(&format!("translated_from = \"{}\"", blob_id(ja.as_bytes()))),
        "{en}"
    );
    let s = states(&status_json(&site, &[]));
    assert_eq!(state(&s, "releases/2020-06-01-new-office", "en"), "draft");

    site.build_ok();
    assert!(site.exists("ja/releases/2020-06-01-new-office/index.html"));
    assert!(
        !site.exists("en/releases/2020-06-01-new-office/index.html"),
        "drafts stay out"
    );
    site.build_with(|o| o.include_drafts = true).unwrap();
    assert!(site.exists("en/releases/2020-06-01-new-office/index.html"));

    // Never overwrites: the same release again changes nothing.
    let before = snapshot_content(&site);
    let again = site.run(&["new", "release", "new-office", "--date", "2020-06-01"]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_same_files(&before, &snapshot_content(&site));

    // A translation added later is made from the existing source; the date may lead the slug.
    site.remove(&format!("{folder}/index.zh.md"));
    let run = site.run(&["new", "release", "2020-06-01-new-office", "--langs", "zh"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), format!("{folder}/index.zh.md"));
    assert_eq!(site.read(&format!("{folder}/index.zh.md")), en);
}

#[test]
fn new_refuses_bad_names_dates_and_languages() {
    let site = SiteFixture::new();
    let before = snapshot_content(&site);
    for (args, expected) in [
        (vec!["release", "new office"], "space"),
        (vec!["release", "a/b"], "`/`"),
        (vec!["release", "../escape"], "`/`"),
        (vec!["release", ".."], "not names"),
        (vec!["release", ""], "empty"),
        (vec!["release", "a.en"], "language suffix"),
        (
            vec!["release", "ok", "--date", "2020-02-30"],
            "not a calendar date",
        ),
        (
            vec!["release", "2020-06-01-x", "--date", "2020-06-02"],
            "give the date once",
        ),
        (
            vec!["release", "ok", "--langs", "ja,fr"],
            "`fr` is not a language",
        ),
        (vec!["release", "ok", "--langs", "en"], "has no ja file yet"),
        (vec!["page", "about/../../x"], "not names"),
        (vec!["page", "about/my page"], "space"),
        (vec!["chapter", "releases/x"], "not inside a book"),
    ] {
        let mut all = vec!["new"];
        all.extend(args.iter().copied());
        let run = site.run(&all);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("nothing was created"), "{}", run.stderr);
    }
    assert_same_files(&before, &snapshot_content(&site));
}

#[test]
fn new_page_and_chapter_build() {
    let site = SiteFixture::new();
    let run = site.run(&["new", "page", "about/team"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(site
        .read("content/about/team/index.ja.md")
        .contains("title = \"Team\""));
    site.build_with(|o| o.include_drafts = true).unwrap();
    assert!(site.exists("ja/about/team/index.html"));
    let again = site.run(&["new", "page", "about/team", "--langs", "ja"]);
    assert_eq!(again.code, 1, "{again:?}");

    let book = SiteFixture::bare();
    copy_dir(&manifest_dir().join("tests/fixtures/book"), book.root());
    let run = book.run(&["new", "chapter", "handbook/a-practice/gamma"]);
    assert_eq!(run.code, 0, "{run:?}");
    let chapter = book.read("content/handbook/a-practice/gamma.ja.md");
    // beta has weight 2, omega 1: the new chapter comes after them.
    assert!(chapter.contains("weight = 3\n"), "{chapter}");
    book.build_with(|o| o.include_drafts = true).unwrap();
    let page = book.page("ja/handbook/a-practice/gamma/index.html");
    let title = page.text("h1");
    assert!(title.ends_with("Gamma"), "{title}");
    let missing_part = book.run(&["new", "chapter", "handbook/no-part/x"]);
    assert_eq!(missing_part.code, 1, "{missing_part:?}");
    assert!(missing_part
        .stderr
        .contains("no section `handbook/no-part`"));
}

#[test]
fn init_creates_a_buildable_site_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let run = run_koho(dir.path(), &["init", "site"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.lines().any(|l| l.ends_with("site.toml")),
        "{}",
        run.stdout
    );

    // Built by the binary (koho::build underneath): no warnings either.
    let build = run_koho(&root, &["build"]);
    assert_eq!(build.code, 0, "{build:?}");
    assert!(!build.stderr.contains("warning"), "{}", build.stderr);
    for (lang, tag) in [("ja", "ja"), ("en", "en"), ("zh", "zh-Hans")] {
        let page = Page::load(&root.join("public"), &format!("{lang}/index.html"));
        assert_eq!(page.attr("html", "lang"), tag);
        assert_eq!(page.select("link[hreflang]").len(), 3);
        Page::load(&root.join("public"), &format!("{lang}/about/index.html"));
    }
    let status = run_koho(&root, &["status", "--format", "json"]);
    let s = states(&serde_json::from_str(&status.stdout).unwrap());
    assert!(
        s.values().all(|v| v == "source" || v == "ok"),
        "every starter translation records its source: {s:?}"
    );

    // The new site takes a release.
    let run = run_koho(
        &root,
        &["new", "release", "opening", "--date", "2030-01-15"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let build = run_koho(&root, &["build", "--drafts"]);
    assert_eq!(build.code, 0, "{build:?}");
    let list = Page::load(&root.join("public"), "en/releases/index.html");
    assert_eq!(list.text("main li a"), "Opening");

    let before = snapshot(&root);
    let again = run_koho(dir.path(), &["init", "site"]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    assert_same_files(&before, &snapshot(&root));

    let other = dir.path().join("notes");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("todo.txt"), "mine").unwrap();
    assert_eq!(run_koho(dir.path(), &["init", "notes"]).code, 1);
    assert_eq!(fs::read_dir(&other).unwrap().count(), 1);
    assert_eq!(fs::read_to_string(other.join("todo.txt")).unwrap(), "mine");
}

#[test]
fn shipped_translations_are_current() {
    let run = run_koho(&manifest_dir(), &["status", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let s = states(&serde_json::from_str(&run.stdout).unwrap());
    let not_ok: Vec<_> = s
        .iter()
        .filter(|(_, v)| v.as_str() != "source" && v.as_str() != "ok")
        .collect();
    assert!(
        not_ok.is_empty(),
        "translations of the shipped site that are not current: {not_ok:?}\n\
         (after checking them against the source: koho status --mark FILE)"
    );
}

/// Found by a tester: `--html` wrote over any existing file, through a link too.
#[test]
fn the_html_report_replaces_only_an_earlier_report() {
    let site = mixed_site();
    let before = snapshot_content(&site);
    let template = "themes/ngmo/templates/base.html";
    let template_bytes = site.read(template);
    let config = site.read("site.toml");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        site.path("content/about/index.ja.md"),
        site.path("sneaky.html"),
    )
    .unwrap();
    let mut refused = vec![
        template,
        "site.toml",
        "themes/ngmo/new.html",
        "locales/report.html",
        ".koho",
    ];
    if cfg!(unix) {
        refused.push("sneaky.html");
    }
    for target in refused {
        let run = site.run(&["status", "--html", target]);
        assert_eq!(run.code, 1, "{target}: {run:?}");
        assert!(
            run.stderr.contains("refusing to write the report"),
            "{target}: {}",
            run.stderr
        );
    }
    assert_eq!(site.read(template), template_bytes);
    assert_eq!(site.read("site.toml"), config);
    assert!(!site.path(".koho").is_file());
    assert_same_files(&before, &snapshot_content(&site));
    // An earlier report may be replaced.
    assert_eq!(site.run(&["status", "--html", "report.html"]).code, 0);
    let again = site.run(&["status", "--html", "report.html"]);
    assert_eq!(again.code, 0, "{again:?}");
}

/// Found by a tester: names with no word, `index`, an NFD spelling of an existing slug and a
/// link on the way out of content/ were accepted.
#[test]
fn new_refuses_names_that_would_break_the_site_and_links_out_of_content() {
    let site = SiteFixture::new();
    for (args, expected) in [
        (vec!["release", "-"], "no letter or digit"),
        (vec!["release", "--", "--"], "no letter or digit"),
        (vec!["page", "about/index"], "`index` is the name"),
    ] {
        let mut all = vec!["new"];
        all.extend(args.iter().copied());
        let run = site.run(&all);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    let nfc = "\u{00dc}ber";
    let nfd = "U\u{0308}ber";
    let run = site.run(&["new", "release", nfc, "--date", "2021-01-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    let twin = site.run(&["new", "release", nfd, "--date", "2021-01-01"]);
    assert_eq!(twin.code, 1, "{twin:?}");
    assert!(twin.stderr.contains("already exists"), "{}", twin.stderr);
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            outside.path(),
            site.path("content/releases/2021-01-02-evil"),
        )
        .unwrap();
        let run = site.run(&["new", "release", "evil", "--date", "2021-01-02"]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
    }
}

#[test]
fn a_chapter_beside_a_books_parts_comes_after_them() {
    let book = SiteFixture::bare();
    copy_dir(&manifest_dir().join("tests/fixtures/book"), book.root());
    let run = book.run(&["new", "chapter", "handbook/appendix"]);
    assert_eq!(run.code, 0, "{run:?}");
    let check = book.run(&["check", "--drafts"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[cfg(unix)]
#[test]
fn init_into_a_link_to_nothing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("dang")).unwrap();
    for target in ["dang", "dang/sub"] {
        let run = run_koho(dir.path(), &["init", target]);
        assert_eq!(run.code, 1, "{target}: {run:?}");
        assert!(
            run.stderr
                .contains("symbolic link to a folder that does not exist"),
            "{target}: {}",
            run.stderr
        );
    }
}

#[test]
fn every_command_takes_r_for_the_root_and_a_closed_stderr_is_a_failure_not_a_panic() {
    let site = SiteFixture::new();
    let parent = site.root().parent().unwrap();
    let name = site.root().file_name().unwrap().to_str().unwrap();
    let status = run_koho(parent, &["status", "-r", name]);
    assert_eq!(status.code, 0, "{status:?}");
    let new = run_koho(parent, &["new", "page", "-r", name, "about/team"]);
    assert_eq!(new.code, 0, "{new:?}");
    // stderr closed before koho writes to it.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_koho"))
        .args(["new", "page", "about/../x"])
        .current_dir(site.root())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map(|mut child| {
            drop(child.stderr.take());
            child.wait().unwrap()
        })
        .unwrap();
    assert_eq!(run.code(), Some(1), "{run:?}");
}

/// Found by a tester: a hard link to a content file, or any file merely mentioning the report's
/// generator, could be written over.
#[test]
fn the_html_report_never_writes_through_a_hard_link_or_over_a_lookalike() {
    let site = mixed_site();
    assert_eq!(site.run(&["status", "--html", "report.html"]).code, 0);
    let inside = site.path("content/releases/2020-05-13-first/old.html");
    fs::copy(site.path("report.html"), &inside).unwrap();
    fs::remove_file(site.path("report.html")).unwrap();
    fs::hard_link(&inside, site.path("report.html")).unwrap();
    let kept = fs::read(&inside).unwrap();
    assert_eq!(site.run(&["status", "--html", "report.html"]).code, 0);
    assert_eq!(fs::read(&inside).unwrap(), kept);
    site.write(
        "fake.html",
        "title = \"x\"\n# <meta name=\"generator\" content=\"koho status --html\">\n",
    );
    let run = site.run(&["status", "--html", "fake.html"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(site.read("fake.html").starts_with("title"));
}
