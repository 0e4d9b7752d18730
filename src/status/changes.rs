//! `koho status --diff FILE`: what changed in a translation's source since the version it was
//! translated from, read from the git repository by the recorded blob id.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::diff::{paragraph_diff, Hunk};
use super::git::{read_blob, Lookup};
use super::State;
use crate::config::SiteConfig;
use crate::content::Content;
use crate::error::Diagnostic;

/// What `--diff` found for one translation.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The translation, relative to the site root.
    pub path: PathBuf,
    /// Its source, relative to the site root.
    pub source: PathBuf,
    /// `ok`, `stale` or `untracked` (a draft's own freshness, ignoring the draft flag).
    pub state: State,
    pub draft: bool,
    /// The id the translation records.
    pub translated_from: Option<String>,
    /// The source's id now.
    pub source_id: String,
    pub diff: Outcome,
}

/// Whether the changed paragraphs could be shown.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The translation is current: nothing to show.
    UpToDate,
    /// The translation records no id: there is no earlier version to compare with.
    NotRecorded,
    /// The paragraphs that changed (empty when only blank lines or line endings did).
    Shown { hunks: Vec<Hunk> },
    /// The earlier version could not be read; `reason` says why.
    Unavailable { reason: String },
}

/// Compares the source now with the version the translation `path` was translated from.
pub fn changes(config: &SiteConfig, content: &Content, path: &Path) -> Result<Changes, Diagnostic> {
    let found = super::find_translation(config, content, path)?;
    let source_display = found.source.display_path.clone();
    let current_bytes = std::fs::read(&found.source.path)
        .map_err(|e| Diagnostic::in_file(&source_display, format!("cannot read: {e}")))?;
    let source_id = super::blob::blob_id(&current_bytes);
    let recorded = found.doc.front.translated_from.clone();
    let state = super::freshness(recorded.as_deref(), &source_id);
    let diff = match (&recorded, state) {
        (_, State::Ok) => Outcome::UpToDate,
        (None, _) => Outcome::NotRecorded,
        (Some(id), _) => match read_blob(&config.root, id) {
            Lookup::Found(old) => Outcome::Shown {
                hunks: paragraph_diff(
                    &String::from_utf8_lossy(&old),
                    &String::from_utf8_lossy(&current_bytes),
                ),
            },
            lookup => Outcome::Unavailable {
                reason: unavailable_reason(&lookup, id),
            },
        },
    };
    Ok(Changes {
        path: found.doc.source.display_path.clone(),
        source: source_display,
        state,
        draft: found.doc.front.draft,
        translated_from: recorded,
        source_id,
        diff,
    })
}

fn unavailable_reason(lookup: &Lookup, id: &str) -> String {
    match lookup {
        Lookup::NotARepository => {
            "the site is not in a git repository, so the version it was translated from cannot be read".into()
        }
        Lookup::Missing => format!(
            "the repository has no object {id}: that version of the source was never committed"
        ),
        Lookup::Unsupported => "this koho was built without the `git` feature".into(),
        Lookup::Failed(message) => message.clone(),
        Lookup::Found(_) => String::new(),
    }
}
