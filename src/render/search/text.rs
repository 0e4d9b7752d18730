//! The text of a page body for the search index: the HTML that koho made from Markdown (plus
//! any raw HTML the author wrote), without tags, with character references decoded (HTML5's
//! named references, through quick-xml) and a line break at each block boundary so that
//! words of two blocks never join.

use quick_xml::escape::{resolve_html5_entity, unescape_with};

/// Elements whose text is not read: scripts, styles, and ruby readings (`<rt>`, `<rp>`),
/// which would otherwise run into the base text (`漢字かんじ`).
const SKIPPED: &[&str] = &["script", "style", "rt", "rp", "template"];

/// Elements that start or end a block of text.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "td",
    "th",
    "tr",
    "blockquote",
    "figcaption",
    "div",
    "pre",
    "br",
    "hr",
    "ul",
    "ol",
    "dl",
    "table",
    "section",
    "aside",
    "figure",
    "details",
    "summary",
];

/// The text of `html`, blocks separated by `\n`.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        if rest[lt..].starts_with("<!--") {
            // A comment ends at `-->`, whatever `>` it holds (HTML § 13.2.5.43).
            rest = rest[lt..]
                .find("-->")
                .map_or("", |end| &rest[lt + end + 3..]);
            continue;
        }
        let end = tag_end(&rest[lt..]).map_or(rest.len(), |e| lt + e + 1);
        let (closing, name) = tag_name(&rest[lt..end]);
        rest = &rest[end..];
        if !closing && SKIPPED.contains(&name.as_str()) {
            rest = after_closing_tag(rest, &name);
        } else if BLOCKS.contains(&name.as_str()) && !out.ends_with('\n') {
            out.push('\n');
        }
    }
    push_text(&mut out, rest);
    out
}

/// The offset of the `>` that ends the tag `tag` starts with, skipping quoted attribute
/// values (`title="a>b"`).
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            (None, _) => {}
        }
    }
    None
}

/// What follows the closing tag `</name>` in `html` (nothing when it is not closed).
fn after_closing_tag<'a>(html: &'a str, name: &str) -> &'a str {
    for (at, _) in html.match_indices("</") {
        let (_, found) = tag_name(&html[at..]);
        if found == name {
            return html[at..].find('>').map_or("", |e| &html[at + e + 1..]);
        }
    }
    ""
}

/// Whether the tag closes, and its lower-case name (`</P>` → (true, "p")).
fn tag_name(tag: &str) -> (bool, String) {
    let inner = tag.trim_start_matches('<');
    let closing = inner.starts_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (closing, name)
}

/// Appends `raw` with its character references decoded (left as written when malformed).
fn push_text(out: &mut String, raw: &str) {
    if !raw.contains('&') {
        out.push_str(raw);
        return;
    }
    match unescape_with(raw, resolve_html5_entity) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn tags_go_blocks_break_and_references_are_decoded() {
        assert_eq!(
            plain_text("<h2 id=\"a\">見出し</h2><p>A &amp; B&nbsp;&#x41;<em>c</em></p>"),
            "\n見出し\nA & B\u{a0}Ac\n"
        );
    }

    #[test]
    fn ruby_readings_and_scripts_are_not_text() {
        assert_eq!(
            plain_text("<p><ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>です<script>x<y</script></p>"),
            "\n漢字です\n"
        );
    }

    #[test]
    fn comments_and_attribute_values_are_not_text() {
        assert_eq!(
            plain_text("<p>a<!-- <p>draft</p> x > y --> b<span title=\"c>hidden\">d</span></p>"),
            "\na bd\n"
        );
        assert_eq!(plain_text("<p>a<!-- never closed"), "\na");
    }

    #[test]
    fn a_bad_reference_is_kept_as_written() {
        assert_eq!(plain_text("<p>a &bogus; b</p>"), "\na &bogus; b\n");
    }
}
