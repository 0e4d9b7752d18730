//! Author text as Typst string literals: the one way text reaches the generated Typst source.
//!
//! Inside a Typst string literal only `\` and `"` are special (Typst reference, "Syntax" →
//! "Strings": escapes `\\ \" \n \r \t \u{…}`). Escaping those two (and writing line breaks as
//! escapes) means no author text can end the literal, so `#`, `$`, `*`, `_`, `@`, `<`, `` ` ``, `=`,
//! `/`, `~` and `-` stay characters: a string is shown as text and never parsed as markup.

/// `text` as a Typst string literal, quotes included: `a"b` → `"a\"b"`. Control characters
/// other than tab and line breaks, and Unicode noncharacters, are left out: they show nothing
/// (a browser draws nothing for them either) but no font has a glyph for them, and PDF/UA-1
/// forbids text that cannot be displayed.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_noncharacter(c) => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// U+FDD0–U+FDEF and the last two code points of every plane (Unicode §23.7).
fn is_noncharacter(c: char) -> bool {
    let code = c as u32;
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// `text` placed in Typst markup as shown text: `#"…";`. The semicolon ends the embedded
/// expression, so what follows (`.x`, `(…)`, `[…]`) can never extend it into a call.
pub fn markup_text(text: &str) -> String {
    format!("#{};", string(text))
}

/// An optional string as a Typst argument value: a literal or `none`.
pub fn optional(text: Option<&str>) -> String {
    text.map_or_else(|| "none".to_string(), string)
}

/// A list of strings as a Typst array literal; the trailing comma keeps a one-item list an
/// array: `("a",)`.
pub fn array(items: &[String]) -> String {
    let mut out = String::from("(");
    for item in items {
        out.push_str(&string(item));
        out.push(',');
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x\ny\u{7}\u{ffff}\u{fdd0}z"), r#""x\nyz""#);
        assert_eq!(string(r"\u{41}"), r#""\\u{41}""#);
        assert_eq!(markup_text("#x"), r##"#"#x";"##);
        assert_eq!(array(&["a".into()]), r#"("a",)"#);
    }
}
