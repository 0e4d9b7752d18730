//! The errors of a failed rebuild as people see them: file, line, message, the source line
//! with a caret, and the help, both as an HTML overlay for served pages and as terminal text.

use std::path::Path;

use crate::error::Diagnostic;

/// The source line a diagnostic points at (1-based `line`), read from the file (relative
/// paths are relative to the site root); None when there is no line or the file is unreadable.
pub fn source_line(root: &Path, diagnostic: &Diagnostic) -> Option<String> {
    let location = diagnostic.location.as_ref()?;
    let line = location.line?;
    let path = if location.path.is_absolute() {
        location.path.clone()
    } else {
        root.join(&location.path)
    };
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .nth(line.checked_sub(1)?)
        .map(|l| l.trim_end().to_string())
}

/// The line number gutter and source line with a caret under the column:
/// ```text
///   3 | date = 2020-13-01
///     |        ^
/// ```
fn snippet(root: &Path, diagnostic: &Diagnostic) -> Option<String> {
    let source = source_line(root, diagnostic)?;
    let location = diagnostic.location.as_ref()?;
    let number = location.line?.to_string();
    let gutter = " ".repeat(number.len());
    let mut text = format!("{number} | {source}");
    if let Some(column) = location.column {
        // Columns count characters; wide (CJK) characters take two cells on a terminal.
        let indent: usize = source
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if is_wide(c) { 2 } else { 1 })
            .sum();
        text.push_str(&format!("\n{gutter} | {}^", " ".repeat(indent)));
    }
    Some(text)
}

/// East Asian wide characters (CJK, kana, fullwidth forms) take two terminal cells.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Every diagnostic as the terminal shows it, with its source line.
pub fn terminal_text(root: &Path, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&diagnostic.to_string());
        out.push('\n');
        if let Some(snippet) = snippet(root, diagnostic) {
            for line in snippet.lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The overlay injected into every served page while the last rebuild failed.
pub fn html(root: &Path, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut items = String::new();
    for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
        let place = diagnostic
            .location
            .as_ref()
            .map(|l| {
                format!(
                    "<code class=\"koho-where\">{}</code> ",
                    escape(&l.to_string())
                )
            })
            .unwrap_or_default();
        items.push_str(&format!(
            "<li>{place}<span class=\"koho-message\">{}</span>",
            escape(&diagnostic.message)
        ));
        if let Some(snippet) = snippet(root, diagnostic) {
            items.push_str(&format!(
                "<pre class=\"koho-source\" style=\"margin:.3em 0;padding:.4em .6em;background:#fff;border:1px solid #e3b5b5;overflow:auto\">{}</pre>",
                escape(&snippet)
            ));
        }
        if let Some(help) = &diagnostic.help {
            items.push_str(&format!(
                "<div class=\"koho-help\">help: {}</div>",
                escape(help)
            ));
        }
        items.push_str("</li>");
    }
    format!(
        "<div id=\"koho-errors\" role=\"alert\" lang=\"en\" style=\"position:fixed;left:0;right:0;top:0;\
max-height:80vh;overflow:auto;z-index:2147483647;margin:0;padding:1em 1.5em;background:#fff4f4;\
color:#222;border-bottom:4px solid #b00020;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;\
box-shadow:0 4px 16px rgba(0,0,0,.25)\">\
<button type=\"button\" data-koho-close style=\"float:right\">close</button>\
<p style=\"margin:0 0 .5em;font-weight:bold;color:#b00020\">koho serve: the site has {errors} error(s). \
This is the last good build; fix the files and the page reloads.</p><ol style=\"margin:0;padding-left:1.5em\">{items}</ol></div>"
    )
}

fn escape(text: &str) -> String {
    tera::escape_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn overlay_and_terminal_show_file_line_message_and_source_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "+++\ntitle = \"日本\"\ndate = 2020-13-01\n+++\n",
        )
        .unwrap();
        let d = Diagnostic::error(Some(Location::at("a.md", 3, 8)), "bad <date>")
            .with_help("write YYYY-MM-DD");
        let text = terminal_text(dir.path(), std::slice::from_ref(&d));
        assert!(text.contains("error: a.md:3:8: bad <date>"));
        assert!(text.contains("3 | date = 2020-13-01"));
        assert!(text.contains("  |        ^"));
        let html = html(dir.path(), &[d]);
        assert!(html.contains("a.md:3:8"));
        assert!(html.contains("bad &lt;date&gt;"));
        assert!(html.contains("date = 2020-13-01"));
        assert!(html.contains("help: write YYYY-MM-DD"));
    }

    #[test]
    fn carets_count_wide_characters_twice() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.md"), "日本x\n").unwrap();
        let d = Diagnostic::error(Some(Location::at("b.md", 1, 3)), "here");
        assert!(terminal_text(dir.path(), &[d]).contains("  |     ^"));
    }
}
