//! What can go wrong while typesetting a PDF, worded for the person running the build.

/// An error of one PDF. The caller adds the file it was made from (a release, a book).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// None of a language's fonts is installed.
    #[error(
        "no font found for language `{lang}`: tried {}; install one, e.g. \
         `apt-get install fonts-noto-cjk` (Debian; Noto Serif/Sans CJK JP and SC) or \
         `apt-get install fonts-dejavu-core` for a Latin face, or name an installed font \
         for `{lang}` in the PDF font settings",
        tried.join(", ")
    )]
    MissingFont { lang: String, tried: Vec<String> },
    /// A language the PDF templates do not know.
    #[error("no PDF typesetting rules for language `{0}`: expected one of ja, en, zh")]
    UnknownLanguage(String),
    /// A field of the input that cannot be used (a region code, a date).
    #[error("{0}")]
    Input(String),
    /// An image named by the Markdown that the caller did not supply, or cannot be embedded.
    #[error("image `{name}`: {message}")]
    Image { name: String, message: String },
    /// Typst refused the document: an image it cannot decode, or a bug in koho's templates
    /// or converter (author text only ever reaches Typst as string literals).
    #[error("typesetting failed: {}", messages.join("; "))]
    Typst { messages: Vec<String> },
}
