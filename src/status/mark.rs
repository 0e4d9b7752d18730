//! `koho status --mark FILE…`: records in translations that they now match their source, by
//! writing the source's current blob id into `translated_from`.

use std::path::{Path, PathBuf};

use super::edit::set_key;
use crate::config::SiteConfig;
use crate::content::Content;
use crate::error::Diagnostic;

/// A translation that was marked.
#[derive(Debug, Clone)]
pub struct Marked {
    /// The translation, relative to the site root.
    pub path: PathBuf,
    /// Its source, relative to the site root.
    pub source: PathBuf,
    /// The source's blob id now recorded.
    pub id: String,
    /// False when the file already recorded this id (it was not written).
    pub changed: bool,
    /// The translation is still `draft = true` (marking does not publish it).
    pub draft: bool,
}

struct Plan {
    marked: Marked,
    file: PathBuf,
    text: String,
}

/// Marks every file of `paths`. All are checked first: when any cannot be marked, nothing is
/// written and every problem is returned.
pub fn mark(
    config: &SiteConfig,
    content: &Content,
    paths: &[PathBuf],
) -> Result<Vec<Marked>, Vec<Diagnostic>> {
    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match plan(config, content, path) {
            Ok(plan) => plans.push(plan),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut marked = Vec::with_capacity(plans.len());
    for plan in plans {
        if plan.marked.changed {
            write_replacing(&plan.file, &plan.text).map_err(|e| {
                vec![Diagnostic::in_file(
                    &plan.marked.path,
                    format!("cannot write: {e}"),
                )]
            })?;
        }
        marked.push(plan.marked);
    }
    Ok(marked)
}

fn plan(config: &SiteConfig, content: &Content, path: &Path) -> Result<Plan, Diagnostic> {
    let found = super::find_translation(config, content, path)?;
    let display = found.doc.source.display_path.clone();
    let id = super::file_id(&found.source.path).map_err(|e| {
        Diagnostic::in_file(&found.source.display_path, format!("cannot read: {e}"))
    })?;
    let text = std::fs::read_to_string(&found.doc.source.path)
        .map_err(|e| Diagnostic::in_file(&display, format!("cannot read: {e}")))?;
    let changed = found.doc.front.translated_from.as_deref() != Some(id.as_str());
    let text = if changed {
        set_key(&text, "translated_from", &format!("\"{id}\"")).map_err(|e| {
            Diagnostic::in_file(&display, e.to_string()).with_help(format!(
                "add the line `translated_from = \"{id}\"` by hand, above any [table]"
            ))
        })?
    } else {
        text
    };
    Ok(Plan {
        marked: Marked {
            path: display,
            source: found.source.display_path.clone(),
            id,
            changed,
            draft: found.doc.front.draft,
        },
        file: found.doc.source.path.clone(),
        text,
    })
}

/// Writes beside the file and renames over it, so that an editor or a build never reads half a
/// file.
pub fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.koho-tmp"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
