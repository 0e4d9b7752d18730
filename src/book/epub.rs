//! The EPUB edition of a book.
