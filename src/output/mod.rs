//! Output: everything that changed is written into a staging folder beside the output and moved
//! in only when the whole build has succeeded, so a failed build leaves the previous output
//! exactly as it was. A file whose bytes did not change is not written again (its time and inode
//! stay, which deploy tools and the preview server rely on); files the site no longer has are
//! removed last.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::BuildError;
use crate::render::OutputFile;
use written::{content_hash, stamp, Written, WrittenFiles};

mod written;

/// The file that marks a folder as koho's output, so that koho never replaces anything else.
pub const MARKER: &str = ".koho-output";

/// A file to copy into the output from the source tree.
pub struct CopiedFile {
    pub source: PathBuf,
    /// Site-relative destination.
    pub output: String,
}

/// How many files were written anew and how many were kept from the previous build.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
}

/// The folder beside the output where koho keeps what makes the next build faster (hashes).
pub fn cache_dir(output: &Path) -> PathBuf {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = output
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    parent.join(format!(".{name}.koho-cache"))
}

/// Refuses to go on when `output` holds something koho did not write.
pub fn check_replaceable(output: &Path) -> Result<(), BuildError> {
    match fs::read_dir(output) {
        Ok(mut entries) => {
            if entries.next().is_none() || output.join(MARKER).is_file() {
                Ok(())
            } else {
                Err(BuildError::ForeignOutput(output.to_path_buf()))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            Err(BuildError::ForeignOutput(output.to_path_buf()))
        }
        Err(e) => Err(BuildError::io(output, e)),
    }
}

/// Writes the site into `output`: a first build is staged whole and renamed into place; later
/// builds stage only the changed files, move each into place (an atomic rename per file), then
/// remove the files the site no longer has.
pub fn write_site(
    output: &Path,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
) -> Result<WriteStats, BuildError> {
    check_replaceable(output)?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| BuildError::io(&parent, e))?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let staging = parent.join(format!(".{name}.koho-staging"));
    if staging.exists() {
        remove_tree(&staging).map_err(|e| BuildError::io(&staging, e))?;
    }
    let record = cache_dir(output).join("written.tsv");
    let previous = WrittenFiles::load(&record);
    let fresh = fs::read_dir(output).map_or(true, |mut entries| entries.next().is_none());
    let result = stage(&staging, output, &previous, rendered, copied, fresh).and_then(|staged| {
        if fresh {
            if output.exists() {
                fs::remove_dir(output).map_err(|e| BuildError::io(output, e))?;
            }
            fs::rename(&staging, output).map_err(|e| BuildError::io(output, e))?;
        } else {
            commit(&staging, output, &staged.changed)?;
            remove_stale(output, rendered, copied).map_err(|e| BuildError::io(output, e))?;
            remove_tree(&staging).map_err(|e| BuildError::io(&staging, e))?;
        }
        staged.written.save(&record);
        Ok(staged.stats)
    });
    if result.is_err() && staging.exists() {
        let _ = remove_tree(&staging);
    }
    result
}

/// What staging found and wrote.
struct Staged {
    stats: WriteStats,
    /// Site-relative paths written into the staging folder.
    changed: Vec<String>,
    written: WrittenFiles,
}

/// Writes into `staging` every file that differs from what `output` holds (all of them when
/// `fresh`). Nothing in `output` is touched.
fn stage(
    staging: &Path,
    output: &Path,
    previous: &WrittenFiles,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
    fresh: bool,
) -> Result<Staged, BuildError> {
    // Which files changed: a page whose bytes hash as recorded, with the recorded size and time
    // still on disk, is unchanged; without a record its bytes are compared. A copy is unchanged
    // when the output has the source's size and time (copies take the source's time).
    let rendered_state: Vec<(bool, Option<Written>)> = rendered
        .par_iter()
        .map(|file| {
            if fresh {
                return (false, None);
            }
            let hash = content_hash(&file.bytes);
            let old = output.join(&file.path);
            let on_disk = fs::metadata(&old).ok();
            match (previous.files.get(&file.path), on_disk) {
                (Some(recorded), Some(meta)) => {
                    let same = recorded.hash == hash
                        && stamp(&meta) == (recorded.size, recorded.modified_ns);
                    (same, same.then_some(*recorded))
                }
                (None, Some(meta)) if same_bytes(&old, &file.bytes) => {
                    (true, Some(written_record(&meta, hash)))
                }
                _ => (false, None),
            }
        })
        .collect();
    let copied_unchanged: Vec<bool> = copied
        .par_iter()
        .map(|file| !fresh && same_size_and_time(&output.join(&file.output), &file.source))
        .collect();

    let changed_rendered: Vec<&OutputFile> = rendered
        .iter()
        .zip(&rendered_state)
        .filter(|(_, (unchanged, _))| !unchanged)
        .map(|(file, _)| file)
        .collect();
    let changed_copied: Vec<&CopiedFile> = copied
        .iter()
        .zip(&copied_unchanged)
        .filter(|(_, unchanged)| !**unchanged)
        .map(|(file, _)| file)
        .collect();

    fs::create_dir_all(staging).map_err(|e| BuildError::io(staging, e))?;
    let mut dirs: Vec<&Path> = changed_rendered
        .iter()
        .map(|f| f.path.as_str())
        .chain(changed_copied.iter().map(|c| c.output.as_str()))
        .filter_map(|p| Path::new(p).parent())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.par_iter().try_for_each(|dir| {
        let dir = staging.join(dir);
        fs::create_dir_all(&dir).map_err(|e| BuildError::io(&dir, e))
    })?;
    let new_records: Vec<(String, Written)> = changed_rendered
        .par_iter()
        .map(|file| {
            let target = staging.join(&file.path);
            fs::write(&target, &file.bytes).map_err(|e| BuildError::io(&target, e))?;
            let meta = fs::metadata(&target).map_err(|e| BuildError::io(&target, e))?;
            Ok((
                file.path.clone(),
                written_record(&meta, content_hash(&file.bytes)),
            ))
        })
        .collect::<Result<_, BuildError>>()?;
    changed_copied
        .par_iter()
        .try_for_each(|file| copy_keeping_time(&file.source, &staging.join(&file.output)))?;
    if fresh {
        let marker = staging.join(MARKER);
        fs::write(
            &marker,
            "This folder is written by koho; `koho build` replaces what it holds.\n",
        )
        .map_err(|e| BuildError::io(&marker, e))?;
    }

    let mut written = WrittenFiles::default();
    for (file, (_, record)) in rendered.iter().zip(&rendered_state) {
        if let Some(record) = record {
            written.files.insert(file.path.clone(), *record);
        }
    }
    written.files.extend(new_records);

    let changed: Vec<String> = changed_rendered
        .iter()
        .map(|f| f.path.clone())
        .chain(changed_copied.iter().map(|c| c.output.clone()))
        .collect();
    let stats = WriteStats {
        written: changed.len(),
        unchanged: rendered.len() + copied.len() - changed.len(),
    };
    Ok(Staged {
        stats,
        changed,
        written,
    })
}

/// Moves each staged file into the output. A rename replaces a file atomically, so a reader
/// never sees a half-written page.
fn commit(staging: &Path, output: &Path, changed: &[String]) -> Result<(), BuildError> {
    changed.par_iter().try_for_each(|path| {
        let from = staging.join(path);
        let to = output.join(path);
        if let Some(dir) = to.parent() {
            if dir.is_file() {
                // The site had a file where it now needs a folder.
                fs::remove_file(dir).map_err(|e| BuildError::io(dir, e))?;
            }
            fs::create_dir_all(dir).map_err(|e| BuildError::io(dir, e))?;
        }
        if to.is_dir() {
            remove_tree(&to).map_err(|e| BuildError::io(&to, e))?;
        }
        fs::rename(&from, &to).map_err(|e| BuildError::io(&to, e))
    })
}

/// Removes from the output every file the site no longer has (whoever put it there: the output
/// is exactly the site), and folders left empty.
fn remove_stale(
    output: &Path,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
) -> std::io::Result<()> {
    let keep: HashSet<&str> = rendered
        .iter()
        .map(|f| f.path.as_str())
        .chain(copied.iter().map(|c| c.output.as_str()))
        .chain(std::iter::once(MARKER))
        .collect();
    let stale: Vec<PathBuf> = walkdir::WalkDir::new(output)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| {
            let relative = e
                .path()
                .strip_prefix(output)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            (!keep.contains(relative.as_str())).then(|| e.into_path())
        })
        .collect();
    let mut dirs = HashSet::new();
    for file in &stale {
        match fs::remove_file(file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| *d != output) {
            dirs.insert(d.to_path_buf());
            dir = d.parent();
        }
    }
    // Deepest first, so that a folder emptied by its children goes too.
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        if fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_none()) {
            fs::remove_dir(&dir)?;
        }
    }
    Ok(())
}

fn written_record(meta: &fs::Metadata, hash: u64) -> Written {
    let (size, modified_ns) = stamp(meta);
    Written {
        size,
        modified_ns,
        hash,
    }
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// A copied file is unchanged when the previous copy has the source's size and modification
/// time (copies take the source's time), so large files are never read to find out.
fn same_size_and_time(old: &Path, source: &Path) -> bool {
    match (fs::metadata(old), fs::metadata(source)) {
        (Ok(a), Ok(b)) => {
            a.is_file()
                && a.len() == b.len()
                && a.modified()
                    .ok()
                    .is_some_and(|t| Some(t) == b.modified().ok())
        }
        _ => false,
    }
}

/// Copies (streamed by the OS) and gives the copy the source's modification time.
fn copy_keeping_time(source: &Path, target: &Path) -> Result<(), BuildError> {
    fs::copy(source, target).map_err(|e| BuildError::io(source, e))?;
    let modified = fs::metadata(source)
        .and_then(|m| m.modified())
        .map_err(|e| BuildError::io(source, e))?;
    let file = fs::OpenOptions::new()
        .write(true)
        .open(target)
        .map_err(|e| BuildError::io(target, e))?;
    file.set_modified(modified)
        .map_err(|e| BuildError::io(target, e))
}

/// Removes a folder tree, its files in parallel (a large site has tens of thousands).
fn remove_tree(root: &Path) -> std::io::Result<()> {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.par_iter().for_each(|file| {
        let _ = fs::remove_file(file);
    });
    fs::remove_dir_all(root)
}

/// Lists the theme's static files (`themes/<name>/static/**`) to copy to the site root.
pub fn theme_static_files(theme_dir: &Path) -> Vec<CopiedFile> {
    let static_dir = theme_dir.join("static");
    walkdir::WalkDir::new(&static_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let relative = e.path().strip_prefix(&static_dir).ok()?;
            Some(CopiedFile {
                source: e.path().to_path_buf(),
                output: relative.to_string_lossy().replace('\\', "/"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn refuses_foreign_folder_and_keeps_unchanged_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("precious.txt"), "mine").unwrap();
        assert!(matches!(
            write_site(&out, &[], &[]),
            Err(BuildError::ForeignOutput(_))
        ));
        assert_eq!(
            fs::read_to_string(out.join("precious.txt")).unwrap(),
            "mine"
        );

        fs::remove_file(out.join("precious.txt")).unwrap();
        let stats =
            write_site(&out, &[file("a/index.html", "A"), file("b.html", "B")], &[]).unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 2,
                unchanged: 0
            }
        );
        let stats = write_site(
            &out,
            &[file("a/index.html", "A"), file("b.html", "B2")],
            &[],
        )
        .unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 1,
                unchanged: 1
            }
        );
        assert_eq!(fs::read_to_string(out.join("b.html")).unwrap(), "B2");
        assert!(out.join(MARKER).is_file());
        assert!(!dir.path().join(".public.koho-staging").exists());
        // A page the site no longer has is removed.
        let stats = write_site(&out, &[file("b.html", "B2")], &[]).unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 0,
                unchanged: 1
            }
        );
        assert!(!out.join("a").exists());
        assert!(out.join(MARKER).is_file());
    }
}
