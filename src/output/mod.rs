//! Output: writes exactly the output plan. Into an empty or new folder files go straight in;
//! into a previous output, only the files that changed are staged (inside the output, so the
//! same file system even for a mount point) and moved in by a journalled commit that is undone
//! on any failure, so a failed build leaves the previous output exactly as it was. Unchanged
//! files keep their bytes, time and inode; files the site no longer has are removed. What the
//! writer records (hashes, what was written, the lock) lives under the site root, never in the
//! output.

mod commit;
pub mod written;

use rustc_hash::{FxHashMap, FxHashSet};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::background::Leftovers;
use crate::cache::Stamp;
use crate::error::{BuildError, Diagnostic};
use crate::site::plan::{OutputPlan, PlannedFile};
pub use written::Written;
use written::{copy_digest, rendered_digest, with_fingerprint, WrittenFiles};

/// The folder inside the output where changed files wait until the build has succeeded.
pub const STAGING: &str = ".koho-staging";
/// The marker that versions before 0.2 left in the output; still accepted as proof of
/// ownership, and removed.
const LEGACY_MARKER: &str = ".koho-output";

/// How many files were written anew and how many were kept from the previous build.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// The removed files that no build had recorded writing (put into the output by hand or by
    /// another program), site-relative, sorted, each quoted and escaped as Rust's `Debug`
    /// shows strings (`"en/a, b.html"`, `"en/\xFF.html"`), so that a list of them reads
    /// unambiguously: the build names them rather than drop them silently.
    pub removed_foreign: Vec<String>,
}

/// What `Writer::find_stale` found for `Writer::commit`: `None` for a fresh output.
pub struct StaleFiles<'w>(Option<io::Result<commit::StaleScan<'w>>>);

/// A commit done (`Writer::commit`): its stats and the records `Writer::finish` hands back.
pub struct Committed {
    stats: WriteStats,
    written: Vec<(String, Written)>,
    dirs: FxHashMap<String, Stamp>,
}

/// What a rebuild's commit removed (`Writer::move_in_and_remove`): how many entries, those no
/// build had written (`WriteStats::removed_foreign`), and the folders whose stamps are still
/// the ones `open` read (none the commit touched, nor the output itself).
#[derive(Default)]
struct Removed<'w> {
    count: usize,
    foreign: Vec<String>,
    known_dirs: FxHashMap<&'w str, Stamp>,
}

/// The paths of the plan's files: what a rebuild keeps in the output.
fn kept_paths(plan: &OutputPlan) -> FxHashSet<&str> {
    plan.files.iter().map(|f| f.path.as_str()).collect()
}

/// The folder under the site root where koho keeps what belongs to one output (its record of
/// written files and its lock): `<root>/.koho/output-<hash of the output path>/`.
pub fn state_dir(root: &Path, output: &Path) -> PathBuf {
    root.join(".koho")
        .join(format!("output-{:016x}", output_id(&absolute(output))))
}

/// The name of an output's state folder: std's `DefaultHasher::new()` (SipHash-1-3, zero
/// keys) of the absolute path, as earlier versions named it. Never change it: a new name makes
/// koho forget that it wrote the output and refuse it as a folder it did not write (a test
/// pins the value).
fn output_id(absolute: &Path) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(absolute.to_string_lossy().as_bytes());
    hasher.finish()
}

/// `path` made absolute against the current directory, `..` resolved through existing parents.
fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path,
        }
    }
    let mut real = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    real.extend(rest.iter().rev());
    real
}

/// The output folder to write into: `output` itself, or, when it is a symbolic link, the folder
/// it points to (the site's owner chose the link, as with `public -> /var/www/site`; links
/// inside the output are never followed). A link to nothing is an error: writing would replace
/// the link with a folder no web server looks at.
pub fn resolve_link(output: &Path) -> Result<PathBuf, BuildError> {
    let is_link = fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(output.to_path_buf());
    }
    output
        .canonicalize()
        .map_err(|source| BuildError::BrokenOutputLink {
            output: output.to_path_buf(),
            source,
        })
}

/// Whether `inner` is `outer` or inside it (both resolved through symlinks where they exist).
pub fn is_inside(inner: &Path, outer: &Path) -> bool {
    absolute(inner).starts_with(absolute(outer))
}

/// The output's lock, held for a whole build: from before the up-to-date check to after the
/// commit, so that of two builds into one output started together the second fails within
/// `LOCK_PATIENCE`, before it reads anything.
pub struct OutputLock {
    _file: File,
}

/// Takes the lock of `output` (a file under the state folder, `flock`ed); `BuildError::Locked`
/// when another build still holds it after `LOCK_PATIENCE`.
pub fn lock_output(root: &Path, output: &Path) -> Result<OutputLock, BuildError> {
    let state = state_dir(root, output);
    fs::create_dir_all(&state).map_err(|e| BuildError::io(&state, e))?;
    let lock_path = state.join("lock");
    let file = open_lock_file(&lock_path).map_err(|e| BuildError::io(&lock_path, e))?;
    let waited = std::time::Instant::now();
    while file.try_lock().is_err() {
        if waited.elapsed() >= LOCK_PATIENCE {
            return Err(BuildError::Locked(output.to_path_buf()));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(OutputLock { _file: file })
}

/// How long `lock_output` retries a held lock. A lock is also held, for a moment, by a child
/// process that another thread of the same program forks (`std::process::Command`) while a
/// build holds the lock: the child shares the lock's open file until it executes its program
/// (`flock(2)`: the lock belongs to the open file description). A build right after that one,
/// in the same program (a preview server, a test), would otherwise be refused as concurrent.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(250);

/// The lock file, opened without truncating it and never through a link: a link put in its
/// place (to a file elsewhere), or a folder (which would fail every build), is removed and a
/// file of koho's own made instead.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let open = || {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        options.open(path)
    };
    match open() {
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) => {
            fs::remove_file(path)?;
            open()
        }
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) => {
            fs::remove_dir_all(path)?;
            open()
        }
        opened => opened,
    }
}

/// Whether `output` is exactly as the last build recorded it: no interrupted commit, every
/// recorded file with its recorded stamp and every recorded folder too (so nothing was added,
/// removed or replaced). The caller holds the output's lock.
pub fn is_intact(root: &Path, output: &Path, _lock: &OutputLock) -> bool {
    use rayon::prelude::*;
    let state = state_dir(root, output);
    if fs::symlink_metadata(output.join(STAGING)).is_ok() {
        return false;
    }
    let record = WrittenFiles::load(&state.join("written.tsv"));
    let files_intact = record.files.par_iter().all(|(path, written)| {
        Stamp::read_entry(&output.join(path)).is_ok_and(|s| s.same_output_file(&written.stamp))
    });
    !record.files.is_empty()
        && files_intact
        && !record.dirs.is_empty()
        && record.dirs.par_iter().all(|(dir, stamp)| {
            Stamp::read_entry(&commit::folder_path(output, dir)).ok() == Some(*stamp)
        })
}

/// Writes one build's files into the output; see the module documentation.
pub struct Writer {
    output: PathBuf,
    /// Files go straight into the output (it was empty or new).
    fresh: bool,
    /// The output and the folders above it that `start` made, deepest first (empty when the
    /// output existed).
    created_dirs: Vec<PathBuf>,
    record_path: PathBuf,
    previous: WrittenFiles,
    written: Mutex<Vec<(String, Written)>>,
    changed: Mutex<Vec<String>>,
    unchanged: AtomicUsize,
    made_dirs: Mutex<FxHashSet<PathBuf>>,
    /// Recorded folders found replaced by a link or a file when the build began: nothing
    /// under them is the previous build's any more (`on_disk`).
    replaced_dirs: FxHashSet<String>,
    /// The previous build's files as `open` found them (`on_disk`): looked at once, in
    /// parallel, while the caller prepares the site (`koho::build_with_progress`).
    surveyed: FxHashMap<String, Option<Stamp>>,
    /// The previous build's folders' stamps as `open` found them (`commit::stale_files`).
    folders_found: FxHashMap<String, Stamp>,
    _lock: OutputLock,
    /// For tests: fail the commit after this many moves, to prove it is undone.
    pub fail_after_moves: Option<usize>,
}

impl Writer {
    /// Opens the output for a build holding its `lock`: finishes or undoes an interrupted
    /// earlier commit, refuses a folder koho did not write and looks at what the previous build
    /// left. Nothing is created until `start`.
    pub fn open(root: &Path, output: &Path, lock: OutputLock) -> Result<Writer, BuildError> {
        let state = state_dir(root, output);
        let record_path = state.join("written.tsv");
        // Nothing in a folder koho did not write is touched, its staging folder included.
        // A record replaced by a folder, a pipe or a dangling link is a damaged record (read as
        // none: the output is then compared file by file), not a sign that the folder is
        // someone else's, when `output-id` proves the folder is the one koho wrote.
        let record_there = fs::symlink_metadata(&record_path).is_ok();
        let record = record_there.then(|| WrittenFiles::load(&record_path));
        let owned = (record_path.is_file() && same_folder(&state, output))
            || (record_there && proven_same_folder(&state, output))
            || output.join(LEGACY_MARKER).is_file();
        if !owned && !is_empty_dir(output)? {
            return Err(BuildError::ForeignOutput(output.to_path_buf()));
        }
        commit::recover(output).map_err(|e| BuildError::io(&output.join(STAGING), e))?;
        let fresh = is_empty_dir(output)?;
        let previous = match fresh {
            true => WrittenFiles::default(),
            false => record.unwrap_or_default(),
        };
        let (folders_found, replaced_dirs) = commit::recorded_dir_stamps(output, &previous);
        let surveyed = survey(output, &previous, &replaced_dirs);
        Ok(Writer {
            output: output.to_path_buf(),
            fresh,
            created_dirs: Vec::new(),
            previous,
            record_path,
            written: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
            unchanged: AtomicUsize::new(0),
            made_dirs: Mutex::new(FxHashSet::default()),
            replaced_dirs,
            surveyed,
            folders_found,
            _lock: lock,
            fail_after_moves: None,
        })
    }

    /// Makes the folder the build writes into, once the site is prepared (a build that fails
    /// before leaves the output as it was, folder times included): the staging folder, or,
    /// into an empty or new output, the output itself, with the folders above it that did not
    /// exist (`abandon` removes them again). An empty output is first recorded as koho's
    /// (an empty record), so that the next build repairs what a build killed halfway through
    /// leaves instead of refusing a folder koho did not write.
    pub fn start(&mut self) -> Result<(), BuildError> {
        if !self.fresh {
            let new_files = commit::new_files_dir(&self.output.join(STAGING), false);
            return fs::create_dir_all(&new_files).map_err(|e| BuildError::io(&new_files, e));
        }
        let mut missing = self.output.as_path();
        while !missing.exists() {
            self.created_dirs.push(missing.to_path_buf());
            match missing.parent() {
                Some(parent) => missing = parent,
                None => break,
            }
        }
        fs::create_dir_all(&self.output).map_err(|e| BuildError::io(&self.output, e))?;
        WrittenFiles::default().save(&self.record_path);
        if let Some(state) = self.record_path.parent() {
            record_output_folder(state, &self.output);
        }
        Ok(())
    }

    /// The stamp of the output's regular file at `path` (site-relative), or None when there is
    /// none: missing, a link or folder in its place, or under a folder that was replaced. For a
    /// file of the previous build, as `open` found it.
    fn on_disk(&self, path: &str) -> Option<Stamp> {
        match self.surveyed.get(path) {
            Some(stamp) => *stamp,
            None => stamp_on_disk(&self.output, &self.replaced_dirs, path),
        }
    }

    /// Where a changed file is written before the commit.
    fn target(&self, path: &str) -> PathBuf {
        self.write_root().join(path)
    }

    /// The folder changed files are written into: the output when fresh, else staging/new.
    fn write_root(&self) -> PathBuf {
        if self.fresh {
            self.output.clone()
        } else {
            commit::new_files_dir(&self.output.join(STAGING), false)
        }
    }

    /// Writes rendered bytes for `file`, unless the output already holds exactly them.
    pub fn put(&self, file: &PlannedFile, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.put_rendered(file, bytes, None)
    }

    /// `put`, recording the fingerprint of the inputs the bytes were rendered from (see
    /// `site::fingerprint`), so that the next build can keep the file (`unchanged_rendered`).
    pub fn put_rendered(
        &self,
        file: &PlannedFile,
        bytes: &[u8],
        fingerprint: Option<u64>,
    ) -> Result<(), Diagnostic> {
        let digest = with_fingerprint(rendered_digest(bytes), fingerprint);
        if !self.fresh {
            let on_disk = self.on_disk(&file.path);
            if self.previous.is_current(&file.path, &digest, on_disk)
                || (!self.previous.files.contains_key(&file.path)
                    && commit::entry_within(&self.output, &file.path).is_some_and(|m| m.is_file())
                    && same_bytes(&self.output.join(&file.path), bytes))
            {
                return self.keep(file, digest, on_disk);
            }
        }
        let target = self.target(&file.path);
        self.make_parent(&target, file)?;
        let stamp = write_new(&target, bytes).map_err(|e| write_error(file, &e))?;
        self.record_new(file, stamp, digest)
    }

    /// The record of `file` as it stays, when the previous build rendered it from inputs with
    /// the same `fingerprint` and nobody changed it since; None: render it. Nothing is
    /// recorded until `keep_all` (one lock for every kept file, not one each).
    pub fn unchanged_rendered(
        &self,
        file: &PlannedFile,
        fingerprint: u64,
    ) -> Option<(String, Written)> {
        if self.fresh {
            return None;
        }
        let on_disk = self.on_disk(&file.path);
        let recorded = self
            .previous
            .rendered_from(&file.path, fingerprint, on_disk)?;
        let written = Written {
            stamp: on_disk.unwrap_or_default(),
            digest: recorded.digest.clone(),
        };
        Some((file.path.clone(), written))
    }

    /// Records as kept, in one step, the files `unchanged_rendered` gave a record.
    pub fn keep_all(&self, kept: impl Iterator<Item = (String, Written)>) {
        let mut written = lock(&self.written);
        let before = written.len();
        written.extend(kept);
        self.unchanged
            .fetch_add(written.len() - before, Ordering::Relaxed);
    }

    /// Copies `source` for `file`, unless the output holds a copy of this very source file.
    pub fn copy(&self, file: &PlannedFile, source: &Path) -> Result<(), Diagnostic> {
        let source_stamp = Stamp::read(source).map_err(|e| read_error(file, source, &e))?;
        let digest = copy_digest(&source_stamp);
        if !self.fresh {
            let on_disk = self.on_disk(&file.path);
            if self.previous.is_current(&file.path, &digest, on_disk) {
                return self.keep(file, digest, on_disk);
            }
        }
        let target = self.target(&file.path);
        self.make_parent(&target, file)?;
        let stamp = copy_keeping_time(source, &target).map_err(|e| write_error(file, &e))?;
        self.record_new(file, stamp, digest)
    }

    fn keep(
        &self,
        file: &PlannedFile,
        digest: String,
        on_disk: Option<Stamp>,
    ) -> Result<(), Diagnostic> {
        let stamp = on_disk.unwrap_or_default();
        lock(&self.written).push((file.path.clone(), Written { stamp, digest }));
        self.unchanged.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn record_new(
        &self,
        file: &PlannedFile,
        stamp: Stamp,
        digest: String,
    ) -> Result<(), Diagnostic> {
        lock(&self.written).push((file.path.clone(), Written { stamp, digest }));
        lock(&self.changed).push(file.path.clone());
        Ok(())
    }

    fn make_parent(&self, target: &Path, file: &PlannedFile) -> Result<(), Diagnostic> {
        let Some(parent) = target.parent() else {
            return Ok(());
        };
        if lock(&self.made_dirs).contains(parent) {
            return Ok(());
        }
        // Real folders all the way, from the deepest one this build made or checked: a link
        // put in the staging folder is removed, not followed.
        let root = self.write_root();
        let mut known = commit::parent(&file.path);
        while !known.is_empty() && !lock(&self.made_dirs).contains(&root.join(known)) {
            known = commit::parent(known.trim_end_matches('/'));
        }
        let made = if known.is_empty() {
            commit::real_parents(&root, &file.path)
        } else {
            commit::real_folders_below(&root.join(known), &file.path[known.len()..])
        };
        made.map_err(|e| write_error(file, &e))?;
        let mut made_dirs = lock(&self.made_dirs);
        let mut folder = commit::parent(&file.path);
        while folder.len() > known.len() {
            made_dirs.insert(root.join(folder));
            folder = commit::parent(folder.trim_end_matches('/'));
        }
        made_dirs.insert(parent.to_path_buf());
        Ok(())
    }

    /// Finds what the commit removes (`commit::stale_files`): the files of the previous output
    /// that `plan` does not have. It needs only the plan and what `open` found, and a rebuild
    /// changes nothing in the output before its commit (it stages its files), so the caller
    /// runs it while the changed files render: about 30 ms of a one-release rebuild at 10,000
    /// releases that the commit no longer waits for. A stray written meanwhile is still found:
    /// by `folder_stamps`' listing, or by the next build through a changed folder stamp.
    /// Nothing to find in a fresh output.
    pub fn find_stale(&self, plan: &OutputPlan) -> StaleFiles<'_> {
        if self.fresh {
            return StaleFiles(None);
        }
        let keep = kept_paths(plan);
        let scan = commit::stale_files(&self.output, &keep, &self.previous, &self.folders_found);
        StaleFiles(Some(scan))
    }

    /// Makes the written files the output: moves the staged ones in and removes the `stale`
    /// ones (`find_stale`, for the same plan), all or nothing (see `commit`). Saves the record
    /// of written files. `finish` then returns the stats with what is left to free.
    pub fn commit(
        &self,
        plan: &OutputPlan,
        stale: StaleFiles<'_>,
    ) -> Result<Committed, BuildError> {
        let mut changed = std::mem::take(&mut *lock(&self.changed));
        changed.sort();
        let Removed {
            count: removed,
            foreign: removed_foreign,
            known_dirs,
        } = match stale.0 {
            None => Removed::default(),
            Some(scan) => {
                let scan = scan
                    .map_err(|e| BuildError::io(&self.output, e))
                    .and_then(|scan| self.refuse_losses(plan, scan, &changed))
                    // Nothing moved yet: the output is as it was, staging folder and all.
                    .inspect_err(|_| self.discard_staged())?;
                self.move_in_and_remove(scan, &changed)?
            }
        };
        let mut written = std::mem::take(&mut *lock(&self.written));
        if !self.fresh {
            restamp_moved(&self.output, &changed, &mut written);
        }
        let planned = plan.files.iter().map(|f| f.path.as_str());
        let dirs = commit::folder_stamps(&self.output, planned, &known_dirs, !self.fresh);
        // A build that wrote or removed a file has a new record; one that did neither may
        // still have (a fingerprint or a stamp changed), which only a comparison tells.
        let unchanged =
            changed.is_empty() && removed == 0 && self.previous.is_the_record_of(&written, &dirs);
        if !unchanged {
            WrittenFiles::save_entries(&self.record_path, &written, &dirs);
        }
        if let Some(state) = self.record_path.parent() {
            record_output_folder(state, &self.output);
        }
        let stats = WriteStats {
            written: changed.len(),
            unchanged: self.unchanged.load(Ordering::Relaxed),
            removed,
            removed_foreign,
        };
        Ok(Committed {
            stats,
            written,
            dirs,
        })
    }

    /// `scan`, unless removing its stale entries would lose a kept file
    /// (`refuse_lost_kept_files`). The set of kept paths (33,000 at 10,000 releases) is made
    /// again only when there is something stale: the scan's own set was dropped with it.
    fn refuse_losses<'w>(
        &self,
        plan: &OutputPlan,
        scan: commit::StaleScan<'w>,
        changed: &[String],
    ) -> Result<commit::StaleScan<'w>, BuildError> {
        if !scan.stale.is_empty() {
            refuse_lost_kept_files(&self.output, &scan.stale, &kept_paths(plan), changed)?;
        }
        Ok(scan)
    }

    /// The commit of a rebuild (`commit::commit`): moves the `changed` staged files in and
    /// the stale ones of `scan` out, then removes the entries no journal line can name and
    /// the stray folders left empty.
    fn move_in_and_remove<'w>(
        &self,
        scan: commit::StaleScan<'w>,
        changed: &[String],
    ) -> Result<Removed<'w>, BuildError> {
        let mut removed_foreign: Vec<String> = scan
            .stale
            .iter()
            .filter(|path| !self.previous.files.contains_key(path.as_str()))
            .map(|path| format!("{path:?}"))
            .collect();
        commit::commit(&self.output, changed, &scan.stale, self.fail_after_moves)?;
        // Only now that the commit stands: a failed build leaves the output as it was.
        for entry in &scan.unnameable {
            commit::remove_unnameable(entry).map_err(|e| BuildError::io(entry, e))?;
            let relative = entry.strip_prefix(&self.output).unwrap_or(entry);
            removed_foreign.push(format!("{:?}", relative.as_os_str()));
        }
        let strays = scan.stray_dirs.iter();
        commit::remove_empty_dirs(
            &self.output,
            strays
                .map(|d| commit::folder_path(&self.output, d))
                .collect(),
        );
        let mut known_dirs = scan.unchanged_dirs;
        commit::forget_touched(&mut known_dirs, changed);
        commit::forget_touched(&mut known_dirs, &scan.stale);
        // The staging folder came and went in the output itself.
        known_dirs.remove("");
        Ok(Removed {
            count: scan.stale.len() + scan.unnameable.len(),
            foreign: removed_foreign,
            known_dirs,
        })
    }

    /// The stats of a commit, with the previous and new records for the caller to free.
    pub fn finish(self, committed: Committed) -> (WriteStats, Leftovers) {
        let Committed {
            stats,
            written,
            dirs,
        } = committed;
        let mut leftovers = Leftovers::default();
        leftovers.keep((
            self.previous,
            self.surveyed,
            self.folders_found,
            written,
            dirs,
        ));
        (stats, leftovers)
    }

    /// Removes the staging folder of a rebuild, with what it staged.
    fn discard_staged(&self) {
        let _ = remove_tree(&self.output.join(STAGING));
    }

    /// Throws away what this build wrote; the previous output stays as it was.
    pub fn abandon(self) {
        if !self.fresh {
            self.discard_staged();
        } else if let Some((output, above)) = self.created_dirs.split_first() {
            let _ = remove_tree(output);
            // Folders above the output that this build made, deepest first, if still empty.
            for folder in above {
                let _ = fs::remove_dir(folder);
            }
        } else {
            for path in lock(&self.changed).iter() {
                let _ = fs::remove_file(self.output.join(path));
            }
            commit::remove_empty_dirs(
                &self.output,
                lock(&self.made_dirs).iter().cloned().collect(),
            );
        }
    }
}

/// Whether `output` is an empty folder or does not exist; a file there is a folder koho did
/// not write.
fn is_empty_dir(output: &Path) -> Result<bool, BuildError> {
    match fs::read_dir(output) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            Err(BuildError::ForeignOutput(output.to_path_buf()))
        }
        Err(e) => Err(BuildError::io(output, e)),
    }
}

/// Fails when a stale entry (a link or file found in a folder's place) has a kept file under
/// it: the folder was replaced after its files were found intact (while this build ran, or a
/// link where a new folder goes), and removing the entry would lose them. The output is left
/// as it is; the next build repairs it.
fn refuse_lost_kept_files(
    output: &Path,
    stale: &[String],
    keep: &FxHashSet<&str>,
    changed: &[String],
) -> Result<(), BuildError> {
    if stale.is_empty() {
        return Ok(());
    }
    let stale: FxHashSet<&str> = stale.iter().map(String::as_str).collect();
    let changed: FxHashSet<&str> = changed.iter().map(String::as_str).collect();
    let lost = keep
        .iter()
        .find(|path| !changed.contains(*path) && commit::under_any(path, &stale));
    match lost {
        Some(path) => Err(BuildError::io(
            &output.join(path),
            io::Error::other(
                "a folder on the way to this file was replaced by a link or a file while koho was building; build again",
            ),
        )),
        None => Ok(()),
    }
}

/// The file in the state folder that names the output folder the record belongs to.
const OUTPUT_ID: &str = "output-id";

/// What tells one folder from another made in its place later: its inode and its birth time
/// (an inode number is reused as soon as it is freed; `rm -rf public && mkdir public` often
/// gets the same one). None where the system gives neither.
fn folder_id(output: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(output).ok()?;
    let born = meta
        .created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let inode = Stamp::of(&meta).inode;
    (inode != 0 || born != 0).then(|| format!("{inode}:{born}"))
}

/// The file in the state folder that holds the output's absolute path (`enclosing_output`).
const OUTPUT_PATH: &str = "output-path";

/// Records which folder the output is and where, each file whole or not at all (a cut-off id
/// would refuse koho's own output; best effort: without them, ownership rests on the record
/// and no output is known to enclose another).
fn record_output_folder(state: &Path, output: &Path) {
    use std::io::Write;
    if let Some(id) = folder_id(output) {
        let _ =
            crate::cache::replace_file(&state.join(OUTPUT_ID), |out| out.write_all(id.as_bytes()));
    }
    let path = absolute(output);
    let _ = crate::cache::replace_file(&state.join(OUTPUT_PATH), |out| {
        out.write_all(path.as_os_str().as_encoded_bytes())
    });
}

/// Another output this site has built (its state folder records its path) that `output` lies
/// inside: that output's next build would remove this one as files it does not plan.
pub fn enclosing_output(root: &Path, output: &Path) -> Option<PathBuf> {
    let own = state_dir(root, output);
    let output = absolute(output);
    fs::read_dir(root.join(".koho"))
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|state| *state != own)
        .filter_map(|state| crate::cache::read_state_file(&state.join(OUTPUT_PATH)))
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .map(PathBuf::from)
        .find(|other| other.is_dir() && output != *other && output.starts_with(other))
}

/// The id of the output folder recorded under `state` (`output-id`), when readable.
fn recorded_output_id(state: &Path) -> Option<String> {
    crate::cache::read_state_file(&state.join(OUTPUT_ID))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|id| id.trim().to_string())
}

/// Whether `output-id` under `state` is readable and names the folder at `output` now.
fn proven_same_folder(state: &Path, output: &Path) -> bool {
    recorded_output_id(state).is_some_and(|id| folder_id(output).is_some_and(|now| now == id))
}

/// Whether `output` is the folder koho recorded writing, not one made in its place since
/// (`rm -rf public` and a folder of other files moved there). Without a recorded id (an
/// earlier version's record) or an id for the folder now, this cannot tell: yes.
fn same_folder(state: &Path, output: &Path) -> bool {
    let Some(recorded) = recorded_output_id(state) else {
        return true;
    };
    match folder_id(output) {
        Some(now) => now == recorded,
        // Gone: nothing there to protect; the build makes it anew.
        None => true,
    }
}

/// The stamp of the regular file at `path` in `output` (see `Writer::on_disk`).
fn stamp_on_disk(output: &Path, replaced_dirs: &FxHashSet<String>, path: &str) -> Option<Stamp> {
    if !replaced_dirs.is_empty() {
        let mut folder = commit::parent(path);
        while !folder.is_empty() {
            if replaced_dirs.contains(folder) {
                return None;
            }
            folder = commit::parent(folder.trim_end_matches('/'));
        }
    }
    fs::symlink_metadata(output.join(path))
        .ok()
        .filter(|meta| meta.is_file())
        .map(|meta| Stamp::of(&meta))
}

/// `stamp_on_disk` of every file the previous build recorded, read in parallel.
fn survey(
    output: &Path,
    previous: &WrittenFiles,
    replaced_dirs: &FxHashSet<String>,
) -> FxHashMap<String, Option<Stamp>> {
    use rayon::prelude::*;
    previous
        .files
        .par_iter()
        .map(|(path, _)| (path.clone(), stamp_on_disk(output, replaced_dirs, path)))
        .collect()
}

/// Stamps the files moved in by the commit again: a rename gives a file a new ctime, and the
/// record must hold the stamp the file has in the output, ctime included, so that an edit that
/// restores size and mtime is still noticed.
fn restamp_moved(output: &Path, changed: &[String], written: &mut [(String, Written)]) {
    let changed: FxHashSet<&str> = changed.iter().map(String::as_str).collect();
    for (path, record) in written.iter_mut() {
        if changed.contains(path.as_str()) {
            if let Ok(stamp) = Stamp::read_entry(&output.join(path.as_str())) {
                record.stamp = stamp;
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Messages name the site path and the source that asked for it, never the staging folder.
fn write_error(file: &PlannedFile, e: &io::Error) -> Diagnostic {
    Diagnostic::error(
        Some(file.origin.clone()),
        format!("cannot write /{} ({}): {e}", file.path, file.describe()),
    )
    .with_help("check the free space and permissions of the output folder")
}

fn read_error(file: &PlannedFile, source: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(
        Some(file.origin.clone()),
        format!("cannot read `{}` for /{}: {e}", source.display(), file.path),
    )
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Copies (streamed by the OS) and gives the copy the source's modification time, so that
/// deploy tools that compare times see an unchanged download as unchanged. Returns the
/// copy's stamp, taken from the open file (no second lookup of its path).
fn copy_keeping_time(source: &Path, target: &Path) -> io::Result<Stamp> {
    let mut from = File::open(source)?;
    let modified = from.metadata()?.modified()?;
    let mut to = create_new(target)?;
    io::copy(&mut from, &mut to)?;
    to.set_modified(modified)?;
    Ok(Stamp::of(&to.metadata()?))
}

/// Creates `target`, which must not exist yet (`O_CREAT | O_EXCL`): koho writes each staged
/// file once, so an entry already there (a link or a hard link put there while the build ran)
/// is an error rather than a path to write through.
fn create_new(target: &Path) -> io::Result<File> {
    File::options().write(true).create_new(true).open(target)
}

/// Writes `bytes` to the new file `target` and returns its stamp, taken from the open file:
/// the same size, times and inode a later `lstat` of the path gives, one path lookup fewer
/// for each of a build's 30,000 files.
fn write_new(target: &Path, bytes: &[u8]) -> io::Result<Stamp> {
    let mut file = create_new(target)?;
    io::Write::write_all(&mut file, bytes)?;
    Ok(Stamp::of(&file.metadata()?))
}

/// Removes a folder tree.
fn remove_tree(root: &Path) -> io::Result<()> {
    match fs::remove_dir_all(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod state_name_tests {
    #[test]
    fn an_output_keeps_the_state_folder_earlier_versions_gave_it() {
        // Named by koho before this version for the output `/tmp/sdtest/out`.
        let state = super::state_dir(
            std::path::Path::new("/site"),
            std::path::Path::new("/tmp/sdtest/out"),
        );
        assert!(
            state.ends_with(".koho/output-7613f2e16f6e680c"),
            "{}",
            state.display()
        );
    }
}
