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

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
/// locales/ and themes/ (folders included), sorted by path. Unreadable entries are left out,
/// which only makes the next build do its work. Folders are listed and entries stat-ed on the
/// I/O threads (`io_threads`): this is the first look at every input, and with a cold page
/// cache a walk of one folder at a time waited 2.5 s at 10,000 releases for the disk.
///
/// Links are followed (the theme loader reads through them, so their targets are inputs). A
/// tree or a linked folder is walked only when its real path was not walked yet (a link back
/// to one, a loop, is not walked again); the trees come first, then the linked folders found
/// in them in path order, round by round, so which of two paths to one folder is listed
/// does not depend on which thread was faster.
fn snapshot(root: &Path) -> Inputs {
    let walker = Walker {
        root,
        found: Mutex::new(Vec::new()),
        linked: Mutex::new(Vec::new()),
    };
    walker.add(Path::new("site.toml"), false);
    let mut followed = HashSet::new();
    let mut folders: Vec<PathBuf> = TREES.iter().map(|tree| root.join(tree)).collect();
    crate::io_threads::on_io_threads(|| {
        while !folders.is_empty() {
            folders.retain(|dir| dir.canonicalize().is_ok_and(|real| followed.insert(real)));
            rayon::scope(|scope| {
                for dir in folders.drain(..) {
                    let walker = &walker;
                    scope.spawn(move |scope| walker.walk(scope, dir));
                }
            });
            folders = std::mem::take(&mut *walker.linked.lock().unwrap_or_else(|e| e.into_inner()));
            folders.sort_unstable();
        }
    });
    let mut entries = walker.found.into_inner().unwrap_or_else(|e| e.into_inner());
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Inputs { entries }
}

/// One walk of the input trees, shared by the folders it lists at once.
struct Walker<'a> {
    root: &'a Path,
    /// (path relative to the root, stamp, is a folder)
    found: Mutex<Vec<(String, Stamp, bool)>>,
    /// Links to folders met, for the next round (`snapshot`).
    linked: Mutex<Vec<PathBuf>>,
}

impl<'a> Walker<'a> {
    /// Adds the folder `dir` and everything below it; each subfolder is listed by a task of
    /// its own. Only links are resolved: other entries' kinds come from the folder listing,
    /// so each entry is stat-ed once, for its stamp.
    fn walk<'s>(&'s self, scope: &rayon::Scope<'s>, dir: PathBuf) {
        // The folder is stamped before it is listed: an entry added meanwhile changes its
        // stamp after the one recorded, so the next build notices it.
        let mut found: Vec<_> = self.stamped(&dir, true).into_iter().collect();
        for entry in walkdir::WalkDir::new(&dir).min_depth(1).max_depth(1) {
            // An unreadable entry is left out: the build that reads it says what is wrong.
            let Ok(entry) = entry else {
                continue;
            };
            let (is_link, is_dir) = (entry.path_is_symlink(), entry.file_type().is_dir());
            let path = entry.into_path();
            if is_link && path.is_dir() {
                let mut linked = self.linked.lock().unwrap_or_else(|e| e.into_inner());
                linked.push(path);
            } else if is_dir {
                scope.spawn(move |scope| self.walk(scope, path));
            } else if let Some(entry) = self.stamped(&path, false) {
                found.push(entry);
            }
        }
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&mut found);
    }

    /// Adds the file or folder at the root-relative `relative`.
    fn add(&self, relative: &Path, folder: bool) {
        if let Some(entry) = self.stamped(&self.root.join(relative), folder) {
            self.found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(entry);
        }
    }

    /// The entry at `path` with its stamp (through links), None when it cannot be stat-ed.
    fn stamped(&self, path: &Path, folder: bool) -> Option<(String, Stamp, bool)> {
        let relative = path.strip_prefix(self.root).ok()?;
        let stamp = Stamp::read(path).ok()?;
        let relative = relative.to_string_lossy().replace('\\', "/");
        Some((relative, stamp, folder))
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
/// stamped again, in parallel on the usual pool (a rebuild's inputs are mostly cached; the I/O
/// threads' effect on a warm rebuild was within this machine's noise, and they are left out
/// of it). When any differs but no recorded folder does, no entry was added, removed or
/// renamed under content/, locales/ or themes/ (each of those changes its folder's stamp), so
/// the recorded list, with the new stamps, is the inputs as they are now and the trees are
/// not walked again; otherwise they are walked (`snapshot`).
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn paths(inputs: &Inputs) -> Vec<(&str, bool)> {
        let listed = inputs.entries.iter();
        listed
            .map(|(path, _, folder)| (path.as_str(), *folder))
            .collect()
    }

    #[test]
    fn a_snapshot_lists_every_input_once_sorted_through_links_and_past_loops() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        fs::write(root.join("site.toml"), "").unwrap();
        for dir in [
            "content/releases/a",
            "content/releases/b",
            "locales/ja",
            "shared",
        ] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::write(root.join("content/_index.ja.md"), "x").unwrap();
        fs::write(root.join("content/releases/a/index.ja.md"), "x").unwrap();
        fs::write(root.join("content/releases/b/index.en.md"), "x").unwrap();
        fs::write(root.join("locales/ja/main.ftl"), "x").unwrap();
        fs::write(root.join("shared/base.html"), "x").unwrap();
        fs::write(root.join("public.html"), "not an input").unwrap();
        // A theme reached through a link, a linked file, and a link back up (a loop).
        std::os::unix::fs::symlink(root.join("shared"), root.join("themes")).unwrap();
        std::os::unix::fs::symlink(root.join("content"), root.join("shared/loop")).unwrap();
        let linked_file = root.join("content/releases/a/logo.svg");
        std::os::unix::fs::symlink(root.join("shared/base.html"), &linked_file).unwrap();
        let inputs = snapshot(root);
        assert_eq!(
            paths(&inputs),
            vec![
                ("content", true),
                ("content/_index.ja.md", false),
                ("content/releases", true),
                ("content/releases/a", true),
                ("content/releases/a/index.ja.md", false),
                ("content/releases/a/logo.svg", false),
                ("content/releases/b", true),
                ("content/releases/b/index.en.md", false),
                ("locales", true),
                ("locales/ja", true),
                ("locales/ja/main.ftl", false),
                ("site.toml", false),
                ("themes", true),
                ("themes/base.html", false),
            ]
        );
        let stamps = inputs.stamps();
        let target = Stamp::read(&root.join("shared/base.html")).unwrap();
        assert_eq!(
            stamps["content/releases/a/logo.svg"], target,
            "a link's target's stamp"
        );
    }
}
