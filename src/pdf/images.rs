//! The images a document may show: only those the caller handed over, each given a fixed
//! virtual path in the World (`/images/3.png`) so an author's file name never becomes a path.

use std::collections::{BTreeMap, HashMap};

use super::PdfError;

/// The images of one document: the caller's files by name, and those actually used. A book
/// has one set of files per chapter: each is a scope, and names are looked up in the current
/// one.
pub(super) struct ImageTable<'a> {
    given: &'a BTreeMap<String, Vec<u8>>,
    scope: usize,
    /// (scope, name) → (virtual path, Typst format name).
    used: HashMap<(usize, String), (String, &'static str)>,
    files: Vec<(String, Vec<u8>)>,
}

impl<'a> ImageTable<'a> {
    pub fn new(given: &'a BTreeMap<String, Vec<u8>>) -> Self {
        ImageTable {
            given,
            scope: 0,
            used: HashMap::new(),
            files: Vec::new(),
        }
    }

    /// Looks names up in `given` from now on; `scope` tells apart equal names of two sets.
    pub fn set_scope(&mut self, scope: usize, given: &'a BTreeMap<String, Vec<u8>>) {
        self.scope = scope;
        self.given = given;
    }

    /// The virtual path and format of image `name` (as written in the Markdown; a leading
    /// `./` is ignored). Errors: no such file among the page's files; not an image format
    /// Typst embeds.
    pub fn path_of(&mut self, name: &str) -> Result<(String, &'static str), PdfError> {
        let key = name.trim_start_matches("./");
        if let Some(found) = self.used.get(&(self.scope, key.to_string())) {
            return Ok(found.clone());
        }
        let bytes = self.given.get(key).ok_or_else(|| PdfError::Image {
            name: name.to_string(),
            message: if name.contains("://") {
                "the PDF embeds only the page's own image files, not addresses on the web"
                    .to_string()
            } else {
                "not among the page's files (images sit beside the page's index.<lang>.md)"
                    .to_string()
            },
        })?;
        let format = format_of(key, bytes).ok_or_else(|| PdfError::Image {
            name: name.to_string(),
            message: "not a PNG, JPEG, GIF, WebP or SVG image".to_string(),
        })?;
        let path = format!("/images/{}.{format}", self.files.len());
        self.files.push((path.clone(), bytes.clone()));
        self.used
            .insert((self.scope, key.to_string()), (path.clone(), format));
        Ok((path, format))
    }

    /// The used images as (virtual path, bytes), for the World.
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.files
    }
}

/// The format from the file's first bytes (SVG: its text or its extension).
pub(super) fn format_of(name: &str, bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else if looks_like_svg(name, bytes) {
        Some("svg")
    } else {
        None
    }
}

fn looks_like_svg(name: &str, bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    name.to_ascii_lowercase().ends_with(".svg")
        || head.starts_with("<svg")
        || (head.starts_with("<?xml") && head.contains("<svg"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_bytes() {
        assert_eq!(format_of("a", b"\x89PNG\r\n\x1a\nrest"), Some("png"));
        assert_eq!(format_of("a.svg", b"<?xml?><svg/>"), Some("svg"));
        assert_eq!(format_of("b", b"  <svg xmlns='x'/>"), Some("svg"));
        assert_eq!(format_of("c.txt", b"hello"), None);
    }

    #[test]
    fn names_never_become_paths() {
        let given =
            BTreeMap::from([("../../etc/x.png".to_string(), b"\x89PNG\r\n\x1a\n".to_vec())]);
        let mut table = ImageTable::new(&given);
        let (path, format) = table.path_of("../../etc/x.png").expect("given image");
        assert_eq!((path.as_str(), format), ("/images/0.png", "png"));
        assert!(table.path_of("missing.png").is_err());
    }
}
