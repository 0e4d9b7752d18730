//! `koho status --html FILE`: the status as one self-contained HTML page for the team, written
//! outside the site's content and output so that it is never deployed by accident.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use tera::escape_html;

use super::{Report, State};
use crate::error::Diagnostic;

/// The mark every report carries, so that `check_target` lets a report replace only an earlier
/// report.
const GENERATOR: &str = "<meta name=\"generator\" content=\"koho status --html\">";

/// Where the report may go: the absolute path of `target`. Refused: inside the site's content/
/// or public/ (the default output) folder, since a report there would be published; inside
/// locales/, themes/ or koho's `.koho/`, which builds read; a symbolic link (it could lead
/// anywhere, a source file included); and an existing file that is not an earlier report
/// (site.toml, a template: overwriting it would lose it). The folder holding it must exist.
pub fn check_target(root: &Path, target: &Path) -> Result<PathBuf, Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::in_file(target, format!("refusing to write the report here: {why}")).with_help(
            "write it outside content/ and the output folder, e.g. --html translation-status.html",
        )
    };
    let name = target
        .file_name()
        .ok_or_else(|| refuse("this is not a file name"))?;
    let root = root
        .canonicalize()
        .unwrap_or_else(|_| lexical_absolute(root));
    // Checked on the path as written too, so that a folder that does not exist yet is refused
    // for where it is rather than for being missing.
    let inside = |path: &Path| {
        [
            ("content", "the site's content"),
            ("public", "the output folder"),
            ("locales", "the site's locales"),
            ("themes", "the site's themes"),
            (".koho", "koho's records"),
        ]
        .into_iter()
        .find(|(folder, _)| path.starts_with(root.join(folder)))
    };
    if let Some((folder, what)) = inside(&lexical_absolute(target)) {
        return Err(refuse(&format!("it is inside {what} ({folder}/)")));
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let folder = parent.canonicalize().map_err(|e| {
        Diagnostic::in_file(parent, format!("cannot use the folder: {e}"))
            .with_help("create the folder first or choose another one")
    })?;
    let absolute = folder.join(name);
    if let Some((folder, what)) = inside(&absolute) {
        return Err(refuse(&format!("it is inside {what} ({folder}/)")));
    }
    refuse_existing(&absolute).map_err(|why| refuse(&why))?;
    Ok(absolute)
}

/// Why the report may not replace what is at `path`, if anything is there: a folder, a
/// symbolic link, or a file that is not an earlier report.
fn refuse_existing(path: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link; name a plain file".to_string());
    }
    if meta.is_dir() {
        return Err("it is a folder".to_string());
    }
    // A report starts as `render` starts it and names koho as its generator in its head.
    let earlier_report = meta.is_file()
        && std::fs::read_to_string(path).is_ok_and(|text| {
            let head = text.split_once("</head>").map_or("", |(head, _)| head);
            text.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>")
                && head.contains(GENERATOR)
        });
    match earlier_report {
        true => Ok(()),
        false => Err(
            "a file that is not an earlier report is there, and writing would replace it; choose another name"
                .to_string(),
        ),
    }
}

/// `path` made absolute against the current folder, with `.` and `..` resolved by name.
fn lexical_absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let joined = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#1d232b}\
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .75rem;border-bottom:1px solid #dde1e6;text-align:left}\
td.n{text-align:right}.source{color:#6b7480}.ok{color:#17673a}.stale{color:#8a4b00;font-weight:600;background:#fff4df}\
.draft{color:#0e5d82}.untracked{color:#7a2d8c}.missing,.orphan,.invalid{color:#b3261e;background:#fdecea}\
code{font-size:.9em}";

/// The report page: counts per language, then every document with its state per language
/// (the file and recorded id in a tooltip). `generated` is shown as the time it was made.
pub fn render(report: &Report, site: &str, generated: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"robots\" content=\"noindex\">\n{GENERATOR}\n<title>Translation status: {site}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>Translation status</h1>\n\
         <p>{site}, default language <code>{default}</code>; made {generated} by <code>koho status --html</code>.</p>\n",
        site = escape_html(site),
        default = escape_html(&report.default_language),
        generated = escape_html(generated),
    );
    out.push_str(&counts_table(report));
    out.push_str("<table>\n<thead><tr><th>document</th>");
    for lang in &report.languages {
        let _ = write!(out, "<th>{}</th>", escape_html(lang));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &report.rows {
        let _ = write!(out, "<tr><td><code>{}</code></td>", escape_html(&row.name));
        for cell in &row.cells {
            let mut tip = cell
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            if let Some(id) = &cell.translated_from {
                let _ = write!(tip, " (translated from {id})");
            }
            let _ = write!(
                out,
                "<td class=\"{label}\" title=\"{tip}\">{label}</td>",
                label = cell.state.label(),
                tip = escape_html(&tip),
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    out
}

fn counts_table(report: &Report) -> String {
    if report.counts.is_empty() {
        return String::new();
    }
    let mut out = String::from("<table class=\"counts\">\n<thead><tr><th>language</th>");
    for state in State::COUNTED {
        let _ = write!(out, "<th>{}</th>", state.label());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for counts in &report.counts {
        let _ = write!(out, "<tr><th>{}</th>", escape_html(&counts.lang));
        for state in State::COUNTED {
            let n = counts.get(state);
            let class = if n > 0 { state.label() } else { "" };
            let _ = write!(out, "<td class=\"n {class}\">{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
