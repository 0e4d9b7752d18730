//! The PDF editions' typesetter and their cache on disk: each PDF is kept under
//! `<root>/.koho/pdf/<key>.pdf`, where the key is a SHA-256 of everything it is made from, so
//! a build (or a preview rebuild) with nothing changed re-typesets nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::cache::Stamp;
use crate::content::downloads::hash::hex;
use crate::pdf::{FontConfig, Typesetter};

/// The folder of a theme that holds the fonts its PDFs are set in (`themes/<name>/fonts/`).
/// A theme without it is set in the system's fonts.
pub const THEME_FONTS: &str = "fonts";

/// The theme file that turns the PDF editions on and names their fonts (`themes/<name>/pdf.toml`).
pub const THEME_SETTINGS: &str = "pdf.toml";

/// `pdf.toml` as written: font families per language code, tried in order (the first one
/// installed that has a character sets it).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    body: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    heading: std::collections::BTreeMap<String, Vec<String>>,
}

/// The font settings of the theme at `theme_dir`: None when it has no `pdf.toml` (no PDFs);
/// languages it does not name keep koho's defaults (Noto Serif/Sans CJK JP, SC). The fonts
/// are the theme's `fonts/` folder when it has one, else the system's. Error: a `pdf.toml`
/// that cannot be read, as a sentence.
pub fn theme_fonts(theme_dir: &Path) -> Result<Option<FontConfig>, String> {
    let file = theme_dir.join(THEME_SETTINGS);
    if !file.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot be read: {e}"))?;
    let settings: Settings = toml::from_str(&text).map_err(|e| e.message().to_string())?;
    let mut fonts = FontConfig::default();
    fonts.body.extend(settings.body);
    fonts.heading.extend(settings.heading);
    let fonts_dir = theme_dir.join(THEME_FONTS);
    if fonts_dir.is_dir() {
        fonts.dirs = vec![fonts_dir];
        fonts.system = false;
    }
    Ok(Some(fonts))
}

/// What every PDF of one build shares: the typesetter (made on the first cache miss, since
/// scanning fonts is wasted when every PDF is cached) and the cache folder.
pub struct PdfContext {
    fonts: FontConfig,
    typesetter: OnceLock<Typesetter>,
    /// The identity of the font files (paths, sizes, modification times), part of every key.
    font_identity: String,
    cache_dir: PathBuf,
    /// The keys used by this build, so that the others can be removed after a full build.
    used: Mutex<HashSet<String>>,
}

impl PdfContext {
    /// The context of a site at `root` with its theme at `theme_dir` (whose `pdf.toml` was
    /// checked when planning).
    pub fn new(root: &Path, theme_dir: &Path) -> PdfContext {
        let fonts = theme_fonts(theme_dir).ok().flatten().unwrap_or_default();
        let typesetter = OnceLock::new();
        let font_identity = if !fonts.system {
            files_identity(&font_files(&fonts.dirs))
        } else {
            // System fonts: their files are known only after a scan.
            let scanned = typesetter.get_or_init(|| Typesetter::new(fonts.clone()));
            let mut files: Vec<PathBuf> = ["ja", "en", "zh"]
                .iter()
                .flat_map(|lang| scanned.font_files(lang))
                .collect();
            files.sort();
            files.dedup();
            files_identity(&files)
        };
        PdfContext {
            fonts,
            typesetter,
            font_identity,
            cache_dir: root.join(".koho").join("pdf"),
            used: Mutex::new(HashSet::new()),
        }
    }

    /// The typesetter, scanning the fonts on first use.
    pub fn typesetter(&self) -> &Typesetter {
        self.typesetter
            .get_or_init(|| Typesetter::new(self.fonts.clone()))
    }

    /// The cache key of a PDF made from `inputs` (each a labelled piece of its input) and the
    /// files whose stamps stand for their bytes (images, the logo).
    pub fn key(&self, kind: &str, inputs: &[&str], files: &[PathBuf]) -> String {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        field(kind.as_bytes());
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(crate::pdf::TYPST_VERSION.as_bytes());
        for (path, text) in crate::pdf::template_sources() {
            field(path.as_bytes());
            field(text.as_bytes());
        }
        field(self.font_identity.as_bytes());
        field(format!("{:?}{:?}", self.fonts.body, self.fonts.heading).as_bytes());
        for input in inputs {
            field(input.as_bytes());
        }
        field(files_identity(files).as_bytes());
        hex(&hasher.finalize())
    }

    /// The PDF cached under `key`, or `make`'s bytes, which are then cached. A cache that
    /// cannot be written costs only time: the bytes are returned all the same.
    pub fn cached<E>(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.to_string());
        }
        let path = self.cache_dir.join(format!("{key}.pdf"));
        // Saved with a checksum (`cache::append_checksum`): a file changed by hand is made again.
        if let Some(mut bytes) = crate::cache::read_state_file(&path) {
            if crate::cache::strip_checksum(&mut bytes) {
                return Ok(bytes);
            }
        }
        let bytes = make()?;
        let mut saved = bytes.clone();
        crate::cache::append_checksum(&mut saved);
        let _ = std::fs::create_dir_all(&self.cache_dir).and_then(|()| {
            crate::cache::replace_file(&path, |out| std::io::Write::write_all(out, &saved))
        });
        Ok(bytes)
    }

    /// Removes the cached PDFs this build did not use (after a build of the whole plan).
    pub fn prune(&self) {
        let Ok(used) = self.used.lock() else { return };
        let Ok(entries) = std::fs::read_dir(&self.cache_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let key = name.strip_suffix(".pdf").unwrap_or(&name);
            if !used.contains(key) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The font files directly inside `dirs`, sorted.
fn font_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|path| {
            path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "otf" | "ttf" | "ttc" | "otc"
                )
            })
        })
        .collect();
    files.sort();
    files
}

/// Each file's path and stamp (size, modification time, inode): a changed file changes it.
fn files_identity(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|path| {
            let stamp = Stamp::read(path).map(|s| s.key()).unwrap_or_default();
            format!("{}\t{stamp}\n", path.display())
        })
        .collect()
}
