//! Character classes the CJK rules need: CJK characters (markdown-cjk-friendly), Unicode
//! punctuation (CommonMark), East Asian wide characters (UAX #11) and variation selectors.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthChar;

/// A "CJK character" of the markdown-cjk-friendly specification (§2.1): East Asian Width W, F
/// or H and not a default emoji presentation character, or Hangul. The ranges are the
/// specification's own list for Unicode 17 (`ranges.md`, "CJK characters"), so this agrees with
/// the reference implementations (comrak's `cjk_friendly_emphasis`, the micromark and
/// markdown-it plugins) rather than with whatever Unicode version a crate was built with.
pub fn is_cjk(c: char) -> bool {
    let cp = c as u32;
    // Everything in the table is at or above U+1100: Latin text leaves here at once.
    if cp < 0x1100 {
        return false;
    }
    matches!(
        cp,
        0x1100..=0x11ff
            | 0x20a9
            | 0x2329..=0x232a
            | 0x2630..=0x2637
            | 0x268a..=0x268f
            | 0x2e80..=0x2e99
            | 0x2e9b..=0x2ef3
            | 0x2f00..=0x2fd5
            | 0x2ff0..=0x303e
            | 0x3041..=0x3096
            | 0x3099..=0x30ff
            | 0x3105..=0x312f
            | 0x3131..=0x318e
            | 0x3190..=0x31e5
            | 0x31ef..=0x321e
            | 0x3220..=0x3247
            | 0x3250..=0xa48c
            | 0xa490..=0xa4c6
            | 0xa960..=0xa97c
            | 0xac00..=0xd7a3
            | 0xd7b0..=0xd7c6
            | 0xd7cb..=0xd7fb
            | 0xf900..=0xfaff
            | 0xfe10..=0xfe19
            | 0xfe30..=0xfe52
            | 0xfe54..=0xfe66
            | 0xfe68..=0xfe6b
            | 0xff01..=0xffbe
            | 0xffc2..=0xffc7
            | 0xffca..=0xffcf
            | 0xffd2..=0xffd7
            | 0xffda..=0xffdc
            | 0xffe0..=0xffe6
            | 0xffe8..=0xffee
            | 0x16fe0..=0x16fe4
            | 0x16ff0..=0x16ff6
            | 0x17000..=0x18cd5
            | 0x18cff..=0x18d1e
            | 0x18d80..=0x18df2
            | 0x1aff0..=0x1aff3
            | 0x1aff5..=0x1affb
            | 0x1affd..=0x1affe
            | 0x1b000..=0x1b122
            | 0x1b132
            | 0x1b150..=0x1b152
            | 0x1b155
            | 0x1b164..=0x1b167
            | 0x1b170..=0x1b2fb
            | 0x1d300..=0x1d356
            | 0x1d360..=0x1d376
            | 0x1f200
            | 0x1f202
            | 0x1f210..=0x1f219
            | 0x1f21b..=0x1f22e
            | 0x1f230..=0x1f231
            | 0x1f237
            | 0x1f23b
            | 0x1f240..=0x1f248
            | 0x1f260..=0x1f265
            | 0x20000..=0x3fffd
    )
}

/// A "Unicode punctuation character" of CommonMark 0.31.2 (§2.1): general category P or S.
/// ASCII is decided without a table lookup.
pub fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Symbol
    )
}

/// A "Non-emoji General-use Variation Selector" (U+FE00–U+FE0E) of markdown-cjk-friendly §2.1:
/// it belongs to the character before it, which decides how the pair behaves.
pub fn is_general_variation_selector(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0E}').contains(&c)
}

/// An "Ideographic Variation Selector" (U+E0100–U+E01EF) of markdown-cjk-friendly §2.1.
pub fn is_ideographic_variation_selector(c: char) -> bool {
    ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

/// Quotation marks of East Asian Width A that U+FE01 turns into their full-width forms (a
/// "CJK ambiguous punctuation sequence", markdown-cjk-friendly §2.1; StandardizedVariants.txt).
pub fn is_cjk_ambiguous_quote(c: char) -> bool {
    matches!(c, '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}')
}

/// Whether a line break between `before` and `after` is no space in the text's own writing
/// system: both are East Asian wide (UAX #11 width W or F: Han, kana, full-width punctuation)
/// and neither is Hangul, which separates words with spaces. This is pandoc's
/// `east_asian_line_breaks` extension ("newlines between two East Asian wide characters are
/// ignored"; pandoc excludes Korean the same way).
pub fn joins_without_space(before: char, after: char) -> bool {
    is_wide(before) && is_wide(after) && !is_hangul(before) && !is_hangul(after)
}

fn is_wide(c: char) -> bool {
    (c as u32) >= 0x1100 && c.width() == Some(2)
}

/// Hangul letters: Jamo, compatibility Jamo, extended Jamo and syllables (Unicode blocks).
pub fn is_hangul(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11ff | 0x3130..=0x318f | 0xa960..=0xa97f | 0xac00..=0xd7af | 0xd7b0..=0xd7ff
            | 0xffa0..=0xffdc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters() {
        for c in [
            '字', 'あ', 'ア', '「', '，', '。', '！', '한', '𠮟', '〽', '㊙', '（',
        ] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', '“', '”', '"', '(', '¥', '😀', ' ', '…'] {
            assert!(!is_cjk(c), "{c}");
        }
    }

    #[test]
    fn punctuation_is_p_or_s() {
        for c in ['!', '~', '「', '，', '“', '¥', '…', '＄'] {
            assert!(is_punctuation(c), "{c}");
        }
        for c in ['a', '字', ' ', '1', '\u{FE01}'] {
            assert!(!is_punctuation(c), "{c}");
        }
    }

    #[test]
    fn line_joins() {
        assert!(joins_without_space('に', '寄'));
        assert!(joins_without_space('。', '「'));
        assert!(joins_without_space('，', '我'));
        assert!(!joins_without_space('a', '寄'));
        assert!(!joins_without_space('に', 'b'));
        assert!(!joins_without_space('다', '한'));
        assert!(!joins_without_space('字', '한'));
        // Ambiguous-width quotes are not wide: the author's break stays a space.
        assert!(!joins_without_space('”', '字'));
    }
}
