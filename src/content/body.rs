//! A document's Markdown body, sharing its file's whole text: a build holds each file's text
//! once, whoever reads it (the saved texts take the whole text, pages and PDFs the body).

use std::sync::Arc;

/// The Markdown body of a document: its file's text from byte `start` (just after the front
/// matter's closing `+++` line) to the end. Cloning shares the text; `&*body` is the body.
#[derive(Clone, Debug, Default)]
pub struct MarkdownBody {
    text: Arc<str>,
    start: usize,
}

impl MarkdownBody {
    /// The body of `text` from byte `start`; a `start` past the end or inside a character gives
    /// an empty body (the front matter parser only gives line starts).
    pub fn new(text: Arc<str>, start: usize) -> Self {
        let start = if text.is_char_boundary(start) {
            start
        } else {
            text.len()
        };
        MarkdownBody { text, start }
    }

    /// The whole text of the file the body ends.
    pub fn file_text(&self) -> &Arc<str> {
        &self.text
    }
}

impl std::ops::Deref for MarkdownBody {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text[self.start..]
    }
}

impl From<&str> for MarkdownBody {
    /// A body that is a whole text (fragments in tests, generated pages).
    fn from(text: &str) -> Self {
        MarkdownBody::new(Arc::from(text), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_end_of_the_shared_text() {
        let text: Arc<str> = Arc::from("+++\ntitle = \"x\"\n+++\n本文\n");
        let body = MarkdownBody::new(text.clone(), 20);
        assert_eq!(&*body, "本文\n");
        assert!(Arc::ptr_eq(body.file_text(), &text));
        assert_eq!(&*MarkdownBody::new(text.clone(), 21), "", "inside 本");
        assert_eq!(&*MarkdownBody::new(text, 99), "", "past the end");
    }
}
