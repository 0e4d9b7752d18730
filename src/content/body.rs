//! A document's Markdown body: the end of its file's text, after the front matter. It is held
//! in memory, or not read at all when an earlier build parsed the file and its stamp has not
//! changed since (`saved_documents`). In that case its hashes stand in for it until a page
//! needs the text.

use std::sync::Arc;

use super::MarkdownSource;
use crate::error::Diagnostic;

/// The XXH3-64 hashes of a file's whole text and of its body (the text from the body's start).
/// A rebuild uses them in place of texts it has not read: the body's hash keys its saved
/// rendering, and the text's hash proves that a file read later is the one that was parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextHashes {
    pub text: u64,
    pub body: u64,
}

/// The Markdown body of a document: its file's text from byte `start` (just after the front
/// matter's closing `+++` line) to the end, read or not (see the module's note).
#[derive(Clone, Debug)]
pub struct MarkdownBody {
    state: State,
}

#[derive(Clone, Debug)]
enum State {
    /// The whole text of the file (shared, so that cloning a body copies no text) and where
    /// the body starts in it.
    Read { text: Arc<String>, start: usize },
    /// A file parsed by an earlier build and unchanged since: where its body starts and the
    /// hashes of its text.
    Unread { start: usize, hashes: TextHashes },
}

impl Default for MarkdownBody {
    fn default() -> Self {
        MarkdownBody::new(String::new(), 0)
    }
}

impl MarkdownBody {
    /// The body of `text` (a file's whole text) from byte `start`; a `start` past the end or
    /// inside a character gives an empty body (the front matter parser only gives line starts).
    pub fn new(text: String, start: usize) -> Self {
        let start = if text.is_char_boundary(start) {
            start
        } else {
            text.len()
        };
        let text = Arc::new(text);
        MarkdownBody {
            state: State::Read { text, start },
        }
    }

    /// A body not read: its file's text, whose hashes are `hashes`, from byte `start`.
    pub fn unread(start: usize, hashes: TextHashes) -> Self {
        MarkdownBody {
            state: State::Unread { start, hashes },
        }
    }

    /// The body's Markdown; `None` when it was not read (`read` reads it).
    pub fn text(&self) -> Option<&str> {
        match &self.state {
            State::Read { text, start } => text.get(*start..),
            State::Unread { .. } => None,
        }
    }

    /// Whether the text is in memory.
    pub fn is_read(&self) -> bool {
        matches!(self.state, State::Read { .. })
    }

    /// The byte of the file's text where the body starts.
    pub fn start(&self) -> usize {
        match self.state {
            State::Read { start, .. } | State::Unread { start, .. } => start,
        }
    }

    /// The hashes of the file's text and of the body (computed when read: about 10 ms for
    /// the 100 MB of Markdown of 10,000 releases × 3 languages).
    pub fn hashes(&self) -> TextHashes {
        match &self.state {
            State::Read { text, start } => TextHashes {
                text: text_hash(text),
                body: text_hash(text.get(*start..).unwrap_or_default()),
            },
            State::Unread { hashes, .. } => *hashes,
        }
    }

    /// The hash of the body alone (`TextHashes::body`).
    pub fn body_hash(&self) -> u64 {
        match &self.state {
            State::Read { text, start } => text_hash(text.get(*start..).unwrap_or_default()),
            State::Unread { hashes, .. } => hashes.body,
        }
    }

    /// The same body with its text dropped (kept as its hashes and start, `unread`): the file
    /// is read again when the text is needed (`read`).
    pub fn without_text(&self) -> MarkdownBody {
        MarkdownBody::unread(self.start(), self.hashes())
    }

    /// This body with its text: itself when read, else `source`'s file read now.
    ///
    /// Errors: the file cannot be read (`text::read_text`'s messages), or its text is not the
    /// one an earlier build parsed (it was changed while this build ran; building again reads
    /// it anew).
    pub fn read(&self, source: &MarkdownSource) -> Result<MarkdownBody, Diagnostic> {
        let State::Unread { start, hashes } = self.state else {
            return Ok(self.clone());
        };
        let text = crate::text::read_text(&source.path, &source.display_path)?;
        if text_hash(&text) != hashes.text || !text.is_char_boundary(start) {
            return Err(Diagnostic::in_file(
                &source.display_path,
                "this file changed while koho was building",
            )
            .with_help("build again"));
        }
        Ok(MarkdownBody::new(text, start))
    }
}

/// The hash of `TextHashes` (XXH3-64, stable across builds and machines).
pub fn text_hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl From<&str> for MarkdownBody {
    /// A body that is a whole text (generated pages, tests).
    fn from(text: &str) -> Self {
        MarkdownBody::new(text.to_string(), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn source(path: PathBuf) -> MarkdownSource {
        MarkdownSource {
            display_path: PathBuf::from("content/a.ja.md"),
            path,
            kind: super::super::DocKind::Page,
            key: "a".into(),
            lang: "ja".into(),
            bundle_dir: None,
        }
    }

    #[test]
    fn the_body_is_the_end_of_the_text() {
        let text = "+++\ntitle = \"x\"\n+++\n本文\n";
        assert_eq!(MarkdownBody::new(text.into(), 20).text(), Some("本文\n"));
        assert_eq!(MarkdownBody::new(text.into(), 21).text(), Some(""), "in 本");
        assert_eq!(MarkdownBody::new(text.into(), 99).text(), Some(""), "past");
    }

    #[test]
    fn an_unread_body_is_read_only_when_its_file_is_the_one_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ja.md");
        let text = "+++\ntitle = \"x\"\n+++\n本文\n";
        std::fs::write(&path, text).unwrap();
        let read = MarkdownBody::new(text.into(), 20);
        let unread = MarkdownBody::unread(20, read.hashes());
        assert_eq!(unread.text(), None);
        assert_eq!(unread.body_hash(), read.body_hash());
        let source = source(path.clone());
        assert_eq!(unread.read(&source).unwrap().text(), Some("本文\n"));
        std::fs::write(&path, "+++\ntitle = \"y\"\n+++\n本文\n").unwrap();
        let error = unread.read(&source).unwrap_err().to_string();
        assert!(error.contains("content/a.ja.md"), "{error}");
        assert!(error.contains("changed while koho was building"), "{error}");
        std::fs::remove_file(&path).unwrap();
        let error = unread.read(&source).unwrap_err().to_string();
        assert!(error.contains("cannot read"), "{error}");
    }
}
