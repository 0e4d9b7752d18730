//! SHA-256 of download files, streamed (never read whole), with a cache keyed by path and
//! [`Stamp`] (size, modification time, inode, status-change time) so that an unchanged large file is not hashed again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hashes a file in fixed-size chunks.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

pub use crate::cache::Stamp;

/// Known hashes, loaded from and saved to one small text file; shared by hashing threads.
#[derive(Debug, Default)]
pub struct HashCache {
    path: Option<PathBuf>,
    entries: Mutex<HashMap<PathBuf, (Stamp, String)>>,
    /// How many files were hashed (not found in the cache) since loading; for tests and reports.
    hashed: Mutex<usize>,
}

impl HashCache {
    /// Loads the cache at `path`; a missing or unreadable cache is simply empty.
    pub fn load(path: PathBuf) -> HashCache {
        let mut entries = HashMap::new();
        crate::cache::read(&path, |record| {
            entries.insert(
                PathBuf::from(record.path),
                (record.stamp, record.digest.to_string()),
            );
        });
        HashCache {
            path: Some(path),
            entries: Mutex::new(entries),
            hashed: Mutex::new(0),
        }
    }

    /// The file's stamp and SHA-256, from the cache when the stamp is unchanged.
    pub fn get(&self, path: &Path) -> io::Result<(Stamp, String)> {
        let current = Stamp::read(path)?;
        if let Ok(entries) = self.entries.lock() {
            if let Some((cached, sha)) = entries.get(path) {
                if *cached == current {
                    return Ok((current, sha.clone()));
                }
            }
        }
        let sha = sha256_file(path)?;
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path.to_path_buf(), (current, sha.clone()));
        }
        if let Ok(mut hashed) = self.hashed.lock() {
            *hashed += 1;
        }
        Ok((current, sha))
    }

    pub fn hashed_count(&self) -> usize {
        self.hashed.lock().map_or(0, |n| *n)
    }

    /// Writes the cache back; failing to is not an error of the build (it only costs time).
    pub fn save(&self) {
        let (Some(path), Ok(entries)) = (&self.path, self.entries.lock()) else {
            return;
        };
        let paths: Vec<(String, &Stamp, &String)> = entries
            .iter()
            .map(|(file, (stamp, sha))| (file.to_string_lossy().into_owned(), stamp, sha))
            .collect();
        crate::cache::write(
            path,
            paths.iter().map(|(file, stamp, sha)| crate::cache::Record {
                digest: sha,
                stamp: **stamp,
                path: file,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.bin");
        std::fs::write(&file, b"abc").unwrap();
        assert_eq!(sha256_file(&file).unwrap(), sha256_bytes(b"abc"));
    }

    #[test]
    fn a_replacement_with_the_same_size_and_time_is_hashed_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pdf");
        std::fs::write(&file, b"old!").unwrap();
        let time = std::fs::metadata(&file).unwrap().modified().unwrap();
        let cache = HashCache::load(dir.path().join("cache.tsv"));
        assert_eq!(cache.get(&file).unwrap().1, sha256_bytes(b"old!"));
        let replacement = dir.path().join("new.pdf");
        std::fs::write(&replacement, b"new!").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&replacement)
            .unwrap()
            .set_modified(time)
            .unwrap();
        std::fs::rename(&replacement, &file).unwrap();
        assert_eq!(cache.get(&file).unwrap().1, sha256_bytes(b"new!"));
    }

    #[test]
    fn cache_skips_unchanged_files_and_sees_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.bin");
        std::fs::write(&file, b"one").unwrap();
        let cache_path = dir.path().join("cache.tsv");
        let cache = HashCache::load(cache_path.clone());
        cache.get(&file).unwrap();
        cache.save();
        let cache = HashCache::load(cache_path.clone());
        let (_, sha) = cache.get(&file).unwrap();
        assert_eq!(cache.hashed_count(), 0);
        assert_eq!(sha, sha256_bytes(b"one"));
        std::fs::write(&file, b"two!").unwrap();
        let (_, sha) = cache.get(&file).unwrap();
        assert_eq!(cache.hashed_count(), 1);
        assert_eq!(sha, sha256_bytes(b"two!"));
    }
}
