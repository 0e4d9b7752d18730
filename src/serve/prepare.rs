//! `lib::prepare` with the preview session's caches: unchanged documents are not read again and
//! unchanged Markdown is not rendered again. Mirrors `lib::prepare` stage for stage (the test
//! `serve_builds_the_same_site_as_koho_build` checks that both give the same bytes).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crate::content::downloads::hash::HashCache;
use crate::content::DocumentCache;
use crate::error::Diagnostics;
use crate::site::markdown_cache::MarkdownCache;
use crate::site::plan::ThemeOutputs;
use crate::{config, content, i18n, render, site, BuildError, BuildOptions, Prepared};

/// What the session keeps between its builds.
#[derive(Default)]
pub struct Caches {
    pub documents: DocumentCache,
    pub markdown: MarkdownCache,
}

/// Loads, assembles and plans the site like `lib::prepare`, with `caches`. `listing_unchanged`:
/// the watcher saw only writes to existing files since the last build (see
/// `content::load_cached`).
pub fn prepare(
    options: &BuildOptions,
    caches: &Caches,
    listing_unchanged: bool,
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
    let (locales, locale_diagnostics) = i18n::Locales::load(&config);
    diagnostics.extend(locale_diagnostics);
    let (content, content_diagnostics) = content::load_cached(
        &config,
        options.include_drafts,
        Some(&caches.documents),
        listing_unchanged,
    );
    diagnostics.extend(content_diagnostics);
    let hash_cache = HashCache::load(config.root.join(".koho").join("hashes.tsv"));
    let (download_items, download_diagnostics) = content::downloads::load(&config, &hash_cache);
    diagnostics.extend(download_diagnostics);
    lap("load content, locales and downloads");
    let theme_dir = config.theme_dir();
    let theme = render::load_theme(&theme_dir, &config.root);
    if let Err(theme_errors) = &theme {
        diagnostics.extend(theme_errors.iter().cloned());
    }
    let theme_outputs = ThemeOutputs {
        static_files: render::theme_static_files(&theme_dir),
        root_chooser: theme.as_ref().is_ok_and(|t| {
            t.get_template_names()
                .any(|n| n == render::ROOT_CHOOSER_TEMPLATE)
        }),
        display_dir: Path::new("themes").join(&config.theme),
    };
    let (site, site_diagnostics) = site::assemble_cached(
        config,
        locales,
        content,
        download_items,
        Some(&caches.markdown),
    );
    diagnostics.extend(site_diagnostics);
    let (plan, plan_diagnostics) = site::plan::plan(&site, &theme_outputs);
    diagnostics.extend(plan_diagnostics);
    lap("load theme, assemble (Markdown), plan");
    diagnostics.check()?;
    let theme = theme.map_err(BuildError::Site)?;
    Ok(Prepared {
        site: Arc::new(site),
        theme,
        plan,
        warnings: diagnostics.into_warnings(),
        timings,
        hash_cache,
    })
}
