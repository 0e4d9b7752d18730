//! One preview session's builds: prepare and render into memory, reusing what the previous
//! build of the session already has.

use std::time::{Duration, Instant};

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::prepare::{prepare, Caches};
use super::store::{self, Built, Snapshot};
use crate::error::Diagnostic;
use crate::site::fingerprint::{self, Fingerprints};
use crate::site::plan::Job;
use crate::{BuildOptions, Prepared};

/// The state kept between the builds of one `koho serve`.
pub struct Session {
    options: BuildOptions,
    /// The warnings already shown, so that a rebuild prints only new ones.
    shown_warnings: Vec<Diagnostic>,
    /// The fingerprint each page of the last good build was rendered with.
    rendered: fingerprint::Rendered,
    /// Shared with the thread that re-indexes after a reload (`Indexer`).
    caches: std::sync::Arc<Caches>,
    /// What the watcher saw since the last successful build: (site.toml changed or the watcher
    /// lost track, the changed paths). None: nothing said, content/ is listed again.
    noted: Option<(bool, Vec<PathBuf>)>,
}

/// Makes a session's search index and keeps it for its next rebuild (`Session::indexer`).
pub struct Indexer {
    root: PathBuf,
    caches: std::sync::Arc<Caches>,
}

impl Indexer {
    /// The search index of `site`: its files as a snapshot serves them.
    pub fn index(
        &self,
        site: &crate::site::Site,
    ) -> Result<Vec<(String, store::Body)>, Vec<Diagnostic>> {
        let cache = self.root.join(".koho").join("search");
        // The saves of the search cache end with this call (the background is dropped).
        let files =
            crate::render::search::index(site, &cache, &crate::background::Background::default())?;
        crate::remember_search(Some(&self.caches), &files);
        Ok(files
            .into_iter()
            .map(|f| (f.path, store::Body::Bytes(f.bytes)))
            .collect())
    }
}

/// A successful build of the session.
pub struct Outcome {
    pub built: Built,
    /// Warnings not reported by the previous build.
    pub new_warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// The paths of the files rendered, sorted (the others kept their previous bytes).
    pub rendered: Vec<String>,
    /// How long each stage took, in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// The search index served is the previous build's: call `Session::index_search` after
    /// the reload, with `site`.
    pub search_pending: bool,
    pub site: std::sync::Arc<crate::site::Site>,
}

impl Session {
    pub fn new(options: BuildOptions) -> Session {
        Session {
            options,
            shown_warnings: Vec::new(),
            rendered: HashMap::new(),
            caches: std::sync::Arc::new(Caches::default()),
            noted: None,
        }
    }

    /// The site folder.
    pub fn root(&self) -> &std::path::Path {
        &self.options.root
    }

    /// What the watcher saw before a rebuild: the changed paths, and `structural` when site.toml
    /// changed or the watcher lost track (see `watch::Change`). Content/ is listed again unless
    /// the paths leave its last listing valid; without this call every build lists it again.
    pub fn note_changes(&mut self, structural: bool, paths: &[PathBuf]) {
        let noted = self.noted.get_or_insert_with(|| (false, Vec::new()));
        noted.0 |= structural;
        noted.1.extend_from_slice(paths);
    }

    /// Builds the site into memory; `previous` is the last good build, whose unchanged bytes
    /// are kept. On error, every diagnostic (the previous build stays what is served).
    pub fn build(&mut self, previous: Option<&Snapshot>) -> Result<Outcome, Vec<Diagnostic>> {
        let started = Instant::now();
        let content_dir = self.options.root.join("content");
        let listing_unchanged = match &self.noted {
            Some((false, paths)) => self.caches.documents.listing_survives(&content_dir, paths),
            _ => false,
        };
        // A rebuild serves the changed pages first and re-indexes after the reload, unless
        // site.toml changed (languages and addresses of the index may have).
        let structural = !matches!(&self.noted, Some((false, _)));
        self.caches
            .reuse_search
            .store(!structural, std::sync::atomic::Ordering::SeqCst);
        let prepared = prepare(&self.options, Some(&self.caches), listing_unchanged)
            .map_err(super::diagnostics)?;
        let mut timings = prepared.timings.clone();
        let mut clock = Instant::now();
        let mut lap = |stage: &'static str| {
            timings.push((stage, clock.elapsed()));
            clock = Instant::now();
        };
        let fingerprints = Fingerprints::of(&prepared.site, &self.options.root, &prepared.plan);
        let (selected, rendered_with) = self.to_render(&prepared, &fingerprints, previous);
        lap("fingerprints");
        let rendered = store::render(&prepared, &selected)?;
        let mut rendered_paths: Vec<String> = rendered.keys().cloned().collect();
        rendered_paths.sort();
        lap("render");
        self.rendered = rendered_with;
        let built = store::collect(&prepared, rendered, previous);
        lap("compare with the previous build");
        // Keep download checksums for the next session (under .koho/, never in the output).
        prepared.hash_cache.save();
        let new_warnings = built
            .warnings
            .iter()
            .filter(|w| !self.shown_warnings.contains(w))
            .cloned()
            .collect();
        self.shown_warnings = built.warnings.clone();
        self.noted = None;
        Ok(Outcome {
            built,
            new_warnings,
            elapsed: started.elapsed(),
            rendered: rendered_paths,
            timings,
            search_pending: prepared.search_pending,
            site: prepared.site,
        })
    }

    /// The search index of `site` made anew (after a rebuild that reused the previous one):
    /// its files as the snapshot serves them, kept for the next rebuild too.
    pub fn index_search(
        &self,
        site: &crate::site::Site,
    ) -> Result<Vec<(String, store::Body)>, Vec<Diagnostic>> {
        self.indexer().index(site)
    }

    /// What re-indexes on another thread than the rebuilds'.
    pub fn indexer(&self) -> Indexer {
        Indexer {
            root: self.options.root.clone(),
            caches: std::sync::Arc::clone(&self.caches),
        }
    }

    /// The paths of the plan's entries to render: those whose fingerprint differs from the one their
    /// bytes in `previous` were rendered with. Also the fingerprints of the whole new build.
    fn to_render(
        &self,
        prepared: &Prepared,
        fingerprints: &Fingerprints,
        previous: Option<&Snapshot>,
    ) -> (HashSet<String>, fingerprint::Rendered) {
        let mut selected = HashSet::new();
        let mut rendered_with = HashMap::with_capacity(prepared.plan.files.len());
        for file in &prepared.plan.files {
            if matches!(file.job, Job::Copy { .. }) {
                continue;
            }
            let print = fingerprints.file(&prepared.site, file);
            if let Some(print) = print {
                rendered_with.insert(file.path.clone(), print);
                let kept = previous.is_some_and(|p| p.files.contains_key(&file.path));
                if kept && self.rendered.get(&file.path) == Some(&print) {
                    continue;
                }
            }
            selected.insert(file.path.clone());
        }
        (selected, rendered_with)
    }
}
