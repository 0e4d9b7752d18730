//! Phrase-aware line breaking for Japanese and Chinese headings: `<wbr>` at phrase boundaries,
//! so that with `word-break: keep-all` (theme CSS) a heading wraps between phrases and never
//! inside a word or a name (ジャック・マー, 马云).
//!
//! Why not CSS alone: `word-break: auto-phrase` exists only in Chromium and only for
//! `lang="ja"`, and a keep-all line still breaks after the katakana middle dot (line-break
//! class NS, UAX #14): the shipped site showed ジャック・／マー at 390 px in Chromium 156. So:
//! - `<wbr>` goes where a boundary of the BudouX phrase model (Google's BudouX, Apache-2.0, via
//!   the `budoux` crate's Japanese and Simplified Chinese models) and a word boundary of ICU4X's
//!   dictionary segmenter (UAX #29 with the ICU Chinese–Japanese dictionary) agree. Either alone
//!   splits words: BudouX's Chinese model cuts 高性／能口罩 and 大学医学院附／属第一, the
//!   dictionary cuts 马／云 and 向日／本; their common boundaries keep both whole.
//! - A boundary is never put between two ASCII characters (inside a Latin word, a number or a
//!   character reference such as `&amp;`) nor next to white space (the browser breaks there).
//! - A name joined by middle dots (ジャック・マー氏が) is wrapped in `<span class="nobr">`,
//!   which the theme styles `white-space: nowrap`.

/// The languages that have a phrase model: `ja` and Simplified Chinese (`zh`, `zh-Hans`,
/// `zh-CN`, `zh-SG`), from a BCP 47 tag or a site language code. Traditional Chinese and every
/// other language get no `<wbr>` (they break at spaces or, for Traditional Chinese, anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhraseLanguage {
    Japanese,
    SimplifiedChinese,
}

impl PhraseLanguage {
    /// `None` for a language without a phrase model.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let lower = tag.to_ascii_lowercase();
        let mut subtags = lower.split(['-', '_']);
        match subtags.next()? {
            "ja" => Some(Self::Japanese),
            "zh" => {
                let traditional = subtags.any(|s| matches!(s, "hant" | "tw" | "hk" | "mo"));
                (!traditional).then_some(Self::SimplifiedChinese)
            }
            _ => None,
        }
    }
}

/// Byte offsets into `text` where a line may break between two phrases (never 0 or
/// `text.len()`), in increasing order. Empty without the `cjk-phrases` feature.
pub fn break_points(text: &str, language: PhraseLanguage) -> Vec<usize> {
    // Every boundary of ASCII text is between two ASCII characters or next to a space: none
    // is acceptable, so the models are not asked (a Latin title on a Japanese page).
    if text.is_ascii() {
        return Vec::new();
    }
    let candidates = segment(text, language);
    candidates
        .into_iter()
        .filter(|&at| at > 0 && at < text.len() && acceptable(text, at))
        .collect()
}

/// Whether a break may go at `at`: not between two ASCII characters, not next to white space,
/// not next to a middle dot (which joins the parts of a name).
fn acceptable(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at..].chars().next();
    match (before, after) {
        (Some(b), Some(a)) => {
            let ascii_pair = b.is_ascii() && a.is_ascii();
            let spacing = |c: char| c.is_whitespace() || NAME_DOTS.contains(&c);
            !ascii_pair && !spacing(b) && !spacing(a)
        }
        _ => false,
    }
}

/// Phrases longer than this many characters also break at the dictionary's word boundaries:
/// an unbreakable run wider than a narrow column (the book's sidebar) would otherwise be cut
/// anywhere by `overflow-wrap` (ハンド／ブック).
#[cfg(feature = "cjk-phrases")]
const LONG_PHRASE: usize = 10;

#[cfg(feature = "cjk-phrases")]
fn segment(text: &str, language: PhraseLanguage) -> Vec<usize> {
    use icu_segmenter::options::WordBreakInvariantOptions;
    use icu_segmenter::WordSegmenter;

    let model = match language {
        PhraseLanguage::Japanese => budoux::models::default_japanese_model(),
        PhraseLanguage::SimplifiedChinese => budoux::models::default_simplified_chinese_model(),
    };
    let words: Vec<usize> = WordSegmenter::new_dictionary(WordBreakInvariantOptions::default())
        .segment_str(text)
        .collect();
    let mut end = 0;
    let agreed: Vec<usize> = budoux::parse(model, text)
        .iter()
        .filter_map(|phrase| {
            end += phrase.len();
            words.binary_search(&end).is_ok().then_some(end)
        })
        .collect();
    split_long_phrases(text, &agreed, &words)
}

/// `agreed` plus the word boundaries `words` (both sorted byte offsets) inside every run of
/// more than [`LONG_PHRASE`] letters between two agreed boundaries; punctuation and spaces end
/// a run, because the browser breaks there anyway.
#[cfg(feature = "cjk-phrases")]
fn split_long_phrases(text: &str, agreed: &[usize], words: &[usize]) -> Vec<usize> {
    let mut points = Vec::with_capacity(agreed.len());
    let mut start = 0;
    for &end in agreed.iter().chain(std::iter::once(&text.len())) {
        for (from, to) in long_runs(text, start, end) {
            points.extend(words.iter().copied().filter(|&w| w > from && w < to));
        }
        if end < text.len() {
            points.push(end);
        }
        start = end;
    }
    points
}

/// The runs of more than [`LONG_PHRASE`] letters (and middle dots) in `text[start..end]`.
#[cfg(feature = "cjk-phrases")]
fn long_runs(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let is_letter = |c: char| c.is_alphanumeric() || c == 'ー' || NAME_DOTS.contains(&c);
    let mut runs = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    for (i, c) in text[start..end].char_indices() {
        let at = start + i;
        match (is_letter(c), run) {
            (true, Some((from, count))) => run = Some((from, count + 1)),
            (true, None) => run = Some((at, 1)),
            (false, Some((from, count))) => {
                if count > LONG_PHRASE {
                    runs.push((from, at));
                }
                run = None;
            }
            (false, None) => {}
        }
    }
    if let Some((from, _)) = run.filter(|&(_, count)| count > LONG_PHRASE) {
        runs.push((from, end));
    }
    runs
}

#[cfg(not(feature = "cjk-phrases"))]
fn segment(_text: &str, _language: PhraseLanguage) -> Vec<usize> {
    Vec::new()
}

/// `text` (plain text) HTML-escaped, with `<wbr>` at its phrase boundaries in `language`
/// and names joined by middle dots kept whole.
pub fn mark_text(text: &str, language: Option<PhraseLanguage>, out: &mut String) {
    let Some(language) = language else {
        keep_names(text, out, escape_into);
        return;
    };
    let mut start = 0;
    for at in break_points(text, language) {
        keep_names(&text[start..at], out, escape_into);
        out.push_str("<wbr>");
        start = at;
    }
    keep_names(&text[start..], out, escape_into);
}

/// Middle dots that join the parts of a transliterated name: U+30FB and its half-width form.
const NAME_DOTS: [char; 2] = ['\u{30FB}', '\u{FF65}'];

/// What joins the parts of a name or term kept on one line: the middle dots, and the hyphen
/// (COVID-19, KF94-…), after which browsers break in every language.
const JOINERS: [char; 3] = ['\u{30FB}', '\u{FF65}', '-'];

/// Longer runs are not kept whole: on a phone an unbreakable run wider than the line would
/// widen the page.
const LONGEST_KEPT_NAME: usize = 12;

/// Whether `c` may be part of a transliterated name: katakana (with ー), half-width katakana,
/// or a letter or digit of an alphabetic script.
fn is_name_letter(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}')
        || (c.is_alphanumeric() && (c as u32) < 0x2E80)
}

/// Copies `segment` through `emit`, wrapping each run of katakana or Latin letters joined by
/// a middle dot or a hyphen (ジャック・マー, COVID-19) in `<span class="nobr">` so that no line
/// breaks after the joiner. Used in every language.
/// Kanji joined by a dot (予防・管理) are a list, not a name: they may break there.
fn keep_names(segment: &str, out: &mut String, emit: fn(&str, &mut String)) {
    let is_name_char = |c: char| is_name_letter(c) || JOINERS.contains(&c);
    let mut rest = segment;
    while let Some(start) = rest.find(is_name_char) {
        emit(&rest[..start], out);
        let run_len = rest[start..]
            .find(|c: char| !is_name_char(c))
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        let inner = run.trim_matches(|c| JOINERS.contains(&c));
        let joined = inner.contains(|c| JOINERS.contains(&c));
        if joined && inner.chars().count() <= LONGEST_KEPT_NAME {
            let lead = run.len() - run.trim_start_matches(|c| JOINERS.contains(&c)).len();
            emit(&run[..lead], out);
            out.push_str("<span class=\"nobr\">");
            emit(inner, out);
            out.push_str("</span>");
            emit(&run[lead + inner.len()..], out);
        } else {
            emit(run, out);
        }
        rest = &rest[start + run_len..];
    }
    emit(rest, out);
}

/// `html` with `<wbr>` at phrase boundaries inside its `h1`–`h3` elements. Text inside
/// `code`, `kbd`, `samp`, `pre`, ruby annotations (`rt`, `rp`), `script`, `style` and any
/// element with its own `lang` attribute is left alone; each run of text between tags is
/// segmented by itself. `html` is trusted HTML as the Markdown renderer writes it.
pub fn mark_headings(html: &str, language: Option<PhraseLanguage>) -> String {
    mark_headings_with(html, language, &break_points)
}

/// `mark_headings`, asking `breaks` for the break points of each text run (the template
/// filter remembers them: a site's headings repeat, 概要 and 背景 on every release).
pub fn mark_headings_with(
    html: &str,
    language: Option<PhraseLanguage>,
    breaks: &dyn Fn(&str, PhraseLanguage) -> Vec<usize>,
) -> String {
    let Some(language) = language else {
        return html.to_string();
    };
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some((level, content)) = next_heading(rest) {
        let close = format!("</h{level}>");
        let Some(end) = rest[content..].find(&close).map(|i| content + i) else {
            break;
        };
        out.push_str(&rest[..content]);
        mark_inline(&rest[content..end], language, breaks, &mut out);
        out.push_str(&close);
        rest = &rest[end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// The level of the next `<h1`–`<h3` start tag in `html` and where its content starts (just
/// after the tag).
fn next_heading(html: &str) -> Option<(u8, usize)> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(found) = html[from..].find("<h") {
        let at = from + found;
        let level = bytes.get(at + 2).copied().unwrap_or(0);
        let next = bytes.get(at + 3).copied().unwrap_or(0);
        if (b'1'..=b'3').contains(&level) && (next == b'>' || next.is_ascii_whitespace()) {
            let content = html[at..].find('>')? + at + 1;
            return Some((level - b'0', content));
        }
        from = at + 2;
    }
    None
}

/// Copies the inside of a heading, inserting `<wbr>` into the text runs that are ours to break.
fn mark_inline(
    inner: &str,
    language: PhraseLanguage,
    breaks: &dyn Fn(&str, PhraseLanguage) -> Vec<usize>,
    out: &mut String,
) {
    // Open elements whose text is left alone, by name; other tags do not matter.
    let mut skipped: Vec<String> = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let tag = &rest[..end];
            track_tag(tag, &mut skipped);
            out.push_str(tag);
            rest = &rest[end..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let run = &rest[..end];
            if skipped.is_empty() {
                insert_breaks(run, &breaks(run, language), out);
            } else {
                out.push_str(run);
            }
            rest = &rest[end..];
        }
    }
}

/// Keeps `skipped` up to date with a start or end tag.
fn track_tag(tag: &str, skipped: &mut Vec<String>) {
    let body = tag.trim_start_matches('<').trim_end_matches('>');
    if let Some(name) = body.strip_prefix('/') {
        let name = name.trim().to_ascii_lowercase();
        if let Some(i) = skipped.iter().rposition(|n| *n == name) {
            skipped.truncate(i);
        }
        return;
    }
    let name: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let own_language = body
        .split_ascii_whitespace()
        .skip(1)
        .any(|attribute| attribute.to_ascii_lowercase().starts_with("lang="));
    let verbatim = matches!(
        name.as_str(),
        "code" | "kbd" | "samp" | "pre" | "rt" | "rp" | "script" | "style"
    );
    if (verbatim || own_language) && !body.ends_with('/') {
        skipped.push(name);
    }
}

/// Copies an already escaped text run with `<wbr>` at its phrase boundaries and names joined
/// by middle dots kept whole. Character references stay whole: a boundary between two ASCII
/// characters is never taken, and `&`, `#`, `;` never join a name.
fn insert_breaks(run: &str, points: &[usize], out: &mut String) {
    let verbatim: fn(&str, &mut String) = |text, out| out.push_str(text);
    let mut start = 0;
    for &at in points {
        keep_names(&run[start..at], out, verbatim);
        out.push_str("<wbr>");
        start = at;
    }
    keep_names(&run[start..], out, verbatim);
}

/// Escapes what HTML text and attribute values need escaped (the same set as the theme's
/// autoescape, which leaves `/` readable).
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JA: Option<PhraseLanguage> = Some(PhraseLanguage::Japanese);
    const ZH: Option<PhraseLanguage> = Some(PhraseLanguage::SimplifiedChinese);

    fn marked(text: &str, language: Option<PhraseLanguage>) -> String {
        let mut out = String::new();
        mark_text(text, language, &mut out);
        out
    }

    #[test]
    fn languages_from_tags() {
        assert_eq!(PhraseLanguage::from_tag("ja"), JA);
        assert_eq!(PhraseLanguage::from_tag("zh-Hans"), ZH);
        assert_eq!(PhraseLanguage::from_tag("zh"), ZH);
        assert_eq!(PhraseLanguage::from_tag("zh-Hant"), None);
        assert_eq!(PhraseLanguage::from_tag("zh-TW"), None);
        assert_eq!(PhraseLanguage::from_tag("en"), None);
    }

    #[test]
    fn escapes_and_leaves_other_languages_alone() {
        assert_eq!(marked("A & <B>", None), "A &amp; &lt;B&gt;");
        assert_eq!(marked("Jack Ma's gift", None), "Jack Ma&#39;s gift");
    }

    #[cfg(feature = "cjk-phrases")]
    #[test]
    fn names_and_words_stay_whole() {
        let ja = marked("アリババ創業者 ジャック・マー氏が再び物資支援", JA);
        assert!(
            ja.contains("<span class=\"nobr\">ジャック・マー</span>"),
            "{ja}"
        );
        assert!(ja.contains("<wbr>"), "{ja}");
        // A long phrase breaks between words, but never at the name's middle dot.
        let ja = marked("アリババ創業者ジャック・マー氏の日本医師会への寄贈", JA);
        assert!(ja.contains("ジャック・マー"), "{ja}");
        let zh = marked("阿里巴巴创始人马云再次捐赠医疗物资", ZH);
        assert!(zh.contains("马云"), "{zh}");
        assert!(zh.contains("<wbr>"), "{zh}");
        let zh = marked("向日本医师会送去高性能口罩和防护服", ZH);
        assert!(zh.contains("高性能口罩"), "{zh}");
        assert!(zh.contains("向日本"), "{zh}");
    }

    #[test]
    fn ascii_text_never_gets_a_break_and_each_heading_run_asks_for_its_breaks() {
        assert_eq!(
            break_points("Release 370 (ja) & more", PhraseLanguage::Japanese),
            Vec::<usize>::new()
        );
        let asked = std::cell::RefCell::new(Vec::new());
        let breaks = |text: &str, _| {
            asked.borrow_mut().push(text.to_string());
            vec![text.len() / 2]
        };
        let html = "<h2 id=\"a\">ab<code>x</code>cd</h2><p>ef</p><h3>gh</h3>";
        let out = mark_headings_with(html, JA, &breaks);
        assert_eq!(*asked.borrow(), ["ab", "cd", "gh"]);
        assert_eq!(
            out,
            "<h2 id=\"a\">a<wbr>b<code>x</code>c<wbr>d</h2><p>ef</p><h3>g<wbr>h</h3>"
        );
    }

    #[cfg(feature = "cjk-phrases")]
    #[test]
    fn long_phrases_also_break_between_words() {
        // 新型コロナウイルス感染症対策ハンドブック: one phrase of 20 characters.
        let text = "新型コロナウイルス感染症対策ハンドブック";
        let words = [0, 6, 27, 33, 36, 42, 60];
        assert_eq!(split_long_phrases(text, &[], &words), [6, 27, 33, 36, 42]);
        let short = "ジャック・マー氏が再び";
        assert_eq!(
            split_long_phrases(short, &[27], &[0, 12, 15, 24, 27, 33]),
            [27]
        );
    }

    #[cfg(feature = "cjk-phrases")]
    #[test]
    fn headings_only_and_never_inside_code_ruby_or_references() {
        let html = "<p>日本医師会にお届け</p>\n<h2 id=\"x\">高機能マスクと防護服を日本医師会にお届け<a class=\"heading-anchor\" href=\"#x\">#</a></h2>\n<h3>A&amp;B <code>日本医師会にお届け</code><ruby>腹臥位<rt>ふくがいりょうほうのせつめい</rt></ruby></h3><h4>日本医師会にお届け</h4>";
        let out = mark_headings(html, JA);
        assert!(out.starts_with("<p>日本医師会にお届け</p>"), "{out}");
        assert!(out.contains("<h2 id=\"x\">"), "{out}");
        let h2 = &out[out.find("<h2").unwrap()..out.find("</h2>").unwrap()];
        assert!(h2.contains("<wbr>"), "{out}");
        let h3 = &out[out.find("<h3").unwrap()..out.find("</h3>").unwrap()];
        assert!(!h3.contains("<wbr>"), "{out}");
        assert!(out.ends_with("<h4>日本医師会にお届け</h4>"), "{out}");
        assert_eq!(out.replace("<wbr>", ""), html);
    }

    #[test]
    fn dotted_names_are_kept_whole_in_any_language_with_a_model() {
        let keep = |text: &str| {
            let mut out = String::new();
            keep_names(text, &mut out, escape_into);
            out
        };
        assert_eq!(
            keep("ジャック・マー氏"),
            "<span class=\"nobr\">ジャック・マー</span>氏"
        );
        assert_eq!(
            keep("・ジャック・マー・"),
            "・<span class=\"nobr\">ジャック・マー</span>・"
        );
        assert_eq!(keep("予防・管理"), "予防・管理");
        assert_eq!(keep("予防、管理"), "予防、管理");
        assert_eq!(keep("A&B・C"), "A&amp;<span class=\"nobr\">B・C</span>");
        let long = "アイウエオカキクケコ・サシスセソ";
        assert_eq!(keep(long), long);
        assert_eq!(
            marked("Handbook of COVID-19 Prevention", None),
            "Handbook of <span class=\"nobr\">COVID-19</span> Prevention"
        );
        assert_eq!(
            marked("a well-known-and-very-long-term", None),
            "a well-known-and-very-long-term"
        );
    }
}
