//! Front matter: the TOML between `+++` lines, as written (raw) and as used (checked).

use std::path::Path;

use serde::Deserialize;

use super::date::Date;
use crate::error::{Diagnostic, Location};

/// Front matter exactly as written; an unknown key is an error so a typo cannot pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: Option<String>,
    date: Option<toml::Value>,
    description: Option<String>,
    draft: Option<bool>,
    weight: Option<i64>,
    slug: Option<String>,
    sort_by: Option<String>,
    paginate_by: Option<usize>,
    translated_from: Option<String>,
    extra: Option<toml::Table>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Newest first.
    Date,
    #[default]
    Weight,
    Title,
}

/// Checked front matter.
#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub title: String,
    pub date: Option<Date>,
    pub description: Option<String>,
    pub draft: bool,
    pub weight: i64,
    pub slug: Option<String>,
    pub sort_by: SortBy,
    pub paginate_by: Option<usize>,
    /// A translation's record of its source: the git blob id (40 lowercase hex digits) of the
    /// default-language file's bytes it was translated from (`koho status` compares it).
    pub translated_from: Option<String>,
    /// The `[extra]` table, converted for templates (dates become `YYYY-MM-DD` strings).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A Markdown file split into its front matter and body.
#[derive(Debug)]
pub struct Parsed {
    pub front: FrontMatter,
    /// The byte where the body starts in the text given to [`parse`] (it runs to the end).
    pub body_start: usize,
    /// The line of the file where the body starts (1-based).
    pub body_line: usize,
}

/// Splits and checks a file; `is_section` allows the section-only keys. Every problem of the
/// front matter at once, each at the line of its key.
pub fn parse(path: &Path, text: &str, is_section: bool) -> Result<Parsed, Vec<Diagnostic>> {
    let whole_len = text.len();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (toml_text, body) = split_checked(path, text)?;
    let raw: RawFrontMatter = toml::from_str(toml_text).map_err(|e| {
        let location = match e.span() {
            Some(span) => Location::at_offset(path, toml_text, span.start, TOML_FIRST_LINE),
            None => Location::file(path),
        };
        vec![Diagnostic::error(
            Some(location),
            format!("invalid front matter: {}", e.message().trim_end()),
        )]
    })?;
    let mut check = Check {
        path,
        toml_text,
        errors: Vec::new(),
    };
    let title = check.title(raw.title.as_deref());
    let date = check.date(raw.date.as_ref());
    let sort_by = check.section_keys(&raw, is_section);
    check.slug(raw.slug.as_deref());
    check.translated_from(raw.translated_from.as_deref());
    check.control_characters(&raw, &title);
    if !check.errors.is_empty() {
        return Err(check.errors);
    }
    let extra = raw
        .extra
        .map(|table| {
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect()
        })
        .unwrap_or_default();
    let body_line = text[..text.len() - body.len()].matches('\n').count() + 1;
    Ok(Parsed {
        front: FrontMatter {
            title,
            date,
            description: raw.description,
            draft: raw.draft.unwrap_or(false),
            weight: raw.weight.unwrap_or(0),
            slug: raw.slug,
            sort_by,
            paginate_by: raw.paginate_by,
            translated_from: raw.translated_from,
            extra,
        },
        // The body is always the end of the text (`split`).
        body_start: whole_len - body.len(),
        body_line,
    })
}

/// The TOML starts on line 2, after the opening `+++`.
const TOML_FIRST_LINE: usize = 2;

/// The front matter's TOML and the body, or why the file has none.
fn split_checked<'t>(path: &Path, text: &'t str) -> Result<(&'t str, &'t str), Vec<Diagnostic>> {
    let (message, help) = match split(text) {
        Split::Found { toml, body } => return Ok((toml, body)),
        Split::Missing => (
            "the file does not start with front matter between `+++` lines",
            "begin the file with `+++`, a line `title = \"...\"` and a closing `+++`",
        ),
        Split::Unclosed => (
            "the front matter that starts on line 1 is never closed",
            "end the front matter with a line holding only `+++`, before the text",
        ),
    };
    Err(vec![Diagnostic::error(
        Some(Location::at(path, 1, 1)),
        message,
    )
    .with_help(help)])
}

/// The front matter being checked and the problems found so far.
struct Check<'a> {
    path: &'a Path,
    toml_text: &'a str,
    errors: Vec<Diagnostic>,
}

impl Check<'_> {
    /// The line where `key = …` is written (line 1 when it is not found as such).
    fn location(&self, key: &str) -> Option<Location> {
        let line = self.toml_text.lines().position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
        Some(match line {
            Some(index) => Location::at(self.path, index + TOML_FIRST_LINE, 1),
            None => Location::at(self.path, 1, 1),
        })
    }

    fn error(&mut self, key: &str, message: impl Into<String>) {
        let diagnostic = Diagnostic::error(self.location(key), message.into());
        self.errors.push(diagnostic);
    }

    fn error_with_help(&mut self, key: &str, message: String, help: &str) {
        let diagnostic = Diagnostic::error(self.location(key), message).with_help(help);
        self.errors.push(diagnostic);
    }

    /// A title is required and not blank (empty when it is not, with the error).
    fn title(&mut self, title: Option<&str>) -> String {
        match title {
            Some(title) if !title.trim().is_empty() => return title.to_string(),
            Some(_) => self.error("title", "the title is empty"),
            None => self.errors.push(
                Diagnostic::error(
                    Some(Location::at(self.path, 1, 1)),
                    "the front matter has no title",
                )
                .with_help("add a line `title = \"...\"` between the `+++` lines"),
            ),
        }
        String::new()
    }

    /// A date is a calendar date: `2020-05-13`, as a TOML date or a string.
    fn date(&mut self, value: Option<&toml::Value>) -> Option<Date> {
        let value = value?;
        let date = date_from_toml(value);
        if date.is_none() {
            self.error_with_help(
                "date",
                format!("invalid date {value}: expected a calendar date YYYY-MM-DD"),
                "write e.g. `date = 2020-05-13`",
            );
        }
        date
    }

    /// `sort_by` and `paginate_by` only in a section's _index file, with values koho knows;
    /// the section's order.
    fn section_keys(&mut self, raw: &RawFrontMatter, is_section: bool) -> SortBy {
        if !is_section {
            for (key, present) in [
                ("sort_by", raw.sort_by.is_some()),
                ("paginate_by", raw.paginate_by.is_some()),
            ] {
                if present {
                    self.error(
                        key,
                        format!("`{key}` is only allowed in a section's _index file"),
                    );
                }
            }
        }
        let sort_by = match raw.sort_by.as_deref() {
            None => SortBy::default(),
            Some("date") => SortBy::Date,
            Some("weight") => SortBy::Weight,
            Some("title") => SortBy::Title,
            Some(other) => {
                self.error(
                    "sort_by",
                    format!(
                        "sort_by = \"{other}\" is not known: use \"date\", \"weight\" or \"title\""
                    ),
                );
                SortBy::default()
            }
        };
        if raw.paginate_by == Some(0) {
            self.error("paginate_by", "paginate_by must be at least 1");
        }
        sort_by
    }

    /// A slug is one URL path segment.
    fn slug(&mut self, slug: Option<&str>) {
        let Some(slug) = slug else { return };
        // `:` too: `C:` is a Windows drive, and no Windows file name may hold one.
        if slug.is_empty()
            || slug.contains(['/', '\\', '?', '#', ':'])
            || slug == "."
            || slug == ".."
        {
            self.error(
                "slug",
                format!(
                    "slug \"{slug}\" cannot be used in a URL: use one path segment without / \\ : ? #"
                ),
            );
        }
    }

    /// `translated_from` is a git blob id: 40 lowercase hex digits.
    fn translated_from(&mut self, id: Option<&str>) {
        let Some(id) = id else { return };
        if id.len() != 40 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            self.error_with_help(
                "translated_from",
                format!("translated_from \"{id}\" is not a git blob id (40 hex digits)"),
                "delete the line, then let `koho status --mark FILE` write it once the translation is current",
            );
        }
    }

    /// No text that pages, feeds and the EPUB show holds a control character.
    fn control_characters(&mut self, raw: &RawFrontMatter, title: &str) {
        let extra_texts = raw.extra.iter().flatten().map(|(k, v)| (k.as_str(), v));
        let texts: Vec<(&str, char)> = [
            ("title", Some(title)),
            ("description", raw.description.as_deref()),
            ("slug", raw.slug.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, control_character(&toml::Value::String(v?.to_string()))?)))
        .chain(extra_texts.filter_map(|(k, v)| Some((k, control_character(v)?))))
        .collect();
        for (key, c) in texts {
            self.error_with_help(
                key,
                format!(
                    "`{key}` contains the control character U+{:04X}, which pages, feeds and the EPUB cannot carry",
                    c as u32
                ),
                "remove it (in TOML, an escape such as \\u0001 writes one)",
            );
        }
    }
}

/// What [`split`] found at the start of a file.
#[derive(Debug, PartialEq)]
enum Split<'a> {
    /// The TOML text between the `+++` lines, and the body after the closing one.
    Found { toml: &'a str, body: &'a str },
    /// The file does not begin with a `+++` line.
    Missing,
    /// A `+++` line opens the front matter and none closes it.
    Unclosed,
}

/// Splits a file into its front matter and body.
fn split(text: &str) -> Split<'_> {
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .or_else(|| (text.trim_end() == "+++").then_some(""))
    else {
        return Split::Missing;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Split::Found {
                toml: &rest[..offset],
                body: &rest[offset + line.len()..],
            };
        }
        offset += line.len();
    }
    Split::Unclosed
}

fn date_from_toml(value: &toml::Value) -> Option<Date> {
    match value {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let date = dt.date?;
            Date::parse(&format!(
                "{:04}-{:02}-{:02}",
                date.year, date.month, date.day
            ))
        }
        toml::Value::String(text) => Date::parse(text),
        _ => None,
    }
}

/// The first control character in a text value (recursively), other than tab and line ends:
/// XML 1.0 §2.2 refuses C0 controls, and HTML calls every control a parse error.
fn control_character(value: &toml::Value) -> Option<char> {
    match value {
        toml::Value::String(text) => text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        toml::Value::Array(items) => items.iter().find_map(control_character),
        toml::Value::Table(table) => table.values().find_map(control_character),
        _ => None,
    }
}

/// TOML values as template data; dates become strings (serde would give a private wrapper).
fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(dt) => J::String(dt.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_page(text: &str) -> Result<Parsed, Vec<Diagnostic>> {
        parse(Path::new("content/a.ja.md"), text, false)
    }

    #[test]
    fn reads_fields_and_body_line() {
        let text = "+++\ntitle = \"題\"\ndate = 2020-05-13\n[extra]\nsubtitle = \"副\"\npublished = 2020-03-18\n+++\n\n本文\n";
        let parsed = parse_page(text).unwrap();
        assert_eq!(parsed.front.title, "題");
        assert_eq!(parsed.front.date.unwrap().to_string(), "2020-05-13");
        assert_eq!(parsed.front.extra["subtitle"], "副");
        assert_eq!(parsed.front.extra["published"], "2020-03-18");
        assert_eq!(&text[parsed.body_start..], "\n本文\n");
        assert_eq!(parsed.body_line, 8);
    }

    #[test]
    fn control_characters_in_texts_are_refused_with_their_line() {
        let errors = parse_page(
            "+++\ntitle = \"a\\u0001b\"\n[extra]\npublisher = \"NGMO & Partners\"\nnotes = [\"ok\", \"x\\u001Fy\"]\n+++\n",
        )
        .unwrap_err();
        let found: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{found:?}");
        assert!(
            found[0].contains("a.ja.md:2") && found[0].contains("U+0001"),
            "{found:?}"
        );
        assert!(
            found[1].contains("a.ja.md:5") && found[1].contains("U+001F"),
            "{found:?}"
        );
        assert!(parse_page(
            "+++\ntitle = \"tab\\there\"\ndescription = \"\"\"\nline\nbreaks\"\"\"\n+++\n"
        )
        .is_ok());
    }

    #[test]
    fn unknown_key_names_line() {
        let errors = parse_page("+++\ntitle = \"t\"\ntitel = \"x\"\n+++\n").unwrap_err();
        assert!(
            errors[0].message.contains("unknown field `titel`"),
            "{}",
            errors[0]
        );
        assert_eq!(errors[0].location.as_ref().unwrap().line, Some(3));
    }

    #[test]
    fn missing_title_and_bad_date() {
        let errors = parse_page("+++\ndate = \"2020-02-30\"\n+++\n").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().any(|e| e.message.contains("no title")));
        let date_error = errors
            .iter()
            .find(|e| e.message.contains("invalid date"))
            .unwrap();
        assert_eq!(date_error.location.as_ref().unwrap().line, Some(2));
    }

    #[test]
    fn toml_syntax_error_names_line() {
        let errors = parse_page("+++\ntitle = \"t\"\ndate = 2020-05-\n+++\n").unwrap_err();
        assert_eq!(errors[0].location.as_ref().unwrap().line, Some(3));
    }

    #[test]
    fn section_keys_only_in_sections() {
        assert!(parse_page("+++\ntitle = \"t\"\nsort_by = \"date\"\n+++\n").is_err());
        assert!(parse(
            Path::new("_index.md"),
            "+++\ntitle = \"t\"\nsort_by = \"date\"\n+++\n",
            true
        )
        .is_ok());
    }

    #[test]
    fn no_front_matter() {
        let errors = parse_page("# just markdown\n").unwrap_err();
        assert!(
            errors[0].message.contains("does not start"),
            "{}",
            errors[0]
        );
        for empty in ["", "\n"] {
            let errors = parse_page(empty).unwrap_err();
            assert!(
                errors[0].message.contains("does not start"),
                "{}",
                errors[0]
            );
        }
    }

    #[test]
    fn unclosed_front_matter_says_so_with_its_first_line() {
        for text in [
            "+++",
            "+++\n",
            "+++\ntitle = \"t\"\n\nbody\n",
            "+++\r\ntitle = 1",
        ] {
            let errors = parse_page(text).unwrap_err();
            assert!(
                errors[0].message.contains("never closed"),
                "{text:?}: {}",
                errors[0]
            );
            assert_eq!(errors[0].location.as_ref().unwrap().line, Some(1));
        }
    }

    #[test]
    fn the_body_starts_after_the_front_matter_of_a_file_with_a_byte_order_mark() {
        let text = "\u{feff}+++\ntitle = \"t\"\n+++\n本文\n";
        let parsed = parse_page(text).unwrap();
        assert_eq!(&text[parsed.body_start..], "本文\n");
        assert_eq!(parsed.body_line, 4);
    }

    #[test]
    fn a_file_of_front_matter_only_has_an_empty_body() {
        for text in ["+++\ntitle = \"t\"\n+++", "+++\ntitle = \"t\"\n+++\n"] {
            let parsed = parse_page(text).unwrap();
            assert_eq!(&text[parsed.body_start..], "");
            assert_eq!(parsed.front.title, "t");
        }
    }
}
