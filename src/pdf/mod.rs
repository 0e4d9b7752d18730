//! PDF editions typeset in-process with Typst: press releases and books, from the same
//! Markdown as the web pages.
//!
//! The caller hands over plain inputs ([`ReleaseInput`], [`BookInput`]) and gets PDF bytes.
//! A [`Typesetter`] scans the system's fonts once and is shared (it is `Clone` over `Arc`s and
//! `Sync`) by every typesetting call, so PDFs can be made in parallel. Documents are tagged
//! PDF/UA-1 with their language and title, A4, and reproducible: equal inputs give equal
//! bytes (the creation date is the input's [`SourceDate`]; the World has no clock).
//!
//! Safety: author text reaches Typst only as string literals ([`literal`]), and the World
//! ([`world`]) serves nothing but the generated source, koho's templates, the images the
//! caller handed over and the fonts.

mod book;
mod convert;
mod error;
mod fonts;
mod images;
pub mod literal;
mod release;
mod world;

use std::path::PathBuf;
use std::sync::Arc;

use typst::utils::LazyHash;
use typst::{Library, LibraryExt};

pub use book::{BookChapter, BookInput, BookPart};
pub use convert::PdfLink;
pub use error::PdfError;
pub use fonts::{Families, FontConfig};
pub use release::{Fragment, Photo, ReleaseInput};

/// The calendar date a document is dated by (its PDF creation date): the release's date, the
/// book's publication date. Never the clock, so rebuilds give the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceDate {
    pub year: i32,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
}

impl SourceDate {
    /// The date as Typst arguments `(year, month, day)`. Error: not a calendar date.
    fn typst_tuple(self) -> Result<String, PdfError> {
        typst::foundations::Datetime::from_ymd(self.year, self.month, self.day)
            .map(|_| format!("({}, {}, {})", self.year, self.month, self.day))
            .ok_or_else(|| {
                PdfError::Input(format!(
                    "{}-{:02}-{:02} is not a calendar date",
                    self.year, self.month, self.day
                ))
            })
    }
}

/// Typesets PDFs. Make one per build and share it: it holds the scanned font book (faces are
/// loaded on first use and then kept) and Typst's standard library.
#[derive(Clone)]
pub struct Typesetter {
    fonts: Arc<fonts::Fonts>,
    library: Arc<LazyHash<Library>>,
}

impl Typesetter {
    /// Scans the fonts `config` asks for (system folders and `config.dirs`). Reads only the
    /// fonts' metadata (about 0.1 s with fonts-noto-cjk installed). Missing fonts are reported
    /// when a language is typeset, see [`Typesetter::families`].
    pub fn new(config: FontConfig) -> Typesetter {
        Typesetter {
            fonts: Arc::new(fonts::Fonts::scan(config)),
            library: Arc::new(LazyHash::new(Library::builder().build())),
        }
    }

    /// The installed font families `lang` will be set in. Error: [`PdfError::MissingFont`]
    /// (naming the language, the families tried and how to install them) or
    /// [`PdfError::UnknownLanguage`]. Call it when planning, to fail before typesetting.
    pub fn families(&self, lang: &str) -> Result<Families, PdfError> {
        self.fonts.families(lang)
    }

    /// The font files a document in `lang` may embed, for a cache key of its inputs (a
    /// changed font must re-typeset). Empty when the language has no installed font.
    pub fn font_files(&self, lang: &str) -> Vec<PathBuf> {
        match self.fonts.families(lang) {
            Ok(families) => self.fonts.files_of(&families.heading),
            Err(_) => Vec::new(),
        }
    }

    /// The PDF of a press release (A4). Errors: see [`PdfError`].
    pub fn release(&self, input: &ReleaseInput) -> Result<Vec<u8>, PdfError> {
        release::typeset(self, input)
    }

    /// The PDF of a book (A4): cover, notice, contents, parts and chapters. Errors: see
    /// [`PdfError`].
    pub fn book(&self, input: &BookInput) -> Result<Vec<u8>, PdfError> {
        book::typeset(self, input)
    }

    /// Typesets `files` into PDF bytes; `ident` names the document stably.
    fn typeset(&self, files: world::Files, ident: &str) -> Result<Vec<u8>, PdfError> {
        let world = world::PdfWorld::new(&self.library, &self.fonts, files);
        world::typeset(&world, ident)
    }
}

/// koho's Typst templates as (virtual path, text): part of a PDF's inputs, for a cache key
/// (with the input, the images, [`Typesetter::font_files`] and [`TYPST_VERSION`]).
pub fn template_sources() -> [(&'static str, &'static str); 3] {
    [
        ("/koho/common.typ", world::COMMON_TYP),
        ("/koho/release.typ", world::RELEASE_TYP),
        ("/koho/book.typ", world::BOOK_TYP),
    ]
}

/// The Typst version PDFs are typeset with (a newer one may lay out differently).
pub const TYPST_VERSION: &str = "0.15";

/// Frees Typst's memoisation caches (they grow with every document typeset). Call it after a
/// batch of PDFs; typesetting still works afterwards, only without cached layout.
pub fn evict_caches() {
    typst::comemo::evict(0);
}

/// Drops the memoised results not used by the last `max_age` documents, as Typst's own watch
/// mode does after each compilation (`comemo::evict(10)`), so that typesetting thousands of
/// PDFs in one build keeps memory bounded.
pub fn evict_stale_caches(max_age: usize) {
    typst::comemo::evict(max_age);
}

/// The Typst region for a language when the caller has none: JP for ja, CN for zh, none else.
pub fn default_region(lang: &str) -> Option<&'static str> {
    match lang {
        "ja" => Some("JP"),
        "zh" => Some("CN"),
        _ => None,
    }
}

/// Checks a language and region code and gives their Typst literals: `"ja"`, `"JP"`/`none`.
fn lang_region(lang: &str, region: Option<&str>) -> Result<(String, String), PdfError> {
    if !matches!(lang, "ja" | "en" | "zh") {
        return Err(PdfError::UnknownLanguage(lang.to_string()));
    }
    let region = match region {
        Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()) => {
            literal::string(&r.to_ascii_uppercase())
        }
        Some(r) => {
            return Err(PdfError::Input(format!(
                "region `{r}` is not a two-letter country code (ISO 3166-1 alpha-2, e.g. JP)"
            )))
        }
        None => "none".to_string(),
    };
    Ok((literal::string(lang), region))
}
