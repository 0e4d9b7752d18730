//! Markdown to HTML: CommonMark plus tables, footnotes, strikethrough and definition lists,
//! with heading ids and every link passed through the caller's resolver.

pub mod headings;

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

pub use headings::{slugify, Heading, IdMaker};

/// A rendered Markdown body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Every heading in document order, with the id it got.
    pub headings: Vec<Heading>,
}

/// A link the resolver refused, at a byte offset of the Markdown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub offset: usize,
    pub message: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_DEFINITION_LIST
}

/// Renders `markdown`. `resolve` maps each link and image destination, with the byte offset
/// of the link in `markdown` (for checks the caller reports later, such as anchors), to the
/// href to write, or says why it is broken. `ids` is shared when several bodies go into one
/// HTML page.
pub fn render(
    markdown: &str,
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
    ids: &mut IdMaker,
) -> (Rendered, Vec<LinkError>) {
    let mut errors = Vec::new();
    let mut headings = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    // Index in `events` of the open heading, and its text so far.
    let mut open_heading: Option<(usize, String)> = None;
    // Footnote label → (id, number): ids come from the page's IdMaker so they cannot collide
    // with heading ids (pulldown-cmark would use the bare label).
    let mut footnotes: HashMap<String, (String, usize)> = HashMap::new();
    let mut footnote = |name: &str, ids: &mut IdMaker| -> (String, usize) {
        let next = footnotes.len() + 1;
        footnotes
            .entry(name.to_string())
            .or_insert_with(|| (ids.make(&format!("fn-{name}")), next))
            .clone()
    };

    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: resolved(&dest_url, resolve, range.start, &mut errors),
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
                dest_url: resolved(&dest_url, resolve, range.start, &mut errors),
                title,
                id,
            }),
            Event::FootnoteReference(name) => {
                let (id, number) = footnote(&name, ids);
                Event::InlineHtml(CowStr::from(format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{}\">{number}</a></sup>",
                    crate::url::encode_fragment(&id)
                )))
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let (id, number) = footnote(&name, ids);
                Event::Html(CowStr::from(format!(
                    "<div class=\"footnote-definition\" id=\"{id}\"><sup class=\"footnote-definition-label\">{number}</sup>"
                )))
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::from("</div>\n")),
            other => other,
        };
        match &event {
            Event::Start(Tag::Heading { .. }) => open_heading = Some((events.len(), String::new())),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading_text)) = &mut open_heading {
                    heading_text.push_str(text);
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((start, text)) = open_heading.take() {
                    let id = ids.make(&text);
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[start] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    events.push(Event::Html(CowStr::from(format!(
                        "<a class=\"heading-anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a>",
                        crate::url::encode_fragment(&id)
                    ))));
                    headings.push(Heading {
                        level: *level as u8,
                        id,
                        text: text.trim().to_string(),
                    });
                }
            }
            _ => {}
        }
        events.push(event);
    }
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, events.into_iter());
    (
        Rendered {
            html: html_out,
            headings,
        },
        errors,
    )
}

fn resolved<'a>(
    dest: &CowStr<'a>,
    resolve: &dyn Fn(&str, usize) -> Result<String, String>,
    offset: usize,
    errors: &mut Vec<LinkError>,
) -> CowStr<'a> {
    match resolve(dest, offset) {
        Ok(href) => CowStr::from(href),
        Err(message) => {
            errors.push(LinkError { offset, message });
            dest.clone()
        }
    }
}

/// Whether a link leaves the site or stays in the page: such links are written unchanged.
pub fn is_external_or_fragment(dest: &str) -> bool {
    dest.starts_with('#')
        || dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
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
        );
        assert!(errors.is_empty());
        assert_eq!(out.headings[0].id, "概要");
        assert_eq!(out.headings[1].id, "概要-1");
        assert!(out.html.contains("<h2 id=\"概要-1\">"), "{}", out.html);
    }

    #[test]
    fn extensions_are_on() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n[^1]: foot\n\nterm\n: definition\n";
        let (out, _) = render(md, &plain, &mut IdMaker::default());
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
        let (out, errors) = render(md, &plain, &mut IdMaker::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].offset, md.find("[x]").unwrap());
        assert!(out.html.contains("src=\"ok.png\""));
    }

    #[test]
    fn external_links() {
        assert!(is_external_or_fragment("https://ngmo.or.jp"));
        assert!(is_external_or_fragment("mailto:a@b"));
        assert!(is_external_or_fragment("#top"));
        assert!(!is_external_or_fragment("@/releases/x/index.md"));
        assert!(!is_external_or_fragment("../x/index.ja.md"));
        assert!(!is_external_or_fragment("photo.svg"));
    }
}
