//! Markdown to HTML: CommonMark plus tables, footnotes, strikethrough and definition lists,
//! with heading ids, every link passed through the caller's resolver, and the rules Japanese
//! and Chinese text needs (CJK-friendly emphasis, no space for a line break between wide
//! characters, NFC heading ids without ruby annotations).

mod chars;
mod emphasis;
mod footnotes;
pub mod headings;
mod linebreaks;

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::config::RawHtml;
use crate::error::{Diagnostic, Location, Severity};
use emphasis::Spanned;
use footnotes::{Footnotes, UndefinedReferences};
use headings::HeadingText;
pub use headings::{slugify, Heading, IdMaker};

/// A rendered Markdown body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Every heading in document order, with the id it got.
    pub headings: Vec<Heading>,
}

/// A problem in the Markdown text at byte `offset` of it: a link the resolver refused (an
/// error), a footnote reference without a definition or a definition nothing refers to (a
/// warning).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub offset: usize,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn error(offset: usize, message: impl Into<String>) -> Self {
        Problem {
            offset,
            severity: Severity::Error,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(offset: usize, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(offset, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The diagnostic for a body `text` that starts at line `first_line` of the file `path`.
    pub fn diagnostic(&self, path: &Path, text: &str, first_line: usize) -> Diagnostic {
        Diagnostic {
            severity: self.severity,
            location: Some(Location::at_offset(path, text, self.offset, first_line)),
            message: self.message.clone(),
            help: self.help.clone(),
        }
    }
}

/// What the caller decides about the rendered HTML.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    /// Screen-reader label of a footnote's back-link, in the page's language; the note's
    /// number follows it ("Back to reference 2").
    pub footnote_backref_label: &'a str,
    /// What raw HTML in the Markdown becomes (`[security] raw_html` of site.toml).
    pub raw_html: RawHtml,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        RenderOptions {
            footnote_backref_label: "Back to reference",
            raw_html: RawHtml::Allow,
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_DEFINITION_LIST
}

/// Renders `markdown`. `resolve` maps each link and image destination (with the byte offset of
/// the link in `markdown`, for checks the caller reports later, such as anchors) to the href to write,
/// or says why it is broken. `ids` is shared when several bodies go into one HTML page, so
/// heading and footnote ids stay unique there. Problems come back with byte offsets in
/// `markdown`, errors and warnings alike.
pub fn render(
    markdown: &str,
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
    ids: &mut IdMaker,
    options: &RenderOptions,
) -> (Rendered, Vec<Problem>) {
    let mut events: Vec<Spanned> = Parser::new_ext(markdown, self::options())
        .into_offset_iter()
        .collect();
    emphasis::apply_cjk_friendly(markdown, &mut events);
    linebreaks::drop_between_wide(markdown, &mut events);
    let mut problems = Vec::new();
    let (body, notes) = Footnotes::split(events, &mut problems);
    let mut pass = Pass {
        source: markdown,
        resolve,
        ids,
        out: Vec::with_capacity(body.len() + 8),
        headings: Vec::new(),
        problems,
        notes,
        open_heading: None,
        undefined: UndefinedReferences::default(),
        raw_html: options.raw_html,
        in_code_element: false,
    };
    for (event, range) in body {
        pass.event(event, range);
    }
    pass.footnote_section(options.footnote_backref_label);
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, pass.out.into_iter());
    // Every page's HTML is held until the build ends: without the spare capacity, that is
    // a third less memory.
    html_out.shrink_to_fit();
    let rendered = Rendered {
        html: html_out,
        headings: pass.headings,
    };
    (rendered, pass.problems)
}

/// The state of one body's rendering: events out, headings, footnotes, problems.
struct Pass<'a, 'r> {
    source: &'a str,
    resolve: &'r dyn Fn(&str, usize) -> Result<String, String>,
    ids: &'r mut IdMaker,
    out: Vec<Event<'a>>,
    headings: Vec<Heading>,
    problems: Vec<Problem>,
    notes: Footnotes<'a>,
    /// Index in `out` of the open heading, and its text so far.
    open_heading: Option<(usize, HeadingText)>,
    undefined: UndefinedReferences,
    raw_html: RawHtml,
    /// Between an inline `<script>` or `<style>` and its end tag, with `RawHtml::Remove`.
    in_code_element: bool,
}

impl<'a> Pass<'a, '_> {
    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        if let Some(problem) = self.undefined.see(self.source, &event, &range) {
            self.problems.push(problem);
        }
        let Some(event) = self.raw_html(event) else {
            return;
        };
        if self.raw_html != RawHtml::Allow {
            if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &event {
                if let Some(scheme) = scripting_scheme(dest_url) {
                    self.problems.push(
                        Problem::error(
                            range.start,
                            format!("a `{scheme}:` link is not allowed where raw HTML is not"),
                        )
                        .with_help("link to an https: address or a page of the site"),
                    );
                }
            }
        }
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: self.resolved(dest_url, range.start),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: self.resolved(dest_url, range.start),
                title,
                id,
            }),
            Event::FootnoteReference(label) => match self.notes.reference(&label, self.ids) {
                Some(html) => Event::InlineHtml(CowStr::from(html)),
                None => Event::Text(CowStr::from(format!("[^{label}]"))),
            },
            other => other,
        };
        self.heading_event(event);
    }

    /// Raw HTML of the Markdown (not koho's own, which is added later) by `raw_html`: kept,
    /// turned into text (escaped when written) or dropped (None). Removing also drops the
    /// text between inline `<script>` or `<style>` tags, which is code, not prose.
    fn raw_html(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        match (self.raw_html, event) {
            (RawHtml::Escape, Event::Html(html) | Event::InlineHtml(html)) => {
                Some(Event::Text(html))
            }
            (RawHtml::Remove, Event::Html(_)) => None,
            (RawHtml::Remove, Event::InlineHtml(html)) => {
                let tag = html.trim_start_matches('<').to_ascii_lowercase();
                if tag.starts_with("script") || tag.starts_with("style") {
                    self.in_code_element = true;
                } else if tag.starts_with("/script") || tag.starts_with("/style") {
                    self.in_code_element = false;
                }
                None
            }
            (RawHtml::Remove, Event::Text(_)) if self.in_code_element => None,
            (_, event) => Some(event),
        }
    }

    /// Tracks headings: their text (ruby annotations left out, NFC) becomes the id and the
    /// `Heading` every table of contents shows.
    fn heading_event(&mut self, mut event: Event<'a>) {
        match &event {
            Event::Start(Tag::Heading { .. }) => {
                self.open_heading = Some((self.out.len(), HeadingText::default()));
            }
            Event::End(TagEnd::Heading(level)) => {
                let level = *level as u8;
                if let Some((start, text)) = self.open_heading.take() {
                    self.close_heading(start, text.finish(), level);
                }
            }
            _ => {
                if let Some((_, text)) = &mut self.open_heading {
                    if let Event::Text(t) = &event {
                        if let std::borrow::Cow::Owned(n) = headings::nfc(t) {
                            event = Event::Text(CowStr::from(n));
                        }
                    }
                    text.push(&event);
                }
            }
        }
        self.out.push(event);
    }

    fn close_heading(&mut self, start: usize, text: String, level: u8) {
        let id = self.ids.make(&text);
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut self.out[start] {
            *slot = Some(CowStr::from(id.clone()));
        }
        self.out.push(Event::Html(CowStr::from(format!(
            "<a class=\"heading-anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a>",
            crate::url::encode_fragment(&id)
        ))));
        self.headings.push(Heading { level, id, text });
    }

    fn resolved(&mut self, dest: CowStr<'a>, offset: usize) -> CowStr<'a> {
        match (self.resolve)(&dest, offset) {
            Ok(href) => CowStr::from(href),
            Err(message) => {
                self.problems
                    .push(Problem::error(offset, format!("broken link: {message}")));
                dest
            }
        }
    }

    /// The referenced notes, numbered in order of first reference, after the body; then a
    /// warning for each definition nothing refers to.
    fn footnote_section(&mut self, backref_label: &str) {
        if self.notes.numbered() > 0 {
            self.out.push(Event::Html(CowStr::Borrowed(
                "<section class=\"footnotes\" role=\"doc-endnotes\">\n<ol>\n",
            )));
            let mut index = 0;
            // A note may refer to another note, which then gets the next number.
            while index < self.notes.numbered() {
                let start = self.out.len();
                for (event, range) in self.notes.take_events(index) {
                    self.event(event, range);
                }
                let note = self.out.split_off(start);
                let wrapped = self.notes.wrap(index, note, backref_label);
                self.out.extend(wrapped);
                index += 1;
            }
            self.out
                .push(Event::Html(CowStr::Borrowed("</ol>\n</section>\n")));
        }
        self.problems.extend(self.notes.unused());
    }
}

/// The scheme of a destination that runs script or carries a document (`javascript:`,
/// `vbscript:`, `data:` other than an image), in lower case; browsers ignore ASCII whitespace
/// and control characters in a scheme (URL Standard, basic URL parser), so they are dropped.
fn scripting_scheme(dest: &str) -> Option<String> {
    let (scheme, rest) = dest.split_once(':')?;
    let scheme: String = scheme
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let image = rest.trim_start().to_ascii_lowercase().starts_with("image/")
        && !rest.to_ascii_lowercase().contains("svg");
    match scheme.as_str() {
        "javascript" | "vbscript" => Some(scheme),
        "data" if !image => Some(scheme),
        _ => None,
    }
}

/// Whether a link leaves the site or stays in the page: such links are written unchanged.
pub fn is_external_or_fragment(dest: &str) -> bool {
    dest.starts_with('#')
        || dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            // One letter is a Windows drive (`C:\\x`), not a scheme: it is resolved as a path
            // and refused there. No registered URI scheme has one letter (RFC 7595 registry).
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(dest: &str, _offset: usize) -> Result<String, String> {
        if dest.contains("missing") {
            Err(format!("no page `{dest}`"))
        } else {
            Ok(dest.to_string())
        }
    }

    #[test]
    fn headings_get_ids_and_anchors() {
        let (out, errors) = render(
            "## 概要\n\ntext\n\n## 概要\n",
            &plain,
            &mut IdMaker::default(),
            &RenderOptions::default(),
        );
        assert!(errors.is_empty());
        assert_eq!(out.headings[0].id, "概要");
        assert_eq!(out.headings[1].id, "概要-1");
        assert!(out.html.contains("<h2 id=\"概要-1\">"), "{}", out.html);
    }

    #[test]
    fn extensions_are_on() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n[^1]: foot\n\nterm\n: definition\n";
        let (out, _) = render(
            md,
            &plain,
            &mut IdMaker::default(),
            &RenderOptions::default(),
        );
        for needle in [
            "<table>",
            "<del>old</del>",
            "footnote-definition",
            "<dl>",
            "<dd>definition</dd>",
        ] {
            assert!(out.html.contains(needle), "{needle} in {}", out.html);
        }
    }

    #[test]
    fn broken_links_report_offsets() {
        let md = "first line\n\n[x](missing.md) and ![y](ok.png)\n";
        let (out, errors) = render(
            md,
            &plain,
            &mut IdMaker::default(),
            &RenderOptions::default(),
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].offset, md.find("[x]").unwrap());
        assert!(out.html.contains("src=\"ok.png\""));
    }

    fn with_raw_html(md: &str, raw_html: RawHtml) -> (Rendered, Vec<Problem>) {
        let options = RenderOptions {
            raw_html,
            ..RenderOptions::default()
        };
        render(md, &plain, &mut IdMaker::default(), &options)
    }

    const HOSTILE: &str = "<div onclick=\"x()\">block</div>\n\ntext <span>inline</span> <script>alert(1)</script>[^1]\n\n## 見出し\n\n[^1]: note\n";

    #[test]
    fn raw_html_passes_escapes_or_goes_by_the_option() {
        let (allowed, _) = with_raw_html(HOSTILE, RawHtml::Allow);
        assert!(
            allowed.html.contains("<div onclick=\"x()\">"),
            "{}",
            allowed.html
        );
        assert!(allowed.html.contains("<script>alert(1)</script>"));
        let (escaped, problems) = with_raw_html(HOSTILE, RawHtml::Escape);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            escaped.html.contains("&lt;div onclick=\"x()\"&gt;"),
            "{}",
            escaped.html
        );
        assert!(escaped
            .html
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let (removed, _) = with_raw_html(HOSTILE, RawHtml::Remove);
        assert!(
            !removed.html.contains("div") && !removed.html.contains("script"),
            "{}",
            removed.html
        );
        assert!(removed.html.contains("inline"));
        // koho's own markup stays in every mode: heading anchors, footnotes.
        for rendered in [&escaped, &removed] {
            assert!(
                rendered.html.contains("class=\"heading-anchor\""),
                "{}",
                rendered.html
            );
            assert!(
                rendered.html.contains("class=\"footnotes\""),
                "{}",
                rendered.html
            );
        }
    }

    #[test]
    fn scripting_links_are_errors_where_raw_html_is_not_allowed() {
        let md = "[a](javascript:alert(1)) [b](JavaScript:x) [c](vbscript:x) [d](data:text/html,x)\n\n![e](data:image/png;base64,AA) ![f](data:image/svg+xml,x) [g](https://x.org/)\n";
        let (_, problems) = with_raw_html(md, RawHtml::Escape);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].message.contains("`javascript:`"));
        let (_, problems) = with_raw_html(md, RawHtml::Allow);
        assert!(problems.is_empty());
    }

    #[test]
    fn external_links() {
        assert!(is_external_or_fragment("https://ngmo.or.jp"));
        assert!(is_external_or_fragment("mailto:a@b"));
        assert!(is_external_or_fragment("#top"));
        assert!(!is_external_or_fragment("@/releases/x/index.md"));
        assert!(!is_external_or_fragment("../x/index.ja.md"));
        assert!(!is_external_or_fragment("photo.svg"));
        assert!(!is_external_or_fragment("C:\\Windows\\win.ini"));
        assert!(!is_external_or_fragment("c:/x.png"));
    }
}
