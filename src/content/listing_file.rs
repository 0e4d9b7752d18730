//! The listing of content/ saved between one-off builds (`<root>/.koho/output-<hash>/listing.bin`),
//! so that a rebuild after an edit in place does not walk content/ again. The file is
//! `koho-listing 1\n`, the listing in postcard and the XXH3-64 of both
//! (`cache::append_checksum`): at 30,000 sources, reading it as JSON took 140 ms of a one-edit
//! build, in postcard about 30.
//!
//! It is used only when the caller knows it is current (`uptodate::Check::listing_current`: the
//! last successful build recorded every folder under content/, and none of them nor site.toml has
//! changed since). It is deleted before a build walks content/ and written again from that walk,
//! so a listing older than the build record is never left beside it: a write that fails leaves no
//! file, and the next build walks.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::source::{self, Sources};
use crate::config::SiteConfig;
use crate::error::Diagnostic;

/// The file's contents: the walk's result and the content folder it was made from (the same site
/// under another spelling of its root is walked again rather than given paths it did not name).
#[derive(Serialize, Deserialize)]
struct Saved {
    content_dir: String,
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
}

/// The saved listing when `current` and it is readable and made from this content folder;
/// otherwise content/ walked (`source::discover`) and the listing saved to `file`.
pub fn read_or_discover(
    config: &SiteConfig,
    file: &Path,
    current: bool,
) -> (Sources, Vec<Diagnostic>) {
    let content_dir = config.content_dir().to_string_lossy().into_owned();
    if current {
        if let Some(saved) = read(file).filter(|saved| saved.content_dir == content_dir) {
            return (saved.sources, saved.diagnostics);
        }
    }
    // Deleted first: should the write below fail, no older listing is left to be trusted.
    let _ = std::fs::remove_file(file);
    let (sources, diagnostics) = source::discover(config);
    let saved = Saved {
        content_dir,
        sources,
        diagnostics,
    };
    if let Ok(listing) = postcard::to_stdvec(&saved) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&listing);
        crate::cache::append_checksum(&mut bytes);
        if crate::cache::replace_file(file, |out| std::io::Write::write_all(out, &bytes)).is_err() {
            let _ = std::fs::remove_file(file);
        }
    }
    (saved.sources, saved.diagnostics)
}

const MAGIC: &[u8] = b"koho-listing 1\n";

fn read(file: &Path) -> Option<Saved> {
    let mut bytes = crate::cache::read_state_file(file)?;
    if !crate::cache::strip_checksum(&mut bytes) {
        return None;
    }
    postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()
}
