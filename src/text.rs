//! Text files as every input is read: UTF-8 with an optional byte-order mark, CRLF accepted,
//! and a message naming the file, line and column when the bytes are not UTF-8.

use std::path::Path;

use crate::error::{line_column, Diagnostic, Location};

/// Decodes `bytes` read from `display` (the path shown in messages): strips a UTF-8 BOM
/// (U+FEFF, which editors on Windows write) and turns CRLF line ends into LF.
/// Errors: invalid UTF-8, at the line and column of the first bad byte.
pub fn decode(display: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
        let (line, column) = line_column(valid, offset);
        Diagnostic::error(
            Some(Location::at(display, line, column)),
            "the file is not valid UTF-8 (perhaps Shift_JIS or GBK)",
        )
        .with_help("save the file as UTF-8")
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_are_accepted_and_bad_bytes_named() {
        let path = Path::new("locales/ja/main.ftl");
        let text = decode(path, b"\xef\xbb\xbfa = 1\r\nb = 2\r\n".to_vec()).unwrap();
        assert_eq!(text, "a = 1\nb = 2\n");
        let error = decode(path, b"a = 1\nb = \x82\xa0\n".to_vec()).unwrap_err();
        assert_eq!(
            error
                .to_string()
                .lines()
                .next()
                .map(|l| l.contains("main.ftl:2:5")),
            Some(true)
        );
    }
}
