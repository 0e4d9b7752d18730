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

/// This koho's identity: its version and its executable's size, modification time and inode,
/// so that what one build saves for the next (fingerprints, rendered bodies, search bundles,
/// the up-to-date record) is not trusted by another koho. The change time is left out: it also
/// moves when the executable gains a hard link (`perf record` links every binary it profiles
/// into `~/.debug`) or changes mode, which leave the program as it was; a rebuilt or replaced
/// executable has a new modification time or inode. `None` when the executable cannot be found.
pub fn program_identity() -> (&'static str, Option<(u64, u128, u64)>) {
    let program = std::env::current_exe().and_then(|exe| Stamp::read(&exe));
    let identity = program.ok().map(|s| (s.size, s.modified_ns, s.inode));
    (env!("CARGO_PKG_VERSION"), identity)
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

/// Calls `each` for every line of the record in `file`; a missing, unreadable or damaged file
/// (no end line, or one whose line count or checksum does not match: cut or edited by hand)
/// has none, so that a build never trusts part of a record.
pub fn read(file: &Path, mut each: impl FnMut(Record)) {
    read_sized(file, |record, _| each(record))
}

/// `read`, with the number of lines the record has (from its end line), so that the first
/// call can size the caller's collections once: growing maps of 30,000 entries step by step
/// was a third of reading the output's record.
pub fn read_sized(file: &Path, mut each: impl FnMut(Record, usize)) {
    let Some(text) = read_state_file(file).and_then(|b| String::from_utf8(b).ok()) else {
        return;
    };
    let Some((lines, count)) = checked_body(&text) else {
        return;
    };
    for line in lines.lines() {
        if let Some(record) = parse_line(line) {
            each(record, count);
        }
    }
}

/// The last line of a record: `#end <line count> <XXH3-64 of every byte before it, hex>`.
const END: &str = "#end";

/// The lines of a record before its end line and their count, when that line matches them.
fn checked_body(text: &str) -> Option<(&str, usize)> {
    let without_newline = text.strip_suffix('\n')?;
    let start = without_newline.rfind('\n').map_or(0, |i| i + 1);
    let (body, end) = text.split_at(start);
    let mut fields = end.trim_end().split('\t');
    let (Some(END), Some(count), Some(hash), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    let expected = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(body.as_bytes()));
    let count = count.parse::<usize>().ok()?;
    (count == body.lines().count() && hash == expected).then_some((body, count))
}

/// Appends the XXH3-64 of `bytes` (8 bytes, little-endian), for `strip_checksum`.
pub fn append_checksum(bytes: &mut Vec<u8>) {
    let checksum = xxhash_rust::xxh3::xxh3_64(bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());
}

/// A writer that ends what it wrote with the checksum `append_checksum` would have added, for
/// state files too large to build in memory first (the search terms of a language). Call
/// `finish` after the last byte.
pub struct ChecksumWriter<W: std::io::Write> {
    out: W,
    hasher: xxhash_rust::xxh3::Xxh3,
}

impl<W: std::io::Write> ChecksumWriter<W> {
    pub fn new(out: W) -> Self {
        ChecksumWriter {
            out,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
        }
    }

    /// Writes `bytes` and adds them to the checksum.
    pub fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)
    }

    /// Writes the checksum (XXH3-64, little-endian) of everything written before.
    pub fn finish(self) -> std::io::Result<()> {
        self.finish_into_inner().map(drop)
    }

    /// `finish`, giving back the writer (to flush it and see its errors).
    pub fn finish_into_inner(mut self) -> std::io::Result<W> {
        let checksum = self.hasher.digest();
        self.out.write_all(&checksum.to_le_bytes())?;
        Ok(self.out)
    }
}

/// Whether the last 8 bytes of `bytes` are the XXH3-64 of the others (`append_checksum`);
/// they are removed either way. A state file changed by hand then counts as no state.
pub fn strip_checksum(bytes: &mut Vec<u8>) -> bool {
    let Some(at) = bytes.len().checked_sub(8) else {
        return false;
    };
    let stored = bytes[at..].try_into().ok().map(u64::from_le_bytes);
    bytes.truncate(at);
    stored == Some(xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The bytes of a state file of koho's (a record, a cache), or `None` when it is missing,
/// unreadable, a link (koho writes none there) or not a regular file: opened without
/// blocking, so that a named pipe put in its place is not waited on (open(2)), and never as a
/// terminal.
pub fn read_state_file(file: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let opened = open_state_file(file)?;
    let len = opened.metadata().ok()?.len();
    if len > MAX_STATE_FILE_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // Read no further than the limit, should the file grow meanwhile.
    opened
        .take(MAX_STATE_FILE_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// The largest state file read whole: about 80 times the largest one of a 10,000-release site
/// (the saved bodies' index, 12 MB). A larger file (a sparse file of many GB put there, a
/// damaged file system) is no state, rather than an allocation that fails or fills memory.
pub const MAX_STATE_FILE_BYTES: u64 = 1 << 30;

/// A state file opened for reading as `read_state_file` opens it: `None` when it is missing,
/// unreadable, a link or not a regular file.
pub fn open_state_file(file: &Path) -> Option<std::fs::File> {
    let (opened, meta) = crate::text::open_file(file, false).ok()?;
    meta.is_file().then_some(opened)
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
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    chunks.iter().for_each(|c| hasher.update(c));
    let end = format!("{END}\t{}\t{:016x}\n", records.len(), hasher.digest());
    let _ = replace_file(file, |out| {
        chunks.iter().try_for_each(|c| out.write_all(c))?;
        out.write_all(end.as_bytes())
    });
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

/// Makes `folder`, a folder of koho's state inside `<root>/.koho/`, a real folder: a symbolic
/// link in its place is removed (its target left as it was) and the folder made, so that koho
/// never writes or removes files elsewhere through it. False when it cannot be a folder (a
/// file is there, the disk refuses): the caller then keeps nothing there.
pub fn state_folder(folder: &Path) -> bool {
    let made = match std::fs::symlink_metadata(folder) {
        Ok(meta) if meta.is_dir() => return true,
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::remove_file(folder).is_ok() && std::fs::create_dir(folder).is_ok()
        }
        Ok(_) => false,
        Err(_) => std::fs::create_dir_all(folder).is_ok(),
    };
    made && std::fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir())
}

/// Writes `file` whole or not at all: `write` fills a temporary file beside it, which is then
/// renamed over it, so a reader (or the next build after a crash) never sees half of it, and a
/// hard link or a symbolic link at `file` is replaced, its target left as it was. On error the
/// temporary file is removed.
pub fn replace_file(
    file: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    // A folder in the file's place (made by hand) would refuse every later save, and a build
    // would lose what the file is for for good (the up-to-date check, the output's record).
    if std::fs::symlink_metadata(file).is_ok_and(|m| m.is_dir()) {
        let _ = std::fs::remove_dir_all(file);
    }
    let written = (|| -> std::io::Result<()> {
        // Created anew (O_EXCL): whatever is at the temporary name, a link to a file elsewhere
        // included, is removed rather than written through.
        let _ = std::fs::remove_file(&temporary);
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        let mut out = std::io::BufWriter::new(created);
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
    fn a_hard_link_to_the_executable_leaves_the_program_identity_as_it_was() {
        // `perf record` links every binary it profiles into ~/.debug; the next build rendered
        // every page again when the link's new change time made it "another koho".
        let before = program_identity();
        let exe = std::env::current_exe().unwrap();
        let link = exe.with_extension(format!("identity-test-{}", std::process::id()));
        std::fs::hard_link(&exe, &link).unwrap();
        let after = program_identity();
        std::fs::remove_file(&link).unwrap();
        assert!(before.1.is_some());
        assert_eq!(before, after);
    }

    #[test]
    fn the_streamed_checksum_is_the_appended_one() {
        let mut appended = b"koho-texts 1\nsome text".to_vec();
        append_checksum(&mut appended);
        let mut streamed = Vec::new();
        let mut writer = ChecksumWriter::new(&mut streamed);
        writer.write_all(b"koho-texts 1\n").unwrap();
        writer.write_all(b"some text").unwrap();
        writer.finish().unwrap();
        assert_eq!(streamed, appended);
        assert!(strip_checksum(&mut streamed));
    }

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
    fn a_record_cut_or_edited_by_hand_has_no_lines_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("record.tsv");
        let stamp = Stamp::default();
        let paths = ["a.html", "b.html", "c.html"];
        write(
            &file,
            paths.iter().map(|path| Record {
                digest: "h:1",
                stamp,
                path,
            }),
        );
        let count = |file: &Path| {
            let mut n = 0;
            read(file, |_| n += 1);
            n
        };
        assert_eq!(count(&file), 3);
        let whole = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = whole.lines().collect();
        // Cut at a line boundary, end line kept: the count no longer matches.
        std::fs::write(&file, format!("{}\n{}\n", lines[0], lines[3])).unwrap();
        assert_eq!(count(&file), 0, "lines removed");
        std::fs::write(&file, whole.replace("b.html", "x.html")).unwrap();
        assert_eq!(count(&file), 0, "a byte changed");
        std::fs::write(&file, &whole[..whole.len() - 5]).unwrap();
        assert_eq!(count(&file), 0, "cut inside the end line");
        std::fs::write(&file, lines[..3].join("\n") + "\n").unwrap();
        assert_eq!(count(&file), 0, "no end line (an older record)");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_folder_in_a_state_file_s_place_is_no_state() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(read_state_file(&pipe).is_none());
        }
        assert!(read_state_file(dir.path()).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_state_file_never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "keep").unwrap();
        let file = dir.path().join("state.tsv");
        std::os::unix::fs::symlink(&outside, &file).unwrap();
        let temporary = file.with_extension(format!("tmp{}", std::process::id()));
        std::os::unix::fs::symlink(&outside, &temporary).unwrap();
        replace_file(&file, |out| std::io::Write::write_all(out, b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert!(!std::fs::symlink_metadata(&file).unwrap().is_symlink());
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert!(parse_line("h:1\t1\t2\t3").is_none());
        assert!(parse_line("h:1\tx\t2\t3\t4\tp").is_none());
        assert_eq!(parse_line("h:1\t1\t2\t3\t4\ta\tb").unwrap().path, "a\tb");
    }
}
