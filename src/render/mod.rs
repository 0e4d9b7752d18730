//! Rendering: the theme's Tera templates applied to the assembled site, in parallel, into
//! (output path, bytes) pairs. Nothing is written here.

pub mod book;
mod csp;
pub mod downloads;
pub mod epub;
pub mod excerpt;
pub mod feed;
pub mod functions;
mod includes;
pub mod links;
pub mod meta;
mod partials;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(feature = "pdf")]
mod pdf_cache;
pub mod phrases;
pub mod print;
mod recursion;
pub mod search;
pub mod search_cache;
pub mod sitemap;
mod special;
pub mod views;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::downloads::hash::sha256_bytes;
use crate::content::DocKind;
use crate::error::{Diagnostic, Location};
use crate::site::plan::{Job, OutputPlan, PlannedFile, StaticFile, SITEMAP_LIMIT};
use crate::site::{Page, Site};
use downloads::DownloadIndex;
use views::{Paginator, Summary, PAGER_WINDOW};

/// Loads every `*.html` template of the theme. Errors name the template file and line.
/// Warnings (a skipped pipe) come back with the loaded theme: `Ok((tera, warnings))`.
pub fn load_theme(
    theme_dir: &Path,
    root: &Path,
) -> Result<(Tera, Vec<Diagnostic>), Vec<Diagnostic>> {
    let templates_dir = theme_dir.join("templates");
    let display = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    if !templates_dir.is_dir() {
        return Err(vec![Diagnostic::in_file(
            &display(&templates_dir),
            "the theme has no templates folder",
        )
        .with_help(
            "check `theme` in site.toml: it names a folder under themes/",
        )]);
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    tera.register_filter("url_encode", recursion::Guarded(url_encode));
    // Replaced in each language's copy (`functions::register`).
    partials::register_root_stub(&mut tera);
    let (files, mut errors) = crate::fsutil::walk_files(&crate::fsutil::Walk {
        dir: &templates_dir,
        confine: &theme_confine(theme_dir, root),
        root,
        skip_hidden: true,
        max_depth: usize::MAX,
    });
    let mut templates = Vec::new();
    for file in files {
        let name = file.relative.to_string_lossy().replace('\\', "/");
        match crate::text::read_text(&file.path, &file.display) {
            Ok(text) => templates.push((name, text, file.display)),
            Err(e) => errors.push(e),
        }
    }
    let parsed = parse_templates(&templates, &mut errors);
    if !errors.iter().any(Diagnostic::is_error) {
        tera.templates.extend(parsed);
        // Before Tera links them: its own check misses some cycles and then never ends.
        let extends = extends_cycle_errors(&tera, &templates);
        if !extends.is_empty() {
            errors.extend(extends);
        } else if let Err(e) = tera
            .build_inheritance_chains()
            .and_then(|()| tera.check_macro_files())
        {
            errors.push(
                link_error(&e, &templates).unwrap_or_else(|| {
                    Diagnostic::in_file(&display(&templates_dir), error_chain(&e))
                }),
            );
        } else {
            errors.extend(include_cycle_errors(&tera, &templates));
        }
    }
    if errors.iter().any(Diagnostic::is_error) {
        Err(errors)
    } else {
        Ok((tera, errors))
    }
}

/// The templates `(name, text, display path)` parsed on all cores, each alone, so that a
/// syntax error is reported with its own file (in `errors`).
fn parse_templates(
    templates: &[(String, String, PathBuf)],
    errors: &mut Vec<Diagnostic>,
) -> Vec<(String, tera::Template)> {
    let results: Vec<_> = templates
        .par_iter()
        .map(|(name, text, path)| {
            tera::Template::new(name, None, text)
                .map(|template| (name.clone(), template))
                .map_err(|e| template_diagnostic(path, &e))
        })
        .collect();
    let mut parsed = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(template) => parsed.push(template),
            Err(e) => errors.push(e),
        }
    }
    parsed
}

/// Tera's error about a missing `{% extends %}` parent, at the template's tag.
fn link_error(error: &tera::Error, templates: &[(String, String, PathBuf)]) -> Option<Diagnostic> {
    let tera::ErrorKind::MissingParent { current, parent } = &error.kind else {
        return None;
    };
    let message =
        format!("template error: {current} extends {parent}, which the theme does not have");
    let help = format!(
        "add {parent} to the theme's templates/ folder or extend a template it has \
         (names are relative to templates/)"
    );
    Some(tag_error(
        &[current.clone(), parent.clone()],
        templates,
        message,
        &help,
    ))
}

/// An error for each cycle of `{% extends %}` (`includes::extends_cycles`).
fn extends_cycle_errors(tera: &Tera, templates: &[(String, String, PathBuf)]) -> Vec<Diagnostic> {
    includes::extends_cycles(tera)
        .into_iter()
        .map(|cycle| {
            let message = format!(
                "template error: {} extends itself ({})",
                cycle[0],
                cycle.join(" → ")
            );
            let help = "make one template of the chain extend a template outside it, or none";
            tag_error(&cycle, templates, message, help)
        })
        .collect()
}

/// An error for each cycle of includes and macro calls that would never end
/// (`includes::cycles`) and each cycle of imports (`includes::import_cycles`), at the first
/// member's tag that leads to the next.
fn include_cycle_errors(tera: &Tera, templates: &[(String, String, PathBuf)]) -> Vec<Diagnostic> {
    let renders = includes::cycles(tera).into_iter().map(|cycle| {
        let message = format!(
            "template error: {} renders itself again ({}): rendering it would never end",
            cycle[0],
            cycle.join(" → ")
        );
        let help = "render it again only under an `{% if %}` or in a `{% for %}` loop that \
                    ends the recursion";
        tag_error(&cycle, templates, message, help)
    });
    let imports = includes::import_cycles(tera).into_iter().map(|cycle| {
        let message = format!(
            "template error: {} imports itself ({}): Tera would load its macros forever",
            cycle[0],
            cycle.join(" → ")
        );
        let help = "remove the import that leads back; a file calls its own macros as \
                    `self::name()`";
        tag_error(&cycle, templates, message, help)
    });
    renders.chain(imports).collect()
}

/// The error `message` at the tag by which `chain`'s first template (or macro) leads to the next
/// (an include, import, extends or macro call).
fn tag_error(
    chain: &[String],
    templates: &[(String, String, PathBuf)],
    message: String,
    help: &str,
) -> Diagnostic {
    let first = &chain[0];
    let file = first.split("::").next().unwrap_or(first);
    let next = chain.get(1).map_or(first.as_str(), String::as_str);
    let found = templates.iter().find(|(n, _, _)| n == file);
    let position = found.and_then(|(_, text, _)| includes::tag_position(text, next));
    let location = match (found, position) {
        (Some((_, _, path)), Some((line, column))) => Location::at(path, line, column),
        (Some((_, _, path)), None) => Location::file(path),
        (None, _) => Location::file(PathBuf::from(file)),
    };
    Diagnostic::error(Some(location), message).with_help(help)
}

/// Where links in a theme may lead: anywhere under themes/, or, for a theme that is itself
/// a link to a folder outside the site (a theme shared by several sites), anywhere in that
/// theme's real folder.
fn theme_confine(theme_dir: &Path, root: &Path) -> PathBuf {
    if theme_dir.is_symlink() {
        theme_dir.to_path_buf()
    } else {
        root.join("themes")
    }
}

/// Lists the theme's static files (`themes/<name>/static/**`, hidden ones such as
/// `.well-known/` included) to copy to the site root, with paths relative to `static/`; links
/// out of themes/ are errors and pipes are skipped with a warning (`fsutil::walk_files`).
pub fn theme_static_files(theme_dir: &Path, root: &Path) -> (Vec<StaticFile>, Vec<Diagnostic>) {
    let static_dir = theme_dir.join("static");
    let (files, diagnostics) = crate::fsutil::walk_files(&crate::fsutil::Walk {
        dir: &static_dir,
        confine: &theme_confine(theme_dir, root),
        root,
        skip_hidden: false,
        max_depth: usize::MAX,
    });
    let files = files
        .into_iter()
        .map(|file| StaticFile {
            source: file.path,
            relative: file.relative.to_string_lossy().replace('\\', "/"),
        })
        .collect();
    (files, diagnostics)
}

/// `{{ name | url_encode }}`: a file name, path or id as it goes into an href, encoded by the
/// one rule every URL koho writes follows ([`crate::url::encode_path`]).
fn url_encode(value: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg(format!("url_encode needs a string, not {value}")))?;
    Ok(tera::Value::String(
        crate::url::encode_path(text).into_owned(),
    ))
}

/// Escapes what HTML needs escaped; unlike Tera's default it leaves `/` alone, so URLs stay readable.
fn escape_html(input: &str) -> String {
    let mut escaped = String::with_capacity(input.len() + input.len() / 8);
    let mut start = 0;
    for (i, byte) in input.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        escaped.push_str(&input[start..i]);
        escaped.push_str(replacement);
        start = i + 1;
    }
    escaped.push_str(&input[start..]);
    escaped
}

fn template_diagnostic(path: &Path, error: &tera::Error) -> Diagnostic {
    let message = error_chain(error);
    // Tera's parse errors carry ` --> line:column`.
    let position = message.split("--> ").nth(1).and_then(|rest| {
        let mut numbers = rest
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
    });
    let location = match position {
        Some((line, column)) => Location::at(path, line, column),
        None => Location::file(path),
    };
    Diagnostic::error(Some(location), format!("template error: {message}"))
}

/// Tera's error and its causes on one line each.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Where rendered bytes go: the writer's staging, memory (serve) or nowhere (check). Called
/// from many threads at once; an error stops nothing else but fails the build.
pub type Sink<'a> = dyn Fn(&PlannedFile, Vec<u8>) -> Result<(), Diagnostic> + Sync + 'a;

#[derive(Serialize)]
struct SectionView<'a> {
    pages: Vec<Summary<'a>>,
    subsections: Vec<Summary<'a>>,
    paginator: Option<&'a Paginator>,
}

/// Shared by every render call: the theme per language and data serialised once.
struct Shared<'a> {
    site: &'a Site,
    /// The theme without language-bound functions (for pages of no language).
    theme: &'a Tera,
    teras: HashMap<&'a str, Tera>,
    site_view: views::SiteView<'a>,
    book_views: HashMap<(String, String), tera::Value>,
    share: meta::ShareData,
    /// Every URL of the sitemap, in order (empty when the plan has no sitemap).
    /// The pages the sitemap lists (`sitemap::entries`); each part builds its `<url>`s as it
    /// writes them, so 30,000 of them are never held at once.
    sitemap_entries: Vec<(crate::site::PageId, usize)>,
    /// The PDF editions' typesetter and cache (None when the plan has no PDFs).
    #[cfg(feature = "pdf")]
    pdf: Option<pdf::PdfContext>,
}

/// A made file's size in bytes and SHA-256 (hex), as the downloads list shows them.
type FileSummary = (u64, String);

/// Whether an entry's bytes are needed before the downloads list: the files whose sizes and
/// checksums it shows (books' EPUBs and print editions, the PDFs).
fn is_download(job: &Job) -> bool {
    matches!(
        job,
        Job::Epub { .. } | Job::PrintEdition { .. } | Job::ReleasePdf { .. } | Job::BookPdf { .. }
    )
}

/// Renders every entry of `plan` that is not a plain copy and hands its bytes to `sink`, in
/// parallel; every template error is collected. The books' EPUBs and print editions come
/// first, because the downloads list their sizes and checksums.
pub fn render_plan(
    site: &Arc<Site>,
    theme: &Tera,
    plan: &OutputPlan,
    sink: &Sink,
) -> Result<(), Vec<Diagnostic>> {
    render_selected(site, theme, plan, &|_| true, sink)
}

fn is_pdf(job: &Job) -> bool {
    matches!(job, Job::ReleasePdf { .. } | Job::BookPdf { .. })
}

/// Runs `make` on every PDF entry on threads of their own (one per core, 64 MiB stacks for
/// Typst's deep layout recursion), each taking the next entry when done. Not on the render
/// pool: a pool worker that waits inside Typst's own parallel layout may steal and start
/// another PDF, and so on, holding every suspended PDF in memory (the peak grew with the number
/// of releases, to 10 GB at 10,000). Typst's parallel work still runs on the pool, which is
/// idle meanwhile; these threads are not its workers, so they only wait, never steal.
fn on_pdf_threads<'a, T: Send>(
    files: &[&'a PlannedFile],
    make: &(dyn Fn(&PlannedFile) -> T + Sync),
) -> Vec<(&'a PlannedFile, T)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let made = std::sync::Mutex::new(Vec::with_capacity(files.len()));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(files.len()) {
            let work = || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&file) = files.get(i) else { break };
                let result = make(file);
                made.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((file, result));
            };
            let spawned = std::thread::Builder::new()
                .name("koho-pdf".into())
                .stack_size(PDF_STACK_BYTES)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to be had: typeset here, one after the other.
                work();
            }
        }
    });
    made.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Like `render_plan`, but renders only the entries `selected` accepts (the preview's rebuild
/// of what changed). Site-wide outputs (the sitemap, feeds, sharing data) are still computed
/// from the whole `plan`, so a selected sitemap lists every page. A selection that leaves out a
/// book's EPUB or print edition must also leave out the downloads list, whose sizes and
/// checksums come from them.
pub fn render_selected(
    site: &Arc<Site>,
    theme: &Tera,
    plan: &OutputPlan,
    selected: &(dyn Fn(&PlannedFile) -> bool + Sync),
    sink: &Sink,
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let manifest_only = Arc::new(DownloadIndex::new(site, Vec::new()));
    let mut shared = shared_data(site, theme, plan, &manifest_only, &mut errors);
    let (book_files, other_files): (Vec<&PlannedFile>, Vec<&PlannedFile>) = plan
        .files
        .iter()
        .filter(|f| !matches!(f.job, Job::Copy { .. }) && selected(f))
        .partition(|f| is_download(&f.job));

    // Each file goes to the sink as soon as it is made; only its size and checksum are kept
    // for the downloads list (thousands of release PDFs are never held at once).
    let make = |file: &PlannedFile| {
        render_file(&shared, theme, file, None).and_then(|bytes| {
            let summary = (bytes.len() as u64, sha256_bytes(&bytes));
            sink(file, bytes).map(|()| summary)
        })
    };
    let (pdf_files, book_files): (Vec<&PlannedFile>, Vec<&PlannedFile>) =
        book_files.into_iter().partition(|f| is_pdf(&f.job));
    let mut books: Vec<(&PlannedFile, Result<FileSummary, Diagnostic>)> =
        book_files.par_iter().map(|f| (*f, make(f))).collect();
    books.extend(on_pdf_threads(&pdf_files, &make));
    // When every PDF of the plan was made, the cached ones no longer used are dropped.
    #[cfg(feature = "pdf")]
    if let Some(context) = &shared.pdf {
        let planned = plan.files.iter().filter(|f| is_pdf(&f.job)).count();
        if pdf_files.len() == planned {
            context.prune();
        }
    }
    let generated = generated_items(site, plan, books, &mut errors);
    let index = Arc::new(DownloadIndex::new(site, generated));
    shared.teras = per_language(site, theme, &index);
    let results: Vec<Diagnostic> = other_files
        .par_iter()
        .filter_map(|file| {
            render_file(&shared, theme, file, Some(&index))
                .and_then(|bytes| sink(file, bytes))
                .err()
        })
        .collect();
    errors.extend(results);
    if errors.is_empty() {
        Ok(())
    } else {
        // Sorted: the PDFs finish in any order, and two runs printed their errors differently.
        let mut errors = one_per_template_error(errors);
        errors.sort();
        Err(errors)
    }
}

/// How a page's template error names the page, at the end of its message.
const RENDERING: &str = " (while rendering ";

/// The same template error met on many pages (a mistake in a header partial fails all 30,000)
/// once, naming the first page and how many more: the pages' errors differ only in the page.
fn one_per_template_error(errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut grouped: Vec<(Diagnostic, usize)> = Vec::new();
    let mut index: std::collections::BTreeMap<(Option<Location>, String), usize> =
        std::collections::BTreeMap::new();
    for error in errors {
        let Some(at) = error.message.rfind(RENDERING) else {
            grouped.push((error, 0));
            continue;
        };
        let key = (error.location.clone(), error.message[..at].to_string());
        match index.get(&key) {
            Some(&i) => grouped[i].1 += 1,
            None => {
                index.insert(key, grouped.len());
                grouped.push((error, 0));
            }
        }
    }
    grouped
        .into_iter()
        .map(|(mut error, more)| {
            if more > 0 {
                let page_end = error.message.len() - 1;
                let pages = if more == 1 { "page" } else { "pages" };
                error
                    .message
                    .insert_str(page_end, &format!(" and {more} more {pages}"));
            }
            error
        })
        .collect()
}

/// The download items of the files the build made (EPUBs, print editions, PDFs) from their
/// sizes and checksums; a file that failed is an error instead.
fn generated_items(
    site: &Site,
    plan: &OutputPlan,
    made: Vec<(&PlannedFile, Result<FileSummary, Diagnostic>)>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<crate::content::downloads::DownloadItem> {
    let mut generated_files = HashMap::new();
    for (file, result) in made {
        match result {
            Ok(summary) => {
                generated_files.insert(file.path.as_str(), summary);
            }
            Err(e) => errors.push(e),
        }
    }
    let mut generated: Vec<_> = site
        .books
        .iter()
        .filter_map(|b| downloads::book_item(site, b, &generated_files))
        .collect();
    generated.extend(release_items(site, plan, &generated_files));
    generated
}

/// The download items of the releases' PDFs, newest first.
fn release_items(
    site: &Site,
    plan: &OutputPlan,
    generated: &HashMap<&str, (u64, String)>,
) -> Vec<crate::content::downloads::DownloadItem> {
    let mut keys: Vec<&str> = plan
        .files
        .iter()
        .filter_map(|f| match f.job {
            Job::ReleasePdf { page } => Some(site.pages[page].key.as_str()),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    let mut items: Vec<_> = keys
        .into_iter()
        .filter_map(|key| downloads::release_item(site, key, generated))
        .collect();
    items.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id)));
    items
}

/// What every render call shares: the books' tables of contents, the sharing data and the
/// sitemap's URLs, made once; errors are added to `errors`.
fn shared_data<'a>(
    site: &'a Arc<Site>,
    theme: &'a Tera,
    plan: &OutputPlan,
    downloads: &Arc<DownloadIndex>,
    errors: &mut Vec<Diagnostic>,
) -> Shared<'a> {
    let book_views = serialise_book_views(site, errors);
    let share = meta::share_data(site, plan).unwrap_or_else(|e| {
        errors.extend(e);
        meta::ShareData::default()
    });
    let has_sitemap = plan
        .files
        .iter()
        .any(|f| matches!(f.job, Job::Sitemap { .. }));
    Shared {
        site,
        theme,
        teras: per_language(site, theme, downloads),
        site_view: views::site_view(site),
        book_views,
        share,
        sitemap_entries: match has_sitemap {
            true => sitemap::entries(site, plan),
            false => Vec::new(),
        },
        #[cfg(feature = "pdf")]
        pdf: plan
            .files
            .iter()
            .any(|f| is_pdf(&f.job))
            .then(|| pdf::PdfContext::new(&site.config.root, &site.config.theme_dir())),
    }
}

/// A copy of the theme per language, with the functions that know that language.
fn per_language<'a>(
    site: &'a Arc<Site>,
    theme: &Tera,
    downloads: &Arc<DownloadIndex>,
) -> HashMap<&'a str, Tera> {
    // In parallel: two copies of the theme's templates per language, made twice a build, were
    // about 10 ms of a one-release rebuild on one core.
    site.config
        .languages
        .par_iter()
        .map(|language| {
            let mut tera = theme.clone();
            functions::register(&mut tera, site, downloads, &language.code);
            (language.code.as_str(), tera)
        })
        .collect()
}

/// Each book's table of contents, serialised once per language and shared by its pages.
fn serialise_book_views(
    site: &Site,
    errors: &mut Vec<Diagnostic>,
) -> HashMap<(String, String), tera::Value> {
    let mut book_views = HashMap::new();
    for book in &site.books {
        for language in &site.config.languages {
            let Some(view) = book::book_view(site, book, &language.code) else {
                continue;
            };
            match serde_json::to_value(&view) {
                Ok(value) => {
                    book_views.insert((book.key.clone(), language.code.clone()), value);
                }
                Err(e) => errors.push(Diagnostic::error(
                    site.page(&book.key, &language.code)
                        .map(|p| Location::file(&p.source)),
                    format!(
                        "cannot build the table of contents of the book `{}`: {e}",
                        book.key
                    ),
                )),
            }
        }
    }
    book_views
}

/// The bytes of one entry of the plan; HTML pages carry the site's Content-Security-Policy.
fn render_file(
    shared: &Shared,
    theme: &Tera,
    file: &PlannedFile,
    index: Option<&DownloadIndex>,
) -> Result<Vec<u8>, Diagnostic> {
    let bytes = render_job(shared, theme, file, index)?;
    let html = matches!(
        file.job,
        Job::Page { .. }
            | Job::PrintEdition { .. }
            | Job::RootChooser
            | Job::NotFound { .. }
            | Job::SearchPage { .. }
    );
    Ok(match &shared.site.config.security.content_security_policy {
        Some(policy) if html => csp::insert(bytes, policy),
        _ => bytes,
    })
}

/// The bytes of one entry of the plan, as its job makes them.
fn render_job(
    shared: &Shared,
    theme: &Tera,
    file: &PlannedFile,
    index: Option<&DownloadIndex>,
) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    match &file.job {
        Job::Page { page, number } => render_page(shared, &site.pages[*page], *number, false),
        Job::PrintEdition { page } => render_page(shared, &site.pages[*page], 1, true),
        Job::Epub { book, lang } => epub::build(site, &site.books[*book], lang)
            .unwrap_or_else(|| {
                Err(format!(
                    "the book `{}` has no home page in `{lang}`",
                    site.books[*book].key
                ))
            })
            .map_err(|message| Diagnostic::error(Some(file.origin.clone()), message)),
        Job::DownloadsJson => Ok(downloads::downloads_json(
            site,
            index.unwrap_or(&DownloadIndex::default()),
        )),
        Job::Sha256Sums => Ok(downloads::sha256sums(
            index.unwrap_or(&DownloadIndex::default()),
        )),
        Job::RootChooser => render_language_select(site, theme, &shared.site_view),
        Job::Copy { .. } => Err(Diagnostic::error(
            Some(file.origin.clone()),
            "internal: a copied file reached the renderer",
        )),
        Job::Feed { lang } => feed::atom(site, lang, &shared.share).map_err(|mut errors| {
            // One build error per feed; the others are the same pages seen again.
            errors.swap_remove(0)
        }),
        Job::Sitemap { part } => {
            let entries = sitemap::part(&shared.sitemap_entries, *part, SITEMAP_LIMIT);
            sitemap::urlset_of(site, entries).map_err(|e| xml_error(file, &e))
        }
        Job::SitemapIndex { parts } => sitemap::index(
            &site.config.base_url,
            *parts,
            &sitemap::entry_lastmods(site, &shared.sitemap_entries, SITEMAP_LIMIT),
        )
        .map_err(|e| xml_error(file, &e)),
        Job::Robots => Ok(sitemap::robots(&site.config.base_url)),
        Job::NotFound { lang: Some(lang) } => special::not_found(shared, lang),
        Job::NotFound { lang: None } => special::root_not_found(shared),
        Job::SearchPage { lang } => special::search_page(shared, lang),
        Job::Generated { bytes } => Ok(bytes.to_vec()),
        Job::ReleasePdf { .. } | Job::BookPdf { .. } => render_pdf(shared, file),
    }
}

/// A release's or a book's PDF edition.
#[cfg(feature = "pdf")]
fn render_pdf(shared: &Shared, file: &PlannedFile) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let Some(context) = &shared.pdf else {
        return Err(Diagnostic::error(
            Some(file.origin.clone()),
            "internal: a PDF is planned but no typesetter was made",
        ));
    };
    let typeset = || match &file.job {
        Job::ReleasePdf { page } => pdf::release(site, context, &site.pages[*page]),
        Job::BookPdf { book, lang } => pdf::book(site, context, &site.books[*book], lang),
        _ => Err(Diagnostic::error(
            Some(file.origin.clone()),
            "internal: not a PDF",
        )),
    };
    // Typst's layout recurses deeply (a 20-chapter book overflowed the 2 MiB stack of a render
    // thread). A build typesets on the PDF threads' 64 MiB stacks (`on_pdf_threads`); called
    // elsewhere (the preview's rebuild on the pool), a PDF gets a 64 MiB stack segment on the
    // same thread. (Not a thread spawned per PDF from a pool worker: Typst runs parts of its
    // layout on the pool, whose workers would all be waiting, and it deadlocks.)
    stacker::maybe_grow(PDF_STACK_BYTES / 2, PDF_STACK_BYTES, typeset)
        .inspect(|_| crate::pdf::evict_stale_caches(10))
}

/// The stack one PDF is typeset on (address space, touched only as deep as the layout goes):
/// the PDF threads' own, or a segment grown for it elsewhere (the preview).
const PDF_STACK_BYTES: usize = 64 << 20;

/// Without the `pdf` feature no PDF is planned (`ThemeOutputs::pdf` is false).
#[cfg(not(feature = "pdf"))]
fn render_pdf(_: &Shared, file: &PlannedFile) -> Result<Vec<u8>, Diagnostic> {
    Err(Diagnostic::error(
        Some(file.origin.clone()),
        "internal: a PDF is planned but koho was built without the `pdf` feature",
    ))
}

fn xml_error(file: &PlannedFile, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Some(file.origin.clone()),
        format!("cannot write /{}: {error}", file.path),
    )
}

/// The starting capacity of a page's rendered bytes: the shipped theme's release pages are
/// 9–12 KB.
const PAGE_BUFFER_BYTES: usize = 16 * 1024;

/// A page (page `number` of its listing when paginated) or the print edition of a book.
fn render_page(
    shared: &Shared,
    page: &Page,
    number: usize,
    print: bool,
) -> Result<Vec<u8>, Diagnostic> {
    let site = shared.site;
    let tera = &shared.teras[page.lang.as_str()];
    let template = if print {
        specific_template(tera, page, "print.html")
    } else {
        template_for(tera, page)
    };
    let paginator = (!print).then(|| paginate(site, page, number)).flatten();
    let context = page_context(site, shared, page, paginator.as_ref(), print)?;
    // Rendered straight into bytes: `Tera::render` checks the whole page as UTF-8 once more
    // (4 % of a check's CPU at 1,000 releases) and grows its buffer from 2 KB.
    let mut bytes = Vec::with_capacity(PAGE_BUFFER_BYTES);
    tera.render_to(&template, &context, &mut bytes)
        .map(|()| bytes)
        .map_err(|e| {
            Diagnostic::error(
                Some(Location::file(template_path(site, &template))),
                format!(
                    "template error: {}{RENDERING}{})",
                    error_chain(&e),
                    page.source.display()
                ),
            )
        })
}

fn template_path(site: &Site, template: &str) -> std::path::PathBuf {
    Path::new("themes")
        .join(&site.config.theme)
        .join("templates")
        .join(template)
}

/// The template for a page: `<section>/page.html` or `page.html`; sections likewise with
/// `section.html`; the home page uses `index.html`.
fn template_for(theme: &Tera, page: &Page) -> String {
    if page.key.is_empty() {
        return "index.html".into();
    }
    let kind = if page.kind == DocKind::Section {
        "section.html"
    } else {
        "page.html"
    };
    specific_template(theme, page, kind)
}

/// `<top section>/<name>` when the theme has it, else `<name>`.
fn specific_template(theme: &Tera, page: &Page, name: &str) -> String {
    let top = page.key.split('/').next().unwrap_or_default();
    let specific = format!("{top}/{name}");
    if theme.get_template_names().any(|n| n == specific) {
        specific
    } else {
        name.to_string()
    }
}

/// The members and links of page `number` of a paginated section's listing.
fn paginate(site: &Site, page: &Page, number: usize) -> Option<(Vec<usize>, Paginator)> {
    let per_page = page.front.paginate_by?;
    let section = site.section(&page.key, &page.lang)?;
    if page.kind != DocKind::Section || section.pages.is_empty() {
        return None;
    }
    let total = section.pages.len().div_ceil(per_page.max(1));
    let page_url = |n: usize| {
        site.config
            .url(&crate::site::plan::numbered_path(&page.path, n))
    };
    let members = section
        .pages
        .chunks(per_page.max(1))
        .nth(number - 1)?
        .to_vec();
    let mut first = number.saturating_sub(PAGER_WINDOW).max(1);
    let mut last = (number + PAGER_WINDOW).min(total);
    // A gap of one page shows that page: its number takes no more room than "…".
    if first == 3 {
        first = 2;
    }
    if last + 2 == total {
        last = total - 1;
    }
    let window = first..=last;
    let paginator = Paginator {
        current: number,
        total,
        first_url: page_url(1),
        last_url: page_url(total),
        previous_url: (number > 1).then(|| page_url(number - 1)),
        next_url: (number < total).then(|| page_url(number + 1)),
        nearby: window
            .map(|n| views::PagerLink {
                number: n,
                url: page_url(n),
            })
            .collect(),
    };
    Some((members, paginator))
}

fn page_context(
    site: &Site,
    shared: &Shared,
    page: &Page,
    paginator: Option<&(Vec<usize>, Paginator)>,
    print: bool,
) -> Result<Context, Diagnostic> {
    let read_back = |e: crate::site::html_store::ReadBackError| {
        Diagnostic::in_file(&page.source, e.to_string())
    };
    let html = site.page_html(page).map_err(read_back)?;
    let mut context = Context::new();
    context.insert("site", &shared.site_view);
    context.insert("lang", &page.lang);
    context.insert("page", &views::page_view(site, page, &html));
    context.insert("translations", &views::translations(site, page));
    let number = paginator.map_or(1, |(_, p)| p.current);
    context.insert(
        "meta",
        &meta::page_meta(site, &shared.share, page, &html, number),
    );
    if let Some(book) = site.book_of(&page.key) {
        if let Some(view) = shared
            .book_views
            .get(&(book.key.clone(), page.lang.clone()))
        {
            context.insert("book", view);
        }
        if let Some(nav) = book::chapter_nav(site, book, page) {
            context.insert("chapter", &nav);
        }
        if print {
            let items = book::print_items(site, book, &page.lang)?;
            context.insert("print_items", &items);
        }
    }
    if page.kind == DocKind::Section {
        let section = site.section(&page.key, &page.lang);
        let member_ids: &[usize] = match paginator {
            Some((ids, _)) => ids,
            None => section.map_or(&[], |s| s.pages.as_slice()),
        };
        let view = SectionView {
            pages: member_ids
                .iter()
                .map(|&id| views::summary(site, &site.pages[id]))
                .collect(),
            subsections: section
                .map(|s| {
                    s.subsections
                        .iter()
                        .map(|&id| views::summary(site, &site.pages[id]))
                        .collect()
                })
                .unwrap_or_default(),
            paginator: paginator.map(|(_, p)| p),
        };
        context.insert("section", &view);
    }
    Ok(context)
}

/// The template of the site root, which sends a visitor to their language.
pub const ROOT_CHOOSER_TEMPLATE: &str = "language-select.html";

/// The site root: sends a visitor to their language (`language-select.html` in the theme).
fn render_language_select(
    site: &Site,
    theme: &Tera,
    site_view: &views::SiteView,
) -> Result<Vec<u8>, Diagnostic> {
    let mut context = Context::new();
    context.insert("site", site_view);
    let default_page = site.page("", &site.config.default_language);
    context.insert(
        "title",
        &default_page
            .map(|p| p.front.title.as_str())
            .unwrap_or_default(),
    );
    theme
        .render(ROOT_CHOOSER_TEMPLATE, &context)
        .map(String::into_bytes)
        .map_err(|e| {
            Diagnostic::error(
                Some(Location::file(template_path(site, ROOT_CHOOSER_TEMPLATE))),
                format!("template error: {}", error_chain(&e)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escape_is_minimal() {
        assert_eq!(
            escape_html("<a href=\"/x/\">'&'</a>"),
            "&lt;a href=&quot;/x/&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("日本語/ok"), "日本語/ok");
    }
}
