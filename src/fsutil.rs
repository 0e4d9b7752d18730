//! Walking a source folder safely (content/, locales/, a theme): links never lead outside the
//! folder they belong to, and files that are not regular files are skipped, never opened.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Diagnostic, Location};

/// What to walk and what links may point to.
#[derive(Debug, Clone, Copy)]
pub struct Walk<'a> {
    /// The folder whose files are wanted (`content/`, `locales/ja/`, `themes/ngmo/static/`).
    pub dir: &'a Path,
    /// A symbolic link is followed only when its target is inside this folder (`content/`,
    /// `locales/`, `themes/`), so that no link publishes `.env`, `.git/config`, site.toml or the
    /// output. Usually `dir` itself or the folder above it.
    pub confine: &'a Path,
    /// The site root: paths in messages are shown relative to it.
    pub root: &'a Path,
    /// Leave out files and folders whose name starts with `.` (below `dir`).
    pub skip_hidden: bool,
    /// How deep to go: 1 is only the files directly in `dir`.
    pub max_depth: usize,
}

/// A regular file found by [`walk_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkedFile {
    /// The path to read: under `dir`, a link's own path for a link (its target is checked).
    pub path: PathBuf,
    /// The path relative to `dir`.
    pub relative: PathBuf,
    /// The path shown in messages, relative to the site root (`content/releases/x/a.pdf`).
    pub display: PathBuf,
}

/// Every regular file under `walk.dir`, depth-first in name order, and the problems found. A missing `dir` gives no files and no problems (callers
/// that need the folder say so themselves).
///
/// - A symbolic link to a regular file inside `walk.confine` is listed; a link to anything
///   outside it, a link to a folder and a broken link are errors naming the link.
/// - A named pipe, socket or device is skipped with a warning: opening a pipe would block the
///   build until something writes to it.
/// - A folder that cannot be read is an error.
/// - A backslash in a name (the file's or a folder's below `dir`) is an error naming the file.
pub fn walk_files(walk: &Walk) -> (Vec<WalkedFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    if !walk.dir.exists() {
        return (files, diagnostics);
    }
    let display = |path: &Path| path.strip_prefix(walk.root).unwrap_or(path).to_path_buf();
    // When the confining folder cannot be resolved, no link can be shown to lead into it.
    let confine = walk.confine.canonicalize().ok();
    let walker = WalkDir::new(walk.dir)
        .follow_links(false)
        .max_depth(walk.max_depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !walk.skip_hidden || !e.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(walk.dir);
                diagnostics.push(Diagnostic::in_file(
                    &display(path),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        // The folder itself (followed when it is a link: the site's owner chose it).
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        let shown = display(path);
        let kind = entry.file_type();
        let accepted = if entry.path_is_symlink() {
            check_link(path, &shown, confine.as_deref(), walk, &mut diagnostics)
        } else if kind.is_dir() {
            false
        } else if kind.is_file() {
            true
        } else {
            diagnostics.push(not_regular(&shown));
            false
        };
        let relative = path.strip_prefix(walk.dir).unwrap_or(path).to_path_buf();
        if accepted && relative.to_string_lossy().contains('\\') {
            diagnostics.push(backslash_in_name(&shown));
        } else if accepted {
            files.push(WalkedFile {
                path: path.to_path_buf(),
                relative,
                display: shown,
            });
        }
    }
    (files, diagnostics)
}

/// Whether the link at `path` may be read: its target is a regular file inside `confine`.
fn check_link(
    path: &Path,
    shown: &Path,
    confine: Option<&Path>,
    walk: &Walk,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let target = match path.canonicalize() {
        Ok(target) => target,
        Err(e) => {
            diagnostics.push(
                Diagnostic::in_file(shown, format!("broken symbolic link: {e}"))
                    .with_help("remove the link or make it point to a file that exists"),
            );
            return false;
        }
    };
    let folder = walk
        .confine
        .strip_prefix(walk.root)
        .unwrap_or(walk.confine)
        .display()
        .to_string();
    if !confine.is_some_and(|c| target.starts_with(c)) {
        diagnostics.push(
            Diagnostic::in_file(
                shown,
                format!(
                    "symbolic link to `{}`, which is outside {folder}/; refused, so that nothing outside {folder}/ is ever published",
                    target.display()
                ),
            )
            .with_help(format!("copy the file into {folder}/ if it belongs to the site")),
        );
        return false;
    }
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_file() => true,
        Ok(meta) if meta.is_dir() => {
            diagnostics.push(
                Diagnostic::in_file(shown, "symbolic links to folders are not followed").with_help(
                    format!("move the folder into {folder}/ instead of linking it"),
                ),
            );
            false
        }
        Ok(_) => {
            diagnostics.push(not_regular(shown));
            false
        }
        Err(e) => {
            diagnostics.push(Diagnostic::in_file(shown, format!("cannot read: {e}")));
            false
        }
    }
}

/// A file whose name, or a folder's on the way to it, holds a backslash: it would be
/// published under that name, which browsers (WHATWG URL) and Windows read as a folder
/// separator, and which the output's journal cannot hold.
fn backslash_in_name(shown: &Path) -> Diagnostic {
    Diagnostic::in_file(
        shown,
        "a backslash (`\\`) in this file's name or in a folder's on the way to it",
    )
    .with_help(
        "rename it without the backslash: on the web and on Windows it reads as a folder separator",
    )
}

fn not_regular(shown: &Path) -> Diagnostic {
    Diagnostic::warning(
        Some(Location::file(shown)),
        "not a regular file (a named pipe, socket or device); skipped",
    )
    .with_help("remove it from the site's folders, or replace it with an ordinary file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn walk_all(root: &Path, dir: &str, confine: &str) -> (Vec<WalkedFile>, Vec<Diagnostic>) {
        walk_files(&Walk {
            dir: &root.join(dir),
            confine: &root.join(confine),
            root,
            skip_hidden: true,
            max_depth: usize::MAX,
        })
    }

    fn names(files: &[WalkedFile]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.display.to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn lists_regular_files_in_name_order_without_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["c/b.txt", "c/a/z.txt", "c/.git/config", "c/.env", "c/m.txt"] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let (files, diagnostics) = walk_all(root, "c", "c");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(names(&files), ["c/a/z.txt", "c/b.txt", "c/m.txt"]);
        assert_eq!(files[0].relative, Path::new("a/z.txt"));
        let (none, diagnostics) = walk_all(root, "missing", "missing");
        assert!(none.is_empty() && diagnostics.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_stay_inside_the_confining_folder() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("c/sub")).unwrap();
        fs::write(root.join(".env"), "SECRET=1").unwrap();
        fs::write(root.join("c/real.txt"), "ok").unwrap();
        symlink(root.join(".env"), root.join("c/leak.txt")).unwrap();
        symlink("../real.txt", root.join("c/sub/inside.txt")).unwrap();
        symlink(root.join("c/sub"), root.join("c/folder")).unwrap();
        symlink(root.join("nothing"), root.join("c/broken.txt")).unwrap();
        let (files, diagnostics) = walk_all(root, "c", "c");
        assert_eq!(names(&files), ["c/real.txt", "c/sub/inside.txt"]);
        let about = |name: &str| {
            diagnostics
                .iter()
                .find(|d| d.location.as_ref().unwrap().path.ends_with(name))
                .unwrap_or_else(|| panic!("nothing about {name}: {diagnostics:?}"))
        };
        assert!(about("leak.txt").message.contains("outside c/"));
        assert!(about("leak.txt").is_error());
        assert!(about("folder").message.contains("folders"));
        assert!(about("broken.txt").message.contains("broken"));
        // The same link is fine when the confining folder is the site root.
        let (files, _) = walk_all(root, "c", "");
        assert!(names(&files).contains(&"c/leak.txt".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("l")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("l/x.ftl"))
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo is not available");
            return;
        }
        std::os::unix::fs::symlink("x.ftl", root.join("l/y.ftl")).unwrap();
        let (files, diagnostics) = walk_all(root, "l", "l");
        assert!(files.is_empty(), "{files:?}");
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        assert!(diagnostics.iter().all(|d| !d.is_error()));
        assert!(diagnostics[0].message.contains("named pipe"));
    }
}
