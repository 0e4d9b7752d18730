//! The all-or-nothing step of a rebuild: staged files moved into the output and stale files
//! removed, with a journal so that any failure (here, or a crash found by the next build) is
//! undone. Every step is a rename inside one file system, which needs no free space.

use rustc_hash::{FxHashMap, FxHashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::written::WrittenFiles;
use super::{remove_tree, STAGING};
use crate::cache::Stamp;
use crate::error::BuildError;

const JOURNAL: &str = "journal";

/// Where staged files wait: `<output>/.koho-staging/new` (or the output itself when fresh).
pub fn new_files_dir(staging_root: &Path, fresh: bool) -> PathBuf {
    if fresh {
        staging_root.to_path_buf()
    } else {
        staging_root.join("new")
    }
}

fn backup_dir(output: &Path) -> PathBuf {
    output.join(STAGING).join("old")
}

/// One step of the commit, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A staged file moved in; `existed`: an older file was moved to the backup first.
    Replace { path: String, existed: bool },
    /// A stale file moved to the backup.
    Remove { path: String },
}

/// What `stale_files` found: the files to remove, sorted, and the folders whose stamps it
/// found as recorded (folder → stamp, keys borrowed from the record), which `folder_stamps`
/// need not read again.
pub struct StaleScan<'p> {
    pub stale: Vec<String>,
    pub unchanged_dirs: FxHashMap<&'p str, Stamp>,
    /// Folders found that the plan has no file under (`ja/old/`): removed after the commit
    /// once empty, as their stale files are moved out.
    pub stray_dirs: Vec<String>,
    /// Entries whose names no journal line can hold (`journal_name`): never koho's, removed
    /// by `remove_unnameable` once the commit succeeded.
    pub unnameable: Vec<PathBuf>,
}

/// Every file of `output` (outside the staging folder) that is not in `keep`. A folder whose
/// stamp is the one `previous` recorded after the last build has had no entry added, removed
/// or renamed since (any of those changes its mtime and ctime), so its files are the recorded
/// ones and it is not listed again; other folders are read. `now`: the recorded folders'
/// stamps as this build found them (`recorded_dir_stamps`, read when the build began). The
/// stamps of folders found unchanged are the ones recorded again (`folder_stamps`), so an
/// entry added after they were read is found by the next build.
///
/// The folders reached from the output through unchanged folders only (all of them after an
/// edit) are checked at once, in parallel, without listing anything; the walk that lists
/// folders starts where a changed folder is met.
pub fn stale_files<'p>(
    output: &Path,
    keep: &FxHashSet<&str>,
    previous: &'p WrittenFiles,
    now: &FxHashMap<String, Stamp>,
) -> io::Result<StaleScan<'p>> {
    use rayon::prelude::*;
    let unchanged = |dir: &str| {
        previous
            .dirs
            .get(dir)
            .is_some_and(|recorded| now.get(dir) == Some(recorded))
    };
    // A folder's recorded entries are trusted only when every folder above it is unchanged
    // too: a changed parent may no longer hold it (moved away, a link in its place). One pass
    // into a map sized once: at 31,600 folders, a first map of the unchanged ones and growing
    // the second cost a one-release rebuild about 12 ms.
    let trusted_list: Vec<(&'p str, Stamp)> = previous
        .dirs
        .par_iter()
        .filter(|(dir, _)| unchanged(dir) && ancestors(dir).all(unchanged))
        .map(|(dir, stamp)| (dir.as_str(), *stamp))
        .collect();
    let mut trusted: FxHashMap<&'p str, Stamp> =
        FxHashMap::with_capacity_and_hasher(trusted_list.len(), Default::default());
    trusted.extend(trusted_list);
    let stale: Vec<String> = previous
        .files
        .par_iter()
        .map(|(file, _)| file.as_str())
        .filter(|file| trusted.contains_key(parent(file)) && !keep.contains(file))
        .map(str::to_string)
        .collect();
    // The output itself is listed whenever it is not trusted, recorded or not (a lost record).
    let root = (!trusted.contains_key("")).then(String::new);
    let frontier: Vec<String> = previous
        .dirs
        .keys()
        .filter(|dir| !dir.is_empty() && !trusted.contains_key(dir.as_str()))
        .filter(|dir| trusted.contains_key(parent(dir.trim_end_matches('/'))))
        .cloned()
        .chain(root)
        .collect();
    let mut scan = StaleScan {
        stale,
        unchanged_dirs: trusted,
        stray_dirs: Vec::new(),
        unnameable: Vec::new(),
    };
    if !frontier.is_empty() {
        scan.walk(output, keep, previous, now, frontier)?;
    }
    scan.stale.sort();
    Ok(scan)
}

/// The folders above `dir` (`ja/a/` → `ja/`, ``), nearest first.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = (!dir.is_empty()).then(|| parent(dir.trim_end_matches('/')));
    std::iter::from_fn(move || {
        let folder = next?;
        next = (!folder.is_empty()).then(|| parent(folder.trim_end_matches('/')));
        Some(folder)
    })
}

impl<'p> StaleScan<'p> {
    /// Walks the output from `folders` (changed folders whose parents are trusted): a folder
    /// found unchanged contributes its recorded files and folders, any other is listed.
    fn walk(
        &mut self,
        output: &Path,
        keep: &FxHashSet<&str>,
        previous: &'p WrittenFiles,
        now: &FxHashMap<String, Stamp>,
        mut folders: Vec<String>,
    ) -> io::Result<()> {
        let (recorded_files, recorded_dirs) = recorded_children(previous);
        let planned_dirs = folders_of(keep.iter().copied());
        while let Some(dir) = folders.pop() {
            let unchanged = previous
                .dirs
                .get_key_value(&dir)
                .filter(|(_, recorded)| now.get(dir.as_str()) == Some(*recorded));
            if let Some((key, stamp)) = unchanged {
                self.unchanged_dirs.insert(key.as_str(), *stamp);
                let files = recorded_files.get(dir.as_str()).into_iter().flatten();
                let stale = files.filter(|f| !keep.contains(*f)).map(|f| f.to_string());
                self.stale.extend(stale);
                let dirs = recorded_dirs.get(dir.as_str()).into_iter().flatten();
                folders.extend(dirs.map(|d| d.to_string()));
                continue;
            }
            // A link in a folder's place (koho writes none) is removed as a file, never
            // listed: its target may be anywhere.
            if !dir.is_empty()
                && fs::symlink_metadata(folder_path(output, &dir)).is_ok_and(|m| !m.is_dir())
            {
                self.stale.push(dir.trim_end_matches('/').to_string());
                continue;
            }
            self.read_folder(output, &dir, keep, &planned_dirs, &mut folders)?;
        }
        Ok(())
    }

    /// Lists the output folder `dir` (`""` or `ja/releases/`): its files not in `keep` are
    /// stale, its folders go to `folders` (and to `stray_dirs` when the plan has nothing under
    /// them), entries with names no journal line can hold go to `unnameable`.
    fn read_folder(
        &mut self,
        output: &Path,
        dir: &str,
        keep: &FxHashSet<&str>,
        planned_dirs: &FxHashSet<&str>,
        folders: &mut Vec<String>,
    ) -> io::Result<()> {
        let entries = match fs::read_dir(output.join(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !dir.is_empty() => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let file_name = entry.file_name();
            let Some(name) = journal_name(&file_name) else {
                self.unnameable.push(entry.path());
                continue;
            };
            if dir.is_empty() && name == STAGING {
                continue;
            }
            if entry.file_type()?.is_dir() {
                let folder = format!("{dir}{name}/");
                if !planned_dirs.contains(folder.as_str()) {
                    self.stray_dirs.push(folder.clone());
                }
                folders.push(folder);
            } else if !keep.contains(format!("{dir}{name}").as_str()) {
                self.stale.push(format!("{dir}{name}"));
            }
        }
        Ok(())
    }
}

/// A file name as a journal line can hold it: UTF-8 without control characters (a newline
/// would start a line of its own) or backslashes (which no journal path may hold,
/// `is_site_path`). koho writes no other names.
fn journal_name(name: &std::ffi::OsStr) -> Option<&str> {
    name.to_str()
        .filter(|n| !n.chars().any(|c| c.is_control() || c == '\\'))
}

/// Removes an entry of the output whose name no journal line can hold: koho never wrote it,
/// so it is a stray, and it cannot be backed up by name. A link or file is removed itself, a
/// folder with what it holds (links in it are removed, not followed).
pub fn remove_unnameable(entry: &Path) -> io::Result<()> {
    if fs::symlink_metadata(entry)?.is_dir() {
        fs::remove_dir_all(entry)
    } else {
        fs::remove_file(entry)
    }
}

/// Every folder on the way to the given site paths (`ja/a/index.html` → `ja/a/`, `ja/`, ``).
fn folders_of<'a>(paths: impl Iterator<Item = &'a str>) -> FxHashSet<&'a str> {
    let mut folders: FxHashSet<&str> = FxHashSet::from_iter([""]);
    for path in paths {
        let mut folder = parent(path);
        while folders.insert(folder) {
            folder = parent(folder.trim_end_matches('/'));
        }
    }
    folders
}

/// The recorded files and subfolders of each recorded folder (folder → entries).
type Children<'a> = FxHashMap<&'a str, Vec<&'a str>>;

fn recorded_children(previous: &WrittenFiles) -> (Children<'_>, Children<'_>) {
    let mut files: Children = FxHashMap::default();
    for path in previous.files.keys() {
        files.entry(parent(path)).or_default().push(path);
    }
    let mut dirs: Children = FxHashMap::default();
    for dir in previous.dirs.keys().filter(|d| !d.is_empty()) {
        dirs.entry(parent(dir.trim_end_matches('/')))
            .or_default()
            .push(dir);
    }
    (files, dirs)
}

/// Every recorded folder's stamp as it is now, and the recorded folders that are no longer
/// folders (a link or a file in their place), read in parallel (at 30,000 pages there is a
/// folder for each page); a folder that is gone is in neither.
pub fn recorded_dir_stamps(
    output: &Path,
    previous: &WrittenFiles,
) -> (FxHashMap<String, Stamp>, FxHashSet<String>) {
    use rayon::prelude::*;
    let found: Vec<(&String, fs::Metadata)> = previous
        .dirs
        .par_iter()
        .filter_map(|(dir, _)| Some((dir, fs::symlink_metadata(folder_path(output, dir)).ok()?)))
        .collect();
    let replaced = found
        .iter()
        .filter(|(dir, meta)| !dir.is_empty() && !meta.is_dir())
        .map(|(dir, _)| (*dir).clone())
        .collect();
    let stamps = found
        .into_iter()
        .map(|(dir, meta)| (dir.clone(), Stamp::of(&meta)))
        .collect();
    (stamps, replaced)
}

/// The path of a recorded folder (`ja/releases/`) without its trailing slash, which would make
/// `lstat` follow a link in the folder's place.
pub fn folder_path(output: &Path, folder: &str) -> PathBuf {
    output.join(folder.trim_end_matches('/'))
}

/// The folder part of a site-relative path, with its slash (`ja/x/index.html` → `ja/x/`,
/// `index.html` → ``).
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |slash| &path[..=slash])
}

/// The stamps of the output and of every folder that holds a file of `paths`, as
/// `WrittenFiles::dirs` records them. `known`: stamps read earlier in this build of folders
/// that nothing has changed since (`StaleScan::unchanged_dirs` without the folders the commit
/// moved files into or out of); the others are read. A folder that cannot be read is left out
/// (it is then listed by the next build).
///
/// With `verify` (a rebuild), a folder read here is also listed after its stamp is taken, and
/// recorded as changed (a zero stamp) unless it holds only planned files and folders: a stray
/// file written into it while the build ran, after the stale files were found, would otherwise
/// be recorded as expected and never removed. One added after the listing changes the stamp.
pub fn folder_stamps<'a>(
    output: &Path,
    paths: impl Iterator<Item = &'a str>,
    known: &FxHashMap<&str, Stamp>,
    verify: bool,
) -> FxHashMap<String, Stamp> {
    use rayon::prelude::*;
    // Every folder of the plan, with the names it should hold when it is read here (a known
    // folder, most of them after an edit, needs no list).
    let mut children: FxHashMap<&str, Option<FxHashSet<&str>>> = FxHashMap::default();
    children.insert("", (!known.contains_key("")).then(FxHashSet::default));
    for path in paths {
        let mut entry = path;
        loop {
            let entry_path = entry.trim_end_matches('/');
            let folder = parent(entry_path);
            let name = &entry_path[folder.len()..];
            let first_visit = !children.contains_key(folder);
            let names = children
                .entry(folder)
                .or_insert_with(|| (!known.contains_key(folder)).then(FxHashSet::default));
            if let Some(names) = names {
                names.insert(name);
            }
            if folder.is_empty() || !first_visit {
                break;
            }
            entry = folder;
        }
    }
    children
        .par_iter()
        .filter_map(|(&f, expected)| {
            let Some(expected) = expected else {
                return Some((f.to_string(), *known.get(f)?));
            };
            let stamp = Stamp::read_entry(&folder_path(output, f)).ok()?;
            if verify && !holds_only(&folder_path(output, f), expected) {
                // Recorded, with a stamp no folder has: the next build lists it and finds
                // the stray, and the up-to-date check never passes it (a folder left out
                // of the record would be neither checked nor listed again).
                return Some((f.to_string(), Stamp::default()));
            }
            Some((f.to_string(), stamp))
        })
        .collect()
}

/// Whether every entry of `folder` is named in `expected`.
fn holds_only(folder: &Path, expected: &FxHashSet<&str>) -> bool {
    let Ok(entries) = fs::read_dir(folder) else {
        return false;
    };
    entries.into_iter().all(|entry| {
        entry.is_ok_and(|e| expected.contains(e.file_name().to_string_lossy().as_ref()))
    })
}

/// Removes from `dirs` every folder on the way to a path of `moved` (its parent and their
/// ancestors, the output itself included): a file moved in or out, or a folder made or
/// removed for it, changes those folders' stamps.
pub fn forget_touched(dirs: &mut FxHashMap<&str, Stamp>, moved: &[String]) {
    for path in moved {
        let mut folder = parent(path);
        loop {
            dirs.remove(folder);
            if folder.is_empty() {
                break;
            }
            folder = parent(folder.trim_end_matches('/'));
        }
    }
}

/// Moves `changed` (staged) into `output` and the `stale` files out, journalled; on failure
/// every step done is undone and the error says whether that fully succeeded.
pub fn commit(
    output: &Path,
    changed: &[String],
    stale: &[String],
    fail_after: Option<usize>,
) -> Result<(), BuildError> {
    let staging = output.join(STAGING);
    if changed.is_empty() && stale.is_empty() {
        return remove_tree(&staging).map_err(|e| BuildError::io(&staging, e));
    }
    let mut steps: Vec<Step> = stale
        .iter()
        .map(|path| Step::Remove { path: path.clone() })
        .collect();
    // What is there now, the entry itself (a link is backed up as a link, never followed); a
    // path under a stale entry (a link or file in a folder's place) will not exist once the
    // stale entries are moved out, which happens first.
    let removed: FxHashSet<&str> = stale.iter().map(String::as_str).collect();
    steps.extend(changed.iter().map(|path| Step::Replace {
        path: path.clone(),
        existed: !under_any(path, &removed)
            && fs::symlink_metadata(output.join(path)).is_ok_and(|m| !m.is_dir()),
    }));
    write_journal(&staging, &steps).map_err(|e| BuildError::io(&staging, e))?;
    let mut done = 0;
    let result = steps.iter().try_for_each(|step| {
        if fail_after == Some(done) {
            return Err(io::Error::other("injected failure (test)"));
        }
        apply(output, step)?;
        done += 1;
        if done == stale.len() {
            let dirs = stale
                .iter()
                .filter_map(|p| Path::new(p).parent())
                .map(|p| output.join(p));
            remove_empty_dirs(output, dirs.collect());
        }
        Ok(())
    });
    match result {
        Ok(()) => {
            // The journal goes first: a crash after this point must not undo a finished commit.
            fs::remove_file(staging.join(JOURNAL)).map_err(|e| BuildError::io(&staging, e))?;
            remove_tree(&staging).map_err(|e| BuildError::io(&staging, e))
        }
        Err(error) => {
            let failures = undo(output, &steps[..=done.min(steps.len() - 1)]);
            if failures.is_empty() {
                let _ = remove_tree(&staging);
            }
            Err(BuildError::Commit {
                output: output.to_path_buf(),
                message: error.to_string(),
                not_restored: failures,
            })
        }
    }
}

/// Whether a folder on the way to `path` is one of `entries`.
pub fn under_any(path: &str, entries: &FxHashSet<&str>) -> bool {
    let mut folder = parent(path);
    while !folder.is_empty() {
        let name = folder.trim_end_matches('/');
        if entries.contains(name) {
            return true;
        }
        folder = parent(name);
    }
    false
}

/// One step; an error names the site path it failed on.
fn apply(output: &Path, step: &Step) -> io::Result<()> {
    let path = match step {
        Step::Remove { path } | Step::Replace { path, .. } => path,
    };
    apply_step(output, step).map_err(|e| io::Error::new(e.kind(), format!("/{path}: {e}")))
}

fn apply_step(output: &Path, step: &Step) -> io::Result<()> {
    let backup = backup_dir(output);
    match step {
        Step::Remove { path } => move_within(output, &backup, path),
        Step::Replace { path, existed } => {
            if *existed {
                move_within(output, &backup, path)?;
            }
            let staged = new_files_dir(&output.join(STAGING), false);
            move_within(&staged, output, path)
        }
    }
}

/// Undoes `steps` (the last may be half done), newest first; returns what could not be undone.
/// Nothing is moved through a link: a link found backed up (one that stood in the output, which
/// koho never writes) is deleted rather than put back, so no path can lead outside the output.
fn undo(output: &Path, steps: &[Step]) -> Vec<String> {
    let backup = backup_dir(output);
    let mut failures = Vec::new();
    for step in steps.iter().rev() {
        let (path, restore_backup) = match step {
            Step::Remove { path } => (path, true),
            Step::Replace { path, existed } => (path, *existed),
        };
        let result = match entry_within(&backup, path) {
            Some(meta) if meta.file_type().is_symlink() => fs::remove_file(backup.join(path)),
            // koho backs up files and links, never a folder: one there is not koho's.
            Some(meta) if meta.is_dir() => Ok(()),
            Some(_) => move_within(&backup, output, path),
            // A file the previous output did not have: take it out again.
            None if !restore_backup && matches!(step, Step::Replace { .. }) => {
                match entry_within(output, path) {
                    Some(meta) if !meta.is_dir() => fs::remove_file(output.join(path)),
                    _ => Ok(()),
                }
            }
            None => Ok(()),
        };
        if let Err(e) = result {
            failures.push(format!("{path}: {e}"));
        }
    }
    failures
}

/// Undoes a commit that a crash interrupted (its journal is still there), then clears staging.
/// A link or file in place of the staging folder or its `old` and `new` folders is removed
/// itself, never followed: such a staging folder holds nothing of koho's.
pub fn recover(output: &Path) -> io::Result<()> {
    let staging = output.join(STAGING);
    if !is_real_dir(&staging) {
        return match fs::symlink_metadata(&staging) {
            Ok(_) => fs::remove_file(&staging),
            Err(_) => Ok(()),
        };
    }
    for inner in ["old", "new"] {
        let folder = staging.join(inner);
        if fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
            fs::remove_file(&folder)?;
        }
    }
    let journal = staging.join(JOURNAL);
    let is_file = fs::symlink_metadata(&journal).is_ok_and(|m| m.is_file());
    if let Some(text) = is_file.then(|| fs::read_to_string(&journal).ok()).flatten() {
        let steps: Vec<Step> = text.lines().filter_map(parse_step).collect();
        let failures = undo(output, &steps);
        if !failures.is_empty() {
            return Err(io::Error::other(format!(
                "an interrupted build could not be undone for: {}; move {} out of the output to build again",
                failures.join(", "),
                staging.display()
            )));
        }
    }
    remove_tree(&staging)
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// The entry at `base/relative` (a `/`-separated site path), reached without following any
/// link on the way; the entry itself may be a link. None when it does not exist or a folder
/// on the way is a link or not a folder.
pub fn entry_within(base: &Path, relative: &str) -> Option<fs::Metadata> {
    if !is_site_path(relative) {
        return None;
    }
    let mut path = base.to_path_buf();
    let mut parts = relative.split('/').filter(|p| !p.is_empty()).peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        let meta = fs::symlink_metadata(&path).ok()?;
        if parts.peek().is_none() {
            return Some(meta);
        }
        if !meta.is_dir() {
            return None;
        }
    }
    None
}

/// Makes `base` and every folder on the way to `base/relative` a real folder: a link or file
/// in the way is removed (the link itself) and a folder made in its place.
pub fn real_parents(base: &Path, relative: &str) -> io::Result<()> {
    match fs::symlink_metadata(base) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            fs::remove_file(base)?;
            fs::create_dir_all(base)?;
        }
        Err(_) => fs::create_dir_all(base)?,
    }
    real_folders_below(base, relative)
}

/// `real_parents` for a `base` known to be a real folder. Each folder is made first and
/// checked only when it exists already, so a new folder costs one `mkdir`, as with
/// `create_dir_all`.
pub fn real_folders_below(base: &Path, relative: &str) -> io::Result<()> {
    let mut path = base.to_path_buf();
    let parts: Vec<&str> = relative.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        path.push(part);
        match fs::create_dir(&path) {
            Ok(()) => continue,
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            Err(_) if is_real_dir(&path) => continue,
            Err(_) => {
                fs::remove_file(&path)?;
                match fs::create_dir(&path) {
                    // Made meanwhile by another render thread: fine if it is a real folder.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && is_real_dir(&path) => {}
                    other => other?,
                }
            }
        }
    }
    Ok(())
}

/// Moves the entry at `relative` from the tree `from_base` to the same place in `to_base`
/// (the output and the staging folders), never through a link: the entry must be reachable
/// through real folders, the target's folders are made real first, and an empty folder in the
/// target's place is removed. A link is moved as a link.
fn move_within(from_base: &Path, to_base: &Path, relative: &str) -> io::Result<()> {
    if entry_within(from_base, relative).is_none() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not found, or only through a link",
        ));
    }
    real_parents(to_base, relative)?;
    let to = to_base.join(relative);
    if is_real_dir(&to) {
        fs::remove_dir(&to)?;
    }
    fs::rename(from_base.join(relative), to)
}

fn write_journal(staging: &Path, steps: &[Step]) -> io::Result<()> {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Remove { path } => text.push_str(&format!("remove\t{path}\n")),
            Step::Replace { path, existed } => {
                text.push_str(&format!("replace\t{}\t{path}\n", u8::from(*existed)));
            }
        }
    }
    fs::create_dir_all(staging)?;
    let mut file = fs::File::create(staging.join(JOURNAL))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn parse_step(line: &str) -> Option<Step> {
    let mut fields = line.splitn(3, '\t');
    let step = match (fields.next()?, fields.next()?, fields.next()) {
        ("remove", path, None) => Some(Step::Remove { path: path.into() }),
        ("replace", existed, Some(path)) => Some(Step::Replace {
            path: path.into(),
            existed: existed == "1",
        }),
        _ => None,
    }?;
    let path = match &step {
        Step::Remove { path } | Step::Replace { path, .. } => path,
    };
    is_site_path(path).then_some(step)
}

/// Whether `path` is a path inside the output as the plan writes them: `/`-separated names,
/// none empty, `.` or `..`, not absolute. A journal line naming anything else is ignored, so
/// no journal can make a step reach outside the output.
fn is_site_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

/// Removes the given folders and their parents up to `output` when they are empty.
pub fn remove_empty_dirs(output: &Path, dirs: Vec<PathBuf>) {
    let mut all: FxHashSet<PathBuf> = FxHashSet::default();
    for dir in dirs {
        let mut current = Some(dir.as_path());
        while let Some(d) = current.filter(|d| d.starts_with(output) && *d != output) {
            all.insert(d.to_path_buf());
            current = d.parent();
        }
    }
    let mut all: Vec<PathBuf> = all.into_iter().collect();
    all.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in all {
        let _ = fs::remove_dir(&dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written() -> super::super::written::Written {
        super::super::written::Written {
            stamp: Stamp::default(),
            digest: "h:0".into(),
        }
    }

    /// A record of `files` with every folder's stamp as it is on disk now.
    fn record_of(output: &Path, files: &[&str]) -> WrittenFiles {
        let no_known = FxHashMap::default();
        let dirs = folder_stamps(output, files.iter().copied(), &no_known, false);
        let mut record = WrittenFiles::default();
        for file in files {
            record.files.insert(file.to_string(), written());
        }
        record.dirs = dirs;
        record
    }

    fn stale_of(output: &Path, record: &WrittenFiles, keep: &[&str]) -> (Vec<String>, usize) {
        let keep: FxHashSet<&str> = keep.iter().copied().collect();
        let (now, _) = recorded_dir_stamps(output, record);
        let scan = stale_files(output, &keep, record, &now).unwrap();
        (scan.stale, scan.unchanged_dirs.len())
    }

    #[test]
    fn unchanged_folders_give_their_recorded_files_without_being_listed() {
        let output = tempfile::tempdir().unwrap();
        let files = ["index.html", "ja/a/index.html", "ja/b/index.html"];
        for file in files {
            let path = output.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let mut record = record_of(output.path(), &files);
        // Recorded but not on disk: only a scan that trusts the record names it.
        record.files.insert("ja/a/gone.html".into(), written());
        let (stale, unchanged) = stale_of(output.path(), &record, &files);
        assert_eq!(stale, ["ja/a/gone.html"]);
        assert_eq!(unchanged, 4, "``, ja/, ja/a/, ja/b/");
    }

    #[test]
    fn without_a_record_the_whole_output_is_listed() {
        let output = tempfile::tempdir().unwrap();
        fs::create_dir_all(output.path().join("ja/a")).unwrap();
        fs::write(output.path().join("ja/a/old.html"), "x").unwrap();
        fs::write(output.path().join("ja/a/index.html"), "x").unwrap();
        let (stale, _) = stale_of(
            output.path(),
            &WrittenFiles::default(),
            &["ja/a/index.html"],
        );
        assert_eq!(stale, ["ja/a/old.html"]);
    }

    #[test]
    fn a_changed_folder_is_listed_and_the_unchanged_ones_below_it_still_trusted() {
        let output = tempfile::tempdir().unwrap();
        let files = ["ja/a/index.html", "ja/b/index.html"];
        for file in files {
            let path = output.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let mut record = record_of(output.path(), &files);
        record.files.insert("ja/b/gone.html".into(), written());
        // A stray beside the language folders changes `ja/`'s stamp: `ja/` is listed, `ja/b/`
        // is found there unchanged and its record trusted; the stray folder is walked too.
        fs::create_dir_all(output.path().join("ja/stray")).unwrap();
        fs::write(output.path().join("ja/stray/x.html"), "x").unwrap();
        fs::write(output.path().join("ja/a/stray.txt"), "x").unwrap();
        let keep = ["ja/b/index.html"];
        let (stale, _) = stale_of(output.path(), &record, &keep);
        assert_eq!(
            stale,
            [
                "ja/a/index.html",
                "ja/a/stray.txt",
                "ja/b/gone.html",
                "ja/stray/x.html"
            ]
        );
    }

    #[test]
    fn a_move_forgets_the_stamps_of_every_folder_on_its_way() {
        let stamp = Stamp::default();
        let mut dirs: FxHashMap<&str, Stamp> = ["", "ja/", "ja/a/", "ja/b/", "en/"]
            .iter()
            .map(|d| (*d, stamp))
            .collect();
        forget_touched(&mut dirs, &["ja/a/index.html".to_string()]);
        let mut left: Vec<&str> = dirs.keys().copied().collect();
        left.sort();
        assert_eq!(left, ["en/", "ja/b/"]);
    }

    #[test]
    fn a_folder_holding_a_stray_file_is_recorded_as_changed_so_the_next_build_lists_it() {
        let output = tempfile::tempdir().unwrap();
        fs::create_dir_all(output.path().join("ja/a")).unwrap();
        fs::write(output.path().join("ja/a/index.html"), "page").unwrap();
        // Written by someone else while the build ran, after its stale files were found.
        fs::write(output.path().join("ja/a/stray.txt"), "stray").unwrap();
        let paths = ["ja/a/index.html"];
        let known = FxHashMap::default();
        let checked = folder_stamps(output.path(), paths.into_iter(), &known, true);
        assert_eq!(checked["ja/a/"], Stamp::default(), "recorded as changed");
        let real = Stamp::read_entry(&output.path().join("ja")).unwrap();
        assert_eq!(checked["ja/"], real, "holds only the planned folder");
        let unchecked = folder_stamps(output.path(), paths.into_iter(), &known, false);
        assert_ne!(unchecked["ja/a/"], Stamp::default());
    }

    #[test]
    fn known_folder_stamps_are_used_and_the_others_read() {
        let output = tempfile::tempdir().unwrap();
        fs::create_dir_all(output.path().join("ja/a")).unwrap();
        fs::create_dir_all(output.path().join("ja/b")).unwrap();
        let pretend = Stamp::default();
        let known = FxHashMap::from_iter([("ja/a/", pretend)]);
        let paths = ["ja/a/index.html", "ja/b/index.html"];
        let stamps = folder_stamps(output.path(), paths.into_iter(), &known, false);
        assert_eq!(stamps["ja/a/"], pretend, "taken from `known`, not read");
        let real = Stamp::read_entry(&output.path().join("ja/b")).unwrap();
        assert_eq!(stamps["ja/b/"], real);
        assert_eq!(
            stamps.len(),
            4,
            "the output, ja/, ja/a/ and ja/b/: {stamps:?}"
        );
    }

    #[test]
    fn journal_lines_naming_paths_outside_the_output_are_ignored() {
        for line in [
            "remove\t../victim.txt",
            "remove\t/etc/passwd",
            "replace\t1\ta/../../b",
            "remove\t",
            "remove\ta//b",
            "replace\t0\t./a",
        ] {
            assert_eq!(parse_step(line), None, "{line:?}");
        }
        assert!(parse_step("remove\tja/a b/index.html").is_some());
    }

    #[test]
    fn a_folder_in_the_backup_is_not_koho_s_and_does_not_stop_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(backup_dir(out).join("ja/x")).unwrap();
        fs::create_dir_all(out.join("ja")).unwrap();
        fs::write(out.join("ja/index.html"), "page").unwrap();
        let steps = [Step::Remove { path: "ja".into() }];
        write_journal(&out.join(STAGING), &steps).unwrap();
        recover(out).unwrap();
        assert!(!out.join(STAGING).exists());
        assert_eq!(
            fs::read_to_string(out.join("ja/index.html")).unwrap(),
            "page"
        );
    }

    #[cfg(unix)]
    #[test]
    fn real_parents_replace_links_on_the_way_and_never_follow_them() {
        let (victim, before) = victim();
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("new");
        std::os::unix::fs::symlink(victim.path(), &base).unwrap();
        real_parents(&base, "css/site.css").unwrap();
        assert!(is_real_dir(&base) && is_real_dir(&base.join("css")));
        fs::create_dir_all(dir.path().join("two")).unwrap();
        std::os::unix::fs::symlink(victim.path().join("css"), dir.path().join("two/css")).unwrap();
        real_parents(&dir.path().join("two"), "css/site.css").unwrap();
        assert!(is_real_dir(&dir.path().join("two/css")));
        assert_eq!(contents_of(victim.path()), before);
    }

    #[test]
    fn journal_lines_round_trip() {
        let steps = [
            Step::Remove {
                path: "a/b.html".into(),
            },
            Step::Replace {
                path: "c d/e.html".into(),
                existed: true,
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        write_journal(dir.path(), &steps).unwrap();
        let text = fs::read_to_string(dir.path().join(JOURNAL)).unwrap();
        let parsed: Vec<Step> = text.lines().filter_map(parse_step).collect();
        assert_eq!(parsed, steps);
    }

    #[test]
    fn a_failed_commit_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("x")).unwrap();
        fs::write(out.join("x/old.html"), "old").unwrap();
        fs::write(out.join("stale.html"), "stale").unwrap();
        let staged = out.join(STAGING).join("new");
        fs::create_dir_all(staged.join("x")).unwrap();
        fs::write(staged.join("x/old.html"), "new").unwrap();
        fs::write(staged.join("x/added.html"), "added").unwrap();
        let changed = ["x/added.html".to_string(), "x/old.html".to_string()];
        let stale = ["stale.html".to_string()];
        for fail_after in 0..3 {
            let error = commit(out, &changed, &stale, Some(fail_after)).unwrap_err();
            assert!(
                matches!(error, BuildError::Commit { ref not_restored, .. } if not_restored.is_empty())
            );
            assert_eq!(fs::read_to_string(out.join("x/old.html")).unwrap(), "old");
            assert_eq!(fs::read_to_string(out.join("stale.html")).unwrap(), "stale");
            assert!(!out.join("x/added.html").exists());
            fs::create_dir_all(staged.join("x")).unwrap();
            fs::write(staged.join("x/old.html"), "new").unwrap();
            fs::write(staged.join("x/added.html"), "added").unwrap();
        }
        commit(out, &changed, &stale, None).unwrap();
        assert_eq!(fs::read_to_string(out.join("x/old.html")).unwrap(), "new");
        assert!(!out.join("stale.html").exists());
        assert!(!out.join(STAGING).exists());
    }

    /// A folder outside the output holding files at the paths a build writes; its contents.
    #[cfg(unix)]
    fn victim() -> (tempfile::TempDir, Vec<(String, String)>) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("handbook")).unwrap();
        fs::write(dir.path().join("handbook/index.html"), "victim page").unwrap();
        fs::create_dir_all(dir.path().join("css")).unwrap();
        fs::write(dir.path().join("css/site.css"), "victim css").unwrap();
        let contents = contents_of(dir.path());
        (dir, contents)
    }

    #[cfg(unix)]
    fn contents_of(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let text = fs::read_to_string(e.path()).unwrap();
                (e.path().display().to_string(), text)
            })
            .collect();
        files.sort();
        files
    }

    #[cfg(unix)]
    #[test]
    fn recovery_never_writes_through_a_link_in_a_folders_place() {
        let (victim, before) = victim();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let old = backup_dir(out);
        fs::create_dir_all(old.join("ja/handbook")).unwrap();
        fs::write(old.join("ja/handbook/index.html"), "the old page").unwrap();
        fs::create_dir_all(out.join("ja")).unwrap();
        std::os::unix::fs::symlink(victim.path().join("handbook"), out.join("ja/handbook"))
            .unwrap();
        let steps = [Step::Replace {
            path: "ja/handbook/index.html".into(),
            existed: true,
        }];
        write_journal(&out.join(STAGING), &steps).unwrap();
        recover(out).unwrap();
        assert_eq!(contents_of(victim.path()), before);
        assert!(is_real_dir(&out.join("ja/handbook")));
        let restored = fs::read_to_string(out.join("ja/handbook/index.html")).unwrap();
        assert_eq!(restored, "the old page");
    }

    #[cfg(unix)]
    #[test]
    fn recovery_never_takes_files_through_a_linked_backup_folder() {
        let (victim, before) = victim();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let steps = [Step::Remove {
            path: "css/site.css".into(),
        }];
        write_journal(&out.join(STAGING), &steps).unwrap();
        std::os::unix::fs::symlink(victim.path(), backup_dir(out)).unwrap();
        recover(out).unwrap();
        assert_eq!(contents_of(victim.path()), before);
        assert!(!out.join(STAGING).exists() && !out.join("css/site.css").exists());
    }

    #[cfg(unix)]
    #[test]
    fn recovery_drops_a_backed_up_link_and_reads_nothing_through_it() {
        let (victim, before) = victim();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        // A build moved the link standing in for ja/ out, then made ja/handbook/index.html.
        let old = backup_dir(out);
        fs::create_dir_all(&old).unwrap();
        std::os::unix::fs::symlink(victim.path(), old.join("ja")).unwrap();
        fs::create_dir_all(out.join("ja/handbook")).unwrap();
        fs::write(out.join("ja/handbook/index.html"), "new").unwrap();
        let steps = [
            Step::Remove { path: "ja".into() },
            Step::Replace {
                path: "ja/handbook/index.html".into(),
                existed: false,
            },
        ];
        write_journal(&out.join(STAGING), &steps).unwrap();
        recover(out).unwrap();
        assert_eq!(contents_of(victim.path()), before);
        assert!(!out.join(STAGING).exists());
        assert!(!out.join("ja/handbook/index.html").exists());
        assert!(is_real_dir(&out.join("ja")), "no link is put back");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_staging_folder_is_removed_not_followed() {
        let (victim, before) = victim();
        fs::write(victim.path().join(JOURNAL), "remove\tcss/site.css\n").unwrap();
        let before_with_journal = contents_of(victim.path());
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(victim.path(), dir.path().join(STAGING)).unwrap();
        recover(dir.path()).unwrap();
        assert_eq!(contents_of(victim.path()), before_with_journal);
        assert!(fs::symlink_metadata(dir.path().join(STAGING)).is_err());
        assert!(before.len() + 1 == before_with_journal.len());
    }

    #[test]
    fn a_commit_interrupted_by_a_crash_is_undone_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::write(out.join("kept.html"), "new").unwrap();
        fs::write(out.join("added.html"), "added").unwrap();
        let old = backup_dir(out);
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("kept.html"), "old").unwrap();
        fs::write(old.join("stale.html"), "stale").unwrap();
        let steps = [
            Step::Remove {
                path: "stale.html".into(),
            },
            Step::Replace {
                path: "kept.html".into(),
                existed: true,
            },
            Step::Replace {
                path: "added.html".into(),
                existed: false,
            },
            Step::Replace {
                path: "never-moved.html".into(),
                existed: true,
            },
        ];
        write_journal(&out.join(STAGING), &steps).unwrap();
        fs::write(out.join("never-moved.html"), "untouched").unwrap();
        recover(out).unwrap();
        assert_eq!(fs::read_to_string(out.join("kept.html")).unwrap(), "old");
        assert_eq!(fs::read_to_string(out.join("stale.html")).unwrap(), "stale");
        assert_eq!(
            fs::read_to_string(out.join("never-moved.html")).unwrap(),
            "untouched"
        );
        assert!(!out.join("added.html").exists());
        assert!(!out.join(STAGING).exists());
    }
}
