//! One preview session's builds: prepare and render into memory, reusing what the previous
//! build of the session already has.

use std::time::{Duration, Instant};

use super::store::{self, Built, Snapshot};
use crate::error::Diagnostic;
use crate::BuildOptions;

/// The state kept between the builds of one `koho serve`.
pub struct Session {
    options: BuildOptions,
    /// The warnings already shown, so that a rebuild prints only new ones.
    shown_warnings: Vec<Diagnostic>,
}

/// A successful build of the session.
pub struct Outcome {
    pub built: Built,
    /// Warnings not reported by the previous build.
    pub new_warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
}

impl Session {
    pub fn new(options: BuildOptions) -> Session {
        Session {
            options,
            shown_warnings: Vec::new(),
        }
    }

    /// The site folder.
    pub fn root(&self) -> &std::path::Path {
        &self.options.root
    }

    /// Builds the site into memory; `previous` is the last good build, whose unchanged bytes
    /// are kept. On error, every diagnostic (the previous build stays what is served).
    pub fn build(&mut self, previous: Option<&Snapshot>) -> Result<Outcome, Vec<Diagnostic>> {
        let started = Instant::now();
        let prepared = crate::prepare(&self.options).map_err(super::diagnostics)?;
        let rendered = store::render_all(&prepared)?;
        let built = store::collect(&prepared, rendered, previous);
        // Keep download checksums for the next session (under .koho/, never in the output).
        prepared.hash_cache.save();
        let new_warnings = built
            .warnings
            .iter()
            .filter(|w| !self.shown_warnings.contains(w))
            .cloned()
            .collect();
        self.shown_warnings = built.warnings.clone();
        Ok(Outcome {
            built,
            new_warnings,
            elapsed: started.elapsed(),
        })
    }
}
