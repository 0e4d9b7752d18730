//! Watching the site's inputs (content/, themes/, locales/, site.toml) with notify and its
//! full debouncer: a burst of saves, an editor's write-to-temporary-then-rename, a rename or a
//! deletion each arrive as one batch of paths after a short quiet period.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

/// How long the inputs must be quiet before a batch is sent: long enough to merge an editor's
/// save (write, rename, chmod) and a `git checkout`'s burst, short against the 200 ms target.
pub const QUIET: Duration = Duration::from_millis(40);

/// The folders watched recursively; `site.toml` is watched through the root folder, so that
/// replacing it by a rename (atomic save) is seen too.
pub const INPUT_DIRS: [&str; 3] = ["content", "themes", "locales"];

/// What the watcher tells the rebuild loop.
#[derive(Debug)]
pub enum Change {
    /// These inputs changed (created, written, removed or renamed). `structural`: site.toml is
    /// among them, which decides how content/ is read, so content/ must be listed again
    /// (whether other paths change the listing, `content::DocumentCache::listing_survives` says).
    Paths {
        paths: Vec<PathBuf>,
        structural: bool,
    },
    /// The watcher lost track (overflow, an error): rebuild everything.
    Rescan(String),
    /// The server is stopping.
    Stop,
}

pub type Watcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// Starts watching `root`; batches go to `changes`. Folders that do not exist yet are picked up
/// by `watch_new_inputs` once they appear.
pub fn start(root: &Path, changes: Sender<Change>) -> Result<(Watcher, Vec<PathBuf>), String> {
    let filter_root = root.to_path_buf();
    let handler = move |result: DebounceEventResult| {
        let change = match result {
            Ok(events) => {
                if events.iter().any(|e| e.need_rescan()) {
                    Change::Rescan("the file watcher missed events".into())
                } else {
                    let relevant: Vec<(&EventKind, &PathBuf)> = events
                        .iter()
                        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                        .flat_map(|e| e.paths.iter().map(move |p| (&e.kind, p)))
                        .filter(|(_, p)| is_input(&filter_root, p))
                        .collect();
                    if relevant.is_empty() {
                        return;
                    }
                    let site_toml = filter_root.join("site.toml");
                    Change::Paths {
                        structural: relevant.iter().any(|(_, path)| **path == site_toml),
                        paths: relevant.into_iter().map(|(_, p)| p.clone()).collect(),
                    }
                }
            }
            Err(errors) => Change::Rescan(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        let _ = changes.send(change);
    };
    let mut debouncer = new_debouncer(QUIET, None, handler)
        .map_err(|e| format!("cannot watch the site's files: {e}"))?;
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch `{}`: {e}", root.display()))?;
    let mut watched = Vec::new();
    watch_new_inputs(&mut debouncer, root, &mut watched)?;
    Ok((debouncer, watched))
}

/// Adds a recursive watch on every input folder that exists and is not watched yet.
pub fn watch_new_inputs(
    debouncer: &mut Watcher,
    root: &Path,
    watched: &mut Vec<PathBuf>,
) -> Result<(), String> {
    for name in INPUT_DIRS {
        let dir = root.join(name);
        if dir.is_dir() && !watched.contains(&dir) {
            debouncer
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch `{}`: {e}", dir.display()))?;
            watched.push(dir);
        }
    }
    watched.retain(|dir| dir.is_dir());
    Ok(())
}

/// Whether a changed path is an input of the build: site.toml or anything under the input
/// folders, except editors' swap, lock and backup files.
pub fn is_input(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = relative.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str();
    let inside = first == "site.toml"
        || INPUT_DIRS
            .iter()
            .any(|dir| first == std::ffi::OsStr::new(dir));
    inside && !is_editor_scratch(path)
}

/// vim's `.x.swp`/`.x.swx`/`4913` probe, emacs's `.#x` lock and `#x#` autosave, `x~` backups.
fn is_editor_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || (name.starts_with('.') && (name.ends_with(".swp") || name.ends_with(".swx")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_site_toml_and_the_input_folders_without_scratch_files() {
        let root = Path::new("/site");
        for yes in [
            "/site/site.toml",
            "/site/content/a/index.ja.md",
            "/site/themes/ngmo/templates/base.html",
            "/site/locales/ja/main.ftl",
            "/site/content/releases",
        ] {
            assert!(is_input(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/site/public/index.html",
            "/site/.koho/hashes.tsv",
            "/site/site.toml~",
            "/site/content/.index.ja.md.swp",
            "/site/content/4913",
            "/site/content/.#index.ja.md",
            "/other/content/a.md",
            "/site",
        ] {
            assert!(!is_input(root, Path::new(no)), "{no}");
        }
    }
}
