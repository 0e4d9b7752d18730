//! How diagnostics look on the console: like rustc's (severity, file:line:column, the source
//! line with a caret, help), drawn by annotate-snippets; coloured only on a terminal without
//! NO_COLOR (https://no-color.org).

use std::io::IsTerminal;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::error::{Diagnostic, Severity};

/// Whether stderr gets colours: a terminal, and NO_COLOR unset or empty.
pub fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr is a terminal (progress bars are drawn only there, NO_COLOR or not).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// One diagnostic as text; `root` is the site folder its paths are relative to.
pub fn render(diagnostic: &Diagnostic, root: &Path, color: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let location = diagnostic.location.as_ref();
    let source_line = location
        .and_then(|l| Some((l, l.line?)))
        .and_then(|(l, line)| {
            let text = std::fs::read_to_string(resolve(root, &l.path)).ok()?;
            Some((l, line, text.lines().nth(line - 1)?.to_string()))
        });
    let title = level.clone().primary_title(diagnostic.message.as_str());
    let mut group = match &source_line {
        Some((l, line, text)) => {
            let span = caret(text, l.column.unwrap_or(1));
            let path = l.path.to_string_lossy().into_owned();
            title.element(
                Snippet::source(text.as_str())
                    .line_start(*line)
                    .path(path)
                    .annotation(AnnotationKind::Primary.span(span)),
            )
        }
        None => {
            let origin = location.map(|l| l.to_string()).unwrap_or_default();
            let title = level.primary_title(format!(
                "{origin}{}{}",
                if origin.is_empty() { "" } else { ": " },
                diagnostic.message
            ));
            Group::with_title(title)
        }
    };
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

fn resolve(root: &Path, path: &Path) -> std::path::PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

/// The byte range to underline from the character at 1-based `column`: the Markdown link,
/// image or footnote reference that starts there (`[text](dest)`, `![alt](src)`, `[^note]`,
/// `<url>`), else the word (to the next space, or the next character for Japanese and
/// Chinese, which have no spaces between words: the whole rest of the line was underlined).
fn caret(line: &str, column: usize) -> std::ops::Range<usize> {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    let end = markdown_span(rest).unwrap_or_else(|| {
        let first = rest.chars().next().map_or(0, char::len_utf8);
        let word = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || !c.is_ascii())
            .map_or(rest.len(), |(i, _)| i);
        word.max(first)
    });
    start..start + end
}

/// The byte length of the link, image, footnote reference or autolink at the start of `text`.
fn markdown_span(text: &str) -> Option<usize> {
    let bracket = text.strip_prefix('!').unwrap_or(text);
    let offset = text.len() - bracket.len();
    if bracket.starts_with('<') {
        return text.find('>').map(|i| i + 1);
    }
    if !bracket.starts_with('[') {
        return None;
    }
    let close = bracket.find(']')?;
    match bracket[close + 1..].starts_with('(') {
        true => bracket[close..].find(')').map(|i| offset + close + i + 1),
        false => Some(offset + close + 1),
    }
}

/// Diagnostics as JSON for CI: one object per diagnostic with severity, code, file, line,
/// column, message and help.
pub fn to_json(diagnostics: &[Diagnostic]) -> String {
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let location = d.location.as_ref();
            serde_json::json!({
                "severity": d.severity.label(),
                "code": code(d),
                "file": location.map(|l| l.path.to_string_lossy().replace('\\', "/")),
                "line": location.and_then(|l| l.line),
                "column": location.and_then(|l| l.column),
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

/// A stable machine name for the kind of a diagnostic, from what it says.
fn code(diagnostic: &Diagnostic) -> &'static str {
    let message = diagnostic.message.as_str();
    [
        ("broken link", "broken-link"),
        ("would be written to", "output-clash"),
        ("needs a folder", "output-clash"),
        ("differ only in letter case", "output-case"),
        ("template error", "template"),
        ("is missing in locale", "fluent-missing"),
        ("messages no template uses", "fluent-unused"),
        ("stale translation", "translation-stale"),
        ("records no `translated_from`", "translation-untracked"),
        ("not translated into", "translation-missing"),
        ("front matter", "front-matter"),
        ("UTF-8", "encoding"),
    ]
    .iter()
    .find(|(needle, _)| message.contains(needle))
    .map_or("site", |(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn the_source_line_is_shown_with_a_caret() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(
            dir.path().join("content/a.md"),
            "one\n日本 [x](@/nope.md)\n",
        )
        .unwrap();
        let d = Diagnostic::error(
            Some(Location::at("content/a.md", 2, 4)),
            "broken link: nope",
        )
        .with_help("fix it");
        let text = render(&d, dir.path(), false);
        assert!(text.contains("content/a.md:2:"), "{text}");
        assert!(
            text.contains("日本 [x](@/nope.md)") && text.contains('^'),
            "{text}"
        );
        assert!(text.contains("help: fix it"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&to_json(&[d])).unwrap();
        assert_eq!(json[0]["code"], "broken-link");
        assert_eq!(json[0]["line"], 2);
    }

    #[test]
    fn the_caret_underlines_the_link_not_the_rest_of_the_line() {
        fn underlined(line: &str, column: usize) -> &str {
            &line[caret(line, column)]
        }
        let ja = "詳しくは[日本語の資料](@/nope.md)をご覧ください。";
        assert_eq!(underlined(ja, 5), "[日本語の資料](@/nope.md)");
        let en = "See [the Japanese original](@/nope.md) for details.";
        assert_eq!(underlined(en, 5), "[the Japanese original](@/nope.md)");
        assert_eq!(underlined("図 ![写真](a b.png) と", 3), "![写真](a b.png)");
        assert_eq!(underlined("注[^nowhere]です", 2), "[^nowhere]");
        assert_eq!(
            underlined("go <https://example.org> now", 4),
            "<https://example.org>"
        );
        // Not a link: a word, or one character of Japanese.
        assert_eq!(underlined("title = x", 1), "title");
        assert_eq!(underlined("日本語", 2), "本");
        assert_eq!(underlined("[unclosed", 1), "[unclosed");
        assert_eq!(underlined("end", 9), "");
    }

    #[test]
    fn the_json_names_the_code_and_line() {
        let d = Diagnostic::error(
            Some(Location::at("content/a.md", 2, 4)),
            "broken link: nope",
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&[d])).unwrap();
        assert_eq!(json[0]["code"], "broken-link");
        assert_eq!(json[0]["line"], 2);
    }
}
