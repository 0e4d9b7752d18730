//! Scaffolding: new releases, pages and chapters with their front matter filled (`koho new`) and
//! new sites (`koho init`). Files are planned first and written only when none of them exists.

pub mod init;
pub mod new;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use crate::error::Diagnostic;

/// A file to create.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// Where it goes.
    pub path: PathBuf,
    /// The path shown to the user (relative to the site root).
    pub display: PathBuf,
    pub bytes: Vec<u8>,
}

/// Checks one path segment given on the command line (a slug, a folder or file name): it must be
/// usable both as a file name and in a URL, and must not be read as something else (a language
/// suffix after a dot, a hidden file, `_index` or `_fragments`). The error says what is wrong.
pub fn check_segment(segment: &str) -> Result<(), String> {
    let bad = |why: String| Err(format!("`{segment}` cannot be used: {why}"));
    if segment.is_empty() {
        return Err("the name is empty".into());
    }
    if segment == "." || segment == ".." {
        return bad("`.` and `..` are not names".into());
    }
    if let Some(c) = segment.chars().find(|c| matches!(c, '/' | '\\')) {
        return bad(format!("it contains `{c}`; give one name, not a path"));
    }
    if segment.chars().any(char::is_whitespace) {
        return bad("it contains a space; join words with `-` (new-office)".into());
    }
    if let Some(c) = segment.chars().find(|c| {
        c.is_control() || matches!(c, '?' | '#' | '%' | '"' | '<' | '>' | '|' | '*' | ':')
    }) {
        return bad(format!(
            "it contains `{}`, which a URL or file name cannot hold; use letters, digits and `-`",
            c.escape_default()
        ));
    }
    if segment.contains('.') {
        return bad(
            "it contains `.`; the part after a dot would be read as a language suffix".into(),
        );
    }
    if segment.starts_with('_') {
        return bad("names starting with `_` are reserved (_index, _fragments)".into());
    }
    if segment == "index" {
        return bad("`index` is the name of a folder's own page (index.<lang>.md)".into());
    }
    if !segment.chars().any(char::is_alphanumeric) {
        return bad("it has no letter or digit; give words joined by `-` (new-office)".into());
    }
    if segment.starts_with('-') || segment.ends_with('-') {
        return bad("it starts or ends with `-`; `-` joins words (new-office)".into());
    }
    // Invisible characters (zero-width spaces and joiners, bidirectional controls, the soft
    // hyphen, the BOM) make names that look the same as others, or read backwards.
    let invisible = |c: &char| matches!(*c as u32, 0x00AD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF);
    if let Some(c) = segment.chars().find(invisible) {
        return bad(format!(
            "it contains the invisible character U+{:04X}; type the name again",
            c as u32
        ));
    }
    Ok(())
}

/// A readable placeholder title from a slug: `new-office` → `New office`.
pub fn title_from_slug(slug: &str) -> String {
    let words = slug.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A TOML string literal (quoted and escaped).
pub fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Writes every file, creating folders. Refuses when any of them exists (nothing is written
/// then); if a write fails, the files created so far are removed again.
pub fn write_all(files: &[NewFile]) -> Result<(), Vec<Diagnostic>> {
    let existing: Vec<Diagnostic> = files
        .iter()
        .filter(|f| f.path.symlink_metadata().is_ok())
        .map(|f| {
            Diagnostic::in_file(&f.display, "already exists; koho never overwrites it")
                .with_help("choose another name, or remove the file first")
        })
        .collect();
    if !existing.is_empty() {
        return Err(existing);
    }
    let mut created: Vec<&PathBuf> = Vec::new();
    for file in files {
        if let Err(e) = create_one(file) {
            for path in created.iter().rev() {
                let _ = std::fs::remove_file(path);
            }
            return Err(vec![Diagnostic::in_file(
                &file.display,
                format!("cannot create: {e}"),
            )]);
        }
        created.push(&file.path);
    }
    Ok(())
}

fn create_one(file: &NewFile) -> std::io::Result<()> {
    if let Some(parent) = file.path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // create_new: a file that appeared since the check above is still never overwritten.
    let mut handle = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file.path)?;
    handle.write_all(&file.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert!(check_segment("new-office").is_ok());
        assert!(check_segment("新事務所").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a b",
            "a.en",
            "_index",
            "a?b",
            "a\\b",
            "-",
            "--",
            "index",
            "-x",
            "x-",
            "a\u{200b}b",
            "a\u{202e}b",
        ] {
            assert!(check_segment(bad).is_err(), "{bad}");
        }
        assert!(check_segment("a b").unwrap_err().contains("space"));
    }

    #[test]
    fn titles() {
        assert_eq!(title_from_slug("new-office-opens"), "New office opens");
        let literal = toml_string("a \"b\" \\ 日本");
        let table: toml::Table = toml::from_str(&format!("v = {literal}")).unwrap();
        assert_eq!(table["v"].as_str(), Some("a \"b\" \\ 日本"));
    }
}
