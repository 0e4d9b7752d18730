//! Record files kept under the site root (`.koho/`) to make the next build faster (download
//! hashes, what was written): one line per file,
//! `digest<TAB>size<TAB>mtime_ns<TAB>inode<TAB>ctime_ns<TAB>path`. Losing one costs time only.

use std::path::Path;
use std::time::UNIX_EPOCH;

/// A file's identity without reading it: size, modification time, and on Unix the inode and
/// status-change time. Size and mtime alone can be forged by `cp -p` or `touch -r`; replacing
/// a file always gives it a new ctime, so a replaced file is never mistaken for the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub size: u64,
    pub modified_ns: u128,
    pub inode: u64,
    pub changed_ns: u128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let (inode, changed_ns) = unix_identity(meta);
        Stamp {
            size: meta.len(),
            modified_ns,
            inode,
            changed_ns,
        }
    }

    /// The stamp of the file at `path` (following symlinks).
    pub fn read(path: &Path) -> std::io::Result<Stamp> {
        std::fs::metadata(path).map(|meta| Stamp::of(&meta))
    }

    /// The stamp of the entry at `path` itself: a symbolic link's own, not its target's
    /// (`lstat`). The output side uses it: koho writes no links there, so a link in place of a
    /// file or folder it wrote never has the recorded stamp.
    pub fn read_entry(path: &Path) -> std::io::Result<Stamp> {
        std::fs::symlink_metadata(path).map(|meta| Stamp::of(&meta))
    }

    /// Whether two stamps describe the same, unmodified output file: every field, the
    /// status-change time included (an edit that restores size and mtime, `touch -r`, still
    /// changes it). The writer records a moved file's stamp after the move, which changes the
    /// ctime (`output::restamp_moved`).
    pub fn same_output_file(&self, other: &Stamp) -> bool {
        self == other
    }

    /// The stamp as one word, for records that store it as their digest.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.size, self.modified_ns, self.inode, self.changed_ns
        )
    }
}

#[cfg(unix)]
fn unix_identity(meta: &std::fs::Metadata) -> (u64, u128) {
    use std::os::unix::fs::MetadataExt;
    let ctime = u128::try_from(meta.ctime()).unwrap_or(0) * 1_000_000_000
        + u128::try_from(meta.ctime_nsec()).unwrap_or(0);
    (meta.ino(), ctime)
}

#[cfg(not(unix))]
fn unix_identity(_meta: &std::fs::Metadata) -> (u64, u128) {
    (0, 0)
}

/// One line of a record file.
pub struct Record<'a> {
    pub digest: &'a str,
    pub stamp: Stamp,
    pub path: &'a str,
}

/// Calls `each` for every well-formed line; a missing or unreadable file has none.
pub fn read(file: &Path, mut each: impl FnMut(Record)) {
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    for line in text.lines() {
        let fields: Vec<&str> = line.splitn(6, '\t').collect();
        let [digest, size, modified, inode, changed, path] = fields[..] else {
            continue;
        };
        if let (Ok(size), Ok(modified_ns), Ok(inode), Ok(changed_ns)) = (
            size.parse(),
            modified.parse(),
            inode.parse(),
            changed.parse(),
        ) {
            let stamp = Stamp {
                size,
                modified_ns,
                inode,
                changed_ns,
            };
            each(Record {
                digest,
                stamp,
                path,
            });
        }
    }
}

/// Writes the records sorted by path (then digest), so the file is stable, through a
/// temporary file and a rename so that a reader never sees half a record; line by line, never
/// the whole text in memory (a record of 60,000 files is about 6 MB). Failing to write is not
/// an error of the build.
pub fn write<'a>(file: &Path, records: impl Iterator<Item = Record<'a>>) {
    use std::io::Write;
    let mut records: Vec<Record<'a>> = records.collect();
    records.sort_unstable_by(|a, b| (a.path, a.digest).cmp(&(b.path, b.digest)));
    if let Some(parent) = file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = replace_file(file, |out| {
        for r in &records {
            let s = r.stamp;
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                r.digest, s.size, s.modified_ns, s.inode, s.changed_ns, r.path
            )?;
        }
        Ok(())
    });
}

/// Writes `file` whole or not at all: `write` fills a temporary file beside it, which is then
/// renamed over it, so a reader (or the next build after a crash) never sees half of it, and a
/// hard link to the old file is left as it was. On error the temporary file is removed.
pub fn replace_file(
    file: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&temporary, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
