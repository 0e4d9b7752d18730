//! The output plan: every file a build writes, declared once with its kind and origin, and
//! checked as a whole (no two entries for one path, no file where a folder must be) before
//! anything is rendered. Rendering fills the bytes of its entries; writing writes exactly these.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use super::book::epub_path;
use super::{PageId, Site};
use crate::content::downloads::{DOWNLOADS_DIR, MANIFEST};
use crate::content::DocKind;
use crate::error::{Diagnostic, Location};

/// What an entry of the plan is; decides how it is produced and how messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputKind {
    Page,
    PaginationPage,
    PrintEdition,
    Epub,
    DownloadsJson,
    Sha256Sums,
    RootChooser,
    ThemeStatic,
    PageAsset,
    DownloadFile,
    Feed,
    Sitemap,
    SitemapIndex,
    Robots,
    NotFound,
    SearchPage,
    SearchIndex,
    ReleasePdf,
    BookPdf,
}

impl OutputKind {
    /// How messages name an entry of this kind.
    pub fn label(self) -> &'static str {
        match self {
            OutputKind::Page => "the page",
            OutputKind::PaginationPage => "a pagination page of",
            OutputKind::PrintEdition => "the print edition of",
            OutputKind::Epub => "the EPUB of",
            OutputKind::DownloadsJson => "downloads.json, from",
            OutputKind::Sha256Sums => "SHA256SUMS, from",
            OutputKind::RootChooser => "the root language chooser",
            OutputKind::ThemeStatic => "the theme file",
            OutputKind::PageAsset => "the file",
            OutputKind::DownloadFile => "the download listed in",
            OutputKind::Feed => "the Atom feed of",
            OutputKind::Sitemap => "the sitemap, from",
            OutputKind::SitemapIndex => "the sitemap index, from",
            OutputKind::Robots => "robots.txt, from",
            OutputKind::NotFound => "the 404 page, from",
            OutputKind::SearchPage => "the search page, from",
            OutputKind::SearchIndex => "the search index, from",
            OutputKind::ReleasePdf => "the PDF of the release",
            OutputKind::BookPdf => "the PDF of the book",
        }
    }
}

/// How an entry's bytes are produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A page through its template; `number` > 1 for the later pages of a paginated section.
    Page {
        page: PageId,
        number: usize,
    },
    /// The one-page print edition of the book whose home is `page`.
    PrintEdition {
        page: PageId,
    },
    /// The EPUB of `site.books[book]` in `lang`.
    Epub {
        book: usize,
        lang: String,
    },
    DownloadsJson,
    Sha256Sums,
    RootChooser,
    /// A file copied as it is.
    Copy {
        source: PathBuf,
    },
    /// The Atom feed of the feed section (site.toml `[discovery] feed_section`) in `lang`.
    Feed {
        lang: String,
    },
    /// Part `part` (0-based) of the sitemap's URLs, [`SITEMAP_LIMIT`] per part.
    Sitemap {
        part: usize,
    },
    /// The sitemap index listing `parts` sitemaps (when there are more URLs than one may hold).
    SitemapIndex {
        parts: usize,
    },
    Robots,
    /// The page served for unknown paths: in `lang`, or (`None`) the root one in every language.
    NotFound {
        lang: Option<String>,
    },
    /// The search page of `lang` (`<lang>/search/`).
    SearchPage {
        lang: String,
    },
    /// The PDF edition of the release `page` (a page of the feed section), typeset with Typst.
    ReleasePdf {
        page: PageId,
    },
    /// The PDF edition of `site.books[book]` in `lang`.
    BookPdf {
        book: usize,
        lang: String,
    },
    /// A file made before planning (the search index, whose bytes the bundle's key fixes).
    Generated {
        bytes: Arc<[u8]>,
    },
}

/// A file whose bytes exist before the plan: the search index.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// Site-relative, `/`-separated.
    pub path: String,
    pub kind: OutputKind,
    pub origin: Location,
    pub bytes: Arc<[u8]>,
}

/// The most URLs one sitemap file may list (sitemaps.org protocol, "Sitemap index files");
/// above it the sitemap is split and `sitemap.xml` becomes a sitemap index.
pub const SITEMAP_LIMIT: usize = 50_000;

/// The theme's template of the per-language 404 page.
pub const NOT_FOUND_TEMPLATE: &str = "404.html";
/// The theme's template of the root 404 page (every language on one page).
pub const ROOT_NOT_FOUND_TEMPLATE: &str = "404-root.html";
/// The theme's template of the per-language search page.
pub const SEARCH_TEMPLATE: &str = "search.html";

/// One file of the output.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// Site-relative, `/`-separated, NFC (`ja/releases/x/index.html`).
    pub path: String,
    pub kind: OutputKind,
    /// Where it comes from: the source file (and line) that asked for it.
    pub origin: Location,
    pub job: Job,
}

impl PlannedFile {
    /// `the page content/about/index.ja.md` — for messages.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind.label(), self.origin)
    }
}

/// Every file the build will write.
#[derive(Debug, Default)]
pub struct OutputPlan {
    pub files: Vec<PlannedFile>,
}

/// A file of the theme's `static/` folder (copied to the site root).
#[derive(Debug, Clone)]
pub struct StaticFile {
    pub source: PathBuf,
    /// Path relative to `static/` (`css/site.css`).
    pub relative: String,
}

/// What the plan needs to know of the theme.
#[derive(Debug, Default)]
pub struct ThemeOutputs {
    pub static_files: Vec<StaticFile>,
    /// Whether the theme has `language-select.html` (the root page).
    pub root_chooser: bool,
    /// `themes/<name>`, for messages.
    pub display_dir: PathBuf,
    /// The names of the theme's templates (`404.html`, `search.html` …), which decide the
    /// optional pages.
    pub templates: HashSet<String>,
    /// Whether the search index is built (the `search` cargo feature).
    pub search: bool,
    /// Whether PDF editions are typeset (the `pdf` cargo feature).
    pub pdf: bool,
}

/// The longest file or folder name most file systems accept, in bytes (ext4, APFS, NTFS: 255).
const MAX_NAME_BYTES: usize = 255;

/// Lays out every output file of `site` and checks the whole: clashes are errors naming both
/// sources; names that differ only in case are warnings (they clash on macOS and Windows hosts).
///
/// `generated` are the files made before planning (the search index).
pub fn plan(
    site: &Site,
    theme: &ThemeOutputs,
    generated: Vec<GeneratedFile>,
) -> (OutputPlan, Vec<Diagnostic>) {
    let (planned, mut diagnostics) = plan_site(site, theme, generated.len());
    let (plan, checked) = with_generated(planned, generated);
    diagnostics.extend(checked);
    (plan, diagnostics)
}

/// The files of the site itself, not yet checked as a whole: the first half of `plan`, which
/// needs no generated file, so that a build lays it out while the search index is made.
/// `room`: how many generated files will join them.
pub fn plan_site(site: &Site, theme: &ThemeOutputs, room: usize) -> (SitePlan, Vec<Diagnostic>) {
    // Room for the usual files at once: growing a vector of 33,000 planned files by doubling
    // copied it about a dozen times, into fresh memory each time.
    let usual = site.pages.len() + site.assets.len() + theme.static_files.len();
    let mut files = Vec::with_capacity(usual + room + 64);
    let mut diagnostics = Vec::new();
    plan_pages(site, &mut files);
    diagnostics.extend(paginated_chapters(site));
    plan_books(site, &mut files);
    if theme.pdf {
        plan_pdfs(site, &mut files);
    }
    plan_downloads(site, &mut files);
    if theme.root_chooser {
        files.push(PlannedFile {
            path: "index.html".into(),
            kind: OutputKind::RootChooser,
            origin: Location::file(theme.display_dir.join("templates/language-select.html")),
            job: Job::RootChooser,
        });
    }
    for file in &theme.static_files {
        files.push(PlannedFile {
            path: file.relative.clone(),
            kind: OutputKind::ThemeStatic,
            origin: Location::file(theme.display_dir.join("static").join(&file.relative)),
            job: Job::Copy {
                source: file.source.clone(),
            },
        });
    }
    for asset in &site.assets {
        files.push(PlannedFile {
            path: asset.output.clone(),
            kind: OutputKind::PageAsset,
            origin: Location::file(&asset.display_path),
            job: Job::Copy {
                source: asset.source.clone(),
            },
        });
    }
    diagnostics.extend(super::discovery::plan_discovery(site, theme, &mut files));
    normalize_names(&mut files);
    (SitePlan { files }, diagnostics)
}

/// The site's own planned files (`plan_site`), waiting for the generated ones.
pub struct SitePlan {
    files: Vec<PlannedFile>,
}

/// The whole plan: `planned` and then `generated`, every name checked and every clash found.
pub fn with_generated(
    planned: SitePlan,
    generated: Vec<GeneratedFile>,
) -> (OutputPlan, Vec<Diagnostic>) {
    let mut files = planned.files;
    let first_generated = files.len();
    files.extend(generated.into_iter().map(|file| PlannedFile {
        path: file.path,
        kind: file.kind,
        origin: file.origin,
        job: Job::Generated { bytes: file.bytes },
    }));
    normalize_names(&mut files[first_generated..]);
    let mut diagnostics = check_names(&files);
    diagnostics.extend(find_clashes(&files));
    (OutputPlan { files }, diagnostics)
}

/// Output paths in NFC (`ja/releases/100% 達成/`), whatever form their sources were named in.
fn normalize_names(files: &mut [PlannedFile]) {
    for file in files {
        if !file.path.is_ascii() {
            file.path = file.path.nfc().collect();
        }
    }
}

fn plan_pages(site: &Site, files: &mut Vec<PlannedFile>) {
    for (id, page) in site.pages.iter().enumerate() {
        let origin = Location::file(&page.source);
        files.push(PlannedFile {
            path: format!("{}index.html", page.path),
            kind: OutputKind::Page,
            origin: origin.clone(),
            job: Job::Page {
                page: id,
                number: 1,
            },
        });
        for number in 2..=pagination_count(site, id) {
            files.push(PlannedFile {
                path: format!("{}index.html", numbered_path(&page.path, number)),
                kind: OutputKind::PaginationPage,
                origin: origin.clone(),
                job: Job::Page { page: id, number },
            });
        }
    }
}

/// The path of page `number` of a listing at `path` (`releases/` → `releases/page/2/`; page 1 is
/// the listing's own path). Paths end in `/`, as page paths do.
pub fn numbered_path(path: &str, number: usize) -> String {
    if number > 1 {
        format!("{path}page/{number}/")
    } else {
        path.to_string()
    }
}

/// How many pages a section's listing takes (1 when it is not paginated, not a section, or
/// in a book: see `paginated_chapters`).
pub fn pagination_count(site: &Site, id: PageId) -> usize {
    let page = &site.pages[id];
    let (Some(per_page), DocKind::Section) = (page.front.paginate_by, page.kind) else {
        return 1;
    };
    if site.book_of(&page.key).is_some() {
        return 1;
    }
    let members = site
        .section(&page.key, &page.lang)
        .map_or(0, |s| s.pages.len());
    members.div_ceil(per_page.max(1)).max(1)
}

/// An error for each section of a book with `paginate_by`: a book's sections are its parts,
/// shown whole with the book's contents, so their listing is never split (the pages would be
/// orphans no link leads to).
fn paginated_chapters(site: &Site) -> Vec<Diagnostic> {
    site.pages
        .iter()
        .filter(|page| page.front.paginate_by.is_some() && site.book_of(&page.key).is_some())
        .map(|page| {
            let text = std::fs::read_to_string(site.config.root.join(&page.source));
            let position = text.ok().and_then(|text| {
                let (at, line) = (text.lines().enumerate())
                    .find(|(_, l)| l.trim_start().starts_with("paginate_by"))?;
                let indent = line.chars().count() - line.trim_start().chars().count();
                Some((at + 1, indent + 1))
            });
            let location = match position {
                Some((line, column)) => Location::at(&page.source, line, column),
                None => Location::file(&page.source),
            };
            Diagnostic::error(
                Some(location),
                "paginate_by in a book: a book's sections are shown whole, never split into \
                 listing pages",
            )
            .with_help("remove paginate_by from this file")
        })
        .collect()
}

fn plan_books(site: &Site, files: &mut Vec<PlannedFile>) {
    for (index, book) in site.books.iter().enumerate() {
        for language in &site.config.languages {
            let Some(id) = site.page_id(&book.key, &language.code) else {
                continue;
            };
            let home = &site.pages[id];
            let origin = Location::file(&home.source);
            files.push(PlannedFile {
                path: format!("{}print/index.html", home.path),
                kind: OutputKind::PrintEdition,
                origin: origin.clone(),
                job: Job::PrintEdition { page: id },
            });
            files.push(PlannedFile {
                path: epub_path(book, &home.path, &language.code),
                kind: OutputKind::Epub,
                origin,
                job: Job::Epub {
                    book: index,
                    lang: language.code.clone(),
                },
            });
        }
    }
}

/// Where the PDF of release `page` goes: beside it, named by its folder and language
/// (`ja/releases/2020-05-13-x/2020-05-13-x-ja.pdf`).
pub fn release_pdf_path(page: &super::Page) -> String {
    let name = page.key.rsplit('/').next().unwrap_or(&page.key);
    format!("{}{name}-{}.pdf", page.path, page.lang)
}

/// Where a book's PDF in `lang` goes: beside its home page (`ja/handbook/handbook-ja.pdf`).
pub fn book_pdf_path(book: &super::book::Book, home_path: &str, lang: &str) -> String {
    let name = book.key.rsplit('/').next().unwrap_or(&book.key);
    format!("{home_path}{name}-{lang}.pdf")
}

/// The pages that get a PDF edition: the pages (not sections) of the feed section, the
/// press releases (site.toml `[discovery] feed_section`), in the languages they are written
/// in (a fallback page shows another language's text: it has no edition of its own).
pub fn release_pages(site: &Site) -> impl Iterator<Item = (PageId, &super::Page)> {
    let section = site.config.discovery.feed_section.as_deref();
    site.pages.iter().enumerate().filter(move |(_, page)| {
        page.kind == DocKind::Page
            && !page.is_fallback()
            && section.is_some_and(|s| page.parent.as_deref() == Some(s))
    })
}

/// A PDF per release per language and per book per language (see `render::pdf`).
fn plan_pdfs(site: &Site, files: &mut Vec<PlannedFile>) {
    for (id, page) in release_pages(site) {
        files.push(PlannedFile {
            path: release_pdf_path(page),
            kind: OutputKind::ReleasePdf,
            origin: Location::file(&page.source),
            job: Job::ReleasePdf { page: id },
        });
    }
    for (index, book) in site.books.iter().enumerate() {
        for language in &site.config.languages {
            let Some(home) = site
                .page(&book.key, &language.code)
                .filter(|p| !p.is_fallback())
            else {
                continue;
            };
            files.push(PlannedFile {
                path: book_pdf_path(book, &home.path, &language.code),
                kind: OutputKind::BookPdf,
                origin: Location::file(&home.source),
                job: Job::BookPdf {
                    book: index,
                    lang: language.code.clone(),
                },
            });
        }
    }
}

fn plan_downloads(site: &Site, files: &mut Vec<PlannedFile>) {
    let manifest = PathBuf::from("content").join(DOWNLOADS_DIR).join(MANIFEST);
    for item in &site.downloads {
        for file in &item.files {
            let Some(source) = &file.source else { continue };
            files.push(PlannedFile {
                path: file.output.clone(),
                kind: OutputKind::DownloadFile,
                origin: Location::at(&manifest, file.line, 1),
                job: Job::Copy {
                    source: source.clone(),
                },
            });
        }
    }
    let has_epub = files.iter().any(|f| {
        matches!(
            f.kind,
            OutputKind::Epub | OutputKind::ReleasePdf | OutputKind::BookPdf
        )
    });
    if site.downloads.is_empty() && !has_epub {
        return;
    }
    files.push(PlannedFile {
        path: "downloads.json".into(),
        kind: OutputKind::DownloadsJson,
        origin: Location::file(&manifest),
        job: Job::DownloadsJson,
    });
    files.push(PlannedFile {
        path: format!("{DOWNLOADS_DIR}/SHA256SUMS"),
        kind: OutputKind::Sha256Sums,
        origin: Location::file(&manifest),
        job: Job::Sha256Sums,
    });
}

/// Every segment of every path must be a name a file system and a URL can carry.
fn check_names(files: &[PlannedFile]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for file in files {
        let bad = file.path.split('/').find_map(|segment| {
            if segment.is_empty() || segment == "." || segment == ".." {
                Some(format!("an empty, `.` or `..` part (`{}`)", file.path))
            } else if segment.chars().any(char::is_control) {
                Some("a control character (such as NUL or a line break)".to_string())
            } else if segment.len() > MAX_NAME_BYTES {
                Some(format!(
                    "a part of {} bytes (file systems allow {MAX_NAME_BYTES})",
                    segment.len()
                ))
            } else {
                None
            }
        });
        if let Some(why) = bad {
            errors.push(
                Diagnostic::error(
                    Some(file.origin.clone()),
                    format!("{} would be written to a path with {why}", file.describe()),
                )
                .with_help("shorten or fix the slug or file name"),
            );
        }
    }
    errors
}

/// Two entries for one path, or a file where another entry needs a folder: errors naming both.
/// Paths that differ only in letter case: warnings, since case-folding hosts would merge them.
pub fn find_clashes(files: &[PlannedFile]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // The plan's own paths: a fast hash without flooding protection is safe here.
    let mut by_path: FxHashMap<&str, &PlannedFile> = FxHashMap::default();
    by_path.reserve(files.len());
    for file in files {
        if let Some(first) = by_path.insert(&file.path, file) {
            diagnostics.push(clash(first, file, "both would be written to"));
            by_path.insert(&first.path, first);
        }
    }
    let mut folders: FxHashMap<&str, &PlannedFile> = FxHashMap::default();
    for file in files {
        let mut path = file.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if folders.insert(parent, file).is_some() {
                break;
            }
            path = parent;
        }
    }
    for file in files {
        if let Some(other) = folders.get(file.path.as_str()) {
            diagnostics.push(clash(
                file,
                other,
                "needs a folder where a file is written:",
            ));
        }
    }
    // ASCII paths without capitals are their own folded form (most of them): no copy.
    let mut folded: FxHashMap<std::borrow::Cow<str>, &PlannedFile> = FxHashMap::default();
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    for file in files {
        if !seen.insert(&file.path) {
            continue;
        }
        let folded_already = file
            .path
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase());
        let lower = match folded_already {
            true => std::borrow::Cow::Borrowed(file.path.as_str()),
            false => std::borrow::Cow::Owned(case_folded(&file.path)),
        };
        if let Some(first) = folded.insert(lower, file) {
            let mut warning = clash(first, file, "differ only in letter case:");
            warning.severity = crate::error::Severity::Warning;
            diagnostics.push(
                warning.with_help("hosts that ignore case (macOS, Windows) would keep only one"),
            );
        }
    }
    diagnostics
}

/// `path` with letter case folded as case-insensitive file systems compare names: lower case,
/// and the final sigma `ς`, which `to_lowercase` gives a word-final `Σ`, as `σ` (Unicode
/// CaseFolding.txt folds `Σ`, `σ` and `ς` alike; APFS and NTFS then see `ΑΣ` and `ασ` as
/// one name).
fn case_folded(path: &str) -> String {
    path.to_lowercase().replace('ς', "σ")
}

fn clash(first: &PlannedFile, second: &PlannedFile, what: &str) -> Diagnostic {
    Diagnostic::error(
        Some(second.origin.clone()),
        format!(
            "{} and {} {what} /{}",
            second.describe(),
            first.describe(),
            first.path
        ),
    )
    .with_help("rename one of them (its file name, folder or `slug`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[OutputKind] = &[
        OutputKind::Page,
        OutputKind::PaginationPage,
        OutputKind::PrintEdition,
        OutputKind::Epub,
        OutputKind::DownloadsJson,
        OutputKind::Sha256Sums,
        OutputKind::RootChooser,
        OutputKind::ThemeStatic,
        OutputKind::PageAsset,
        OutputKind::DownloadFile,
        OutputKind::Feed,
        OutputKind::Sitemap,
        OutputKind::SitemapIndex,
        OutputKind::Robots,
        OutputKind::NotFound,
        OutputKind::SearchPage,
        OutputKind::SearchIndex,
        OutputKind::ReleasePdf,
        OutputKind::BookPdf,
    ];

    fn entry(path: &str, kind: OutputKind, origin: &str) -> PlannedFile {
        PlannedFile {
            path: path.into(),
            kind,
            origin: Location::at(origin, 3, 1),
            job: Job::DownloadsJson,
        }
    }

    #[test]
    fn every_pair_of_kinds_clashes_on_one_path() {
        for &a in KINDS {
            for &b in KINDS {
                let files = [entry("x/y", a, "first.md"), entry("x/y", b, "second.md")];
                let found = find_clashes(&files);
                assert_eq!(found.len(), 1, "{a:?} vs {b:?}: {found:?}");
                let message = found[0].to_string();
                assert!(found[0].is_error());
                assert!(message.contains("first.md:3") && message.contains("second.md:3"));
                assert!(message.contains(a.label()) && message.contains(b.label()));
            }
        }
    }

    #[test]
    fn a_file_where_a_folder_is_needed_clashes() {
        let files = [
            entry("ja/index.html", OutputKind::Page, "home.md"),
            entry("ja/index.html/index.html", OutputKind::Page, "slug.md"),
        ];
        let found = find_clashes(&files);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("needs a folder"));
    }

    #[test]
    fn case_only_differences_warn_and_distinct_paths_pass() {
        let files = [
            entry("css/Site.css", OutputKind::ThemeStatic, "a"),
            entry("css/site.css", OutputKind::PageAsset, "b"),
            entry("css/other.css", OutputKind::PageAsset, "c"),
        ];
        let found = find_clashes(&files);
        assert_eq!(found.len(), 1);
        assert!(!found[0].is_error());
    }

    #[test]
    fn case_only_differences_of_non_ascii_names_warn_final_sigma_included() {
        // A tester's cases: `Ärzte`/`ärzte`, and `ΑΣ`/`ασ`, which `to_lowercase` alone kept
        // apart (`ας` against `ασ`) though macOS and Windows see one name.
        for (a, b) in [("Ärzte", "ärzte"), ("ΑΣ", "ασ"), ("ΟΔΟΣ", "οδοσ")] {
            let files = [
                entry(&format!("en/{a}/index.html"), OutputKind::Page, "a.md"),
                entry(&format!("en/{b}/index.html"), OutputKind::Page, "b.md"),
            ];
            let found = find_clashes(&files);
            assert_eq!(found.len(), 1, "{a} / {b}");
            assert!(found[0].message.contains("differ only in letter case"));
        }
        let distinct = [
            entry("en/report/index.html", OutputKind::Page, "a.md"),
            entry("en/reports/index.html", OutputKind::Page, "b.md"),
        ];
        assert!(find_clashes(&distinct).is_empty());
    }

    #[test]
    fn names_are_checked() {
        let long = "a".repeat(300);
        for path in [
            "ja/\0/index.html",
            &format!("ja/{long}/index.html"),
            "ja//x",
        ] {
            let found = check_names(&[entry(path, OutputKind::Page, "p.md")]);
            assert_eq!(found.len(), 1, "{path:?}");
            assert!(found[0].to_string().contains("p.md:3"));
        }
        assert!(check_names(&[entry("ja/ガイド/index.html", OutputKind::Page, "p.md")]).is_empty());
    }
}
