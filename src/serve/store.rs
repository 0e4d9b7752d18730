//! The site built into memory for the preview: every output path with its bytes, or the source
//! file a copy is served from. Nothing is written to the user's output folder.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::cache::Stamp;
use crate::error::Diagnostic;
use crate::site::plan::Job;
use crate::Prepared;

/// Where the search index's files are (`render::search::bundle_path`'s folder).
pub const SEARCH_INDEX: &str = "search-index/";

/// `snapshot` with its search index replaced by `files` (what `Session::index_search` made).
pub fn with_search_index(snapshot: &Snapshot, files: Vec<(String, Body)>) -> Snapshot {
    let mut files_now = snapshot.files.clone();
    files_now.retain(|path, _| !path.starts_with(SEARCH_INDEX));
    files_now.extend(files);
    Snapshot {
        files: files_now,
        languages: snapshot.languages.clone(),
        pages: snapshot.pages,
    }
}

/// How one output file is served.
#[derive(Debug, Clone)]
pub enum Body {
    /// Rendered bytes, shared between builds while they do not change.
    Bytes(Arc<[u8]>),
    /// A copied file (theme static file, page asset, download), read from its source when asked
    /// for; `stamp` tells whether it changed between two builds.
    File {
        source: PathBuf,
        stamp: Option<Stamp>,
    },
}

impl Body {
    fn same_as(&self, other: &Body) -> bool {
        match (self, other) {
            (Body::Bytes(a), Body::Bytes(b)) => Arc::ptr_eq(a, b) || a == b,
            (
                Body::File {
                    source: a,
                    stamp: x,
                },
                Body::File {
                    source: b,
                    stamp: y,
                },
            ) => a == b && x == y,
            _ => false,
        }
    }
}

/// One successful build, kept in memory: site-relative `/`-separated NFC path → body.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub files: HashMap<String, Body>,
    /// The site's language codes, to find `<lang>/404.html`.
    pub languages: Vec<String>,
    /// Pages in all languages (each pagination page counts).
    pub pages: usize,
}

/// A new snapshot and the paths that differ from the previous one (new, changed or gone),
/// sorted.
pub struct Built {
    pub snapshot: Snapshot,
    pub changed: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// Renders `prepared` into memory. Bytes equal to the previous build's are shared with it, so
/// that an unchanged page costs no new memory and is not reported as changed. `rendered` holds
/// bytes already rendered elsewhere (see `session`); every other non-copy entry must be in it.
pub fn collect(
    prepared: &Prepared,
    mut rendered: HashMap<String, Vec<u8>>,
    previous: Option<&Snapshot>,
) -> Built {
    let mut files = HashMap::with_capacity(prepared.plan.files.len());
    let mut changed = Vec::new();
    for file in &prepared.plan.files {
        let body = match &file.job {
            Job::Copy { source } => Body::File {
                source: source.clone(),
                stamp: Stamp::read(source).ok(),
            },
            _ => match rendered.remove(&file.path) {
                Some(bytes) => Body::Bytes(bytes.into()),
                // Not rendered again because its inputs did not change: the previous bytes.
                None => match previous.and_then(|p| p.files.get(&file.path)) {
                    Some(body) => body.clone(),
                    None => continue,
                },
            },
        };
        let body = match previous.and_then(|p| p.files.get(&file.path)) {
            Some(old) if old.same_as(&body) => old.clone(),
            _ => {
                changed.push(file.path.clone());
                body
            }
        };
        files.insert(file.path.clone(), body);
    }
    if let Some(previous) = previous {
        changed.extend(
            previous
                .files
                .keys()
                .filter(|path| !files.contains_key(*path))
                .cloned(),
        );
    }
    changed.sort();
    Built {
        snapshot: Snapshot {
            files,
            languages: prepared
                .site
                .config
                .languages
                .iter()
                .map(|l| l.code.clone())
                .collect(),
            pages: prepared.site.pages.len(),
        },
        changed,
        warnings: prepared.warnings.clone(),
    }
}

/// Renders the non-copy entries of the prepared site's plan whose paths are in `selected`
/// into a map (path → bytes).
pub fn render(
    prepared: &Prepared,
    selected: &HashSet<String>,
) -> Result<HashMap<String, Vec<u8>>, Vec<Diagnostic>> {
    let map = Mutex::new(HashMap::with_capacity(selected.len()));
    let sink = |file: &crate::site::plan::PlannedFile, bytes: Vec<u8>| {
        map.lock()
            .map_err(|_| Diagnostic::error(None, "internal: a render thread panicked"))?
            .insert(file.path.clone(), bytes);
        Ok(())
    };
    let wanted = |file: &crate::site::plan::PlannedFile| selected.contains(&file.path);
    crate::render::render_selected(
        &prepared.site,
        &prepared.theme,
        &prepared.plan,
        &wanted,
        &sink,
    )?;
    map.into_inner().map_err(|_| {
        vec![Diagnostic::error(
            None,
            "internal: a render thread panicked",
        )]
    })
}
