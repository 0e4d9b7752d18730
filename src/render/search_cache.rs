//! The search bundles of earlier builds, kept under `<root>/.koho/search/<lang>.bundle` so that
//! a build whose pages of a language give the indexer the same documents reuses that
//! language's bundle instead of indexing again (one changed page re-indexes its language
//! only). Losing or corrupting a file costs time only.
//!
//! File format: the line `koho-search-bundle 2 <key as 16 hex digits>`, then for each file of
//! the bundle a line `<byte length> <site-relative path>` followed by that many bytes, then the
//! XXH3-64 of everything before (`cache::append_checksum`): a file changed by hand is not used.

use crate::digest::StableHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAGIC: &str = "koho-search-bundle 2";

/// The key of a language's bundle: everything the indexer is given (each page's address and
/// document), the language, and the version and executable of koho (which fix the indexer).
pub fn key(lang: &str, documents: &impl Hash) -> u64 {
    let mut hasher = StableHasher::new();
    (crate::cache::program_identity(), lang).hash(&mut hasher);
    documents.hash(&mut hasher);
    hasher.finish()
}

fn file_of(dir: &Path, lang: &str) -> PathBuf {
    dir.join(format!("{lang}.bundle"))
}

/// Whether the bundle saved for `lang` says it was made with `key` (its first line only: `load`
/// still checks the whole file).
pub fn has_key(dir: &Path, lang: &str, key: u64) -> bool {
    use std::io::Read;
    let header = format!("{MAGIC} {key:016x}\n");
    let mut first = vec![0; header.len()];
    crate::cache::open_state_file(&file_of(dir, lang))
        .is_some_and(|mut file| file.read_exact(&mut first).is_ok() && first == header.as_bytes())
}

/// The bundle saved for `lang` with `key`: (path, bytes) in the order saved; None when there
/// is none, it was made from other documents, or it cannot be read whole. Each file's bytes
/// are copied once, straight into the shared slice the output plan holds.
pub fn load(dir: &Path, lang: &str, key: u64) -> Option<Vec<(String, Arc<[u8]>)>> {
    let mut bytes = crate::cache::read_state_file(&file_of(dir, lang))?;
    if !crate::cache::strip_checksum(&mut bytes) {
        return None;
    }
    let header_end = bytes.iter().position(|&b| b == b'\n')?;
    if bytes[..header_end] != *format!("{MAGIC} {key:016x}").as_bytes() {
        return None;
    }
    let mut files = Vec::new();
    let mut at = header_end + 1;
    while at < bytes.len() {
        let end = at + bytes[at..].iter().position(|&b| b == b'\n')?;
        let (length, path) = std::str::from_utf8(&bytes[at..end]).ok()?.split_once(' ')?;
        let start = end + 1;
        let stop = start.checked_add(length.parse().ok()?)?;
        files.push((path.to_string(), Arc::from(bytes.get(start..stop)?)));
        at = stop;
    }
    Some(files)
}

/// Saves the bundle of `lang` (best effort: written beside and renamed into place, so a reader
/// never sees half a file).
pub fn save(dir: &Path, lang: &str, key: u64, files: &[(&str, &[u8])]) {
    if files.iter().any(|(path, _)| path.contains('\n')) {
        return;
    }
    let mut bytes = format!("{MAGIC} {key:016x}\n").into_bytes();
    for (path, contents) in files {
        bytes.extend_from_slice(format!("{} {path}\n", contents.len()).as_bytes());
        bytes.extend_from_slice(contents);
    }
    crate::cache::append_checksum(&mut bytes);
    let _ = std::fs::create_dir_all(dir);
    let _ = crate::cache::replace_file(&file_of(dir, lang), |out| out.write_all(&bytes));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_tells_the_key_a_bundle_was_saved_with() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_key(dir.path(), "ja", 7), "no file");
        let files: Vec<(&str, &[u8])> = vec![("a", b"x")];
        save(dir.path(), "ja", 7, &files);
        assert!(has_key(dir.path(), "ja", 7));
        assert!(!has_key(dir.path(), "ja", 8));
        assert!(!has_key(dir.path(), "en", 7));
        std::fs::write(file_of(dir.path(), "zh"), "koho-search-bundle 2").unwrap();
        assert!(!has_key(dir.path(), "zh", 7), "a cut header");
    }

    #[test]
    fn a_bundle_is_found_again_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(&str, &[u8])> =
            vec![("search-index/ja/t/0.bin", b"\x00\x01\n2"), ("b", b"")];
        save(dir.path(), "ja", 7, &files);
        let loaded = load(dir.path(), "ja", 7).unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(
            loaded[0],
            (
                "search-index/ja/t/0.bin".to_string(),
                Arc::from(&b"\x00\x01\n2"[..])
            )
        );
        assert_eq!(loaded[1], ("b".to_string(), Arc::from(&b""[..])));
        assert!(load(dir.path(), "ja", 8).is_none());
        assert!(load(dir.path(), "en", 7).is_none());
    }

    #[test]
    fn a_cut_bundle_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "ja", 1, &[("a", b"0123456789")]);
        let path = file_of(dir.path(), "ja");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(load(dir.path(), "ja", 1).is_none());
        let mut changed = bytes.clone();
        let at = bytes.windows(4).position(|w| w == b"0123").unwrap();
        changed[at] = b'9';
        std::fs::write(&path, &changed).unwrap();
        assert!(
            load(dir.path(), "ja", 1).is_none(),
            "a byte changed by hand"
        );
    }

    #[test]
    fn the_key_follows_the_documents() {
        let docs = vec![("/ja/a/".to_string(), "<p>a</p>".to_string())];
        let mut edited = docs.clone();
        edited[0].1.push('!');
        assert_eq!(key("ja", &docs), key("ja", &docs));
        assert_ne!(key("ja", &docs), key("ja", &edited));
        assert_ne!(key("ja", &docs), key("en", &docs));
    }
}
