//! Git blob ids: how a translation names the exact version of the source it was translated from.

use sha1::{Digest, Sha1};

/// The id git gives `bytes` as a blob (what `git hash-object FILE` prints): the SHA-1 of
/// `blob <length in decimal>\0` followed by the bytes, as 40 lowercase hex digits. Computed
/// without git, so sites outside a repository get ids too. Source: git's object format
/// (Documentation/gitformat-loose.txt, "blob <size>\0<content>").
pub fn blob_id(bytes: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hex(&hasher.finalize())
}

/// Whether `text` has the shape of a blob id (40 lowercase hex digits).
pub fn is_blob_id(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_git_hash_object() {
        // `printf '' | git hash-object --stdin` and `printf 'hello\n' | git hash-object --stdin`.
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        assert_eq!(
            blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert!(is_blob_id(&blob_id("日本語".as_bytes())));
        assert!(!is_blob_id("CE013625030ba8dba906f756967f9e9ca394464a"));
    }
}
