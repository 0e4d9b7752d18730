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
        crate::cache::read(path, |record| {
            if let Ok(hash) = u64::from_str_radix(record.digest, 16) {
                let written = Written {
                    size: record.size,
                    modified_ns: record.modified_ns,
                    hash,
                };
                files.insert(record.path.to_string(), written);
            }
        });
        WrittenFiles { files }
    }

    /// Saving is best effort: without it the next build only reads more.
    pub fn save(&self, path: &Path) {
        let digests: Vec<(String, &String, &Written)> = self
            .files
            .iter()
            .map(|(file, w)| (format!("{:016x}", w.hash), file, w))
            .collect();
        crate::cache::write(
            path,
            digests
                .iter()
                .map(|(digest, file, w)| crate::cache::Record {
                    digest,
                    size: w.size,
                    modified_ns: w.modified_ns,
                    path: file,
                }),
        );
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
