//! Search terms: the one rule that splits text into index terms. The theme's `search.js`
//! applies the same rule to queries (`terms` there); keep the two in step (`tests/search.rs`
//! queries the built index in Chromium).
//!
//! Text is folded with NFKC (full-width Latin and half-width kana become their usual forms,
//! UAX #15) and lower-cased. Latin, Cyrillic and other spaced scripts give whole words (runs
//! of letters and digits). Japanese and Chinese, written without spaces, give overlapping
//! character bigrams (`防護服` → `防護`, `護服`) plus the run's last character alone, so any
//! word inside a sentence is found without a dictionary, and a one-character query finds its
//! character by prefix. This is the approach of CJK bigram indexing in Lucene's `CJKAnalyzer`.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The longest word indexed, in bytes: longer runs (hashes, base64) are noise.
const MAX_WORD_BYTES: usize = 64;

/// Whether `c` is written without spaces between words and so indexed by bigrams: kana (but
/// not the middle dot `・`, which separates names), Han ideographs with the iteration marks
/// `々` and `〇`, the prolonged sound mark, and Hangul syllables.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007 | 0x3040..=0x309F | 0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
        | 0x20000..=0x3134F)
}

/// Whether `c` belongs to a word of a spaced script (Unicode Alphabetic or Numeric, as
/// `\p{Alphabetic}` and `\p{N}` in the theme's script).
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// A character in lower case, final sigma as sigma: `char::to_lowercase` maps `Σ` to `σ`
/// everywhere while JavaScript's `toLowerCase` gives `ς` at a word's end, and readers type
/// either, so both sides fold `ς` to `σ`.
fn fold(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|l| if l == 'ς' { 'σ' } else { l })
}

/// Appends `c` folded (`fold`), taking the short way for ASCII and for the scripts without
/// case that are indexed by bigrams (most of a Japanese or Chinese text): the same result,
/// without a lookup in the case tables for every character.
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_cjk(c) {
        out.push(c);
    } else {
        out.extend(fold(c));
    }
}

/// Calls `emit` with each term of `text`, in order, repeats included.
pub fn terms(text: &str, emit: impl FnMut(&str)) {
    each_term(&fold_text(text), emit);
}

/// `text` folded for indexing: NFKC, then `push_folded`. Only the pieces between stable
/// characters (`is_stable`) that are not in NFKC already are normalised: one full-width comma
/// or parenthesis, in nearly every Japanese and Chinese paragraph, made the whole text go
/// through normalisation (a fifth of the search stage).
pub fn fold_text(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut piece_start = 0;
    for (i, c) in text.char_indices() {
        if is_stable(c) {
            fold_piece(&text[piece_start..i], &mut folded);
            push_folded(c, &mut folded);
            piece_start = i + c.len_utf8();
        }
    }
    fold_piece(&text[piece_start..], &mut folded);
    folded
}

/// Appends `piece` in NFKC, folded.
fn fold_piece(piece: &str, out: &mut String) {
    match is_nfkc_quick(piece.chars()) {
        IsNormalized::Yes => piece.chars().for_each(|c| push_folded(c, out)),
        _ => piece.nfkc().for_each(|c| push_folded(c, out)),
    }
}

/// Whether normalisation never reaches across `c` (a stable code point, UAX #15 section 9:
/// its own NFKC, canonical combining class 0, and neither the first nor the second character
/// of any composition), so that the text before it and the text after it normalise apart:
/// ASCII spaces and line breaks, and the unified Han ideographs (most of a Chinese text, and
/// a good part of a Japanese one).
fn is_stable(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\r' | '\t' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// Calls `emit` with each term of `folded` (a `fold_text` result), in order, repeats
/// included, each a slice of `folded`.
pub fn each_term<'a>(folded: &'a str, mut emit: impl FnMut(&'a str)) {
    // The starts of the current run's characters (a run is a stretch of `folded`).
    let mut starts: Vec<usize> = Vec::new();
    let mut run_is_cjk = false;
    for (i, c) in folded.char_indices() {
        let cjk = is_cjk(c);
        let word = cjk || is_word(c);
        if !word || cjk != run_is_cjk {
            emit_run(folded, &starts, i, run_is_cjk, &mut emit);
            starts.clear();
        }
        if word {
            run_is_cjk = cjk;
            starts.push(i);
        }
    }
    emit_run(folded, &starts, folded.len(), run_is_cjk, &mut emit);
}

/// Emits the terms of the run whose characters start at `starts` and which ends at `end`: the
/// word (spaced scripts), or its bigrams and its last character (CJK).
fn emit_run<'a>(
    folded: &'a str,
    starts: &[usize],
    end: usize,
    cjk: bool,
    emit: &mut impl FnMut(&'a str),
) {
    let Some(&first) = starts.first() else {
        return;
    };
    if !cjk {
        if end - first <= MAX_WORD_BYTES {
            emit(&folded[first..end]);
        }
        return;
    }
    for pair in starts.windows(3) {
        emit(&folded[pair[0]..pair[2]]);
    }
    if let [.., before_last, last] = starts {
        emit(&folded[*before_last..end]);
        emit(&folded[*last..end]);
    } else {
        emit(&folded[first..end]);
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_text, is_stable, push_folded, terms};
    use unicode_normalization::UnicodeNormalization;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms(text, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn the_short_ways_of_folding_give_what_the_case_tables_give_for_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut short = String::new();
            push_folded(c, &mut short);
            assert_eq!(short, fold(c).collect::<String>(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn japanese_runs_give_bigrams_and_their_last_character() {
        assert_eq!(all("防護服を"), ["防護", "護服", "服を", "を"]);
        assert_eq!(all("肺"), ["肺"]);
        assert_eq!(all("人工肝"), ["人工", "工肝", "肝"]);
    }

    #[test]
    fn spaced_words_are_folded_and_split_at_punctuation() {
        assert_eq!(
            all("ＥＣＭＯ Support, COVID-19"),
            ["ecmo", "support", "covid", "19"]
        );
        assert_eq!(
            all("ジャック・マー"),
            ["ジャ", "ャッ", "ック", "ク", "マー", "ー"]
        );
    }

    #[test]
    fn greek_final_sigma_is_folded_as_the_browser_would_see_it() {
        assert_eq!(all("ΟΔΟΣ οδος"), ["οδοσ", "οδοσ"]);
    }

    #[test]
    fn a_change_of_script_ends_a_run() {
        assert_eq!(all("ECMOの導入"), ["ecmo", "の導", "導入", "入"]);
    }

    /// What `fold_text` gives without pieces: the whole text normalised, then folded.
    fn folded_whole(text: &str) -> String {
        let mut out = String::new();
        text.nfkc().for_each(|c| push_folded(c, &mut out));
        out
    }

    #[test]
    fn folding_in_pieces_gives_what_folding_the_whole_text_gives() {
        // Characters that compose, decompose, reorder or sit next to stable ones.
        let pool: Vec<char> = "e\u{301}\u{327}\u{323}か\u{3099}\u{309a}ハ\u{ff9e}ﾞｶ（），：！①㈱ＡＢ\
                               ｱ\u{1100}\u{1161}\u{11a8}한<=>\u{338}Σς 防護服\n\u{3400}\u{9fff}丽\u{f900}"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..50_000 {
            let len = 1 + (seed % 9) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    pool[(seed >> 33) as usize % pool.len()]
                })
                .collect();
            assert_eq!(fold_text(&text), folded_whole(&text), "{text:?}");
        }
        // Every character beside a stable one, both sides.
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for stable in [' ', '防'] {
                assert!(is_stable(stable));
                let text = format!("{stable}{c}{stable}{c}\u{301}");
                assert_eq!(fold_text(&text), folded_whole(&text), "U+{:04X}", c as u32);
            }
        }
    }
}
