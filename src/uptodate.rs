//! Skipping a build that has nothing to do: the stamps (size, mtime, inode, ctime) of every
//! input file and folder of the last successful build into an output, taken before that build
//! read them, and what it reported. When every stamp is unchanged, the program and options are
//! the same and the output is as that build left it (`output::is_intact`), the build is
//! skipped, as make skips an up-to-date target (here by stamps, not only mtimes). A folder's
//! stamp changes when an entry is added, removed or renamed, so new files are noticed
//! without listing the folders again.
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
}

/// Every input of a build with its stamp: (path relative to the root, stamp, is a folder).
#[derive(Debug, Default)]
pub struct Inputs {
    entries: Vec<(String, Stamp, bool)>,
}

/// The inputs of the site at `root` as they are now: site.toml and everything under content/,
/// locales/ and themes/ (folders included). Unreadable entries are left out, which only makes
/// the next build do its work.
pub fn snapshot(root: &Path) -> Inputs {
    let mut found = vec![(PathBuf::from("site.toml"), false)];
    let mut followed = std::collections::HashSet::new();
    for tree in ["content", "locales", "themes"] {
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
    /// Adds files read from outside the trees `snapshot` lists (download sources elsewhere).
    pub fn add_files(&mut self, root: &Path, files: Vec<PathBuf>) {
        for file in &files {
            let relative = file.strip_prefix(root).unwrap_or(file);
            let relative = relative.to_string_lossy().replace('\\', "/");
            if ["content/", "locales/", "themes/"]
                .iter()
                .any(|tree| relative.starts_with(tree))
            {
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
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    let program = std::env::current_exe().and_then(|exe| Stamp::read(&exe));
    program.map(|s| s.key()).ok().hash(&mut hasher);
    format!("{options:?}").hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// What the last build into the output whose state folder is `state` reported, when its
/// inputs are all unchanged and it ran with `salt`; None otherwise.
pub fn unchanged(state: &Path, root: &Path, salt: &str) -> Option<LastBuild> {
    let last: LastBuild =
        serde_json::from_slice(&std::fs::read(state.join(LAST_BUILD)).ok()?).ok()?;
    if last.salt != salt {
        return None;
    }
    let mut recorded: Vec<(PathBuf, Stamp)> = Vec::new();
    cache::read(&state.join(INPUTS), |record| {
        recorded.push((root.join(record.path), record.stamp));
    });
    let same = !recorded.is_empty()
        && recorded
            .par_iter()
            .all(|(path, stamp)| Stamp::read(path).ok() == Some(*stamp));
    same.then_some(last)
}

/// Forgets the last build (before a build changes the output).
pub fn forget(state: &Path) {
    let _ = std::fs::remove_file(state.join(LAST_BUILD));
}

/// Records a successful build (best effort: without it the next build does its work).
pub fn save(state: &Path, inputs: &Inputs, last: &LastBuild) {
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
    if let Ok(json) = serde_json::to_vec(last) {
        let _ = std::fs::write(state.join(LAST_BUILD), json);
    }
}
