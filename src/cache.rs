//! Record files kept beside the output to make the next build faster (download hashes, what was
//! written): one line per file, `digest<TAB>size<TAB>mtime_ns<TAB>path`. Losing one costs time only.

use std::path::Path;

/// One line of a record file.
pub struct Record<'a> {
    pub digest: &'a str,
    pub size: u64,
    pub modified_ns: u128,
    pub path: &'a str,
}

/// Calls `each` for every well-formed line; a missing or unreadable file has none.
pub fn read(file: &Path, mut each: impl FnMut(Record)) {
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    for line in text.lines() {
        let mut fields = line.splitn(4, '\t');
        let (Some(digest), Some(size), Some(modified), Some(path)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if let (Ok(size), Ok(modified_ns)) = (size.parse(), modified.parse()) {
            each(Record {
                digest,
                size,
                modified_ns,
                path,
            });
        }
    }
}

/// Writes the records sorted, so the file is stable; failing to is not an error of the build.
pub fn write<'a>(file: &Path, records: impl Iterator<Item = Record<'a>>) {
    let mut lines: Vec<String> = records
        .map(|r| format!("{}\t{}\t{}\t{}", r.digest, r.size, r.modified_ns, r.path))
        .collect();
    lines.sort();
    if let Some(parent) = file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(file, lines.join("\n") + "\n");
}
