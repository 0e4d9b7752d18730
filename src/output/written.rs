//! What the previous build wrote into an output: path, the file's stamp and a digest of what it
//! holds (a hash of rendered bytes, or the stamp of the source a copy was made from), kept under
//! the site root so that an unchanged file is recognised without reading it back.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

use crate::cache::Stamp;

/// A written file as the next build will recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The output file's stamp right after it was written.
    pub stamp: Stamp,
    /// `h:<hash of the bytes>` for rendered files, `c:<source stamp>` for copies.
    pub digest: String,
}

/// Path (site-relative) → what was written there.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WrittenFiles {
    pub files: HashMap<String, Written>,
}

/// The digest of rendered bytes: a fast, non-cryptographic hash (a change of algorithm between
/// versions only causes rewrites).
pub fn rendered_digest(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    format!("h:{:016x}", hasher.finish())
}

/// The digest of a copy: the identity of the source it was copied from.
pub fn copy_digest(source: &Stamp) -> String {
    format!("c:{}", source.key())
}

impl WrittenFiles {
    pub fn load(path: &Path) -> WrittenFiles {
        let mut files = HashMap::new();
        crate::cache::read(path, |record| {
            let written = Written {
                stamp: record.stamp,
                digest: record.digest.to_string(),
            };
            files.insert(record.path.to_string(), written);
        });
        WrittenFiles { files }
    }

    /// Saving is best effort: without it the next build only reads more.
    pub fn save(&self, path: &Path) {
        crate::cache::write(
            path,
            self.files.iter().map(|(file, w)| crate::cache::Record {
                digest: &w.digest,
                stamp: w.stamp,
                path: file,
            }),
        );
    }

    /// Whether the output file at `path` is still the one recorded with `digest`.
    pub fn is_current(&self, path: &str, digest: &str, on_disk: Option<Stamp>) -> bool {
        match (self.files.get(path), on_disk) {
            (Some(recorded), Some(stamp)) => {
                recorded.digest == digest && recorded.stamp.same_output_file(&stamp)
            }
            _ => false,
        }
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
        let stamp = Stamp {
            size: 3,
            modified_ns: 7,
            inode: 9,
            changed_ns: 11,
        };
        written.files.insert(
            "ja/index.html".into(),
            Written {
                stamp,
                digest: rendered_digest(b"abc"),
            },
        );
        written.save(&path);
        assert_eq!(WrittenFiles::load(&path), written);
        assert!(written.is_current("ja/index.html", &rendered_digest(b"abc"), Some(stamp)));
        assert!(!written.is_current("ja/index.html", &rendered_digest(b"abd"), Some(stamp)));
    }
}
