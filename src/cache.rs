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
        if let Some(record) = parse_line(line) {
            each(record);
        }
    }
}

/// One line of a record file: `digest size modified_ns inode changed_ns path`, tab-separated
/// (the path last, so that it may hold anything but a newline).
fn parse_line(line: &str) -> Option<Record<'_>> {
    let mut fields = line.splitn(6, '\t');
    let digest = fields.next()?;
    let stamp = Stamp {
        size: fields.next()?.parse().ok()?,
        modified_ns: fields.next()?.parse().ok()?,
        inode: fields.next()?.parse().ok()?,
        changed_ns: fields.next()?.parse().ok()?,
    };
    let path = fields.next()?;
    Some(Record {
        digest,
        stamp,
        path,
    })
}

/// Records formatted on one thread at a time: about 400 KB of text.
const FORMAT_CHUNK: usize = 4096;

/// Writes the records sorted by path (then digest), so the file is stable, through a
/// temporary file and a rename so that a reader never sees half a record. Lines are sorted
/// and formatted in parallel (a record of 60,000 files is about 6 MB, held while it is
/// written). Failing to write is not an error of the build.
pub fn write<'a>(file: &Path, records: impl Iterator<Item = Record<'a>>) {
    use rayon::prelude::*;
    use std::io::Write;
    let mut records: Vec<Record<'a>> = records.collect();
    records.par_sort_unstable_by(|a, b| (a.path, a.digest).cmp(&(b.path, b.digest)));
    let chunks: Vec<Vec<u8>> = records
        .par_chunks(FORMAT_CHUNK)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.len() * 100);
            chunk.iter().for_each(|r| format_line(&mut text, r));
            text
        })
        .collect();
    if let Some(parent) = file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = replace_file(file, |out| chunks.iter().try_for_each(|c| out.write_all(c)));
}

/// Appends `record` as one line (see `parse_line`); numbers through `itoa`, which is several
/// times faster than `Display` for the two `u128` times of every line.
fn format_line(out: &mut Vec<u8>, record: &Record) {
    let mut number = itoa::Buffer::new();
    let s = record.stamp;
    out.extend_from_slice(record.digest.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(number.format(s.size).as_bytes());
    out.push(b'\t');
    out.extend_from_slice(number.format(s.modified_ns).as_bytes());
    out.push(b'\t');
    out.extend_from_slice(number.format(s.inode).as_bytes());
    out.push(b'\t');
    out.extend_from_slice(number.format(s.changed_ns).as_bytes());
    out.push(b'\t');
    out.extend_from_slice(record.path.as_bytes());
    out.push(b'\n');
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_sorted_by_path_across_formatting_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("record.tsv");
        let paths: Vec<String> = (0..FORMAT_CHUNK + 7)
            .rev()
            .map(|i| format!("ja/{i:05}/index\there.html"))
            .collect();
        let records = paths.iter().enumerate().map(|(i, path)| Record {
            digest: "h:1",
            stamp: Stamp {
                size: i as u64,
                modified_ns: u128::MAX - i as u128,
                inode: 7,
                changed_ns: 1_700_000_000_123_456_789,
            },
            path,
        });
        write(&file, records);
        let mut read_back = Vec::new();
        read(&file, |r| read_back.push((r.path.to_string(), r.stamp)));
        assert_eq!(read_back.len(), paths.len());
        assert_eq!(read_back[0].0, "ja/00000/index\there.html");
        let last = &read_back[FORMAT_CHUNK + 6];
        assert_eq!(last.0, paths[0]);
        assert_eq!(last.1.modified_ns, u128::MAX);
        assert_eq!(last.1.changed_ns, 1_700_000_000_123_456_789);
        assert!(read_back.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert!(parse_line("h:1\t1\t2\t3").is_none());
        assert!(parse_line("h:1\tx\t2\t3\t4\tp").is_none());
        assert_eq!(parse_line("h:1\t1\t2\t3\t4\ta\tb").unwrap().path, "a\tb");
    }
}
