//! koho: a static site generator for multilingual publication.
//!
//! The build is a pipeline of plain functions, one module per stage:
//! `config::load → content::load → i18n::Locales::load → site::assemble (markdown) →
//! site::plan (the output plan) → render::render_plan → output::Writer`. `prepare` runs the
//! stages up to the plan, `render` fills the plan's bytes into any sink, `build` writes them.

pub mod background;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod digest;

pub mod error;
pub mod fsutil;
pub mod i18n;
pub mod io_threads;
pub mod markdown;
mod memory;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod render;
pub mod scaffold;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
pub mod status;
pub mod text;
pub mod uptodate;
pub mod url;
pub mod xhtml;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::{BuildError, Diagnostic, Location, Severity};

use error::Diagnostics;
use site::plan::{Job, OutputPlan, ThemeOutputs};
use site::Site;

/// What `koho build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The folder holding site.toml.
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    /// Replaces site.toml's base_url (e.g. for a preview deployment).
    pub base_url: Option<String>,
    pub include_drafts: bool,
    /// Keep what the translation status needs of every content file
    /// (`Prepared::inventory`): `koho check` reports stale translations without reading
    /// content/ a second time.
    pub keep_inventory: bool,
    /// For tests: make the output commit fail after this many moves.
    #[doc(hidden)]
    pub fail_commit_after: Option<usize>,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    /// Pages in all languages (each pagination page counts).
    pub pages: usize,
    /// Pages per language, in the site's language order.
    pub pages_per_language: Vec<(String, usize)>,
    /// Download files published (listed in the manifest or generated).
    pub downloads: usize,
    /// Files in the output plan, and how many of them were written anew or kept.
    pub files: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Files rendered by this build (the others were kept: their inputs did not change).
    pub rendered: usize,
    pub warnings: Vec<Diagnostic>,
    /// How long each stage took, in order (`koho build --timings` prints them).
    pub timings: Vec<(&'static str, Duration)>,
    /// The plan and records the build no longer needs: dropped with the report, or left
    /// to the system by a process that exits next (`Leftovers::leak`, as `koho build` does).
    pub leftovers: background::Leftovers,
}

/// The site assembled and planned, ready to render: what `build`, `check` and `serve` share.
pub struct Prepared {
    pub site: Arc<Site>,
    pub theme: tera::Tera,
    pub plan: OutputPlan,
    pub warnings: Vec<Diagnostic>,
    pub timings: Vec<(&'static str, Duration)>,
    /// Keeps the hashes of downloads between builds (under `<root>/.koho/`).
    pub hash_cache: content::downloads::hash::HashCache,
    /// The plan holds the previous build's search index (`Caches::reuse_search`): the caller
    /// is to index again (`render::search::index`) and publish the result.
    pub search_pending: bool,
    /// Every content file as the translation status sees it, when `keep_inventory` asked
    /// for it (else empty).
    pub inventory: Vec<content::Inventoried>,
}

/// Room the plan keeps for each language's search files before they exist (an index and a
/// few term shards, `render::search`): more only costs one growth of the plan's vector.
const SEARCH_FILES_PER_LANGUAGE: usize = 8;

/// The output folder a build writes: `--output` or `<root>/public`.
pub fn output_dir(options: &BuildOptions) -> PathBuf {
    options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"))
}

/// Loads, assembles and plans the site without writing output (it keeps rendered bodies and
/// search terms under `<root>/.koho/` for the next build): every error of every stage at
/// once, or the prepared site.
pub fn prepare(options: &BuildOptions) -> Result<Prepared, BuildError> {
    // A one-off build keeps no cache: it would hold a second copy of every document and page.
    prepare_cached(options, None, false)
}

/// What a long-running process (the preview) keeps between its builds: documents whose file
/// did not change are not read again, Markdown whose text and links did not change is not
/// rendered again. A one-off build starts empty.
#[derive(Default)]
pub struct Caches {
    pub documents: content::DocumentCache,
    pub markdown: site::markdown_cache::MarkdownCache,
    /// The search index of the last build; with `reuse_search` set, the next build plans it
    /// as it is instead of indexing again (the preview serves the changed pages first and
    /// re-indexes after the reload: `Prepared::search_pending`).
    pub search: std::sync::Mutex<Option<Vec<site::plan::GeneratedFile>>>,
    pub reuse_search: std::sync::atomic::AtomicBool,
}

/// `prepare` with `caches` (None: a one-off build); `listing_unchanged`: only existing files
/// were written since the last build, so the last listing of content/ still holds
/// (`content::load_cached`).
pub fn prepare_cached(
    options: &BuildOptions,
    caches: Option<&Caches>,
    listing_unchanged: bool,
) -> Result<Prepared, BuildError> {
    let listing = match listing_unchanged {
        true => content::Listing::Unchanged,
        false => content::Listing::Walk,
    };
    prepare_with(options, caches, listing)
}

/// `prepare` with `caches` and the listing of content/ from `listing`.
fn prepare_with(
    options: &BuildOptions,
    caches: Option<&Caches>,
    listing: content::Listing,
) -> Result<Prepared, BuildError> {
    let config =
        config::load(&options.root, options.base_url.as_deref()).map_err(BuildError::Site)?;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: &'static str| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };
    let mut diagnostics = Diagnostics::default();
    // The theme's templates are parsed on one core while the content is read on the others.
    let mut theme_diagnostics = Diagnostics::default();
    // A one-off build or check reads the bodies its previous builds saved (the preview keeps
    // its own in memory).
    let bodies_folder = config.root.join(".koho").join("bodies");
    // State files written while the later stages run, waited for before the plan is returned.
    // The bodies' index may be written while the search stage reads pages' HTML back and finds
    // a damaged file, which removes it: `html_store::IndexFile` orders the two.
    let background = background::Background::default();
    let (((theme, theme_outputs), saved_bodies), (locales, content, download_items, hash_cache)) =
        rayon::join(
            || {
                let theme = load_theme(&config, &mut theme_diagnostics);
                let saved = caches
                    .is_none()
                    .then(|| site::saved_bodies::open(&bodies_folder, program_salt()))
                    .flatten();
                (theme, saved)
            },
            || load_inputs(&config, options, caches, listing, &mut diagnostics),
        );
    diagnostics.extend(theme_diagnostics.into_items());
    let inventory = match options.keep_inventory {
        true => content.inventory(),
        false => Vec::new(),
    };
    lap("load content, locales, downloads and theme");
    // Assembling and planning need neither the theme nor every file to be valid and find broken
    // links and clashing paths: so that one build reports every error, they run before stopping.
    let config_root = config.root.clone();
    // A one-off build or check keeps the pages' HTML in a file beside its other state until
    // it renders them; the preview keeps everything in memory anyway.
    let (saved_bodies, html_store) = match (caches, saved_bodies) {
        (Some(_), _) => (None, site::html_store::HtmlStore::in_memory()),
        (None, Some((saved, store))) => (Some(Arc::new(saved)), store),
        (None, None) => (
            None,
            site::html_store::HtmlStore::in_folder(&config_root.join(".koho")),
        ),
    };
    let options = site::AssembleOptions {
        cache: caches.map(|c| &c.markdown),
        saved: saved_bodies.as_ref(),
        keep_markdown: theme_outputs.pdf,
        html_store,
        background: Some(&background),
    };
    let (site, site_diagnostics) =
        site::assemble_cached(config, locales, content, download_items, options);
    // The last build's index (about 12 MB at 30,000 pages) is not needed after assembly (the
    // thread writing the next one holds it until then).
    drop(saved_bodies);
    diagnostics.extend(site_diagnostics);
    let mut site = site;
    release_unused_text(&mut site, theme_outputs.pdf);
    // The texts and the HTML of every page were freed during assembly (the HTML waits in the
    // store): give that memory back before the search index and rendering allocate anew.
    memory::return_freed_memory();
    lap("assemble (Markdown)");
    // The search index is made before the plan, from the pages' bodies, so that the plan holds
    // its files (named by hashes of their bytes) and checks them with every other entry.
    // The site's own files are laid out meanwhile: the plan needs the index only at its end.
    let wanted = theme_outputs.search && !diagnostics.has_errors();
    let mut search_diagnostics = Diagnostics::default();
    let languages = site.config.languages.len();
    let ((search_files, search_pending), (site_plan, site_plan_diagnostics)) = rayon::join(
        || {
            search_files(
                &site,
                wanted,
                caches,
                &config_root,
                &background,
                &mut search_diagnostics,
            )
        },
        || site::plan::plan_site(&site, &theme_outputs, SEARCH_FILES_PER_LANGUAGE * languages),
    );
    diagnostics.extend(search_diagnostics.into_items());
    diagnostics.extend(site_plan_diagnostics);
    lap("search index (and the site's files planned)");
    let (plan, plan_diagnostics) = site::plan::with_generated(site_plan, search_files);
    diagnostics.extend(plan_diagnostics);
    background.wait();
    lap("plan checked");
    diagnostics.check()?;
    let theme = theme.map_err(BuildError::Site)?;
    Ok(Prepared {
        site: Arc::new(site),
        theme,
        plan,
        warnings: diagnostics.into_warnings(),
        timings,
        hash_cache,
        search_pending,
        inventory,
    })
}

/// The locales, the content, the downloads and the hash cache the downloads were read with;
/// their problems go to `diagnostics` in that order.
fn load_inputs(
    config: &config::SiteConfig,
    options: &BuildOptions,
    caches: Option<&Caches>,
    listing: content::Listing,
    diagnostics: &mut Diagnostics,
) -> (
    i18n::Locales,
    content::Content,
    Vec<content::downloads::DownloadItem>,
    content::downloads::hash::HashCache,
) {
    let (locales, locale_diagnostics) = i18n::Locales::load(config);
    diagnostics.extend(locale_diagnostics);
    // The preview keeps every text in its cache; PDF editions typeset every page's Markdown.
    let texts = match caches.is_some() || pdf_planned(config) {
        true => content::Texts::All,
        false => content::Texts::Needed,
    };
    let (content, content_diagnostics) = content::load_cached(
        config,
        options.include_drafts,
        caches.map(|c| &c.documents),
        listing,
        texts,
    );
    diagnostics.extend(content_diagnostics);
    let hash_cache =
        content::downloads::hash::HashCache::load(config.root.join(".koho").join("hashes.tsv"));
    let (download_items, download_diagnostics) = content::downloads::load(config, &hash_cache);
    diagnostics.extend(download_diagnostics);
    (locales, content, download_items, hash_cache)
}

/// The theme's templates (an error when they do not load, reported with the build's other
/// errors) and what the theme makes: static files, search, PDF editions.
fn load_theme(
    config: &config::SiteConfig,
    diagnostics: &mut Diagnostics,
) -> (Result<tera::Tera, Vec<error::Diagnostic>>, ThemeOutputs) {
    let theme_dir = config.theme_dir();
    let theme = match render::load_theme(&theme_dir, &config.root) {
        Ok((tera, warnings)) => {
            diagnostics.extend(warnings);
            Ok(tera)
        }
        Err(errors) => {
            diagnostics.extend(errors.iter().cloned());
            Err(errors)
        }
    };
    let (static_files, static_diagnostics) = render::theme_static_files(&theme_dir, &config.root);
    diagnostics.extend(static_diagnostics);
    let mut outputs = theme_outputs(theme.as_ref().ok(), static_files, &config.theme);
    outputs.pdf = pdf_enabled(&theme_dir, &outputs.display_dir, diagnostics);
    (theme, outputs)
}

/// The search index files (when `wanted`): the previous build's when the preview asked to
/// reuse them (then true: the index is still to be made), else made now (from the cache under
/// `<root>/.koho/search/` for unchanged languages).
fn search_files(
    site: &site::Site,
    wanted: bool,
    caches: Option<&Caches>,
    root: &Path,
    background: &background::Background,
    diagnostics: &mut Diagnostics,
) -> (Vec<site::plan::GeneratedFile>, bool) {
    if !wanted {
        return (Vec::new(), false);
    }
    if let Some(files) = reusable_search(caches) {
        return (files, true);
    }
    let files = render::search::index(site, &root.join(".koho").join("search"), background)
        .unwrap_or_else(|errors| {
            diagnostics.extend(errors);
            Vec::new()
        });
    remember_search(caches, &files);
    (files, false)
}

/// The last build's search index when the caller asked to reuse it (once).
fn reusable_search(caches: Option<&Caches>) -> Option<Vec<site::plan::GeneratedFile>> {
    let caches = caches?;
    if !caches
        .reuse_search
        .swap(false, std::sync::atomic::Ordering::SeqCst)
    {
        return None;
    }
    caches.search.lock().ok()?.clone()
}

/// Keeps `files` as the session's last search index.
pub fn remember_search(caches: Option<&Caches>, files: &[site::plan::GeneratedFile]) {
    if let Some(mut last) = caches.and_then(|c| c.search.lock().ok()) {
        *last = Some(files.to_vec());
    }
}

/// Frees the Markdown the pages of books kept for the EPUB checks when there are no PDFs (no
/// later stage reads it; other pages kept none, `site::assemble_cached`).
fn release_unused_text(site: &mut site::Site, pdf: bool) {
    if !pdf {
        for page in &mut site.pages {
            page.markdown = content::MarkdownBody::default();
        }
    }
}

/// What the plan needs to know of the theme: its static files and which optional templates
/// (root chooser, 404 pages, search page) it has.
fn theme_outputs(
    theme: Option<&tera::Tera>,
    static_files: Vec<site::plan::StaticFile>,
    name: &str,
) -> ThemeOutputs {
    let templates: std::collections::HashSet<String> = theme
        .map(|t| t.get_template_names().map(str::to_string).collect())
        .unwrap_or_default();
    ThemeOutputs {
        static_files,
        root_chooser: templates.contains(render::ROOT_CHOOSER_TEMPLATE),
        display_dir: Path::new("themes").join(name),
        search: render::search::ENABLED && templates.contains(site::plan::SEARCH_TEMPLATE),
        pdf: false,
        templates,
    }
}

/// Whether PDF editions are planned: the `pdf` feature is on and the theme has a `pdf.toml`
/// (which must be valid: an error naming it otherwise).
#[cfg(feature = "pdf")]
fn pdf_enabled(theme_dir: &Path, display_dir: &Path, diagnostics: &mut Diagnostics) -> bool {
    match render::pdf::theme_fonts(theme_dir) {
        Ok(fonts) => fonts.is_some(),
        Err(message) => {
            diagnostics.extend([Diagnostic::in_file(
                &display_dir.join(render::pdf::THEME_SETTINGS),
                format!("the PDF settings {message}"),
            )
            .with_help("pdf.toml takes `[body]` and `[heading]` tables of font family lists per language, e.g. ja = [\"Noto Serif CJK JP\"]")]);
            false
        }
    }
}

/// Whether the theme asks for PDF editions (it has `pdf.toml`), known before the theme is
/// loaded (`pdf_enabled` then checks the file).
#[cfg(feature = "pdf")]
fn pdf_planned(config: &config::SiteConfig) -> bool {
    config
        .theme_dir()
        .join(render::pdf::THEME_SETTINGS)
        .is_file()
}

#[cfg(not(feature = "pdf"))]
fn pdf_planned(_: &config::SiteConfig) -> bool {
    false
}

/// Without the `pdf` feature no PDF is planned.
#[cfg(not(feature = "pdf"))]
fn pdf_enabled(_: &Path, _: &Path, _: &mut Diagnostics) -> bool {
    false
}

/// Renders every entry of the plan into `sink` (see `render::Sink`); all errors at once.
pub fn render(prepared: &Prepared, sink: &render::Sink) -> Result<(), BuildError> {
    render::render_plan(&prepared.site, &prepared.theme, &prepared.plan, sink)
        .map_err(BuildError::Site)
}

/// Builds the site into the output folder. On error the output is as it was before.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with_progress(options, &|_, _| {})
}

/// `build`, calling `progress(done, total)` from the render threads as each file of the plan
/// is rendered and staged (the command line draws a progress bar with it).
pub fn build_with_progress(
    options: &BuildOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BuildReport, BuildError> {
    let options = &with_canonical_root(options);
    let output = output::resolve_link(&output_dir(options))?;
    refuse_output_inside_inputs(&options.root, &output)?;
    let clock = Instant::now();
    let state = output::state_dir(&options.root, &output);
    let lock = output::lock_output(&options.root, &output)?;
    // The output's and root's spellings are left out: the state folder is already theirs
    // (canonical paths), and `public` and `./public/` must not undo each other's skip.
    let salt = uptodate::salt(&(&options.base_url, options.include_drafts));
    // Stamped before anything is read: a file changed during the build is seen as changed.
    let uptodate::Check {
        mut inputs,
        unchanged,
        listing_current,
    } = uptodate::check(&state, &options.root, &salt);
    if let Some(last) = unchanged {
        if output::is_intact(&options.root, &output, &lock) {
            return Ok(skipped_build(output, last, clock.elapsed()));
        }
    }
    uptodate::forget(&state);
    let up_to_date_check = clock.elapsed();
    let listing_file = state.join("listing.bin");
    // The listing's earlier format; a file nobody reads any more.
    let _ = std::fs::remove_file(state.join("listing.json"));
    // The texts' file of earlier builds; documents.bin holds what is needed of them.
    let _ = std::fs::remove_file(state.join("sources.bin"));
    let documents_file = state.join("documents.bin");
    let stamps = inputs.stamps();
    let listing = content::Listing::Saved {
        file: &listing_file,
        current: listing_current,
        documents: &documents_file,
        salt: program_salt(),
        stamps: &stamps,
    };
    let (prepared, mut writer) = prepare_and_open(options, listing, &output, lock)?;
    let mut timings = vec![("inputs' stamps", up_to_date_check)];
    timings.extend(prepared.timings.iter().cloned());
    writer.fail_after_moves = options.fail_commit_after;
    let (staged, stale) = stage_and_find_stale(&prepared, options, &writer, progress);
    let rendered_count = match staged {
        Ok((count, laps)) => {
            timings.extend(laps);
            count
        }
        Err(e) => {
            drop(stale);
            writer.abandon();
            return Err(with_warnings(e, &prepared.warnings));
        }
    };
    let last = last_build(&prepared, salt);
    inputs.add_files(&options.root, copy_sources(&prepared.plan));
    let clock = Instant::now();
    let (committed, plan) = commit(prepared, &writer, stale, &state, &inputs, &last)?;
    let (stats, mut leftovers) = writer.finish(committed);
    leftovers.keep(plan);
    timings.push(("commit", clock.elapsed()));
    leftovers.keep(inputs);
    let mut warnings = last.warnings;
    warnings.extend(foreign_files_removed(&output, &stats.removed_foreign));
    Ok(BuildReport {
        output,
        pages: last.pages,
        pages_per_language: last.pages_per_language,
        downloads: last.downloads,
        files: last.files,
        written: stats.written,
        unchanged: stats.unchanged,
        removed: stats.removed,
        rendered: rendered_count,
        warnings,
        timings,
        leftovers,
    })
}

/// `stage`, with the stale files found meanwhile (`Writer::find_stale`) on a thread of their
/// own. Not in the thread pool: rendering PDFs blocks its thread until the typesetting
/// threads finish, and those need the pool (fonts are loaded in parallel), so a render
/// inside a pool of one or two threads could wait for itself. Without a thread, the stale
/// files are found after rendering.
fn stage_and_find_stale<'w>(
    prepared: &Prepared,
    options: &BuildOptions,
    writer: &'w output::Writer,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (Result<(usize, Laps), BuildError>, output::StaleFiles<'w>) {
    let plan = &prepared.plan;
    std::thread::scope(|scope| {
        let finder = std::thread::Builder::new()
            .name("koho-stale".into())
            .spawn_scoped(scope, || writer.find_stale(plan));
        let staged = stage(prepared, options, writer, progress);
        let stale = match finder {
            Ok(finder) => finder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => writer.find_stale(plan),
        };
        (staged, stale)
    })
}

/// Commits the staged output (removing the `stale` files), writing the records of inputs and
/// hashes on the other core meanwhile; the build counts as done (`uptodate::save_last`) only
/// once the commit succeeded. The plan comes back unfreed, for `background::Leftovers`.
fn commit(
    prepared: Prepared,
    writer: &output::Writer,
    stale: output::StaleFiles<'_>,
    state: &Path,
    inputs: &uptodate::Inputs,
    last: &uptodate::LastBuild,
) -> Result<(output::Committed, OutputPlan), BuildError> {
    // The site and theme are not needed to commit: freed on the other core while the commit
    // runs (which keeps the peak lower than leaving them to the caller).
    let Prepared {
        site,
        theme,
        plan,
        hash_cache,
        ..
    } = prepared;
    let (committed, ()) = rayon::join(
        || writer.commit(&plan, stale),
        || {
            drop((site, theme));
            hash_cache.save();
            uptodate::save_inputs(state, inputs);
        },
    );
    let committed = committed?;
    uptodate::save_last(state, last);
    Ok((committed, plan))
}

/// A warning naming the files the commit removed from `output` that no build had written
/// (`WriteStats::removed_foreign`), so that losing them is never silent.
fn foreign_files_removed(output: &Path, removed: &[String]) -> Option<Diagnostic> {
    const SHOWN: usize = 10;
    if removed.is_empty() {
        return None;
    }
    let mut names = removed[..removed.len().min(SHOWN)].join(", ");
    if removed.len() > SHOWN {
        names.push_str(&format!(" and {} more", removed.len() - SHOWN));
    }
    let message = format!(
        "removed {} file(s) that koho did not write, so that the output is exactly the site: {names}",
        removed.len()
    );
    Some(
        Diagnostic::warning(Some(error::Location::file(output)), message).with_help(
            "put files the site should publish in content/ or the theme's static/, and keep \
             others (a deploy repository, notes) outside the output folder",
        ),
    )
}

/// `prepare` and `output::Writer::open` at once: opening looks at every file and folder of
/// the previous output (is it still what was written?), work for the core that preparing
/// leaves idle in its serial steps. Preparing's errors come first; only once preparing
/// succeeded does the writer create anything (`Writer::start`), so a site with errors leaves
/// the output as it was.
fn prepare_and_open(
    options: &BuildOptions,
    listing: content::Listing,
    output: &Path,
    lock: output::OutputLock,
) -> Result<(Prepared, output::Writer), BuildError> {
    let (writer, prepared) = rayon::join(
        || output::Writer::open(&options.root, output, lock),
        || prepare_with(options, None, listing),
    );
    match (prepared, writer) {
        (Ok(prepared), Ok(mut writer)) => match writer.start() {
            Ok(()) => Ok((prepared, writer)),
            Err(e) => {
                writer.abandon();
                Err(e)
            }
        },
        (Err(e), Ok(writer)) => {
            writer.abandon();
            Err(e)
        }
        (Err(e), Err(_)) | (Ok(_), Err(e)) => Err(e),
    }
}

/// The times of a build's stages, named, in order (`BuildReport::timings`).
type Laps = Vec<(&'static str, Duration)>;

/// Renders into `writer` every planned file whose inputs changed since the previous build
/// (the others are kept, `Writer::unchanged_rendered`) and copies the copied files: how many were
/// rendered, and the stages' laps. On error the caller abandons the writer.
fn stage(
    prepared: &Prepared,
    options: &BuildOptions,
    writer: &output::Writer,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(usize, Laps), BuildError> {
    let mut timings = Laps::new();
    let clock = Instant::now();
    let fingerprints = fingerprint_plan(prepared, options);
    let files = &prepared.plan.files;
    let total = files.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(done, total);
    };
    // A file rendered by the previous build from the same inputs is kept as it is; the others
    // are rendered, with their fingerprints. Indexed by the plan's order rather than hashed
    // by path: at 10,000 releases a one-release rebuild keeps 33,000 files.
    use rayon::prelude::*;
    let kept: Vec<Option<(String, output::Written)>> = files
        .par_iter()
        .zip(&fingerprints)
        .map(|(file, print)| {
            let kept = print.and_then(|print| writer.unchanged_rendered(file, print));
            if kept.is_some() {
                tick();
            }
            kept
        })
        .collect();
    let to_render: rustc_hash::FxHashMap<&str, Option<u64>> = files
        .iter()
        .zip(&kept)
        .zip(&fingerprints)
        .filter(|((_, kept), _)| kept.is_none())
        .map(|((file, _), print)| (file.path.as_str(), *print))
        .collect();
    writer.keep_all(kept.into_iter().flatten());
    timings.push(("fingerprints", clock.elapsed()));
    let clock = Instant::now();
    let rendered_count = std::sync::atomic::AtomicUsize::new(0);
    let sink = |file: &site::plan::PlannedFile, bytes: Vec<u8>| {
        let print = to_render.get(file.path.as_str()).copied().flatten();
        let result = writer.put_rendered(file, &bytes, print);
        rendered_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tick();
        result
    };
    let selected = |file: &site::plan::PlannedFile| to_render.contains_key(file.path.as_str());
    let rendered = render::render_selected(
        &prepared.site,
        &prepared.theme,
        &prepared.plan,
        &selected,
        &sink,
    )
    .map_err(BuildError::Site);
    let written = rendered.and_then(|()| copy_files(&prepared.plan, writer));
    timings.push(("render and stage", clock.elapsed()));
    written.map(|()| (rendered_count.into_inner(), timings))
}

/// Stages the plan's copied files (assets, downloads, theme files); every failure at once.
fn copy_files(plan: &OutputPlan, writer: &output::Writer) -> Result<(), BuildError> {
    let failures: Vec<Diagnostic> = plan
        .files
        .iter()
        .filter_map(|file| match &file.job {
            Job::Copy { source } => writer.copy(file, source).err(),
            _ => None,
        })
        .collect();
    match failures.is_empty() {
        true => Ok(()),
        false => Err(BuildError::Site(failures)),
    }
}

/// What a build reports of the site: pages (in all and per language), downloads, planned
/// files and warnings; with `salt`, the record `uptodate` keeps.
fn last_build(prepared: &Prepared, salt: String) -> uptodate::LastBuild {
    let site = &prepared.site;
    let pages_per_language = site
        .config
        .languages
        .iter()
        .map(|l| {
            let count = site.pages.iter().filter(|p| p.lang == l.code).count();
            (l.code.clone(), count)
        })
        .collect();
    let downloads = prepared
        .plan
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                site::plan::OutputKind::DownloadFile
                    | site::plan::OutputKind::Epub
                    | site::plan::OutputKind::ReleasePdf
                    | site::plan::OutputKind::BookPdf
            )
        })
        .count();
    uptodate::LastBuild {
        salt,
        pages: site.pages.len(),
        pages_per_language,
        downloads,
        files: prepared.plan.files.len(),
        warnings: prepared.warnings.clone(),
        volatile: site::fingerprint::theme_reads_environment(&site.config.theme_dir()),
    }
}

/// The source files the plan copies (download files and page assets).
fn copy_sources(plan: &OutputPlan) -> Vec<PathBuf> {
    plan.files
        .iter()
        .filter_map(|file| match &file.job {
            Job::Copy { source } => Some(source.clone()),
            _ => None,
        })
        .collect()
}

/// The report of a build skipped because nothing changed (`uptodate`): the last build's
/// figures and warnings, every file unchanged.
fn skipped_build(output: PathBuf, last: uptodate::LastBuild, took: Duration) -> BuildReport {
    BuildReport {
        output,
        pages: last.pages,
        pages_per_language: last.pages_per_language,
        downloads: last.downloads,
        files: last.files,
        written: 0,
        unchanged: last.files,
        removed: 0,
        rendered: 0,
        warnings: last.warnings,
        timings: vec![("inputs and output unchanged: nothing to do", took)],
        leftovers: background::Leftovers::default(),
    }
}

/// The fingerprint of each planned file, in the plan's order (None when its inputs cannot be
/// fingerprinted, `site::fingerprint`), salted with what the site's files do not show: this program (its
/// version and executable, so that a new koho renders everything once) and the options.
pub(crate) fn fingerprint_plan(prepared: &Prepared, options: &BuildOptions) -> Vec<Option<u64>> {
    use std::hash::{Hash, Hasher};
    let mut salt = digest::hasher();
    program_salt().hash(&mut salt);
    options.include_drafts.hash(&mut salt);
    let salt = salt.finish();
    let prints = site::fingerprint::Fingerprints::of(&prepared.site, &options.root, &prepared.plan);
    use rayon::prelude::*;
    prepared
        .plan
        .files
        .par_iter()
        .map(|file| {
            let print = prints.file(&prepared.site, file)?;
            let mut hasher = digest::hasher();
            (salt, print).hash(&mut hasher);
            Some(hasher.finish())
        })
        .collect()
}

/// `error` with the warnings found before it (a build that fails while rendering still
/// reports what preparing found: a failed build printed only its errors), sorted.
fn with_warnings(error: BuildError, warnings: &[error::Diagnostic]) -> BuildError {
    match error {
        BuildError::Site(mut diagnostics) => {
            diagnostics.extend(warnings.iter().cloned());
            diagnostics.sort();
            diagnostics.dedup();
            BuildError::Site(diagnostics)
        }
        other => other,
    }
}

/// A hash of this program: its version and its executable's stamp, so that what a build saves
/// for the next (fingerprints, rendered bodies) is not trusted by another koho.
pub(crate) fn program_salt() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut salt = digest::hasher();
    cache::program_identity().hash(&mut salt);
    salt.finish()
}

/// `options` with the site's folder as one canonical path, when it exists: fingerprints hash
/// the paths of the site's files, and `koho build` inside the site and `koho build -r
/// ../site` beside it must keep each other's output instead of rendering every page again.
pub(crate) fn with_canonical_root(options: &BuildOptions) -> BuildOptions {
    let mut options = options.clone();
    if let Ok(root) = std::fs::canonicalize(&options.root) {
        if options.output.is_none() {
            options.output = Some(output_dir(&options));
        }
        options.root = root;
    }
    options
}

/// An output inside content/, locales/ or a theme would be read back as input by the next
/// build (and republished into itself, growing every time).
fn refuse_output_inside_inputs(root: &Path, output: &Path) -> Result<(), BuildError> {
    // Each theme too: a theme may be a link to a folder shared by several sites, and an output
    // inside it would be read back as the theme's files (and copied into itself) next time.
    let themes = std::fs::read_dir(root.join("themes"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path());
    let inputs = ["content", "locales", "themes"].map(|input| root.join(input));
    for input in inputs.into_iter().chain(themes) {
        if output::is_inside(output, &input) {
            return Err(BuildError::OutputInsideInput {
                output: output.to_path_buf(),
                input,
            });
        }
    }
    if let Some(other) = output::enclosing_output(root, output) {
        return Err(BuildError::OutputInsideOutput {
            output: output.to_path_buf(),
            other,
        });
    }
    // The staging folder of an output is removed by that output's next build.
    if output
        .components()
        .any(|part| part.as_os_str() == output::STAGING)
    {
        return Err(BuildError::OutputInStaging(output.to_path_buf()));
    }
    Ok(())
}
