//! What the previous build wrote: path, size, modification time and a hash of the bytes, kept
//! beside the output so that an unchanged page is recognised without reading it back.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;
use std::time::UNIX_EPOCH;

/// A written file as the next build will recognise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub size: u64,
    pub modified_ns: u128,
    pub hash: u64,
}

/// Path (site-relative) → what was written there.
#[derive(Debug, Default)]
pub struct WrittenFiles {
    pub files: HashMap<String, Written>,
}

/// A fast, non-cryptographic hash; a change of algorithm between versions only causes rewrites.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// Size and modification time of a file on disk.
pub fn stamp(meta: &std::fs::Metadata) -> (u64, u128) {
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    (meta.len(), modified_ns)
}

impl WrittenFiles {
    pub fn load(path: &Path) -> WrittenFiles {
        let mut files = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines() {
                let mut fields = line.splitn(4, '\t');
                let (Some(hash), Some(size), Some(modified), Some(file)) =
                    (fields.next(), fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                if let (Ok(hash), Ok(size), Ok(modified_ns)) = (
                    u64::from_str_radix(hash, 16),
                    size.parse(),
                    modified.parse(),
                ) {
                    files.insert(
                        file.to_string(),
                        Written {
                            size,
                            modified_ns,
                            hash,
                        },
                    );
                }
            }
        }
        WrittenFiles { files }
    }

    /// Saving is best effort: without it the next build only reads more.
    pub fn save(&self, path: &Path) {
        let mut lines: Vec<String> = self
            .files
            .iter()
            .map(|(file, w)| format!("{:016x}\t{}\t{}\t{file}", w.hash, w.size, w.modified_ns))
            .collect();
        lines.sort();
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, lines.join("\n") + "\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("written.tsv");
        let mut written = WrittenFiles::default();
        written.files.insert(
            "ja/index.html".into(),
            Written {
                size: 3,
                modified_ns: 7,
                hash: content_hash(b"abc"),
            },
        );
        written.save(&path);
        let loaded = WrittenFiles::load(&path);
        assert_eq!(
            loaded.files["ja/index.html"],
            written.files["ja/index.html"]
        );
    }
}
