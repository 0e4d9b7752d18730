//! What the previous build wrote into an output: path, the file's stamp and a digest of what it
//! holds (a hash of rendered bytes, or the stamp of the source a copy was made from), kept under
//! the site root so that an unchanged file is recognised without reading it back.

use rustc_hash::FxHashMap;
use std::path::Path;

use crate::cache::Stamp;

/// A written file as the next build will recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The output file's stamp right after it was written.
    pub stamp: Stamp,
    /// `h:<hash of the bytes>` for rendered files, `c:<source stamp>` for copies; a rendered
    /// file whose inputs were fingerprinted (`site::fingerprint`) has `/f:<fingerprint>` after
    /// it, so that the next build can keep it without rendering it again.
    pub digest: String,
}

/// The separator between a digest and the fingerprint of the inputs it was rendered from.
const FINGERPRINT: &str = "/f:";

/// `digest` followed by the fingerprint of the inputs the bytes were rendered from, if any.
pub fn with_fingerprint(digest: String, fingerprint: Option<u64>) -> String {
    match fingerprint {
        Some(print) => format!("{digest}{FINGERPRINT}{print:016x}"),
        None => digest,
    }
}

/// The part of a recorded digest that describes the bytes.
fn bytes_part(digest: &str) -> &str {
    digest
        .split_once(FINGERPRINT)
        .map_or(digest, |(bytes, _)| bytes)
}

/// Path (site-relative) → what was written there; and the stamp of every folder of the
/// output after the build (`""` for the output itself, else `ja/releases/`), so that the next
/// build lists only the folders whose entries changed since (`commit::stale_files`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WrittenFiles {
    pub files: FxHashMap<String, Written>,
    pub dirs: FxHashMap<String, Stamp>,
}

/// Writes the record of `files` (path, what was written there) and `dirs` (folder → stamp)
/// to `path` (`cache::write`: sorted, whole or not at all).
fn save_records<'a>(
    path: &Path,
    files: impl Iterator<Item = (&'a str, &'a Written)>,
    dirs: &FxHashMap<String, Stamp>,
) {
    crate::cache::write(
        path,
        files
            .map(|(file, w)| crate::cache::Record {
                digest: &w.digest,
                stamp: w.stamp,
                path: file,
            })
            .chain(dirs.iter().map(|(dir, stamp)| crate::cache::Record {
                digest: FOLDER,
                stamp: *stamp,
                path: dir,
            })),
    );
}

/// The digest recorded for a folder.
const FOLDER: &str = "d";

/// The digest of rendered bytes: XXH3-64 (`crate::digest`; a change of algorithm between
/// versions only causes rewrites).
pub fn rendered_digest(bytes: &[u8]) -> String {
    format!("h:{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The digest of a copy: the identity of the source it was copied from.
pub fn copy_digest(source: &Stamp) -> String {
    format!("c:{}", source.key())
}

impl WrittenFiles {
    pub fn load(path: &Path) -> WrittenFiles {
        let mut files = FxHashMap::default();
        let mut dirs = FxHashMap::default();
        crate::cache::read_sized(path, |record, lines| {
            if files.capacity() == 0 {
                // About as many folders as files on a site of pretty URLs (`x/index.html`).
                files.reserve(lines / 2);
                dirs.reserve(lines / 2);
            }
            if record.digest == FOLDER {
                dirs.insert(record.path.to_string(), record.stamp);
                return;
            }
            let written = Written {
                stamp: record.stamp,
                digest: record.digest.to_string(),
            };
            files.insert(record.path.to_string(), written);
        });
        WrittenFiles { files, dirs }
    }

    /// Saving is best effort: without it the next build only reads more.
    pub fn save(&self, path: &Path) {
        save_records(
            path,
            self.files.iter().map(|(f, w)| (&f[..], w)),
            &self.dirs,
        );
    }

    /// Saves the record of `files` (path, what was written there) and `dirs` (folder → stamp)
    /// without making it a `WrittenFiles` first: the writer collects its files in a list.
    pub fn save_entries(path: &Path, files: &[(String, Written)], dirs: &FxHashMap<String, Stamp>) {
        save_records(path, files.iter().map(|(f, w)| (&f[..], w)), dirs);
    }

    /// Whether this record is the one `files` and `dirs` make (each path once, as the writer
    /// lists them).
    pub fn is_the_record_of(
        &self,
        files: &[(String, Written)],
        dirs: &FxHashMap<String, Stamp>,
    ) -> bool {
        self.files.len() == files.len()
            && self.dirs == *dirs
            && files
                .iter()
                .all(|(path, w)| self.files.get(path) == Some(w))
    }

    /// Whether the output file at `path` is still the one recorded with `digest` (the bytes'
    /// digest; a recorded fingerprint does not count).
    pub fn is_current(&self, path: &str, digest: &str, on_disk: Option<Stamp>) -> bool {
        match (self.files.get(path), on_disk) {
            (Some(recorded), Some(stamp)) => {
                bytes_part(&recorded.digest) == bytes_part(digest)
                    && recorded.stamp.same_output_file(&stamp)
            }
            _ => false,
        }
    }

    /// Whether the file at `path` was rendered from inputs with `fingerprint` by the build
    /// that made this record (whatever happened to the file since): `koho check` leaves such
    /// files unrendered.
    pub fn rendered_with(&self, path: &str, fingerprint: u64) -> bool {
        self.files
            .get(path)
            .and_then(|recorded| recorded.digest.split_once(FINGERPRINT))
            .is_some_and(|(_, print)| u64::from_str_radix(print, 16).ok() == Some(fingerprint))
    }

    /// The record of `path` when the file there was rendered from inputs with `fingerprint`
    /// and is still the file that was written (`on_disk` is its stamp now).
    pub fn rendered_from(
        &self,
        path: &str,
        fingerprint: u64,
        on_disk: Option<Stamp>,
    ) -> Option<&Written> {
        let recorded = self.files.get(path)?;
        let same_inputs = self.rendered_with(path, fingerprint);
        (same_inputs && recorded.stamp.same_output_file(&on_disk?)).then_some(recorded)
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
        written.dirs.insert(String::new(), stamp);
        written.dirs.insert("ja/".into(), stamp);
        written.save(&path);
        assert_eq!(WrittenFiles::load(&path), written);
        assert!(written.is_current("ja/index.html", &rendered_digest(b"abc"), Some(stamp)));
        assert!(!written.is_current("ja/index.html", &rendered_digest(b"abd"), Some(stamp)));
    }

    #[test]
    fn a_fingerprint_is_recorded_beside_the_digest() {
        let stamp = Stamp {
            size: 3,
            modified_ns: 7,
            inode: 9,
            changed_ns: 11,
        };
        let digest = with_fingerprint(rendered_digest(b"abc"), Some(42));
        let mut written = WrittenFiles::default();
        written
            .files
            .insert("a.html".into(), Written { stamp, digest });
        assert!(written.rendered_from("a.html", 42, Some(stamp)).is_some());
        assert!(written.rendered_from("a.html", 43, Some(stamp)).is_none());
        assert!(written.rendered_with("a.html", 42) && !written.rendered_with("a.html", 43));
        assert!(!written.rendered_with("b.html", 42));
        let touched = Stamp {
            modified_ns: 8,
            ..stamp
        };
        assert!(written.rendered_from("a.html", 42, Some(touched)).is_none());
        assert!(written.rendered_from("a.html", 42, None).is_none());
        // The bytes' digest still matches whatever the fingerprint.
        assert!(written.is_current("a.html", &rendered_digest(b"abc"), Some(stamp)));
    }
}
