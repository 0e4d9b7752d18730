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
pub fn terms(text: &str, mut emit: impl FnMut(&str)) {
    // Most text is already in NFKC: the quick check saves normalising it again.
    let mut folded = String::with_capacity(text.len());
    match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => text.chars().for_each(|c| push_folded(c, &mut folded)),
        _ => text.nfkc().for_each(|c| push_folded(c, &mut folded)),
    }
    let mut run = String::new();
    let mut run_is_cjk = false;
    for c in folded.chars() {
        let cjk = is_cjk(c);
        if !cjk && !is_word(c) {
            flush(&mut run, run_is_cjk, &mut emit);
            continue;
        }
        if !run.is_empty() && cjk != run_is_cjk {
            flush(&mut run, run_is_cjk, &mut emit);
        }
        run_is_cjk = cjk;
        run.push(c);
    }
    flush(&mut run, run_is_cjk, &mut emit);
}

/// Emits the terms of one run and empties it.
fn flush(run: &mut String, cjk: bool, emit: &mut impl FnMut(&str)) {
    if run.is_empty() {
        return;
    }
    if !cjk {
        if run.len() <= MAX_WORD_BYTES {
            emit(run);
        }
    } else {
        let starts: Vec<usize> = run.char_indices().map(|(i, _)| i).collect();
        for pair in starts.windows(3) {
            emit(&run[pair[0]..pair[2]]);
        }
        if let [.., before_last, last] = starts[..] {
            emit(&run[before_last..]);
            emit(&run[last..]);
        } else {
            emit(run);
        }
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::{fold, push_folded, terms};

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
}
