//! Texts of source files shared, not copied: a file's text is a range of a buffer that is its
//! own or the one every saved text of the last build is in (`saved_texts`), and a document's
//! body is the end of that text. A build holds each text once, whoever reads it.

use std::ops::Range;
use std::sync::Arc;

/// A file's text: `range` of a shared UTF-8 buffer (its own, or the saved texts'). Cloning
/// shares the buffer; `&*text` is the text.
#[derive(Clone, Debug, Default)]
pub struct SharedText {
    buffer: Arc<String>,
    range: Range<usize>,
}

impl SharedText {
    /// `range` of `buffer`, or `None` when it is not within it on character boundaries.
    pub fn new(buffer: Arc<String>, range: Range<usize>) -> Option<Self> {
        buffer.get(range.clone())?;
        Some(SharedText { buffer, range })
    }
}

impl From<String> for SharedText {
    /// A text that is a whole buffer (a file read now): moved, not copied.
    fn from(text: String) -> Self {
        let range = 0..text.len();
        SharedText {
            buffer: Arc::new(text),
            range,
        }
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;

    fn deref(&self) -> &str {
        // Checked in `new`; `From<String>` takes the whole buffer.
        &self.buffer[self.range.clone()]
    }
}

/// The Markdown body of a document: its file's text from byte `start` (just after the front
/// matter's closing `+++` line) to the end. `&*body` is the body.
#[derive(Clone, Debug, Default)]
pub struct MarkdownBody {
    text: SharedText,
    start: usize,
}

impl MarkdownBody {
    /// The body of `text` from byte `start`; a `start` past the end or inside a character gives
    /// an empty body (the front matter parser only gives line starts).
    pub fn new(text: SharedText, start: usize) -> Self {
        let start = if text.is_char_boundary(start) {
            start
        } else {
            text.len()
        };
        MarkdownBody { text, start }
    }
}

impl MarkdownBody {
    /// The same body in a buffer of its own, for what outlives loading (pages' Markdown for the
    /// PDFs, fragments): a body sharing the saved texts' buffer would keep all of it (about
    /// 100 MB at 10,000 releases × 3 languages) alive for the whole build.
    pub fn detached(&self) -> MarkdownBody {
        MarkdownBody::from(&**self)
    }
}

impl std::ops::Deref for MarkdownBody {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text[self.start..]
    }
}

impl From<&str> for MarkdownBody {
    /// A body that is a whole text (generated pages, tests).
    fn from(text: &str) -> Self {
        MarkdownBody::new(SharedText::from(text.to_string()), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_end_of_the_shared_text() {
        let buffer = Arc::new("ignored+++\ntitle = \"x\"\n+++\n本文\n".to_string());
        let text = SharedText::new(buffer.clone(), 7..buffer.len()).unwrap();
        assert_eq!(&*MarkdownBody::new(text.clone(), 20), "本文\n");
        let detached = MarkdownBody::new(text.clone(), 20).detached();
        assert_eq!(&*detached, "本文\n");
        assert!(!Arc::ptr_eq(&detached.text.buffer, &buffer));
        assert_eq!(&*MarkdownBody::new(text.clone(), 21), "", "inside 本");
        assert_eq!(&*MarkdownBody::new(text, 99), "", "past the end");
        assert!(
            SharedText::new(buffer.clone(), 0..99).is_none(),
            "past the end"
        );
        let inside = buffer.find('本').unwrap() + 1;
        assert!(SharedText::new(buffer, 0..inside).is_none(), "inside 本");
    }
}
