//! The status as text for a terminal: a table of documents × languages, the counts per language,
//! and `--diff` output; coloured only when asked to (a terminal without NO_COLOR).

use std::ffi::OsString;
use std::fmt::Write;

use anstyle::{AnsiColor, Effects, Style};
use unicode_width::UnicodeWidthStr;

use super::changes::{Changes, Outcome};
use super::diff::format_unified;
use super::{Report, State};

/// Colour when the stream is a terminal and NO_COLOR is unset or empty (https://no-color.org/).
pub fn colour_wanted(is_terminal: bool, no_color: Option<OsString>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

fn state_style(state: State) -> Style {
    let colour = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match state {
        State::Source => Style::new().effects(Effects::DIMMED),
        State::Ok => colour(AnsiColor::Green),
        State::Stale => colour(AnsiColor::Yellow).effects(Effects::BOLD),
        State::Draft => colour(AnsiColor::Cyan),
        State::Untracked => colour(AnsiColor::Magenta),
        State::Missing | State::Orphan => colour(AnsiColor::Red),
        State::Invalid => colour(AnsiColor::Red).effects(Effects::BOLD),
    }
}

/// `text` in `style` when colouring, padded with spaces to `width` columns (East Asian wide
/// characters count two, so Japanese and Chinese names line up).
fn cell(text: &str, width: usize, style: Style, colour: bool) -> String {
    let padding = " ".repeat(width.saturating_sub(text.width()));
    if colour {
        format!("{}{text}{}{padding}", style.render(), style.render_reset())
    } else {
        format!("{text}{padding}")
    }
}

/// The table, the counts per language and hints on what to do next.
pub fn render_report(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    let name_width = report
        .rows
        .iter()
        .map(|r| r.name.width())
        .chain([8])
        .max()
        .unwrap_or(8);
    let column = 11;
    let header = Style::new().effects(Effects::BOLD);
    let _ = write!(out, "{}", cell("document", name_width + 2, header, colour));
    for lang in &report.languages {
        let _ = write!(out, "{}", cell(lang, column, header, colour));
    }
    out = out.trim_end().to_string();
    out.push('\n');
    for row in &report.rows {
        let mut line = cell(&row.name, name_width + 2, Style::new(), false);
        for c in &row.cells {
            line.push_str(&cell(c.state.label(), column, state_style(c.state), colour));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&render_counts(report, colour));
    out
}

fn render_counts(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    if report.counts.is_empty() {
        return out;
    }
    let shown: Vec<State> = State::COUNTED
        .into_iter()
        .filter(|&s| s == State::Ok || report.counts.iter().any(|c| c.get(s) > 0))
        .collect();
    let _ = write!(out, "\n{:<8}", "");
    for state in &shown {
        let _ = write!(out, "{:>11}", state.label());
    }
    out.push('\n');
    for counts in &report.counts {
        let _ = write!(out, "{:<8}", counts.lang);
        for &state in &shown {
            let n = counts.get(state);
            let text = format!("{n:>11}");
            let style = if n > 0 {
                state_style(state)
            } else {
                Style::new()
            };
            out.push_str(&cell(&text, 0, style, colour));
        }
        out.push('\n');
    }
    let total = |state: State| report.counts.iter().map(|c| c.get(state)).sum::<usize>();
    if total(State::Stale) > 0 {
        out.push_str("\nstale: the source changed since; see what changed with `koho status --diff FILE`, then update the translation and `koho status --mark FILE`\n");
    }
    if total(State::Untracked) > 0 {
        out.push_str("\nuntracked: the translation does not record its source version; check it against the source, then `koho status --mark FILE`\n");
    }
    out
}

/// The result of `--diff` for one translation.
pub fn render_changes(changes: &Changes, colour: bool) -> String {
    let short = |id: &str| id.chars().take(10).collect::<String>();
    let mut out = format!(
        "{}: {}{} (source {} is now {})\n",
        changes.path.display(),
        cell(changes.state.label(), 0, state_style(changes.state), colour),
        if changes.draft { ", draft" } else { "" },
        changes.source.display(),
        short(&changes.source_id),
    );
    let source = changes.source.display();
    match &changes.diff {
        Outcome::UpToDate => out.push_str("the translation matches its source as it is now\n"),
        Outcome::NotRecorded => out.push_str(
            "the translation records no `translated_from`, so there is no earlier version to compare with\n",
        ),
        Outcome::Unavailable { reason } => {
            let _ = writeln!(out, "what changed cannot be shown: {reason}");
        }
        Outcome::Shown { hunks } if hunks.is_empty() => {
            out.push_str("only blank lines or line endings changed\n");
        }
        Outcome::Shown { hunks } => {
            let recorded = changes.translated_from.as_deref().unwrap_or_default();
            let text = format_unified(
                hunks,
                &format!("{source} @ {} (translated)", short(recorded)),
                &format!("{source} @ {} (now)", short(&changes.source_id)),
            );
            for (index, line) in text.lines().enumerate() {
                out.push_str(&diff_line(line, index < 2, colour));
                out.push('\n');
            }
        }
    }
    out
}

/// One line of a unified diff; `header` for the `---`/`+++` lines naming the versions.
fn diff_line(line: &str, header: bool, colour: bool) -> String {
    let style = if header {
        Style::new().effects(Effects::BOLD)
    } else if line.starts_with("@@") {
        Style::new().fg_color(Some(AnsiColor::Cyan.into()))
    } else if line.starts_with('-') {
        Style::new().fg_color(Some(AnsiColor::Red.into()))
    } else if line.starts_with('+') {
        Style::new().fg_color(Some(AnsiColor::Green.into()))
    } else {
        Style::new()
    };
    cell(line, 0, style, colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_pipes_turn_colour_off() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some(OsString::new())));
        assert!(!colour_wanted(true, Some(OsString::from("1"))));
        assert!(!colour_wanted(false, None));
    }

    #[test]
    fn wide_characters_are_padded_by_columns() {
        assert_eq!(cell("日本", 6, Style::new(), false), "日本  ");
        assert!(cell("ok", 4, state_style(State::Ok), true).starts_with("\u{1b}["));
    }
}
