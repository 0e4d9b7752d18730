//! Reading text inputs: the one reader for every text file a site has (Markdown, TOML, Fluent,
//! templates). It accepts what editors write (a UTF-8 byte-order mark, CRLF line ends) and names
//! the file, line and column of anything that is not UTF-8.

use std::io::Read;
use std::path::Path;

use crate::error::{line_column, Diagnostic, Location};

/// The largest text file koho reads: 10 MiB. A Markdown body costs about sixteen times its
/// size in memory while it is parsed and rendered (events, HTML, the search index's copy), so a
/// 50 MB file used to take 0.8 GB; the longest page of a real site (a whole handbook on one
/// page) is well under 1 MB. Larger files are refused with an error rather than read.
pub const MAX_TEXT_BYTES: u64 = 10 * 1024 * 1024;

/// What to do about a file that is not UTF-8.
const SAVE_AS_UTF8: &str =
    "save the file as UTF-8 (in most editors: “Save with encoding” or “Reopen/Save as UTF-8”)";

/// Reads `path` as text: a leading UTF-8 byte-order mark (U+FEFF) is removed and CRLF line ends
/// become LF, so later stages see one form whatever the editor wrote.
///
/// `display` is the path shown in messages (relative to the site root). Errors: the path is not a
/// regular file (a folder, a named pipe: reading a pipe would block the build), it cannot be read,
/// it is larger than [`MAX_TEXT_BYTES`], or it is not UTF-8 (UTF-16, Shift_JIS, GB 18030 …),
/// with the line and column of the first byte that is not.
pub fn read_text(path: &Path, display: &Path) -> Result<String, Diagnostic> {
    let cannot_read = |e: std::io::Error| Diagnostic::in_file(display, format!("cannot read: {e}"));
    let not_regular = || {
        Diagnostic::in_file(
            display,
            "this is not a regular file (a folder, named pipe, socket or device)",
        )
        .with_help("replace it with an ordinary text file")
    };
    let (file, meta) = open_file(path, true).map_err(|e| {
        // A socket, or a device without a driver, cannot be opened at all (ENXIO): say what
        // it is rather than what open(2) answered.
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => not_regular(),
            _ => cannot_read(e),
        }
    })?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let too_large = |size: u64| {
        Diagnostic::in_file(
            display,
            format!(
                "the file is {} bytes; koho reads text files of at most {MAX_TEXT_BYTES} bytes (10 MiB)",
                size
            ),
        )
        .with_help("split it into several pages (a book's chapters, for example)")
    };
    if meta.len() > MAX_TEXT_BYTES {
        return Err(too_large(meta.len()));
    }
    // Read at most one byte more than the limit: the file may grow after the `fstat`.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    decode(display, bytes)
}

/// Opens `path` for reading and tells what it is, from the open file (`fstat`, no second
/// lookup of the path). Non-blocking, so that a named pipe put where a text file was is
/// reported rather than waited on (open(2): a FIFO opened for reading without O_NONBLOCK blocks
/// until a writer comes); regular files ignore the flag. O_NOCTTY: a terminal is never made
/// the process's controlling terminal. `follow_links: false` adds O_NOFOLLOW: a link at `path`
/// is then an error (ELOOP), for koho's own state files, which are never links.
pub(crate) fn open_file(
    path: &Path,
    follow_links: bool,
) -> std::io::Result<(std::fs::File, std::fs::Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if follow_links { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | no_follow);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// The bytes of a text file read from `display` (the path shown in messages) as text, by the
/// rules of [`read_text`].
pub fn decode(display: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    // A UTF-16 byte-order mark (FF FE or FE FF): say which encoding it is rather than pointing
    // at the second byte.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::error(
            Some(Location::at(display, 1, 1)),
            "the file is UTF-16, not UTF-8",
        )
        .with_help(SAVE_AS_UTF8));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let (line, column) = line_column(valid, offset);
        Diagnostic::error(
            Some(Location::at(display, line, column)),
            format!(
                "the file is not valid UTF-8 (byte 0x{:02X} here; is it Shift_JIS, GBK or another legacy encoding?)",
                bytes[offset]
            ),
        )
        .with_help(SAVE_AS_UTF8)
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    Ok(if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<String, Diagnostic> {
        decode(Path::new("locales/ja/main.ftl"), bytes.to_vec())
    }

    /// A named pipe put where a text file was (after the walk checked it) is reported at once,
    /// never waited on; so are a folder and a socket. Runs on a thread: a blocking open would
    /// hang the test.
    #[cfg(unix)]
    #[test]
    fn a_named_pipe_socket_or_folder_in_a_files_place_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("page.ja.md");
        let name = std::ffi::CString::new(pipe.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        let folder = dir.path().to_path_buf();
        // A socket cannot even be opened (ENXIO): still named for what it is.
        let socket = dir.path().join("downloads.toml");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let results = [&pipe, &folder, &socket]
                .map(|path| read_text(path, Path::new("content/page.ja.md")));
            let _ = done.send(results);
        });
        let results = result
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("read_text blocked on a named pipe");
        for result in results {
            let error = result.expect_err("not a text file");
            assert!(
                error.message.contains("not a regular file"),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn a_missing_file_cannot_be_read() {
        let error = read_text(
            Path::new("/nonexistent/koho/page.md"),
            Path::new("content/page.md"),
        )
        .expect_err("missing");
        assert!(
            error.message.starts_with("cannot read:"),
            "{}",
            error.message
        );
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        assert_eq!(
            decoded("\u{feff}a = 1\r\nb = 2\r\n".as_bytes()).unwrap(),
            "a = 1\nb = 2\n"
        );
        // A BOM is removed only at the start.
        assert_eq!(decoded("x\u{feff}".as_bytes()).unwrap(), "x\u{feff}");
    }

    #[test]
    fn shift_jis_names_line_and_column() {
        // 「日本」 in Shift_JIS on line 2, after `a = `.
        let error = decoded(b"ok = 1\na = \x93\xfa\x96\x7b\n").unwrap_err();
        let location = error.location.as_ref().unwrap();
        assert_eq!((location.line, location.column), (Some(2), Some(5)));
        assert!(error.message.contains("not valid UTF-8"), "{error}");
        assert!(error.help.as_deref().unwrap().contains("UTF-8"));
    }

    #[test]
    fn utf16_is_named() {
        let error = decoded(&[0xFF, 0xFE, b'a', 0]).unwrap_err();
        assert!(error.message.contains("UTF-16"), "{error}");
    }

    #[test]
    fn files_over_the_limit_are_refused_with_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.md");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_TEXT_BYTES + 1).unwrap();
        let error = read_text(&path, Path::new("content/big.md")).unwrap_err();
        assert!(error.message.contains("10485761 bytes"), "{error}");
        assert!(error.message.contains("at most 10485760"), "{error}");
        file.set_len(MAX_TEXT_BYTES).unwrap();
        // At the limit the file is read (and found to be NUL bytes, which is UTF-8).
        assert_eq!(
            read_text(&path, Path::new("content/big.md")).unwrap().len(),
            10485760
        );
    }

    #[test]
    fn a_folder_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_text(dir.path(), Path::new("content/x.md")).unwrap_err();
        assert!(error.message.contains("not a regular file"), "{error}");
    }
}
