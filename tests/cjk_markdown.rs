//! Markdown for Chinese and Japanese (issue 8): CJK-friendly emphasis, soft line breaks
//! between wide characters, footnotes, ruby and NFD in headings. The emphasis examples are the
//! test cases of the markdown-cjk-friendly specification (tats-u/markdown-cjk-friendly,
//! `testcases/*.md`, with the expected HTML of its reference implementation's snapshots).

use crate::support;

use koho::error::Severity;
use koho::markdown::{self, IdMaker, Problem, RenderOptions, Rendered};
use scraper::Html;
use support::*;

fn same(dest: &str, _offset: usize) -> Result<String, String> {
    Ok(dest.to_string())
}

fn render(markdown: &str) -> (Rendered, Vec<Problem>) {
    markdown::render(
        markdown,
        &same,
        &mut IdMaker::for_page(),
        &RenderOptions::default(),
    )
}

/// The HTML of a fragment as html5ever serialises it: compares markup, not spelling
/// (`&quot;` and `"` are the same text).
fn normalised(html: &str) -> String {
    Html::parse_fragment(html.trim())
        .root_element()
        .inner_html()
}

fn text_of(html: &str, css: &str) -> Vec<String> {
    let document = Html::parse_fragment(html);
    select(&document, css).into_iter().map(text).collect()
}

fn check_cases(name: &str, cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (markdown, expected) in cases {
        let (out, _) = render(markdown);
        if normalised(&out.html) != normalised(expected) {
            failures.push(format!(
                "{markdown:?}\n  got      {}  expected {expected}",
                out.html
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

#[test]
fn specification_examples_for_strong() {
    check_cases("strong.md", STRONG);
}

#[test]
fn specification_examples_for_korean_and_pseudo_emoji() {
    check_cases("korean.md", KOREAN);
    check_cases("pseudo-emoji.md", PSEUDO_EMOJI);
}

#[test]
fn specification_examples_for_underscore_and_non_bmp() {
    check_cases("underscore-cjk-punct.md", UNDERSCORE);
    check_cases("non-bmp.md", NON_BMP);
}

#[test]
fn specification_examples_for_strikethrough() {
    check_cases("gfm-strikethrough.md", STRIKETHROUGH);
}

#[test]
fn issue_examples_for_emphasis() {
    let (out, _) = render("本機構は**「医療の国際化」**を推進します。");
    assert_eq!(text_of(&out.html, "strong"), ["「医療の国際化」"]);
    assert!(!out.html.contains("**"), "{}", out.html);
    let (out, _) = render("我们**真，**她是**“重点”**内容。");
    assert_eq!(text_of(&out.html, "strong"), ["真，", "“重点”"]);
}

#[test]
fn emphasis_with_cjk_punctuation_of_each_kind() {
    for (open, close) in [("「", "」"), ("（", "）"), ("“", "”")] {
        for (marker, css) in [("*", "em"), ("**", "strong"), ("~~", "del")] {
            let md = format!("前{marker}{open}中{close}{marker}後");
            let (out, _) = render(&md);
            assert_eq!(
                text_of(&out.html, css),
                [format!("{open}中{close}")],
                "{md}: {}",
                out.html
            );
        }
    }
    for punct in ["，", "。", "、", "：", "！", "？"] {
        for (marker, css) in [("*", "em"), ("**", "strong"), ("~~", "del")] {
            let md = format!("我们{marker}真{punct}{marker}她");
            let (out, _) = render(&md);
            assert_eq!(text_of(&out.html, css), [format!("真{punct}")], "{md}");
        }
    }
}

/// Latin text renders exactly as pulldown-cmark renders it: the amendment only changes what
/// happens next to CJK characters. GFM strikethrough cases of the specification's
/// `gfm-non-cjk.md` and CommonMark §6.2 examples.
#[test]
fn latin_emphasis_is_unchanged() {
    let cases = [
        "~~Hi~~ Hello, ~there~ world!",
        "This ~~has a\n\nnew paragraph~~.",
        "This will ~~~not~~~ strike.",
        "A proper ~strikethrough~.",
        "This ~is ~ legit~ isn't ~ legit.",
        "This is not ~~~~~one~~~~~ huge strikethrough.",
        "~one~ ~~two~~ ~~~three~~~",
        "No ~mismatch~~",
        "~~**_`this`_**~~  \n~~***`this`***~~  \n~~___`this`___~~",
        "a~~()a~~a\n\na~~a()~~a\n\n~~()~~\n\n(~~()~~)",
        "a***~~b~~***c",
        "*foo bar*, a * foo bar*, a*\"foo\"*, foo*bar*, 5*6*78",
        "_foo bar_, foo_bar_, пристаням_стремятся_, foo-_(bar)_",
        "**foo \"*bar*\" foo**, *foo**bar**baz*, foo***bar***baz, ***foo***, _____foo_____",
        "*foo [*bar*](/url)*, **a<http://foo.bar/?q=**>, *a `*`*, café *naïve* **über**",
        "| a | b |\n|---|---|\n| *x* | **y** |",
    ];
    for md in cases {
        let (out, _) = render(md);
        let mut plain = String::new();
        let options = pulldown_cmark::Options::ENABLE_TABLES
            | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
            | pulldown_cmark::Options::ENABLE_FOOTNOTES
            | pulldown_cmark::Options::ENABLE_DEFINITION_LIST;
        pulldown_cmark::html::push_html(&mut plain, pulldown_cmark::Parser::new_ext(md, options));
        assert_eq!(normalised(&out.html), normalised(&plain), "{md}");
    }
}

#[test]
fn code_spans_blocks_and_link_destinations_are_untouched() {
    let md = "`**「a」**`と[**「b」**](/x/**「c」**/)\n\n```\n本機構は**「医療」**を\n```\n\n<span>**「d」**</span>";
    let (out, _) = render(md);
    assert_eq!(
        text_of(&out.html, "code"),
        ["**「a」**", "本機構は**「医療」**を"]
    );
    let document = Html::parse_fragment(&out.html);
    let link = select(&document, "a")[0];
    assert_eq!(
        link.value().attr("href"),
        Some("/x/**%E3%80%8Cc%E3%80%8D**/")
    );
    assert_eq!(text_of(&out.html, "a strong"), ["「b」"]);
    // Raw HTML stays HTML; the emphasis inside it is Markdown's, as CommonMark says.
    assert_eq!(text_of(&out.html, "span strong"), ["「d」"]);
}

#[test]
fn soft_breaks_between_wide_characters_disappear() {
    let (out, _) = render("二階幹事長と横倉会長が面会し、日本医師会に\n寄贈しました。");
    assert_eq!(
        text_of(&out.html, "p"),
        ["二階幹事長と横倉会長が面会し、日本医師会に寄贈しました。"]
    );
    let (out, _) = render("医療物資を\n**寄贈**し、\n「感謝」");
    assert_eq!(text_of(&out.html, "p"), ["医療物資を寄贈し、「感謝」"]);
    // Latin, digits or Hangul on either side: the break stays a space.
    for (md, kept) in [
        ("日本医師会に\nJMA", "日本医師会に JMA"),
        ("NGMO\nは", "NGMO は"),
        ("30\n万枚", "30 万枚"),
        ("한국어\n문장", "한국어 문장"),
        ("日本\n한국", "日本 한국"),
    ] {
        let (out, _) = render(md);
        assert_eq!(text_of(&out.html, "p"), [kept], "{md}");
    }
}

/// Byte offset → 1-based line.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

#[test]
fn footnotes_are_one_numbered_list_in_reference_order() {
    let md =
        "前[^b]、後[^a]、再[^b]。\n\n[^a]: 注A。\n[^unused]: 使わない。\n[^b]: 注B。\n\n本文。\n";
    let (out, problems) = markdown::render(
        md,
        &same,
        &mut IdMaker::for_page(),
        &RenderOptions {
            footnote_backref_label: "参照元に戻る",
            ..RenderOptions::default()
        },
    );
    let document = Html::parse_fragment(&out.html);
    // The list comes after the body text, once.
    assert_eq!(select(&document, "section.footnotes").len(), 1);
    assert!(out.html.find("本文。").unwrap() < out.html.find("footnotes").unwrap());
    let notes = select(&document, "section.footnotes ol > li.footnote-definition");
    let texts: Vec<String> = notes.iter().map(|n| text(*n)).collect();
    assert_eq!(notes.len(), 2, "only referenced notes: {texts:?}");
    assert!(
        texts[0].starts_with("注B。") && texts[1].starts_with("注A。"),
        "{texts:?}"
    );
    // References: numbered by first reference, each with an id the back-links point to.
    let refs = select(&document, "sup.footnote-reference a");
    let numbers: Vec<String> = refs.iter().map(|r| text(*r)).collect();
    assert_eq!(numbers, ["1", "2", "1"]);
    let ref_ids: Vec<&str> = refs.iter().map(|r| r.value().attr("id").unwrap()).collect();
    for (reference, note) in refs.iter().zip([0, 1, 0]) {
        let href = reference.value().attr("href").unwrap();
        assert_eq!(&href[1..], notes[note].value().attr("id").unwrap());
    }
    let backs = select(&document, "li.footnote-definition a.footnote-backref");
    let back_targets: Vec<&str> = backs
        .iter()
        .map(|b| &b.value().attr("href").unwrap()[1..])
        .collect();
    assert_eq!(back_targets, [ref_ids[0], ref_ids[2], ref_ids[1]]);
    assert_eq!(backs[0].value().attr("aria-label"), Some("参照元に戻る 1"));
    assert_eq!(
        backs[1].value().attr("aria-label"),
        Some("参照元に戻る 1-2")
    );
    // The unused definition is reported where it is, as a warning.
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].severity, Severity::Warning);
    assert!(problems[0].message.contains("[^unused]"));
    assert_eq!(line_of(md, problems[0].offset), 4);
}

#[test]
fn a_reference_without_definition_is_a_warning_with_its_line() {
    let md = "第一段。\n\n本文に誤記[^typo]がある。\n\n`[^code]` と \\[^escaped] は対象外。\n";
    let (out, problems) = render(md);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].severity, Severity::Warning);
    assert!(
        problems[0].message.contains("[^typo]"),
        "{}",
        problems[0].message
    );
    assert_eq!(line_of(md, problems[0].offset), 3);
    assert!(out.html.contains("[^typo]"));
    assert!(!out.html.contains("footnotes"));
    let (_, problems) = render("a[^1]\n\n[^1]: one\n[^1]: again\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("defined twice"));
}

#[test]
fn footnote_ids_stay_unique_when_bodies_share_a_page() {
    let mut ids = IdMaker::for_page();
    let options = RenderOptions::default();
    let (page, _) = markdown::render(
        "## fn-1\n\n本文[^1]。\n\n[^1]: 注。",
        &same,
        &mut ids,
        &options,
    );
    let (chapter, _) = markdown::render("別[^1]。\n\n[^1]: 別の注。", &same, &mut ids, &options);
    let html = format!("{}{}", page.html, chapter.html);
    let document = Html::parse_fragment(&html);
    let mut all: Vec<&str> = select(&document, "[id]")
        .iter()
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "duplicate ids in {html}");
}

#[test]
fn ruby_annotations_stay_out_of_heading_ids_and_text() {
    let (out, _) = render("## <ruby>腹臥位<rt>ふくがい</rt></ruby>療法\n\n### <ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp></ruby>字\n");
    assert_eq!(out.headings[0].id, "腹臥位療法");
    assert_eq!(out.headings[0].text, "腹臥位療法");
    assert_eq!(out.headings[1].text, "漢字");
    // The page itself still shows the reading.
    assert_eq!(text_of(&out.html, "h2 rt"), ["ふくがい"]);
}

#[test]
fn nfd_headings_get_nfc_text_and_ids() {
    let nfd = "## \u{30AB}\u{3099}\u{30A4}\u{30C8}\u{3099}\u{30D5}\u{3099}\u{30C3}\u{30AF}\u{306E}\u{4F7F}\u{3044}\u{65B9}\n";
    let (out, _) = render(nfd);
    assert_eq!(out.headings[0].id, "ガイドブックの使い方");
    assert_eq!(out.headings[0].text, "ガイドブックの使い方");
    assert_eq!(text_of(&out.html, "h2"), ["ガイドブックの使い方#"]);
}

/// Through a whole build: the published page, its table of contents and the warnings with
/// file and line.
#[test]
fn a_built_page_follows_the_cjk_rules() {
    let site = SiteFixture::new();
    let body = "本機構は**「医療の国際化」**を推進します。日本医師会に\n寄贈しました。[^1]\n\n\
                ## <ruby>腹臥位<rt>ふくがい</rt></ruby>療法\n\n本文[^typo]。\n\n## 概要\n\n## 背景\n\n\
                [^1]: 注。\n[^unused]: 未使用。\n";
    site.write(
        "content/guide/index.ja.md",
        &format!("+++\ntitle = \"ガイド\"\n+++\n\n{body}"),
    );
    let report = site.build_ok();
    let page = site.page("ja/guide/index.html");
    assert_eq!(page.text(".prose strong"), "「医療の国際化」");
    let paragraphs: Vec<String> = page.select(".prose p").into_iter().map(text).collect();
    assert!(
        paragraphs[0].contains("日本医師会に寄贈しました。"),
        "{paragraphs:?}"
    );
    let toc: Vec<String> = page.select(".page-toc a").into_iter().map(text).collect();
    assert!(toc.contains(&"腹臥位療法".to_string()), "{toc:?}");
    assert!(page.select("h2[id=\"腹臥位療法\"]").len() == 1);
    assert_eq!(page.select(".prose li.footnote-definition").len(), 1);
    let file = "content/guide/index.ja.md";
    let warnings: Vec<String> = report
        .warnings
        .iter()
        .filter(|w| {
            w.location
                .as_ref()
                .is_some_and(|l| same_path(&l.path, file))
        })
        .map(|w| {
            format!(
                "{}:{}",
                w.location.as_ref().and_then(|l| l.line).unwrap_or(0),
                w.message
            )
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("10:") && w.contains("[^typo]")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("17:") && w.contains("[^unused]")),
        "{warnings:?}"
    );
}

/// `testcases/strong.md`
const STRONG: &[(&str, &str)] = &[
    ("これは**私のやりたかったこと。**だからするの。", "<p>これは<strong>私のやりたかったこと。</strong>だからするの。</p>"),
    ("**[製品ほげ](./product-foo)**と**[製品ふが](./product-bar)**をお試しください", "<p><strong><a href=\"./product-foo\">製品ほげ</a></strong>と<strong><a href=\"./product-bar\">製品ふが</a></strong>をお試しください</p>"),
    ("単語と**[単語と](word-and)**単語", "<p>単語と<strong><a href=\"word-and\">単語と</a></strong>単語</p>"),
    ("**これは太字になりません。**ご注意ください。", "<p><strong>これは太字になりません。</strong>ご注意ください。</p>"),
    ("カッコに注意**（太字にならない）**文が続く場合に要警戒。", "<p>カッコに注意<strong>（太字にならない）</strong>文が続く場合に要警戒。</p>"),
    ("**[リンク](https://example.com)**も注意。（画像も同様）", "<p><strong><a href=\"https://example.com\">リンク</a></strong>も注意。（画像も同様）</p>"),
    ("先頭の**\\`コード\\`も注意。**", "<p>先頭の<strong>`コード`も注意。</strong></p>"),
    ("**末尾の\\`コード\\`**も注意。", "<p><strong>末尾の`コード`</strong>も注意。</p>"),
    ("税込**¥10,000**で入手できます。", "<p>税込<strong>¥10,000</strong>で入手できます。</p>"),
    ("正解は**④**です。", "<p>正解は<strong>④</strong>です。</p>"),
    ("太郎は**「こんにちわ」**といった", "<p>太郎は<strong>「こんにちわ」</strong>といった</p>"),
    ("太郎は**\"こんにちわ\"**といった", "<p>太郎は<strong>&quot;こんにちわ&quot;</strong>といった</p>"),
    ("太郎は**こんにちわ**といった", "<p>太郎は<strong>こんにちわ</strong>といった</p>"),
    ("太郎は**「Hello」**といった", "<p>太郎は<strong>「Hello」</strong>といった</p>"),
    ("太郎は**\"Hello\"**といった", "<p>太郎は<strong>&quot;Hello&quot;</strong>といった</p>"),
    ("太郎は**Hello**といった", "<p>太郎は<strong>Hello</strong>といった</p>"),
    ("太郎は**「Oh my god」**といった", "<p>太郎は<strong>「Oh my god」</strong>といった</p>"),
    ("太郎は**\"Oh my god\"**といった", "<p>太郎は<strong>&quot;Oh my god&quot;</strong>といった</p>"),
    ("太郎は**Oh my god**といった", "<p>太郎は<strong>Oh my god</strong>といった</p>"),
    ("**C#**や**F#**は**「.NET」**というプラットフォーム上で動作します。", "<p><strong>C#</strong>や<strong>F#</strong>は<strong>「.NET」</strong>というプラットフォーム上で動作します。</p>"),
    ("IDが**001号**になります。", "<p>IDが<strong>001号</strong>になります。</p>"),
    ("IDが**００１号**になります。", "<p>IDが<strong>００１号</strong>になります。</p>"),
    ("Go**「初心者」**を対象とした記事です。", "<p>Go<strong>「初心者」</strong>を対象とした記事です。</p>"),
    ("**[リンク](https://example.com)**も注意。", "<p><strong><a href=\"https://example.com\">リンク</a></strong>も注意。</p>"),
    ("**⻲田太郎**と申します", "<p><strong>⻲田太郎</strong>と申します</p>"),
    ("・**㋐**:選択肢１つ目", "<p>・<strong>㋐</strong>:選択肢１つ目</p>"),
    ("**真，**她", "<p><strong>真，</strong>她</p>"),
    ("**真。**她", "<p><strong>真。</strong>她</p>"),
    ("**真、**她", "<p><strong>真、</strong>她</p>"),
    ("**真；**她", "<p><strong>真；</strong>她</p>"),
    ("**真：**她", "<p><strong>真：</strong>她</p>"),
    ("**真？**她", "<p><strong>真？</strong>她</p>"),
    ("**真！**她", "<p><strong>真！</strong>她</p>"),
    ("**真“**她", "<p><strong>真“</strong>她</p>"),
    ("**真”**她", "<p><strong>真”</strong>她</p>"),
    ("**真‘**她", "<p><strong>真‘</strong>她</p>"),
    ("**真’**她", "<p><strong>真’</strong>她</p>"),
    ("**真（**她", "<p><strong>真（</strong>她</p>"),
    ("真**（她**", "<p>真<strong>（她</strong></p>"),
    ("**真）**她", "<p><strong>真）</strong>她</p>"),
    ("**真【**她", "<p><strong>真【</strong>她</p>"),
    ("真**【她**", "<p>真<strong>【她</strong></p>"),
    ("**真】**她", "<p><strong>真】</strong>她</p>"),
    ("**真《**她", "<p><strong>真《</strong>她</p>"),
    ("真**《她**", "<p>真<strong>《她</strong></p>"),
    ("**真》**她", "<p><strong>真》</strong>她</p>"),
    ("**真—**她", "<p><strong>真—</strong>她</p>"),
    ("**真～**她", "<p><strong>真～</strong>她</p>"),
    ("**真…**她", "<p><strong>真…</strong>她</p>"),
    ("**真·**她", "<p><strong>真·</strong>她</p>"),
    ("**真〃**她", "<p><strong>真〃</strong>她</p>"),
    ("**真-**她", "<p><strong>真-</strong>她</p>"),
    ("**真々**她", "<p><strong>真々</strong>她</p>"),
    ("**真**她", "<p><strong>真</strong>她</p>"),
    ("**真，** 她", "<p><strong>真，</strong> 她</p>"),
    ("**真**，她", "<p><strong>真</strong>，她</p>"),
    ("**真，**&ZeroWidthSpace;她", "<p><strong>真，</strong>\u{200B}她</p>"),
    ("私は**⻲田太郎**と申します", "<p>私は<strong>⻲田太郎</strong>と申します</p>"),
    ("選択肢**㋐**: 1つ目の選択肢", "<p>選択肢<strong>㋐</strong>: 1つ目の選択肢</p>"),
    ("**さようなら︙**と太郎はいった。", "<p><strong>さようなら︙</strong>と太郎はいった。</p>"),
    (".NET**（.NET Frameworkは不可）**では、", "<p>.NET<strong>（.NET Frameworkは不可）</strong>では、</p>"),
    ("「禰\u{E0100}」の偏は示ではなく**礻**です。", "<p>「禰\u{E0100}」の偏は示ではなく<strong>礻</strong>です。</p>"),
    ("Git**（注：不是GitHub）**", "<p>Git<strong>（注：不是GitHub）</strong></p>"),
    ("太郎は**「こんにちわ」**といった。", "<p>太郎は<strong>「こんにちわ」</strong>といった。</p>"),
    ("𰻞𰻞**（ビャンビャン）**麺", "<p>𰻞𰻞<strong>（ビャンビャン）</strong>麺</p>"),
    ("𰻞𰻞**(ビャンビャン)**麺", "<p>𰻞𰻞<strong>(ビャンビャン)</strong>麺</p>"),
    ("ハイパーテキストコーヒーポット制御プロトコル**(HTCPCP)**", "<p>ハイパーテキストコーヒーポット制御プロトコル<strong>(HTCPCP)</strong></p>"),
    ("﨑**(崎)**", "<p>﨑<strong>(崎)</strong></p>"),
    ("国際規格**[ECMA-262](https://tc39.es/ecma262/)**", "<p>国際規格<strong><a href=\"https://tc39.es/ecma262/\">ECMA-262</a></strong></p>"),
    ("㐧**(第の俗字)**", "<p>㐧<strong>(第の俗字)</strong></p>"),
    ("𠮟**(こちらが正式表記)**", "<p>𠮟<strong>(こちらが正式表記)</strong></p>"),
    ("𪜈**(トモの合略仮名)**", "<p>𪜈<strong>(トモの合略仮名)</strong></p>"),
    ("𫠉**(馬の俗字)**", "<p>𫠉<strong>(馬の俗字)</strong></p>"),
    ("谺𬤲**(こだま)**石神社", "<p>谺𬤲<strong>(こだま)</strong>石神社</p>"),
    ("石𮧟**(いしただら)**", "<p>石𮧟<strong>(いしただら)</strong></p>"),
    ("**推荐几个框架：**React、Vue等前端框架。", "<p><strong>推荐几个框架：</strong>React、Vue等前端框架。</p>"),
    ("葛\u{E0100}**(こちらが正式表記)**城市", "<p>葛\u{E0100}<strong>(こちらが正式表記)</strong>城市</p>"),
    ("禰\u{E0100}**(こちらが正式表記)**豆子", "<p>禰\u{E0100}<strong>(こちらが正式表記)</strong>豆子</p>"),
    ("𱟛**(U+317DB)**", "<p>𱟛<strong>(U+317DB)</strong></p>"),
    ("阿寒湖アイヌシアターイコㇿ**(Akanko Ainu Theater Ikor)**", "<p>阿寒湖アイヌシアターイコㇿ<strong>(Akanko Ainu Theater Ikor)</strong></p>"),
    ("あ𛀙**(か)**よろし", "<p>あ𛀙<strong>(か)</strong>よろし</p>"),
    ("𮹝**(simplified form of 龘 in China)**", "<p>𮹝<strong>(simplified form of 龘 in China)</strong></p>"),
    ("大塚\u{FE00}**(U+585A U+FE00)** 大塚**(U+FA10)**", "<p>大塚\u{FE00}<strong>(U+585A U+FE00)</strong> 大塚<strong>(U+FA10)</strong></p>"),
    ("〽\u{FE0E}**(庵点)**は、", "<p>〽\u{FE0E}<strong>(庵点)</strong>は、</p>"),
    ("**“\u{FE01}Git”\u{FE01}**Hub", "<p><strong>“\u{FE01}Git”\u{FE01}</strong>Hub</p>"),
];

/// `testcases/korean.md`
const KOREAN: &[(&str, &str)] = &[
    (
        "**이 [링크](https://example.kr/)**만을 강조하고 싶다.",
        "<p><strong>이 <a href=\"https://example.kr/\">링크</a></strong>만을 강조하고 싶다.</p>",
    ),
    (
        "**스크립트(script)**라고",
        "<p><strong>스크립트(script)</strong>라고</p>",
    ),
    (
        "패키지를 발행하려면 **`npm publish`**를 실행하십시오.",
        "<p>패키지를 발행하려면 <strong><code>npm publish</code></strong>를 실행하십시오.</p>",
    ),
    (
        "**안녕(hello)**하세요.",
        "<p><strong>안녕(hello)</strong>하세요.</p>",
    ),
    ("ᅡ**(a)**", "<p>ᅡ<strong>(a)</strong></p>"),
    ("**(k)**ᄏ", "<p><strong>(k)</strong>ᄏ</p>"),
];

/// `testcases/pseudo-emoji.md`
const PSEUDO_EMOJI: &[(&str, &str)] = &[
    ("a**〰**a", "<p>a<strong>〰</strong>a</p>"),
    ("a**〽**a", "<p>a<strong>〽</strong>a</p>"),
    ("a**🈂**a", "<p>a<strong>🈂</strong>a</p>"),
    ("a**🈷**a", "<p>a<strong>🈷</strong>a</p>"),
    ("a**㊗**a", "<p>a<strong>㊗</strong>a</p>"),
    ("a**㊙**a", "<p>a<strong>㊙</strong>a</p>"),
];

/// `testcases/underscore-cjk-punct.md`
const UNDERSCORE: &[(&str, &str)] = &[
    (
        "__注意__：注意事項",
        "<p><strong>注意</strong>：注意事項</p>",
    ),
    (
        "注意：__注意事項__",
        "<p>注意：<strong>注意事項</strong></p>",
    ),
    (
        "正體字。\u{FE01}_Traditional._",
        "<p>正體字。\u{FE01}<em>Traditional.</em></p>",
    ),
    (
        "正體字。\u{FE01}__Hong Kong and Taiwan.__",
        "<p>正體字。\u{FE01}<strong>Hong Kong and Taiwan.</strong></p>",
    ),
    (
        "简体字 / 新字体。\u{FE00}_Simplified._",
        "<p>简体字 / 新字体。\u{FE00}<em>Simplified.</em></p>",
    ),
    (
        "简体字 / 新字体。\u{FE00}__Mainland China or Japan.__",
        "<p>简体字 / 新字体。\u{FE00}<strong>Mainland China or Japan.</strong></p>",
    ),
    (
        "“\u{FE01}Git”\u{FE01}__Hub__",
        "<p>“\u{FE01}Git”\u{FE01}<strong>Hub</strong></p>",
    ),
];

/// `testcases/non-bmp.md`
const NON_BMP: &[(&str, &str)] = &[
    ("a**a«**a", "<p>a**a«**a</p>"),
    ("a**»a**a", "<p>a**»a**a</p>"),
    ("a**a∇**a", "<p>a**a∇**a</p>"),
    ("a**∇a**a", "<p>a**∇a**a</p>"),
    ("a**a𝜵**a", "<p>a**a𝜵**a</p>"),
    ("a**𝜵a**a", "<p>a**𝜵a**a</p>"),
    ("a**𐬻a**a", "<p>a**𐬻a**a</p>"),
    ("a**a𐬻**a", "<p>a**a𐬻**a</p>"),
];

/// `testcases/gfm-strikethrough.md`
const STRIKETHROUGH: &[(&str, &str)] = &[
    ("a~~a()~~あ", "<p>a<del>a()</del>あ</p>"),
    ("あ~~()a~~a", "<p>あ<del>()a</del>a</p>"),
    ("𩸽~~()a~~a", "<p>𩸽<del>()a</del>a</p>"),
    ("a~~a()~~𩸽", "<p>a<del>a()</del>𩸽</p>"),
    ("葛\u{E0100}~~()a~~a", "<p>葛\u{E0100}<del>()a</del>a</p>"),
    ("羽\u{FE00}~~()a~~a", "<p>羽\u{FE00}<del>()a</del>a</p>"),
    ("a~~「a~~」", "<p>a<del>「a</del>」</p>"),
    ("「~~a」~~a", "<p>「<del>a」</del>a</p>"),
    ("~~a~~：~~a~~", "<p><del>a</del>：<del>a</del></p>"),
    (
        "~~日本語。\u{FE00}~~English.",
        "<p><del>日本語。\u{FE00}</del>English.</p>",
    ),
    (
        "~~“\u{FE01}a”\u{FE01}~~a",
        "<p><del>“\u{FE01}a”\u{FE01}</del>a</p>",
    ),
];

#[test]
fn footnote_back_links_are_labelled_in_the_page_language() {
    let site = SiteFixture::new();
    for lang in ["ja", "en", "zh"] {
        site.write(
            &format!("content/{RELEASE}/index.{lang}.md"),
            "+++\ntitle = \"t\"\ndate = 2020-05-13\n+++\n\n本文[^a]。\n\n[^a]: 注。\n",
        );
    }
    site.build_ok();
    for (lang, label) in [
        ("ja", "参照元に戻る"),
        ("en", "Back to reference"),
        ("zh", "返回引用处"),
    ] {
        let page = site.page(&format!("{lang}/{RELEASE}/index.html"));
        let labels = page.attrs("a[role=doc-backlink]", "aria-label");
        assert!(
            !labels.is_empty() && labels.iter().all(|l| l.starts_with(label)),
            "{lang}: {labels:?}"
        );
    }
}
