//! Markdown → Typst markup, from pulldown-cmark events.
//!
//! The generated markup is made of koho's own function calls (`#heading(…)[…]`, `#list(…)`)
//! around author text that only ever appears inside string literals (`#"…";`, see
//! [`super::literal`]): no author character can become Typst code. Labels and image paths
//! are made here, never taken from the text.

use std::collections::HashMap;

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

use super::images::ImageTable;
use super::literal;
use super::PdfError;
use crate::markdown::IdMaker;

/// Where a Markdown link goes in a PDF, as the caller decides (it knows the site's routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfLink {
    /// An address on the web (`https:`, `http:` or `mailto:`); other schemes stay text.
    Url(String),
    /// A chapter of the same book (its `BookChapter::id`), optionally a heading in it by the
    /// id the web page gives that heading (`#概要`).
    Chapter {
        id: String,
        fragment: Option<String>,
    },
    /// No link in the PDF: the link text stays, as text.
    Text,
}

/// The label of a document body and of its headings, by the ids the web edition gives them.
#[derive(Debug, Clone, Default)]
pub(super) struct Anchors {
    pub label: String,
    pub headings: HashMap<String, String>,
}

/// How one Markdown body is converted.
pub(super) struct Settings<'s> {
    pub links: &'s dyn Fn(&str) -> PdfLink,
    /// Anchors of every chapter of the book, by chapter id (empty for a release).
    pub chapters: &'s HashMap<String, Anchors>,
    /// Prefix of this body's labels (`koho-c3`); unique in the document.
    pub prefix: &'s str,
    /// The Typst heading level of the body's highest Markdown heading.
    pub base_level: usize,
    /// Whether headings appear in the table of contents and the PDF bookmarks.
    pub outlined: bool,
}

/// The Markdown extensions koho's web edition uses (markdown::render).
fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_DEFINITION_LIST
}

/// The anchors of a body: `prefix` for the body itself, `prefix-hN` for its Nth heading, keyed
/// by the heading ids the web edition makes (same IdMaker calls in the same order, footnote
/// ids included, so `#概要-1` means the same heading on the web and in the PDF).
pub(super) fn anchors(markdown: &str, prefix: &str) -> Anchors {
    let ids = web_heading_ids(&Parser::new_ext(markdown, markdown_options()).collect::<Vec<_>>());
    let headings = ids
        .into_iter()
        .enumerate()
        .map(|(n, id)| (id, format!("{prefix}-h{n}")))
        .collect();
    Anchors {
        label: prefix.to_string(),
        headings,
    }
}

fn web_heading_ids(events: &[Event]) -> Vec<String> {
    let mut ids = IdMaker::for_page();
    let mut footnotes = std::collections::HashSet::new();
    let mut result = Vec::new();
    let mut heading_text: Option<String> = None;
    for event in events {
        match event {
            Event::FootnoteReference(name) | Event::Start(Tag::FootnoteDefinition(name))
                if footnotes.insert(name.to_string()) =>
            {
                ids.make(&format!("fn-{name}"));
            }
            Event::Start(Tag::Heading { .. }) => heading_text = Some(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(heading) = &mut heading_text {
                    heading.push_str(text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(text) = heading_text.take() {
                    result.push(ids.make(&text));
                }
            }
            _ => {}
        }
    }
    result
}

/// Converts `markdown` to Typst markup. Images are registered in `images`. Errors: an image
/// that is not among the page's files, or has no description (PDF/UA needs one).
pub(super) fn convert(
    markdown: &str,
    settings: &Settings,
    images: &mut ImageTable,
) -> Result<String, PdfError> {
    let events = flatten_deep_nesting(Parser::new_ext(markdown, markdown_options()).collect());
    check_table_size(&events)?;
    let heading_labels = web_heading_ids(&events)
        .into_iter()
        .enumerate()
        .map(|(n, id)| (id, format!("{}-h{n}", settings.prefix)))
        .collect();
    let min_level = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let (body, definitions) = split_footnotes(events);
    let mut writer = Writer {
        settings,
        images,
        out: String::with_capacity(markdown.len() * 2),
        text: String::new(),
        last_char: None,
        footnotes: definitions,
        footnote_labels: HashMap::new(),
        heading_labels,
        heading_count: 0,
        min_level,
        last_level: settings.base_level.saturating_sub(1),
        rows_open: Vec::new(),
    };
    writer.events(&body)?;
    writer.flush();
    Ok(writer.out)
}

/// The deepest nesting of block quotes and lists the PDF keeps: deeper ones are set at this
/// depth, their items as paragraphs. Typst's parser stops at a fixed depth (a 200-level quote
/// failed the build), and no reader follows 16 levels of indentation on A4.
pub(super) const MAX_NESTING: usize = 16;

/// The most table cells one PDF edition may hold. Typst's layout memory grows with each cell
/// (a 50,000-row, 4-column table took 4.5 GB and 24 s: about 20 KB a cell); a body with more
/// is an error naming the limit.
pub(super) const MAX_TABLE_CELLS: usize = 5_000;

/// `events` with block quotes, lists and definition lists nested deeper than `MAX_NESTING`
/// unwrapped: their contents stay, items become paragraphs.
fn flatten_deep_nesting(events: Vec<Event>) -> Vec<Event> {
    let mut dropped: Vec<bool> = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let innermost_dropped = dropped.last() == Some(&true);
        match &event {
            Event::Start(Tag::BlockQuote(_) | Tag::List(_) | Tag::DefinitionList) => {
                let drop = dropped.len() >= MAX_NESTING;
                dropped.push(drop);
                if !drop {
                    out.push(event);
                }
            }
            Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::DefinitionList) => {
                if dropped.pop() != Some(true) {
                    out.push(event);
                }
            }
            Event::Start(Tag::Item | Tag::DefinitionListTitle | Tag::DefinitionListDefinition)
                if innermost_dropped =>
            {
                out.push(Event::Start(Tag::Paragraph))
            }
            Event::End(
                TagEnd::Item | TagEnd::DefinitionListTitle | TagEnd::DefinitionListDefinition,
            ) if innermost_dropped => out.push(Event::End(TagEnd::Paragraph)),
            _ => out.push(event),
        }
    }
    out
}

/// Error when the tables of one document hold more than `MAX_TABLE_CELLS` cells.
fn check_table_size(events: &[Event]) -> Result<(), PdfError> {
    let cells = events
        .iter()
        .filter(|e| matches!(e, Event::Start(Tag::TableCell)))
        .count();
    if cells <= MAX_TABLE_CELLS {
        return Ok(());
    }
    Err(PdfError::Input(format!(
        "its tables hold {cells} cells, more than the {MAX_TABLE_CELLS} a PDF edition can \
         typeset in bounded memory: split the table across pages, or publish it as a download \
         (a CSV file in the manifest)"
    )))
}

/// The body's events without footnote definitions, and each definition's events by name.
fn split_footnotes(events: Vec<Event>) -> (Vec<Event>, HashMap<String, Vec<Event>>) {
    let mut body = Vec::with_capacity(events.len());
    let mut definitions: HashMap<String, Vec<Event>> = HashMap::new();
    let mut current: Option<(String, Vec<Event>)> = None;
    for event in events {
        match event {
            Event::Start(Tag::FootnoteDefinition(name)) => {
                current = Some((name.to_string(), Vec::new()));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((name, events)) = current.take() {
                    // The first definition of a name wins, as on the web.
                    definitions.entry(name).or_insert(events);
                }
            }
            event => match &mut current {
                Some((_, events)) => events.push(event),
                None => body.push(event),
            },
        }
    }
    (body, definitions)
}

struct Writer<'a, 'i, 'm> {
    settings: &'a Settings<'a>,
    images: &'a mut ImageTable<'i>,
    out: String,
    /// Text not yet written (consecutive text events become one string literal).
    text: String,
    last_char: Option<char>,
    footnotes: HashMap<String, Vec<Event<'m>>>,
    footnote_labels: HashMap<String, String>,
    heading_labels: HashMap<String, String>,
    heading_count: usize,
    min_level: usize,
    last_level: usize,
    /// For each open definition list: whether a term's row is open.
    rows_open: Vec<bool>,
}

/// Whether a soft line break between `a` and `b` is dropped: Japanese and Chinese put no
/// space where a source line was broken between two of their characters (CSS Text 3,
/// segment break transformation), nor between one of them and a digit or a sign (`2020年` /
/// `5月`). Between a CJK character and a Latin word the break stays a space.
fn joins_without_space(a: char, b: char) -> bool {
    (is_cjk(a) && (is_cjk(b) || !b.is_alphabetic())) || (is_cjk(b) && !a.is_alphabetic())
}

/// Han, kana, CJK punctuation and full-width forms (Unicode blocks of Japanese and Chinese
/// text; Hangul is left out because Korean separates words with spaces).
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF       // radicals
        | 0x3000..=0x30FF     // CJK punctuation, hiragana, katakana
        | 0x3100..=0x312F     // bopomofo
        | 0x31C0..=0x31FF     // strokes, katakana extensions
        | 0x3400..=0x4DBF     // extension A
        | 0x4E00..=0x9FFF     // unified ideographs
        | 0xF900..=0xFAFF     // compatibility ideographs
        | 0xFE30..=0xFE4F     // compatibility forms
        | 0xFF00..=0xFFEF     // half- and full-width forms
        | 0x20000..=0x3FFFF) // supplementary ideographs
}

/// Typst alignment of a table column.
fn alignment(align: &Alignment) -> &'static str {
    match align {
        Alignment::Left | Alignment::None => "start",
        Alignment::Center => "center",
        Alignment::Right => "end",
    }
}

/// Plain text of inline events (an image description, a code block).
fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                text.push_str(t)
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

/// Index of the event closing the element opened at `start` (same nesting depth).
fn matching_end(events: &[Event], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// A URL Typst may turn into a link annotation: the web and mail schemes only.
fn is_linkable_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

impl<'m> Writer<'_, '_, 'm> {
    /// Author text, shown as it is.
    fn text(&mut self, text: &str) {
        if let Some(c) = text.chars().last() {
            self.last_char = Some(c);
        }
        self.text.push_str(text);
    }

    /// Writes pending text as one string literal.
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.out.push_str(&literal::markup_text(&self.text));
            self.text.clear();
        }
    }

    /// koho's own Typst code (never author text).
    fn code(&mut self, code: &str) {
        self.flush();
        self.out.push_str(code);
    }

    fn events(&mut self, events: &[Event<'m>]) -> Result<(), PdfError> {
        let mut i = 0;
        while i < events.len() {
            i = self.event(events, i)?;
        }
        Ok(())
    }

    /// Converts the event at `i`; returns the index of the next event to convert.
    fn event(&mut self, events: &[Event<'m>], i: usize) -> Result<usize, PdfError> {
        match &events[i] {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let end = matching_end(events, i);
                let alone = i > 0
                    && matches!(events[i - 1], Event::Start(Tag::Paragraph))
                    && matches!(events.get(end + 1), Some(Event::End(TagEnd::Paragraph)));
                let alt = plain_text(&events[i + 1..end]);
                self.image(dest_url, &alt, title, alone)?;
                return Ok(end + 1);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                let end = matching_end(events, i);
                let code = plain_text(&events[i + 1..end]);
                self.code(&format!(
                    "#raw({}, block: true)\n\n",
                    literal::string(code.trim_end_matches('\n'))
                ));
                return Ok(end + 1);
            }
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(text),
            Event::Code(text) => self.code(&format!("#raw({})", literal::string(text))),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(text),
            Event::Html(html) | Event::InlineHtml(html) => {
                // Raw HTML: its tags are markup, as in a browser (`<span lang="en">` around a
                // name), so they and comments are dropped and only the text between them stays.
                if !html.trim_start().starts_with("<!--") {
                    let text = strip_tags(html);
                    if !text.is_empty() {
                        self.text(&text);
                    }
                }
            }
            Event::FootnoteReference(name) => self.footnote(name)?,
            Event::SoftBreak => self.soft_break(events, i),
            Event::HardBreak => self.code("#linebreak()"),
            Event::Rule => self.code("#line(length: 100%, stroke: 0.5pt + luma(170))\n\n"),
            Event::TaskListMarker(done) => self.text(if *done { "☑ " } else { "☐ " }),
        }
        Ok(i + 1)
    }

    fn soft_break(&mut self, events: &[Event], i: usize) {
        let next = events[i + 1..].iter().find_map(|e| match e {
            Event::Text(t) | Event::Code(t) => t.chars().next(),
            _ => None,
        });
        match (self.last_char, next) {
            (Some(a), Some(b)) if joins_without_space(a, b) => {}
            _ => self.text(" "),
        }
    }
}

impl<'m> Writer<'_, '_, 'm> {
    fn start(&mut self, tag: &Tag<'m>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock | Tag::MetadataBlock(_) => {}
            Tag::Heading { level, .. } => {
                let level = self.typst_level(*level as usize);
                let outlined = self.settings.outlined;
                self.code(&format!("#heading(level: {level}, outlined: {outlined})["));
            }
            Tag::BlockQuote(_) => self.code("#quote(block: true)["),
            Tag::List(None) => self.code("#list("),
            Tag::List(Some(first)) => self.code(&format!("#enum(start: {first}, ")),
            Tag::Item => self.code("["),
            Tag::DefinitionList => {
                self.rows_open.push(false);
                self.code("#deflist(");
            }
            Tag::DefinitionListTitle => {
                let close = if self.rows_open.last() == Some(&true) {
                    "), "
                } else {
                    ""
                };
                if let Some(open) = self.rows_open.last_mut() {
                    *open = true;
                }
                self.code(&format!("{close}(["));
            }
            Tag::DefinitionListDefinition => self.code("["),
            Tag::Table(aligns) => {
                let aligns: Vec<&str> = aligns.iter().map(alignment).collect();
                self.code(&format!(
                    "#table(columns: {}, align: ({},), ",
                    aligns.len().max(1),
                    aligns.join(", ")
                ));
            }
            Tag::TableHead => self.code("table.header("),
            Tag::TableRow => {}
            Tag::TableCell => self.code("["),
            Tag::Emphasis => self.code("#emph["),
            Tag::Strong => self.code("#strong["),
            Tag::Strikethrough => self.code("#strike["),
            Tag::Superscript => self.code("#super["),
            Tag::Subscript => self.code("#sub["),
            Tag::Link { dest_url, .. } => {
                let open = self.link_open(dest_url);
                self.code(&open);
            }
            // Handled with their contents in `event`.
            Tag::Image { .. } | Tag::CodeBlock(_) | Tag::FootnoteDefinition(_) => {}
        }
    }

    fn end(&mut self, tag: &TagEnd) {
        match tag {
            TagEnd::Paragraph => self.code("\n\n"),
            TagEnd::Heading(_) => {
                let label = self.heading_label();
                self.code(&format!("]<{label}>\n\n"));
            }
            TagEnd::BlockQuote(_) => self.code("]\n\n"),
            TagEnd::List(_) => self.code(")\n\n"),
            TagEnd::Item | TagEnd::TableCell | TagEnd::DefinitionListDefinition => self.code("], "),
            TagEnd::DefinitionListTitle => self.code("], "),
            TagEnd::DefinitionList => {
                let close = if self.rows_open.pop() == Some(true) {
                    ")"
                } else {
                    ""
                };
                self.code(&format!("{close})\n\n"));
            }
            TagEnd::Table => self.code(")\n\n"),
            TagEnd::TableHead => self.code("), "),
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link => self.code("]"),
            TagEnd::TableRow
            | TagEnd::HtmlBlock
            | TagEnd::MetadataBlock(_)
            | TagEnd::Image
            | TagEnd::CodeBlock
            | TagEnd::FootnoteDefinition => {}
        }
    }

    /// Typst level of a Markdown heading: the body's highest heading maps to `base_level`,
    /// and no level is skipped (PDF/UA-1 requires a gapless heading hierarchy).
    fn typst_level(&mut self, markdown_level: usize) -> usize {
        let wanted = self.settings.base_level + markdown_level.saturating_sub(self.min_level);
        let level = wanted.min(self.last_level + 1).max(1);
        self.last_level = level;
        level
    }

    fn heading_label(&mut self) -> String {
        let label = format!("{}-h{}", self.settings.prefix, self.heading_count);
        self.heading_count += 1;
        label
    }

    /// The opening of a link to `dest`: `#link("https://…")[`, `#link(label("…"))[` or `#[`
    /// (text only).
    fn link_open(&self, dest: &str) -> String {
        let to_label = |label: &str| format!("#link(label({}))[", literal::string(label));
        if let Some(fragment) = dest.strip_prefix('#') {
            return match self.heading_labels.get(fragment) {
                Some(label) => to_label(label),
                None => "#[".to_string(),
            };
        }
        match (self.settings.links)(dest) {
            PdfLink::Url(url) if is_linkable_url(&url) => {
                format!("#link({})[", literal::string(&url))
            }
            PdfLink::Chapter { id, fragment } => {
                let Some(anchors) = self.settings.chapters.get(&id) else {
                    return "#[".to_string();
                };
                let target = fragment
                    .and_then(|f| anchors.headings.get(&f))
                    .unwrap_or(&anchors.label);
                to_label(target)
            }
            PdfLink::Url(_) | PdfLink::Text => "#[".to_string(),
        }
    }

    /// An image: a figure when it stands alone in its paragraph, else a small inline box.
    /// The description is its alt text, or its title; one of them is required.
    fn image(&mut self, dest: &str, alt: &str, title: &str, alone: bool) -> Result<(), PdfError> {
        let (path, format) = self.images.path_of(dest)?;
        let alt = if alt.trim().is_empty() { title } else { alt };
        if alt.trim().is_empty() {
            return Err(PdfError::Image {
                name: dest.to_string(),
                message: "has no description: accessible PDFs (PDF/UA) need one; write \
                          ![what the image shows](file)"
                    .to_string(),
            });
        }
        let image = format!(
            "image({}, format: {}, alt: {})",
            literal::string(&path),
            literal::string(format),
            literal::string(alt.trim())
        );
        if alone {
            let caption = if title.trim().is_empty() {
                String::new()
            } else {
                format!(", caption: [{}]", literal::markup_text(title.trim()))
            };
            self.code(&format!("#figure({image}{caption})"));
        } else {
            self.code(&format!("#box(height: 1.2em, {image})"));
        }
        Ok(())
    }

    /// A footnote mark: the note itself at its first reference, a reference to it after.
    /// A reference without a definition stays as written (`[^name]`).
    fn footnote(&mut self, name: &str) -> Result<(), PdfError> {
        if let Some(label) = self.footnote_labels.get(name) {
            let call = format!("#footnote(label({}))", literal::string(label));
            self.code(&call);
            return Ok(());
        }
        let Some(definition) = self.footnotes.remove(name) else {
            self.text(&format!("[^{name}]"));
            return Ok(());
        };
        let label = format!("{}-fn{}", self.settings.prefix, self.footnote_labels.len());
        self.footnote_labels.insert(name.to_string(), label.clone());
        self.code("#footnote[");
        let before = std::mem::take(&mut self.out);
        let last_char = self.last_char;
        self.events(&definition)?;
        self.flush();
        let note = std::mem::replace(&mut self.out, before);
        self.last_char = last_char;
        self.out.push_str(note.trim_end());
        self.out.push_str(&format!("]<{label}>"));
        Ok(())
    }
}

/// `html` without its tags (`<span lang="en">`, `</span>`, `<br/>`): the text between them.
/// Anything that does not look like a tag (`a < b`, `<y` without `>`) stays text.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let is_tag = after
            .trim_start_matches('/')
            .starts_with(|c: char| c.is_ascii_alphabetic());
        match (is_tag, after.find('>')) {
            (true, Some(end)) if !after[..end].contains('<') => {
                out.push_str(&rest[..start]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn typst(markdown: &str) -> String {
        try_typst(markdown).expect("converts")
    }

    fn try_typst(markdown: &str) -> Result<String, PdfError> {
        let chapters = HashMap::new();
        let links = |dest: &str| PdfLink::Url(dest.to_string());
        let settings = Settings {
            links: &links,
            chapters: &chapters,
            prefix: "koho-t",
            base_level: 1,
            outlined: true,
        };
        let given = BTreeMap::new();
        convert(markdown, &settings, &mut ImageTable::new(&given))
    }

    #[test]
    fn author_text_only_in_string_literals() {
        let out = typst("\\#read(\"/etc/passwd\") \\$x\\$ \\*b\\* \\<l\\> \\\\ \\`c\\`\n");
        assert_eq!(
            out,
            "#\"#read(\\\"/etc/passwd\\\") $x$ *b* <l> \\\\ `c`\";\n\n"
        );
    }

    #[test]
    fn soft_breaks_join_cjk_without_space() {
        assert_eq!(
            typst("これは\n日本語\nand\nEnglish"),
            "#\"これは日本語 and English\";\n\n"
        );
        assert_eq!(typst("中文，\n句子"), "#\"中文，句子\";\n\n");
        assert_eq!(typst("2020年\n5月"), "#\"2020年5月\";\n\n");
    }

    #[test]
    fn structure_is_koho_code() {
        let out = typst("## A\n\n- x\n- y\n\nt\n: d\n: e\n\n[l](#a) [w](https://x.org)");
        assert!(
            out.starts_with("#heading(level: 1, outlined: true)[#\"A\";]<koho-t-h0>"),
            "{out}"
        );
        assert!(out.contains("#list([#\"x\";], [#\"y\";], )"), "{out}");
        assert!(
            out.contains("#deflist(([#\"t\";], [#\"d\";], [#\"e\";], ))"),
            "{out}"
        );
        assert!(
            out.contains("#link(label(\"koho-t-h0\"))[#\"l\";]"),
            "{out}"
        );
        assert!(out.contains("#link(\"https://x.org\")[#\"w\";]"), "{out}");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_flattened() {
        let deep = format!("{} deep\n", ">".repeat(200));
        let out = typst(&deep);
        assert_eq!(out.matches("#quote(").count(), MAX_NESTING, "{out}");
        assert!(out.contains("deep"));
        let list: String = (0..200)
            .map(|n| format!("{}- item {n}\n", "  ".repeat(n)))
            .collect();
        let out = typst(&list);
        assert_eq!(out.matches("#list(").count(), MAX_NESTING);
        assert!(out.contains("item 199"));
        assert_eq!(out.matches('[').count(), out.matches(']').count());
    }

    #[test]
    fn a_table_too_big_to_typeset_is_an_error() {
        let mut table = String::from("| a | b |\n|---|---|\n");
        for n in 0..(MAX_TABLE_CELLS / 2 + 1) {
            table.push_str(&format!("| {n} | x |\n"));
        }
        let error = try_typst(&table).unwrap_err();
        assert!(error.to_string().contains("split the table"), "{error}");
    }

    #[test]
    fn heading_levels_never_skip() {
        let out = typst("#### Deep\n\n## Up\n\n###### Deeper\n");
        let levels: Vec<&str> = out.matches("level: ").map(|_| "").collect();
        assert_eq!(levels.len(), 3);
        assert!(out.contains("level: 1, outlined: true)[#\"Up\";]"), "{out}");
        assert!(
            out.contains("level: 2, outlined: true)[#\"Deeper\";]"),
            "{out}"
        );
    }

    #[test]
    fn anchors_match_web_heading_ids() {
        let anchors = anchors("## 概要\n\nx[^n]\n\n## 概要\n\n[^n]: note\n", "koho-c1");
        assert_eq!(anchors.headings["概要"], "koho-c1-h0");
        assert_eq!(anchors.headings["概要-1"], "koho-c1-h1");
    }
}
