//! Plain text from rendered HTML, for meta descriptions, feed summaries and search: tags
//! removed, character references decoded, and text cut at a sentence boundary.

/// Characters that end a sentence in Japanese and Chinese (full-width forms).
const CJK_SENTENCE_ENDS: &[char] = &['。', '！', '？', '．'];
/// Closing marks that belong to the sentence before them (`。」`, `."`).
const CLOSERS: &[char] = &[
    '」', '』', '）', '】', '〉', '》', '"', '\'', ')', '”', '’', ']',
];

/// The longest description, in characters: search engines show about 160 Latin or 80–120
/// CJK characters, so a CJK description is cut shorter.
pub fn description_limit(lang: &str) -> usize {
    match lang.split('-').next().unwrap_or(lang) {
        "ja" | "zh" | "ko" => 120,
        _ => 160,
    }
}

/// The text of the first non-empty `<p>` of `html`.
pub fn first_paragraph(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = find_tag(rest, "p") {
        let after = &rest[start..];
        let body_start = after.find('>')? + 1;
        let body_end = after[body_start..]
            .find("</p>")
            .map_or(after.len(), |e| body_start + e);
        let text = html_to_text(&after[body_start..body_end]);
        if !text.is_empty() {
            return Some(text);
        }
        rest = &after[body_end..];
    }
    None
}

/// The position of the next start tag `<name` (followed by `>` or whitespace).
fn find_tag(html: &str, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(i) = html[from..].find(&needle) {
        let at = from + i;
        match html[at + needle.len()..].chars().next() {
            Some('>') | Some(' ') | Some('\n') | Some('\t') => return Some(at),
            _ => from = at + needle.len(),
        }
    }
    None
}

/// Text of an HTML fragment: tags dropped, character references decoded, runs of
/// whitespace made one space (none between two CJK characters, where a line break in the
/// source is not a space), trimmed.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        raw.push_str(&rest[..lt]);
        let tag = &rest[lt..];
        let end = if tag.starts_with("<!--") {
            tag.find("-->").map_or(tag.len(), |e| e + 3)
        } else {
            tag.find('>').map_or(tag.len(), |e| e + 1)
        };
        // A block boundary or <br> separates words; inline tags do not.
        let name: String = tag[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "td"
                | "th"
                | "tr"
        ) {
            raw.push(' ');
        }
        rest = &tag[end..];
    }
    raw.push_str(rest);
    collapse_whitespace(&decode_entities(&raw))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let previous = out.chars().next_back().unwrap_or(' ');
            if !(is_cjk(previous) && is_cjk(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Decodes the character references HTML text may hold: `&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&apos;`, `&nbsp;`, `&#NN;`, `&#xHH;`. Others are left as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&e| e <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, consumed)) => {
                out.push(c);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` if it has at most `max` characters; else its longest beginning that ends a sentence
/// (`。！？` in Japanese and Chinese, `. ! ?` before a space elsewhere), closing quotes and
/// brackets included; without such a boundary in the first `max` characters, the text cut at a
/// space (or at `max - 1` characters in CJK text) with `…`.
pub fn cut_at_sentence(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    let mut best = None;
    for i in 0..max {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ends = CJK_SENTENCE_ENDS.contains(&c)
            || (matches!(c, '.' | '!' | '?')
                && next.is_none_or(|n| n.is_whitespace() || CLOSERS.contains(&n) || is_cjk(n)));
        if !ends {
            continue;
        }
        let mut end = i + 1;
        while end < chars.len() && end < max && CLOSERS.contains(&chars[end]) {
            end += 1;
        }
        best = Some(end);
    }
    if let Some(end) = best {
        return chars[..end].iter().collect();
    }
    let mut cut = max - 1;
    if let Some(space) = chars[..cut].iter().rposition(|c| c.is_whitespace()) {
        if space > max / 2 {
            cut = space;
        }
    }
    let mut out: String = chars[..cut].iter().collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// The description of a page: `description` from its front matter, else its first paragraph
/// cut at a sentence boundary (`lang` decides the length), else empty.
pub fn description(explicit: Option<&str>, html: &str, lang: &str) -> String {
    match explicit {
        Some(text) if !text.trim().is_empty() => text.trim().to_string(),
        _ => first_paragraph(html)
            .map(|text| cut_at_sentence(&text, description_limit(lang)))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_paragraph_is_plain_text() {
        let html = "<h2 id=\"x\">Head</h2>\n<p></p><p class=\"a\">A <a href=\"/x\">link</a> &amp; &lt;b&gt; &#x41;&#66;</p><p>second</p>";
        assert_eq!(first_paragraph(html).unwrap(), "A link & <b> AB");
        assert_eq!(first_paragraph("<pre>no</pre>"), None);
        assert_eq!(first_paragraph("<param><p>yes</p>").unwrap(), "yes");
    }

    #[test]
    fn no_space_between_cjk_lines() {
        assert_eq!(
            html_to_text("<p>日本語の\n文章です。 Word\nnext</p>"),
            "日本語の文章です。 Word next"
        );
    }

    #[test]
    fn japanese_and_chinese_cut_after_a_full_stop() {
        let ja = "一文目です。二文目は「引用。」で終わります。三文目はとても長い".to_string()
            + &"あ".repeat(200);
        assert_eq!(
            cut_at_sentence(&ja, 40),
            "一文目です。二文目は「引用。」で終わります。"
        );
        let zh = "第一句。第二句！".to_string() + &"长".repeat(200);
        assert_eq!(cut_at_sentence(&zh, 120), "第一句。第二句！");
        assert_eq!(cut_at_sentence("短い。", 120), "短い。");
    }

    #[test]
    fn english_cuts_after_a_sentence_not_inside_a_number() {
        let en = "NGMO gave 3.5 million masks. Hospitals in Tokyo received them. ".to_string()
            + &"More text ".repeat(30);
        assert_eq!(
            cut_at_sentence(&en, 80),
            "NGMO gave 3.5 million masks. Hospitals in Tokyo received them."
        );
        let run_on = "word ".repeat(60);
        let cut = cut_at_sentence(&run_on, 50);
        assert!(cut.ends_with('…') && cut.chars().count() <= 50, "{cut}");
        assert!(!cut.contains("wor…"), "{cut}");
    }

    #[test]
    fn explicit_description_wins() {
        assert_eq!(description(Some(" Set. "), "<p>Body.</p>", "en"), "Set.");
        assert_eq!(description(None, "<p>Body.</p>", "en"), "Body.");
        assert_eq!(description(Some(""), "", "en"), "");
    }
}
