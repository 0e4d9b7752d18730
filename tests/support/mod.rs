//! Shared helpers for koho's integration tests: small fixture sites in temp dirs that reuse the
//! real theme and locales, builds through the library and the binary, and HTML parsing.
//!
//! Some helpers serve only modules behind a cargo feature (pdf, search, serve), hence the
//! `dead_code` allowance when those features are off.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use koho::{BuildError, BuildOptions, BuildReport, Diagnostic};
use scraper::{ElementRef, Html, Selector};
use tempfile::TempDir;

/// The folder of the koho crate (holding the real site, theme and locales).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `site.toml` every fixture starts with (base_url https://example.org/).
pub const SITE_TOML: &str = r#"base_url = "https://example.org/"
default_language = "ja"
theme = "ngmo"
missing_translation = "omit"
fluent_fallback = ["en", "ja"]

[languages.ja]
name = "日本語"
tag = "ja"

[languages.en]
name = "English"
tag = "en"

[languages.zh]
name = "中文"
tag = "zh-Hans"
"#;

/// The one release every fixture has, in all three languages.
pub const RELEASE: &str = "releases/2020-05-13-first";

/// A minimal valid site in a temp dir: site.toml, a home page, a release section with one
/// release, the profile and contact fragments (all in ja, en and zh), and copies of the real
/// theme and locales.
pub struct SiteFixture {
    dir: TempDir,
}

impl Default for SiteFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl SiteFixture {
    pub fn new() -> Self {
        let fixture = Self::bare();
        fixture.write("site.toml", SITE_TOML);
        for (lang, home, releases, profile, contact) in [
            (
                "ja",
                "ホーム",
                "プレスリリース",
                "法人概要",
                "お問い合わせ先",
            ),
            ("en", "Home", "Press releases", "About us", "Media contact"),
            ("zh", "首页", "新闻稿", "关于我们", "媒体联系方式"),
        ] {
            fixture.write(
                &format!("content/_index.{lang}.md"),
                &format!("+++\ntitle = \"{home}\"\n+++\n\nwelcome-{lang}\n"),
            );
            fixture.write(
                &format!("content/releases/_index.{lang}.md"),
                &format!("+++\ntitle = \"{releases}\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n\nlist-{lang}\n"),
            );
            fixture.write(
                &format!("content/{RELEASE}/index.{lang}.md"),
                &format!("+++\ntitle = \"first-{lang}\"\ndate = 2020-05-13\n+++\n\nbody-{lang}\n"),
            );
            fixture.write(
                &format!("content/_fragments/profile.{lang}.md"),
                &format!("+++\ntitle = \"{profile}\"\n+++\n\nprofile-{lang}\n"),
            );
            fixture.write(
                &format!("content/_fragments/contact.{lang}.md"),
                &format!("+++\ntitle = \"{contact}\"\n+++\n\ncontact-{lang}\n"),
            );
        }
        fixture
    }

    /// Only the copied theme and locales: no site.toml and no content.
    pub fn bare() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("koho-test-")
            .tempdir()
            .expect("temp dir");
        let fixture = SiteFixture { dir };
        copy_dir(
            &manifest_dir().join("themes/ngmo"),
            &fixture.path("themes/ngmo"),
        );
        // Without the theme's PDF settings and fonts: typesetting every fixture's handbook
        // would make each test seconds slower. `with_pdf` puts them back.
        fs::remove_file(fixture.path("themes/ngmo/pdf.toml")).expect("pdf.toml");
        fs::remove_dir_all(fixture.path("themes/ngmo/fonts")).expect("fonts");
        copy_dir(&manifest_dir().join("locales"), &fixture.path("locales"));
        fixture
    }

    /// The fixture with the theme's PDF editions on (its `pdf.toml` and `fonts/`).
    pub fn with_pdf(self) -> Self {
        let theme = manifest_dir().join("themes/ngmo");
        fs::copy(theme.join("pdf.toml"), self.path("themes/ngmo/pdf.toml")).expect("pdf.toml");
        copy_dir(&theme.join("fonts"), &self.path("themes/ngmo/fonts"));
        self
    }

    /// Replaces the theme's home page template with one whose `main` block is `main`.
    pub fn home_template_main(&self, main: &str) {
        self.write(
            "themes/ngmo/templates/index.html",
            &format!(
                "{{% extends \"base.html\" %}}\n{{% block main %}}\n{main}\n{{% endblock main %}}\n"
            ),
        );
    }

    /// The site folder (holding site.toml).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the site folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file of the site (creating its folders).
    pub fn write(&self, relative: &str, text: &str) {
        self.write_bytes(relative, text.as_bytes());
    }

    pub fn write_bytes(&self, relative: &str, bytes: &[u8]) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("parent")).expect("create folders");
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads a source file of the site.
    pub fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Replaces the first occurrence of `from` in a source file; panics when it is not there.
    pub fn replace(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert!(text.contains(from), "`{from}` not found in {relative}");
        self.write(relative, &text.replacen(from, to, 1));
    }

    pub fn remove(&self, relative: &str) {
        let path = self.path(relative);
        if path.is_dir() {
            fs::remove_dir_all(&path).expect("remove folder");
        } else {
            fs::remove_file(&path).expect("remove file");
        }
    }

    /// The default output folder, `<root>/public`.
    pub fn output(&self) -> PathBuf {
        self.path("public")
    }

    /// Options for a build of this site into `<root>/public`.
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.root().to_path_buf(),
            output: None,
            base_url: None,
            include_drafts: false,
            ..Default::default()
        }
    }

    /// Builds through the library.
    pub fn build(&self) -> Result<BuildReport, BuildError> {
        koho::build(&self.options())
    }

    /// Builds through the library with changed options.
    pub fn build_with(
        &self,
        change: impl FnOnce(&mut BuildOptions),
    ) -> Result<BuildReport, BuildError> {
        let mut options = self.options();
        change(&mut options);
        koho::build(&options)
    }

    /// Builds and panics with every diagnostic when the build fails.
    pub fn build_ok(&self) -> BuildReport {
        unwrap_report(self.build())
    }

    /// `koho check` through the library: every diagnostic, sorted (panics on an error of the
    /// environment, such as an unreadable root).
    pub fn check(&self) -> Vec<Diagnostic> {
        koho::check::check(&self.options()).expect("check runs")
    }

    /// Builds, expects the site to have errors and returns the diagnostics.
    pub fn build_errors(&self) -> Vec<Diagnostic> {
        expect_site_errors(self.build())
    }

    /// Runs the real binary with `args` in the site folder.
    pub fn run(&self, args: &[&str]) -> RunResult {
        run_koho(self.root(), args)
    }

    /// Runs `koho build --root <root>` plus `extra` arguments.
    pub fn run_build(&self, extra: &[&str]) -> RunResult {
        let root = self.root().to_string_lossy().into_owned();
        let mut args = vec!["build", "--root", root.as_str()];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Whether a file exists in the default output.
    pub fn exists(&self, relative: &str) -> bool {
        self.output().join(relative).is_file()
    }

    /// A file of the default output, as text.
    pub fn read_output(&self, relative: &str) -> String {
        read_output(&self.output(), relative)
    }

    /// A file of the default output, parsed as HTML.
    pub fn page(&self, relative: &str) -> Page {
        Page::load(&self.output(), relative)
    }

    /// Every file of the default output with its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.output())
    }
}

/// Panics with every diagnostic when the build failed.
pub fn unwrap_report(result: Result<BuildReport, BuildError>) -> BuildReport {
    match result {
        Ok(report) => report,
        Err(BuildError::Site(diagnostics)) => panic!("the build failed:\n{}", render(&diagnostics)),
        Err(other) => panic!("the build failed: {other}"),
    }
}

/// The diagnostics of a build that must fail because the site has errors.
pub fn expect_site_errors(result: Result<BuildReport, BuildError>) -> Vec<Diagnostic> {
    match result {
        Ok(report) => panic!(
            "the build succeeded ({} pages) but should have failed",
            report.pages
        ),
        Err(BuildError::Site(diagnostics)) => {
            assert!(
                diagnostics.iter().any(Diagnostic::is_error),
                "BuildError::Site without any error:\n{}",
                render(&diagnostics)
            );
            diagnostics
        }
        Err(other) => panic!("expected site errors, got: {other}"),
    }
}

/// Diagnostics as koho prints them, one per line.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The errors (not warnings) among `diagnostics`.
pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

/// The error whose location is `file` (a path relative to the site root, `/`-separated).
pub fn error_in<'a>(diagnostics: &'a [Diagnostic], file: &str) -> &'a Diagnostic {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .find(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| same_path(&l.path, file))
        })
        .unwrap_or_else(|| panic!("no error located in {file}; got:\n{}", render(diagnostics)))
}

/// Whether `path` (as reported) is `file` (relative to the site root), ignoring a root prefix.
pub fn same_path(path: &Path, file: &str) -> bool {
    let shown = path.to_string_lossy().replace('\\', "/");
    shown == file || shown.ends_with(&format!("/{file}"))
}

/// What the binary did.
#[derive(Debug)]
pub struct RunResult {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the koho binary in `dir`.
pub fn run_koho(dir: &Path, args: &[&str]) -> RunResult {
    let output = Command::new(env!("CARGO_BIN_EXE_koho"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run koho");
    RunResult {
        code: output.status.code().expect("koho was killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Every file under `dir` (relative `/`-separated path → bytes); empty when `dir` is missing.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if dir.exists() {
        collect(dir, dir, &mut files);
    }
    files
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).expect("read output dir") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            collect(base, &path, files);
        } else {
            let relative = path
                .strip_prefix(base)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(relative, fs::read(&path).expect("read output file"));
        }
    }
}

/// Asserts that two snapshots hold the same files with the same bytes, naming the first difference.
pub fn assert_same_files(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) {
    let names_before: Vec<&String> = before.keys().collect();
    let names_after: Vec<&String> = after.keys().collect();
    assert_eq!(names_before, names_after, "the set of output files changed");
    for (name, bytes) in before {
        assert!(after[name] == *bytes, "{name} changed");
    }
}

pub fn read_output(output: &Path, relative: &str) -> String {
    let path = output.join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read output {}: {e}", path.display()))
}

/// A parsed HTML file of the output.
pub struct Page {
    /// Relative to the output folder.
    pub path: String,
    pub html: Html,
}

impl Page {
    pub fn load(output: &Path, relative: &str) -> Page {
        Page::parse(relative, &read_output(output, relative))
    }

    pub fn parse(path: &str, text: &str) -> Page {
        Page {
            path: path.to_string(),
            html: Html::parse_document(text),
        }
    }

    /// Every element matching `css`, in document order.
    pub fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        select(&self.html, css)
    }

    /// The single element matching `css`; panics when there are none or several.
    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.select(css);
        assert_eq!(
            found.len(),
            1,
            "{}: expected one `{css}`, found {}",
            self.path,
            found.len()
        );
        found[0]
    }

    /// The text of the single element matching `css`, whitespace-collapsed.
    pub fn text(&self, css: &str) -> String {
        text(self.one(css))
    }

    /// The values of `attr` on every element matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// The value of `attr` on the single element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> String {
        let element = self.one(css);
        element
            .value()
            .attr(attr)
            .unwrap_or_else(|| panic!("{}: `{css}` has no {attr}", self.path))
            .to_string()
    }

    /// Every href and src of the page.
    pub fn links(&self) -> Vec<String> {
        let mut links = self.attrs("[href]", "href");
        links.extend(self.attrs("[src]", "src"));
        links
    }
}

pub fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector `{css}`: {e:?}"));
    html.select(&selector).collect()
}

/// The text of an element with runs of whitespace collapsed to one space and trimmed.
pub fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The output file an internal URL path (`/ja/releases/`, without the base path) is served from.
pub fn file_for(path: &str) -> String {
    let path = path.split(['#', '?']).next().unwrap_or_default();
    // URLs are percent-encoded; files have their real names.
    let path = percent_decode(path);
    let path = path.trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

/// Every `.html` file of a snapshot.
pub fn html_files(files: &BTreeMap<String, Vec<u8>>) -> impl Iterator<Item = (&String, String)> {
    files
        .iter()
        .filter(|(name, _)| name.ends_with(".html"))
        .map(|(name, bytes)| {
            (
                name,
                String::from_utf8(bytes.clone()).expect("HTML is UTF-8"),
            )
        })
}

/// Decodes `%XX` escapes (as written by the Markdown renderer for non-ASCII URLs).
pub fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("percent-decoded URL is UTF-8")
}

/// The shipped site (content/ with its theme and locales) built into a temp folder under the
/// target dir; the folder lives as long as the value.
pub struct ShippedBuild {
    _dir: TempDir,
    pub output: PathBuf,
}

/// Builds the shipped site once into a new temp folder (callers keep it in a `OnceLock`).
pub fn build_shipped_site() -> ShippedBuild {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let output = dir.path().join("public");
    unwrap_report(koho::build(&BuildOptions {
        root: manifest_dir(),
        output: Some(output.clone()),
        ..Default::default()
    }));
    ShippedBuild { _dir: dir, output }
}
