//! Footnotes: one numbered list at the end of a body, in the order of first reference, with
//! ids from the page's `IdMaker` and a back-link from every note to each of its references.
//!
//! pulldown-cmark gives definitions where they stand and numbers nothing; GitHub and pandoc
//! number only referenced notes, in reference order, and list them at the end — so does this.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::emphasis::Spanned;
use super::{IdMaker, Problem};

/// The footnote definitions of a body and the numbering of those referenced so far.
#[derive(Debug, Default)]
pub struct Footnotes<'a> {
    definitions: Vec<Definition<'a>>,
    /// Case-folded label → index in `definitions` (labels match case-insensitively, as link
    /// labels do in CommonMark §4.7 and in pulldown-cmark).
    by_label: HashMap<String, usize>,
    /// Referenced notes in number order (number = index + 1).
    notes: Vec<Note>,
}

#[derive(Debug)]
struct Definition<'a> {
    label: String,
    offset: usize,
    events: Vec<Spanned<'a>>,
    note: Option<usize>,
}

#[derive(Debug)]
struct Note {
    definition: usize,
    id: String,
    references: Vec<String>,
}

impl<'a> Footnotes<'a> {
    /// Takes the definitions out of `events`; a label defined twice is reported and its later
    /// definitions dropped.
    pub fn split(
        events: Vec<Spanned<'a>>,
        problems: &mut Vec<Problem>,
    ) -> (Vec<Spanned<'a>>, Self) {
        let mut notes = Footnotes::default();
        if !events
            .iter()
            .any(|(e, _)| matches!(e, Event::Start(Tag::FootnoteDefinition(_))))
        {
            return (events, notes);
        }
        let mut body = Vec::with_capacity(events.len());
        let mut current: Option<Definition<'a>> = None;
        for (event, range) in events {
            match (&event, current.as_mut()) {
                (Event::Start(Tag::FootnoteDefinition(label)), None) => {
                    current = Some(Definition {
                        label: label.to_string(),
                        offset: range.start,
                        events: Vec::new(),
                        note: None,
                    });
                }
                (Event::End(TagEnd::FootnoteDefinition), Some(_)) => {
                    if let Some(definition) = current.take() {
                        notes.add(definition, problems);
                    }
                }
                (_, Some(definition)) => definition.events.push((event, range)),
                (_, None) => body.push((event, range)),
            }
        }
        (body, notes)
    }

    fn add(&mut self, definition: Definition<'a>, problems: &mut Vec<Problem>) {
        let key = definition.label.to_lowercase();
        if self.by_label.contains_key(&key) {
            problems.push(
                Problem::warning(
                    definition.offset,
                    format!("footnote [^{}] is defined twice", definition.label),
                )
                .with_help("only the first definition is published; remove or rename this one"),
            );
            return;
        }
        self.by_label.insert(key, self.definitions.len());
        self.definitions.push(definition);
    }

    /// The HTML of a reference to `label`, numbering its note at the first reference; `None`
    /// when nothing defines `label`.
    pub fn reference(&mut self, label: &str, ids: &mut IdMaker) -> Option<String> {
        let definition = *self.by_label.get(&label.to_lowercase())?;
        let note = match self.definitions[definition].note {
            Some(note) => note,
            None => {
                let id = ids.make(&format!("fn-{label}"));
                self.notes.push(Note {
                    definition,
                    id,
                    references: Vec::new(),
                });
                self.definitions[definition].note = Some(self.notes.len() - 1);
                self.notes.len() - 1
            }
        };
        let reference_id = ids.make(&format!("fnref-{label}"));
        let html = format!(
            "<sup class=\"footnote-reference\"><a href=\"#{}\" id=\"{reference_id}\" role=\"doc-noteref\">{}</a></sup>",
            crate::url::encode_fragment(&self.notes[note].id),
            note + 1
        );
        self.notes[note].references.push(reference_id);
        Some(html)
    }

    /// How many notes are numbered so far (references inside notes can add more).
    pub fn numbered(&self) -> usize {
        self.notes.len()
    }

    /// The events of note `index` (0-based), taken out; the caller renders them.
    pub fn take_events(&mut self, index: usize) -> Vec<Spanned<'a>> {
        let definition = self.notes[index].definition;
        std::mem::take(&mut self.definitions[definition].events)
    }

    /// Wraps the rendered events of note `index` in its list item and adds the back-links:
    /// inside the note's last paragraph when it ends with one, as GitHub does.
    pub fn wrap(
        &self,
        index: usize,
        mut events: Vec<Event<'a>>,
        backref_label: &str,
    ) -> Vec<Event<'a>> {
        let note = &self.notes[index];
        let number = index + 1;
        let label = escape_attribute(backref_label);
        let mut links = String::new();
        for (k, reference) in note.references.iter().enumerate() {
            let (suffix, mark) = if k == 0 {
                (String::new(), String::new())
            } else {
                (format!("-{}", k + 1), format!("<sup>{}</sup>", k + 1))
            };
            // U+FE0E keeps the arrow a text glyph: some systems draw a bare ↩ as an emoji.
            let reference = crate::url::encode_fragment(reference);
            links.push_str(&format!(
                " <a href=\"#{reference}\" class=\"footnote-backref\" role=\"doc-backlink\" aria-label=\"{label} {number}{suffix}\">\u{21A9}\u{FE0E}{mark}</a>"
            ));
        }
        let open = Event::Html(CowStr::from(format!(
            "<li class=\"footnote-definition\" id=\"{}\">\n",
            note.id
        )));
        let links = Event::InlineHtml(CowStr::from(links));
        if matches!(events.last(), Some(Event::End(TagEnd::Paragraph))) {
            let end = events.len() - 1;
            events.insert(end, links);
        } else {
            events.push(links);
        }
        events.insert(0, open);
        events.push(Event::Html(CowStr::Borrowed("</li>\n")));
        events
    }

    /// Warnings for definitions nothing refers to (they are not published).
    pub fn unused(&self) -> impl Iterator<Item = Problem> + '_ {
        self.definitions.iter().filter(|d| d.note.is_none()).map(|d| {
            Problem::warning(
                d.offset,
                format!("footnote [^{}] is defined but never referenced", d.label),
            )
            .with_help(format!(
                "refer to it with [^{}] in the text, or delete the definition (it is not published)",
                d.label
            ))
        })
    }
}

/// Recognises `[^label]` that pulldown-cmark printed as text because no definition matched: it
/// comes as the text events `[`, `^label` and `]`.
#[derive(Debug, Default)]
pub struct UndefinedReferences {
    state: Scan,
}

#[derive(Debug, Default)]
enum Scan {
    #[default]
    Idle,
    Open(usize),
    Label(usize, String),
}

impl UndefinedReferences {
    /// Feeds one event; returns a warning when it completes an undefined reference.
    pub fn see(&mut self, source: &str, event: &Event, range: &Range<usize>) -> Option<Problem> {
        let text = match event {
            Event::Text(text) => text.as_ref(),
            _ => {
                self.state = Scan::Idle;
                return None;
            }
        };
        let state = std::mem::take(&mut self.state);
        match state {
            Scan::Open(offset) => {
                if let Some(label) = text.strip_prefix('^') {
                    if !label.is_empty() && !label.contains(char::is_whitespace) {
                        self.state = Scan::Label(offset, label.to_string());
                        return None;
                    }
                }
            }
            Scan::Label(offset, label) if text == "]" => {
                return Some(
                    Problem::warning(
                        offset,
                        format!("footnote reference [^{label}] has no definition"),
                    )
                    .with_help(format!(
                        "add a definition `[^{label}]: …` to this file or fix the label; the reference is printed as written"
                    )),
                );
            }
            _ => {}
        }
        if text == "[" && source.as_bytes().get(range.start) == Some(&b'[') {
            let escaped = source.as_bytes()[..range.start]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count()
                % 2
                == 1;
            if !escaped {
                self.state = Scan::Open(range.start);
            }
        }
        None
    }
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}
