//! koho: a static site generator for multilingual publication.
//!
//! The build is a pipeline of plain functions, one module per stage:
//! `config::load → content::load → i18n::Locales::load → site::assemble (markdown) →
//! render::render_site → output::write_site`.

pub mod book;
pub mod cache;
pub mod cli;
pub mod config;
pub mod content;
pub mod downloads;
pub mod error;
pub mod i18n;
pub mod markdown;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod render;
pub mod site;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{BuildError, Diagnostic, Location, Severity};

/// What `koho build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The folder holding site.toml.
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    /// Replaces site.toml's base_url (e.g. for a preview deployment).
    pub base_url: Option<String>,
    pub include_drafts: bool,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    /// Pages in all languages (each pagination page counts).
    pub pages: usize,
    pub written: usize,
    pub unchanged: usize,
    pub warnings: Vec<Diagnostic>,
    /// How long each stage took, in order (`koho build --timings` prints them).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Builds the site. On error nothing in the output folder has changed.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let config =
        config::load(&options.root, options.base_url.as_deref()).map_err(BuildError::Site)?;
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    output::check_replaceable(&output)?;

    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |stage: &'static str| {
        timings.push((stage, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let mut diagnostics = error::Diagnostics::default();
    let (locales, locale_diagnostics) = i18n::Locales::load(&config);
    diagnostics.extend(locale_diagnostics);
    let (content, content_diagnostics) = content::load(&config, options.include_drafts);
    diagnostics.extend(content_diagnostics);
    let hash_cache =
        downloads::hash::HashCache::load(output::cache_dir(&output).join("hashes.tsv"));
    let (download_items, download_diagnostics) = downloads::load(&config, &hash_cache);
    diagnostics.extend(download_diagnostics);
    lap("load content, locales and downloads");
    let theme_dir = config.theme_dir();
    let theme = render::load_theme(&theme_dir, &config.root);
    if let Err(theme_errors) = &theme {
        diagnostics.extend(theme_errors.iter().cloned());
    }
    // Assembling needs neither the theme nor every file to be valid, and finds the broken links:
    // so that one build reports every error, it runs before stopping on the earlier ones.
    let (site, site_diagnostics) = site::assemble(config, locales, content, download_items);
    diagnostics.extend(site_diagnostics);
    lap("load theme, assemble (Markdown)");
    diagnostics.check()?;
    let (Some(site), Ok(theme)) = (site, theme) else {
        unreachable!("assemble and load_theme fail only with errors, reported by check()")
    };
    let site = Arc::new(site);

    let files = render::render_site(&site, &theme);
    lap("render templates, EPUBs");
    if let Err(render_errors) = &files {
        diagnostics.extend(render_errors.iter().cloned());
    }
    diagnostics.check()?;
    let files = files.unwrap_or_default();

    let mut copied: Vec<output::CopiedFile> = output::theme_static_files(&theme_dir);
    copied.extend(site.assets.iter().map(|asset| output::CopiedFile {
        source: asset.source.clone(),
        output: asset.output.clone(),
    }));
    for item in &site.downloads {
        copied.extend(item.files.iter().filter_map(|file| {
            Some(output::CopiedFile {
                source: file.source.clone()?,
                output: file.output.clone(),
            })
        }));
    }
    let stats = output::write_site(&output, &files, &copied)?;
    hash_cache.save();
    lap("write output");
    Ok(BuildReport {
        output,
        pages: files.len(),
        written: stats.written,
        unchanged: stats.unchanged,
        warnings: diagnostics.into_warnings(),
        timings,
    })
}
