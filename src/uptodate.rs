//! Skipping a build that has nothing to do: the stamps (size, mtime, inode, ctime) of every
//! input file and folder of the last successful build into an output, taken before that build
//! read them, and what it reported. When every stamp is unchanged, the program and options are
//! the same and the output is as that build left it (`output::is_intact`), the build is
//! skipped, as make skips an up-to-date target (here by stamps, not only mtimes). A folder's
//! stamp changes when an entry is added, removed or renamed, so new files are noticed
//! without listing the folders again, and after an edit in place (no folder changed) the
//! recorded list of inputs is still the list, with new stamps.
//!
//! Files under `<root>/.koho/output-<hash>/`: `inputs.tsv` (the `cache` record format, digest
//! `f` for a file and `d` for a folder, paths relative to the root) and `last-build.json`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{self, Stamp};
use crate::error::Diagnostic;

const INPUTS: &str = "inputs.tsv";
const LAST_BUILD: &str = "last-build.json";
/// The folders under the site root whose every file and folder is an input.
const TREES: [&str; 3] = ["content", "locales", "themes"];

/// What the last successful build reported, to report again when a build is skipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastBuild {
    /// Names the program and options of that build (`salt`).
    pub salt: String,
    pub pages: usize,
    pub pages_per_language: Vec<(String, usize)>,
    pub downloads: usize,
    pub files: usize,
    pub warnings: Vec<Diagnostic>,
    /// The theme's templates call `get_env()`: the output can change with no input file
    /// changed, so the build is never skipped (`site::fingerprint`).
    #[serde(default)]
    pub volatile: bool,
}

/// Every input of a build with its stamp: (path relative to the root, stamp, is a folder).
#[derive(Debug, Default)]
pub struct Inputs {
    entries: Vec<(String, Stamp, bool)>,
}

/// The inputs of the site at `root` as they are now: site.toml and everything under content/,
/// locales/ and themes/ (folders included). Unreadable entries are left out, which only makes
/// the next build do its work.
fn snapshot(root: &Path) -> Inputs {
    let mut found = vec![(PathBuf::from("site.toml"), false)];
    let mut followed = std::collections::HashSet::new();
    for tree in TREES {
        list_tree(&root.join(tree), root, &mut found, &mut followed);
    }
    let entries = found
        .into_par_iter()
        .filter_map(|(relative, folder)| {
            let stamp = Stamp::read(&root.join(&relative)).ok()?;
            let relative = relative.to_string_lossy().replace('\\', "/");
            Some((relative, stamp, folder))
        })
        .collect();
    Inputs { entries }
}

/// Adds every entry under `dir` to `found` (relative to `root`, is a folder). Links are
/// followed (the theme loader reads through them, so their targets are inputs), but only links
/// are resolved here: other entries' kinds come from the folder listing, so each entry is
/// stat-ed once, for its stamp (walkdir's `follow_links` would stat every entry a second time).
/// `followed` holds the real paths of the folders walked, so a link back to one of them (a
/// loop) is not walked again.
fn list_tree(
    dir: &Path,
    root: &Path,
    found: &mut Vec<(PathBuf, bool)>,
    followed: &mut std::collections::HashSet<PathBuf>,
) {
    if !dir.canonicalize().is_ok_and(|real| followed.insert(real)) {
        return;
    }
    for entry in walkdir::WalkDir::new(dir) {
        // An unreadable entry is left out: the build that reads it says what is wrong.
        let Ok(entry) = entry else {
            continue;
        };
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let is_dir = if entry.path_is_symlink() && entry.depth() > 0 {
            let Ok(target) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if target.is_dir() {
                list_tree(entry.path(), root, found, followed);
                continue;
            }
            false
        } else {
            entry.file_type().is_dir()
        };
        found.push((relative.to_path_buf(), is_dir));
    }
}

impl Inputs {
    /// Every file's stamp by its path relative to the site root (`content/a.ja.md`).
    pub fn stamps(&self) -> rustc_hash::FxHashMap<&str, Stamp> {
        self.entries
            .iter()
            .filter(|(_, _, folder)| !folder)
            .map(|(path, stamp, _)| (path.as_str(), *stamp))
            .collect()
    }

    /// Adds files read from outside the trees `snapshot` lists (download sources elsewhere).
    pub fn add_files(&mut self, root: &Path, files: Vec<PathBuf>) {
        for file in &files {
            let relative = file.strip_prefix(root).unwrap_or(file);
            let relative = relative.to_string_lossy().replace('\\', "/");
            if in_trees(&relative) {
                continue;
            }
            if let Ok(stamp) = Stamp::read(file) {
                self.entries.push((relative, stamp, false));
            }
        }
    }
}

/// The salt of a build: koho's version and executable, and the options that change output.
pub fn salt(options: &impl std::fmt::Debug) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    crate::cache::program_identity().hash(&mut hasher);
    format!("{options:?}").hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// What the up-to-date check found: the inputs as they are now (stamped before anything is
/// read, to record after the build) and, when every one of them, the program and the options
/// are as the last build into this output recorded, what that build reported.
pub struct Check {
    pub inputs: Inputs,
    pub unchanged: Option<LastBuild>,
    /// No folder under content/, locales/ or themes/ and not site.toml changed since the last
    /// successful build: a listing of content/ that build saved still holds
    /// (`content::Listing::Saved`).
    pub listing_current: bool,
}

/// The up-to-date check of the output whose state folder is `state`. Every recorded input is
/// stamped again (in parallel). When any differs but no recorded folder does, no entry was
/// added, removed or renamed under content/, locales/ or themes/ (each of those changes its
/// folder's stamp), so the recorded list, with the new stamps, is the inputs as they are now
/// and the trees are not walked again; otherwise they are walked (`snapshot`).
pub fn check(state: &Path, root: &Path, salt: &str) -> Check {
    let last: Option<LastBuild> = crate::cache::read_state_file(&state.join(LAST_BUILD))
        .and_then(|json| serde_json::from_slice(&json).ok())
        .filter(|last: &LastBuild| last.salt == salt && !last.volatile);
    let mut recorded: Vec<(String, Stamp, bool)> = Vec::new();
    if last.is_some() {
        cache::read_sized(&state.join(INPUTS), |record, lines| {
            if recorded.capacity() == 0 {
                recorded.reserve_exact(lines);
            }
            recorded.push((record.path.to_string(), record.stamp, record.digest == "d"));
        });
    }
    if recorded.is_empty() {
        let inputs = snapshot(root);
        return Check {
            inputs,
            unchanged: None,
            listing_current: false,
        };
    }
    let now: Vec<Option<Stamp>> = recorded
        .par_iter()
        .map(|(path, _, _)| Stamp::read(&root.join(path)).ok())
        .collect();
    let same = |(i, (_, stamp, _)): (usize, &(String, Stamp, bool))| now[i] == Some(*stamp);
    let unchanged = recorded
        .iter()
        .enumerate()
        .all(same)
        .then_some(last)
        .flatten();
    let folders_same = recorded
        .iter()
        .enumerate()
        .filter(|(_, (_, _, folder))| *folder)
        .all(same);
    if !folders_same {
        return Check {
            inputs: snapshot(root),
            unchanged,
            listing_current: false,
        };
    }
    let config_same = recorded
        .iter()
        .enumerate()
        .any(|(i, entry)| entry.0 == "site.toml" && same((i, entry)));
    let entries = recorded
        .into_iter()
        .zip(now)
        .filter(|((path, _, _), _)| in_trees(path))
        .filter_map(|((path, _, folder), stamp)| Some((path, stamp?, folder)))
        .collect();
    Check {
        inputs: Inputs { entries },
        unchanged,
        listing_current: config_same,
    }
}

/// Whether the site-relative `path` is one `snapshot` lists: site.toml or in one of the
/// `TREES` (the others are added by `Inputs::add_files`).
fn in_trees(path: &str) -> bool {
    path == "site.toml"
        || TREES.iter().any(|tree| {
            path.strip_prefix(tree)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Forgets the last build (before a build changes the output).
pub fn forget(state: &Path) {
    let _ = std::fs::remove_file(state.join(LAST_BUILD));
}

/// Records the inputs of a build (best effort): written while the build commits, it counts
/// only once `save_last` records that the build succeeded.
pub fn save_inputs(state: &Path, inputs: &Inputs) {
    cache::write(
        &state.join(INPUTS),
        inputs
            .entries
            .iter()
            .map(|(path, stamp, folder)| cache::Record {
                digest: if *folder { "d" } else { "f" },
                stamp: *stamp,
                path,
            }),
    );
}

/// Records that the build whose inputs `save_inputs` recorded succeeded (best effort: without
/// it the next build does its work).
pub fn save_last(state: &Path, last: &LastBuild) {
    if let Ok(json) = serde_json::to_vec(last) {
        let file = state.join(LAST_BUILD);
        let _ = crate::cache::replace_file(&file, |out| std::io::Write::write_all(out, &json));
    }
}
