//! URLs as koho writes and reads them: the one percent-encoding of every path and fragment it
//! generates, and the decoding of link destinations as authors write them.
//!
//! The rule: the characters RFC 3986 §2.3 calls unreserved (`A–Z a–z 0–9 - . _ ~`) and the
//! path separator `/` are written as they are; every other byte of the UTF-8 text, `%` and
//! space included, becomes `%XX` (RFC 3986 §2.1, upper-case hex). Non-ASCII letters are
//! encoded too, so every href koho writes is ASCII: that is how pulldown-cmark writes the
//! destinations of Markdown links, how the WHATWG URL Standard serialises a parsed URL (a
//! browser shows the decoded form in its address bar and matches a decoded fragment against
//! ids), and what EPUB reading systems and feed readers handle without surprises. So
//! `ja/releases/100% 達成/` is linked as `ja/releases/100%25%20%E9%81%94%E6%88%90/`, while the
//! file is written under its real name.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Everything but the unreserved characters and `/`.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A site-relative path (`ja/releases/x/`) as it goes into an href; borrowed when nothing
/// needs encoding.
pub fn encode_path(path: &str) -> Cow<'_, str> {
    utf8_percent_encode(path, PATH).into()
}

/// An id (`沿革`) as it goes after `#` in an href: encoded like a path.
pub fn encode_fragment(id: &str) -> Cow<'_, str> {
    encode_path(id)
}

/// The href of a site-relative path under the site's base path (`/ngmo/`, already encoded):
/// what `SiteConfig::url` and link resolution both return.
pub fn join(base_path: &str, site_path: &str) -> String {
    let path = encode_path(site_path.trim_start_matches('/'));
    let mut href = String::with_capacity(base_path.len() + path.len());
    href.push_str(base_path);
    href.push_str(&path);
    href
}

/// A link destination or fragment as an author wrote it (`支援物資%20写真.svg`, `#%E6%B2%BF`)
/// as the name it stands for, in NFC: percent-escapes decoded (a `%` not followed by two hex
/// digits stays), the result normalised. Errors when the escapes spell bytes that are not UTF-8.
pub fn decode(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(nfc(text).into_owned());
    }
    match percent_decode_str(text).decode_utf8() {
        Ok(decoded) => Ok(nfc(&decoded).into_owned()),
        Err(_) => Err(format!(
            "`{text}` has percent-escapes that are not UTF-8 text"
        )),
    }
}

/// `text` in Unicode Normalization Form C (UAX #15). macOS file systems and zip archives
/// hand out names in NFD (`ガ` as `カ` + U+3099); names, keys and links are compared in NFC.
/// Borrowed when the text already is NFC, which the quick check decides for nearly all text.
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// `relative` joined onto the folder `dir` (both `/`-separated), with `.` and empty parts
/// dropped and `..` resolved; None when `..` climbs above `dir`'s root.
pub fn join_relative(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_byte_by_byte_outside_the_unreserved_set() {
        assert_eq!(
            encode_path("ja/releases/a-b_c.~x/"),
            "ja/releases/a-b_c.~x/"
        );
        assert!(matches!(encode_path("ja/x/"), Cow::Borrowed(_)));
        assert_eq!(
            encode_path("ja/releases/100% 達成/"),
            "ja/releases/100%25%20%E9%81%94%E6%88%90/"
        );
        assert_eq!(
            encode_path("downloads/my report ü.pdf"),
            "downloads/my%20report%20%C3%BC.pdf"
        );
        assert_eq!(encode_fragment("沿革"), "%E6%B2%BF%E9%9D%A9");
        assert_eq!(encode_path("a#b?c"), "a%23b%3Fc");
        assert_eq!(
            join("/ngmo/", "/ja/ガイド/"),
            "/ngmo/ja/%E3%82%AC%E3%82%A4%E3%83%89/"
        );
    }

    #[test]
    fn destinations_are_decoded_to_nfc() {
        assert_eq!(decode("支援物資%20写真.svg").unwrap(), "支援物資 写真.svg");
        assert_eq!(decode("100%25%20%E9%81%94%E6%88%90").unwrap(), "100% 達成");
        // A `%` that starts no escape is kept.
        assert_eq!(decode("100% 達成").unwrap(), "100% 達成");
        // NFD in, NFC out: カ + U+3099 is ガ.
        assert_eq!(decode("\u{30AB}\u{3099}イド").unwrap(), "ガイド");
        assert_eq!(decode("%E3%82%AB%E3%82%99").unwrap(), "ガ");
        assert!(decode("%FF%FE").is_err());
        // Encoding and decoding give the name back.
        for name in ["100% 達成", "支援物資 写真.svg", "a+b&c=d"] {
            assert_eq!(decode(&encode_path(name)).unwrap(), name);
        }
    }
}
