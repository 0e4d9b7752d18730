//! The Typst World of one PDF: the generated main source, koho's templates, the images the
//! caller handed over and the shared fonts. Nothing else exists in it: every other path,
//! `/etc/passwd` included, is refused with "access denied", and there are no packages.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use super::fonts::Fonts;
use super::PdfError;

/// The shared Typst macros (letterhead, definition lists, figures) every template imports.
pub(super) const COMMON_TYP: &str = include_str!("common.typ");
pub(super) const RELEASE_TYP: &str = include_str!("release.typ");
pub(super) const BOOK_TYP: &str = include_str!("book.typ");

/// The files of one document, by absolute virtual path (`/main.typ`, `/images/0.png`).
pub(super) struct Files {
    pub main: String,
    /// Typst modules the main source imports.
    pub modules: Vec<(&'static str, &'static str)>,
    /// Binary files (images).
    pub binaries: Vec<(String, Vec<u8>)>,
}

/// The main source of a document: imports template `kind` (`/koho/{kind}.typ`, whose function
/// of that name lays out the document), applies it with `arguments` (Typst values koho made),
/// then the body markup.
pub(super) fn main_source(kind: &str, arguments: &[(&str, String)], body: &str) -> String {
    let mut main = format!(
        "#import \"/koho/{kind}.typ\": *\n#import \"/koho/common.typ\": deflist\n\
         #show: {kind}.with(\n"
    );
    for (name, value) in arguments {
        main.push_str(&format!("  {name}: {value},\n"));
    }
    main.push_str(")\n\n");
    main.push_str(body);
    main
}

pub(super) struct PdfWorld<'a> {
    library: &'a LazyHash<Library>,
    fonts: &'a Fonts,
    main: FileId,
    sources: HashMap<FileId, Source>,
    binaries: HashMap<FileId, Bytes>,
}

/// The id of an absolute virtual path. Paths are few and fixed (`/main.typ`, `/images/N.ext`)
/// because Typst interns ids for the life of the process (at most 2^16 of them).
fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| {
        unreachable!("koho's own virtual paths are absolute and valid: {path}")
    });
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl<'a> PdfWorld<'a> {
    pub fn new(library: &'a LazyHash<Library>, fonts: &'a Fonts, files: Files) -> Self {
        let main = file_id("/main.typ");
        let mut sources = HashMap::new();
        sources.insert(main, Source::new(main, files.main));
        for (path, text) in files.modules {
            let id = file_id(path);
            sources.insert(id, Source::new(id, text.to_string()));
        }
        let binaries = files
            .binaries
            .into_iter()
            .map(|(path, bytes)| (file_id(&path), Bytes::new(bytes)))
            .collect();
        PdfWorld {
            library,
            fonts,
            main,
            sources,
            binaries,
        }
    }
}

impl World for PdfWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.store.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .get(&id)
            .cloned()
            .ok_or(FileError::AccessDenied)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.binaries.get(&id) {
            return Ok(bytes.clone());
        }
        match self.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.clone())),
            None => Err(FileError::AccessDenied),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.store.font(index)
    }

    /// No clock: documents depend on their inputs only (`datetime.today()` is an error).
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// Lays out the world's document and exports it as a tagged PDF/UA-1 file. `ident` names the
/// document stably (its PDF identifier is derived from it), so equal inputs give equal bytes.
pub(super) fn typeset(world: &PdfWorld, ident: &str) -> Result<Vec<u8>, PdfError> {
    let Warned { output, .. } = typst::compile::<PagedDocument>(world);
    let document = output.map_err(|errors| typst_error(world, &errors))?;
    let standards = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| PdfError::Typst {
        messages: vec![e.message().to_string()],
    })?;
    let options = PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        creator: Smart::Custom(Some("koho".to_string())),
        standards,
        tagged: true,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| typst_error(world, &errors))
}

/// Typst's messages, each with the line of the generated source it points at.
fn typst_error(world: &PdfWorld, errors: &[SourceDiagnostic]) -> PdfError {
    let messages = errors
        .iter()
        .map(|error| {
            let mut message = error.message.to_string();
            if message.contains("could not be displayed") {
                message.push_str(
                    ": no font in the language's list draws this character; add one that does \
                     to the PDF font settings, or replace the character",
                );
            }
            if let Some(range) = world.range(error.span) {
                if let Some(source) = error.span.id().and_then(|id| world.sources.get(&id)) {
                    let text = source.text();
                    let start = range.start.min(text.len());
                    let line = text[..start].matches('\n').count() + 1;
                    let path = source.id().vpath().get_with_slash().to_string();
                    message.push_str(&format!(" (at {path}:{line})"));
                }
            }
            for hint in &error.hints {
                message.push_str(&format!("; hint: {}", hint.v));
            }
            message
        })
        .collect::<Vec<String>>();
    // Typst reports one error per element it gave up on: the same message many times over.
    let mut seen = std::collections::HashSet::new();
    let messages = messages
        .into_iter()
        .filter(|m| seen.insert(m.clone()))
        .collect();
    PdfError::Typst { messages }
}

#[cfg(test)]
mod tests {
    use typst::LibraryExt;

    use super::*;
    use crate::pdf::FontConfig;

    /// Typesets `main` as it is, in a World without fonts.
    fn run(main: &str) -> Result<Vec<u8>, PdfError> {
        let library = LazyHash::new(Library::builder().build());
        let fonts = Fonts::scan(FontConfig {
            system: false,
            ..FontConfig::default()
        });
        let files = Files {
            main: main.to_string(),
            modules: vec![("/koho/common.typ", COMMON_TYP)],
            binaries: vec![("/images/0.png".to_string(), b"\x89PNG".to_vec())],
        };
        typeset(&PdfWorld::new(&library, &fonts, files), "test")
    }

    #[test]
    fn only_given_files_exist() {
        for main in [
            r#"#read("/etc/passwd")"#,
            r#"#read("../../../../etc/passwd")"#,
            r#"#read("/koho/../../etc/passwd")"#,
            r#"#image("/etc/passwd")"#,
            r#"#json("/etc/hostname")"#,
            r#"#include "/etc/passwd""#,
            r#"#import "/src/lib.rs": x"#,
            r#"#read("/Cargo.toml")"#,
        ] {
            let error = run(main).expect_err(main).to_string();
            assert!(
                error.contains("access denied") || error.contains("escape the project root"),
                "{main}: {error}"
            );
        }
    }

    #[test]
    fn no_packages_and_no_clock() {
        let error = run(r#"#import "@preview/cetz:0.3.0": canvas"#).expect_err("package");
        assert!(error.to_string().contains("access denied"), "{error}");
        assert!(run("#datetime.today()").is_err());
    }

    #[test]
    fn the_given_files_are_served() {
        // A template module imports; the (broken) image is found and fails only to decode.
        let ok = r#"#set document(title: "t")
#set text(lang: "en")
#import "/koho/common.typ": deflist"#;
        if let Err(error) = run(ok) {
            panic!("{error}");
        }
        let error = run(r#"#image("/images/0.png")"#)
            .expect_err("bad PNG")
            .to_string();
        assert!(!error.contains("access denied"), "{error}");
    }
}
