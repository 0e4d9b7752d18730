//! Fonts for the PDFs: which families each language asks for, found once among the system's
//! fonts (typst-kit's `scan-fonts`, i.e. fontdb with fontconfig's folders) and shared.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use typst::text::FontBook;
use typst_kit::fonts::{FontPath, FontStore};

use super::PdfError;

/// Font families per language, tried in order. Han characters take the regional forms of the
/// first installed family, so Japanese lists a JP face and Chinese an SC face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontConfig {
    /// Body text (a serif face) per language code (`ja`, `en`, `zh`).
    pub body: BTreeMap<String, Vec<String>>,
    /// Titles and headings (a sans face); where none is installed the body face is used.
    pub heading: BTreeMap<String, Vec<String>>,
    /// Folders scanned for fonts besides the system's.
    pub dirs: Vec<PathBuf>,
    /// Whether the system's font folders are scanned (off only in tests of a missing font).
    pub system: bool,
}

fn families(list: &[&str]) -> Vec<String> {
    list.iter().map(|f| f.to_string()).collect()
}

impl Default for FontConfig {
    /// Debian's `fonts-noto-cjk` (Noto Serif/Sans CJK JP and SC) for ja and zh. English takes
    /// Noto Serif or DejaVu Serif where installed, else the Latin letters of Noto Serif CJK
    /// (Source Serif's design); the CJK face stays last so names in Han script keep JP forms.
    fn default() -> Self {
        let body = BTreeMap::from([
            ("ja".to_string(), families(&["Noto Serif CJK JP"])),
            ("zh".to_string(), families(&["Noto Serif CJK SC"])),
            (
                "en".to_string(),
                families(&["Noto Serif", "Noto Serif CJK JP", "DejaVu Serif"]),
            ),
        ]);
        let heading = BTreeMap::from([
            ("ja".to_string(), families(&["Noto Sans CJK JP"])),
            ("zh".to_string(), families(&["Noto Sans CJK SC"])),
            (
                "en".to_string(),
                families(&["Noto Sans", "Noto Sans CJK JP", "DejaVu Sans"]),
            ),
        ]);
        FontConfig {
            body,
            heading,
            dirs: Vec::new(),
            system: true,
        }
    }
}

/// The families chosen for one language: installed ones only, in the configured order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Families {
    pub body: Vec<String>,
    /// Heading families followed by the body families (fallback for missing glyphs).
    pub heading: Vec<String>,
}

/// The scanned fonts, shared by every typesetting call (loaded faces are cached inside).
pub struct Fonts {
    pub(super) store: Arc<FontStore>,
    config: FontConfig,
}

impl Fonts {
    /// Scans the system's fonts (if `config.system`) and `config.dirs`. Only metadata is read
    /// here; a face's file is loaded the first time a document uses it.
    pub fn scan(config: FontConfig) -> Fonts {
        let mut store = FontStore::new();
        if config.system {
            store.extend(typst_kit::fonts::system());
        }
        for dir in &config.dirs {
            store.extend(typst_kit::fonts::scan(dir));
        }
        Fonts {
            store: Arc::new(store),
            config,
        }
    }

    pub fn book(&self) -> &FontBook {
        self.store.book()
    }

    /// The installed families for `lang`. Error: none of its body families is installed
    /// (naming the language and every family tried).
    pub fn families(&self, lang: &str) -> Result<Families, PdfError> {
        let wanted = self
            .config
            .body
            .get(lang)
            .ok_or_else(|| PdfError::UnknownLanguage(lang.to_string()))?;
        let installed = |list: &[String]| -> Vec<String> {
            list.iter()
                .filter(|family| self.book().contains_family(&family.to_lowercase()))
                .cloned()
                .collect()
        };
        let body = installed(wanted);
        if body.is_empty() {
            return Err(PdfError::MissingFont {
                lang: lang.to_string(),
                tried: wanted.clone(),
            });
        }
        let mut heading = installed(self.config.heading.get(lang).map_or(&[], |v| v));
        heading.extend(body.iter().cloned());
        Ok(Families { body, heading })
    }

    /// The files holding the faces of `families` (for caching by input hash: a changed font
    /// file must re-typeset).
    pub fn files_of(&self, families: &[String]) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = families
            .iter()
            .flat_map(|family| {
                self.book()
                    .select_family(&family.to_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter_map(|index| {
                let source = self.store.source(index)?;
                let path = (source as &dyn std::any::Any).downcast_ref::<FontPath>()?;
                Some(path.path.clone())
            })
            .collect();
        files.sort();
        files.dedup();
        files
    }
}
