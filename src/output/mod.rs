//! Output: the site is written into a staging folder beside the output and swapped in only when
//! complete, so a failed build leaves the previous output exactly as it was. Files whose bytes
//! did not change are hard-linked from the previous output instead of being written again.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::BuildError;
use crate::render::OutputFile;

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

/// Writes the whole site and swaps it in place of `output`.
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
    let retired = parent.join(format!(".{name}.koho-previous"));
    for leftover in [&staging, &retired] {
        if leftover.exists() {
            fs::remove_dir_all(leftover).map_err(|e| BuildError::io(leftover, e))?;
        }
    }
    let result = fill(&staging, output, rendered, copied).and_then(|stats| {
        swap(&staging, output, &retired)?;
        Ok(stats)
    });
    if result.is_err() && staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn fill(
    staging: &Path,
    previous: &Path,
    rendered: &[OutputFile],
    copied: &[CopiedFile],
) -> Result<WriteStats, BuildError> {
    fs::create_dir_all(staging).map_err(|e| BuildError::io(staging, e))?;
    let mut dirs: Vec<PathBuf> = rendered
        .iter()
        .map(|f| f.path.as_str())
        .chain(copied.iter().map(|c| c.output.as_str()))
        .filter_map(|p| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        let dir = staging.join(dir);
        fs::create_dir_all(&dir).map_err(|e| BuildError::io(&dir, e))?;
    }
    let kept_rendered: Vec<Result<bool, BuildError>> = rendered
        .par_iter()
        .map(|file| {
            let target = staging.join(&file.path);
            let old = previous.join(&file.path);
            if same_bytes(&old, &file.bytes) && fs::hard_link(&old, &target).is_ok() {
                return Ok(true);
            }
            fs::write(&target, &file.bytes).map_err(|e| BuildError::io(&target, e))?;
            Ok(false)
        })
        .collect();
    let kept_copied: Vec<Result<bool, BuildError>> = copied
        .par_iter()
        .map(|file| {
            let target = staging.join(&file.output);
            let old = previous.join(&file.output);
            if same_size_and_time(&old, &file.source) && fs::hard_link(&old, &target).is_ok() {
                return Ok(true);
            }
            copy_keeping_time(&file.source, &target)?;
            Ok(false)
        })
        .collect();
    let mut stats = WriteStats::default();
    for kept in kept_rendered.into_iter().chain(kept_copied) {
        if kept? {
            stats.unchanged += 1;
        } else {
            stats.written += 1;
        }
    }
    let marker = staging.join(MARKER);
    fs::write(
        &marker,
        "This folder is written by koho; `koho build` replaces it whole.\n",
    )
    .map_err(|e| BuildError::io(&marker, e))?;
    Ok(stats)
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

/// Puts the staged site in place; the previous output is removed only after the swap.
fn swap(staging: &Path, output: &Path, retired: &Path) -> Result<(), BuildError> {
    let had_previous = output.exists();
    if had_previous {
        fs::rename(output, retired).map_err(|e| BuildError::io(output, e))?;
    }
    if let Err(e) = fs::rename(staging, output) {
        if had_previous {
            let _ = fs::rename(retired, output);
        }
        return Err(BuildError::io(output, e));
    }
    if had_previous {
        fs::remove_dir_all(retired).map_err(|e| BuildError::io(retired, e))?;
    }
    Ok(())
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
        assert!(!dir.path().join(".public.koho-previous").exists());
    }
}
