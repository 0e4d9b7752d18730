//! `koho check`: everything a build validates, without writing output: every stage up to the
//! output plan, every template rendered into nothing, and the UI messages no template or code
//! uses.

use std::collections::BTreeSet;
use std::path::Path;

use rustc_hash::FxHashSet;

use crate::error::{Diagnostic, Location, Severity};
use crate::i18n::{Locales, CODE_KEYS, CODE_KEY_PREFIXES};
use crate::site::plan::PlannedFile;
use crate::status::State;
use crate::{prepare, render, BuildError, BuildOptions};

/// Every diagnostic of the site, sorted (errors first, then by file and line). Errors about the
/// environment (the site root cannot be read) are returned as `Err`.
pub fn check(options: &BuildOptions) -> Result<Vec<Diagnostic>, BuildError> {
    // The root as `build` sees it, so that both find the same cached PDFs, bodies and search
    // terms under `.koho/` (a check with another spelling of the root replaced the PDFs).
    let options = BuildOptions {
        keep_inventory: true,
        ..crate::with_canonical_root(options)
    };
    let mut prepared = match prepare(&options) {
        Ok(prepared) => prepared,
        Err(BuildError::Site(diagnostics)) => return Ok(sorted(diagnostics)),
        Err(other) => return Err(other),
    };
    let mut diagnostics = prepared.warnings.clone();
    let rendered_before = rendered_before(&prepared, &options);
    let selected = |file: &PlannedFile| !rendered_before.contains(file.path.as_str());
    let rendered = render::render_selected(
        &prepared.site,
        &prepared.theme,
        &prepared.plan,
        &selected,
        &|_, _| Ok(()),
    );
    match rendered.map_err(BuildError::Site) {
        Ok(()) => {}
        Err(BuildError::Site(errors)) => diagnostics.extend(errors),
        Err(other) => return Err(other),
    }
    let site = &prepared.site;
    let used = template_keys(&site.config.theme_dir().join("templates"));
    let languages: Vec<String> = site
        .config
        .languages
        .iter()
        .map(|l| l.code.clone())
        .collect();
    diagnostics.extend(unused_messages(&site.locales, &languages, &used));
    // The status needs only the inventory kept while loading (content/ is not read again);
    // the site is freed first.
    let config = site.config.clone();
    let inventory = std::mem::take(&mut prepared.inventory);
    drop(prepared);
    diagnostics.extend(translation_status(&config, &inventory));
    Ok(sorted(diagnostics))
}

/// The paths of the plan that a successful build into the site's default output (`public/`)
/// rendered from the same inputs: their fingerprints (`site::fingerprint`, salted with koho's
/// identity and the options, as `build` records them) are the ones in that output's record.
/// Rendering is a function of those inputs and reports errors only, never warnings, so such a
/// file would render without error again; every other file is rendered. Without a record (no
/// build yet, another output, a damaged record) the set is empty and everything is rendered.
fn rendered_before<'a>(
    prepared: &'a crate::Prepared,
    options: &BuildOptions,
) -> FxHashSet<&'a str> {
    let Ok(output) = crate::output::resolve_link(&crate::output_dir(options)) else {
        return FxHashSet::default();
    };
    let record_path = crate::output::state_dir(&options.root, &output).join("written.tsv");
    let record = crate::output::written::WrittenFiles::load(&record_path);
    if record.files.is_empty() {
        return FxHashSet::default();
    }
    let fingerprints = crate::fingerprint_plan(prepared, options);
    prepared
        .plan
        .files
        .iter()
        .zip(fingerprints)
        .filter(|(file, print)| print.is_some_and(|print| record.rendered_with(&file.path, print)))
        .map(|(file, _)| file.path.as_str())
        .collect()
}

fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort();
    diagnostics.dedup();
    diagnostics
}

/// Message ids the templates name: `t(key="x")` literally, and `t(key="prefix-" ~ …)` as a
/// prefix (kept with a trailing `*`).
pub fn template_keys(templates: &Path) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for entry in walkdir::WalkDir::new(templates)
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let mut rest = text.as_str();
        while let Some(at) = rest.find("key") {
            rest = &rest[at + 3..];
            let after = rest.trim_start();
            let Some(after) = after.strip_prefix('=') else {
                continue;
            };
            let after = after.trim_start();
            let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let Some(end) = after[1..].find(quote) else {
                break;
            };
            let key = &after[1..1 + end];
            rest = &after[1 + end + 1..];
            if rest.trim_start().starts_with('~') {
                keys.insert(format!("{key}*"));
            } else {
                keys.insert(key.to_string());
            }
        }
    }
    keys
}

/// A note for every message defined in a locale that no template and no code uses.
pub fn unused_messages(
    locales: &Locales,
    languages: &[String],
    used: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let prefixes: Vec<&str> = used
        .iter()
        .filter_map(|k| k.strip_suffix('*'))
        .chain(CODE_KEY_PREFIXES.iter().copied())
        .collect();
    let is_used = |key: &str| {
        used.contains(key)
            || CODE_KEYS.contains(&key)
            || prefixes.iter().any(|p| key.starts_with(p))
    };
    let mut notes = Vec::new();
    for lang in languages {
        let unused: Vec<&str> = locales.keys(lang).filter(|k| !is_used(k)).collect();
        if unused.is_empty() {
            continue;
        }
        notes.push(Diagnostic {
            severity: Severity::Note,
            location: Some(Location::file(Path::new("locales").join(lang))),
            message: format!("messages no template uses: {}", unused.join(", ")),
            help: Some("remove them, or use them in the theme".into()),
        });
    }
    notes
}

/// Stale translations as warnings, missing or untracked ones as notes (`koho status` has the
/// whole table and, with `--diff`, what changed in the source).
fn translation_status(
    config: &crate::config::SiteConfig,
    inventory: &[crate::content::Inventoried],
) -> Vec<Diagnostic> {
    let (report, _) = crate::status::collect(config, inventory);
    let mut diagnostics = Vec::new();
    for row in &report.rows {
        let source = row.cells.iter().find(|c| c.state == State::Source);
        let source_path = source.and_then(|c| c.path.as_ref());
        for cell in &row.cells {
            let diagnostic = match (cell.state, &cell.path) {
                (State::Stale, Some(path)) => Diagnostic::warning(
                    Some(Location::file(path)),
                    format!(
                        "stale translation: its source {} changed since it was translated",
                        source_path.map_or_else(|| row.key.clone(), |p| p.display().to_string())
                    ),
                )
                .with_help(format!(
                    "see what changed with `koho status --diff {}`; when updated, `koho status --mark {0}`",
                    path.display()
                )),
                (State::Missing, _) => Diagnostic {
                    severity: Severity::Note,
                    // Without a source (its default-language file is missing too), the note
                    // names a translation that exists, so that it still points at the page.
                    location: source_path
                        .or_else(|| row.cells.iter().find_map(|c| c.path.as_ref()))
                        .map(Location::file),
                    message: format!("not translated into `{}`", cell.lang),
                    help: Some(format!("`koho new` creates translations as drafts; `koho status --lang {}` lists them", cell.lang)),
                },
                (State::Untracked, Some(path)) => Diagnostic {
                    severity: Severity::Note,
                    location: Some(Location::file(path)),
                    message: "the translation records no `translated_from`, so koho cannot tell whether it is stale".into(),
                    help: Some(format!("check it against its source, then `koho status --mark {}`", path.display())),
                },
                _ => continue,
            };
            diagnostics.push(diagnostic);
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_keys_are_found_with_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.html"),
            r#"{{ t(key="nav-home") }} {{ t(key="language-" ~ l.code) }} {{ t(key = 'x') }}"#,
        )
        .unwrap();
        let keys = template_keys(dir.path());
        assert!(keys.contains("nav-home") && keys.contains("language-*") && keys.contains("x"));
    }
}
