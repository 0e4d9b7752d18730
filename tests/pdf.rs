//! PDF editions typeset with Typst (`koho::pdf`), from the shipped release and handbook in ja,
//! en and zh, and from hostile input. The PDFs are read back with poppler's tools (pdftotext,
//! pdfinfo, pdffonts, pdftohtml): without them the tests that need them say SKIPPED, or fail
//! under KOHO_REQUIRE_TOOLS=1.
#![cfg(feature = "pdf")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use koho::pdf::{
    BookChapter, BookInput, BookPart, FontConfig, Fragment, PdfError, PdfLink, Photo, ReleaseInput,
    SourceDate, Typesetter,
};

const LANGS: [&str; 3] = ["ja", "en", "zh"];
const RELEASE_DIR: &str = "content/releases/2020-05-13-alibaba-foundation-masks-protective-suits";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One typesetter for the whole test binary, as a build shares one.
fn typesetter() -> &'static Typesetter {
    static TYPESETTER: OnceLock<Typesetter> = OnceLock::new();
    TYPESETTER.get_or_init(|| Typesetter::new(FontConfig::default()))
}

/// Whether the fonts of ja, en and zh are installed (Debian fonts-noto-cjk). Missing: fails
/// under KOHO_REQUIRE_TOOLS=1, else says loudly that the test skipped.
fn fonts_available() -> bool {
    let missing: Vec<String> = LANGS
        .iter()
        .filter_map(|lang| typesetter().families(lang).err())
        .map(|e| e.to_string())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "fonts are required (KOHO_REQUIRE_TOOLS=1): {}",
            missing.join("; ")
        );
    }
    eprintln!(
        "SKIPPED: PDF fonts missing (apt-get install fonts-noto-cjk): {}",
        missing.join("; ")
    );
    false
}

// ---------------------------------------------------------------------------------------------
// Shipped content as inputs
// ---------------------------------------------------------------------------------------------

/// A Markdown file: its front matter (TOML between `+++` lines) and its body.
struct Doc {
    front: toml::Table,
    body: String,
}

impl Doc {
    fn read(path: &Path) -> Doc {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let rest = text.strip_prefix("+++\n").expect("front matter");
        let (front, body) = rest.split_once("\n+++\n").expect("front matter end");
        Doc {
            front: front.parse().expect("front matter TOML"),
            body: body.to_string(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.front.get(key).and_then(|v| v.as_str())
    }

    fn extra(&self, key: &str) -> Option<&str> {
        self.front.get("extra")?.get(key)?.as_str()
    }

    fn title(&self) -> &str {
        self.get("title").expect("title")
    }
}

/// The localized strings a release shows (as locales/*/main.ftl has them).
struct ReleaseText {
    date: &'static str,
    addressee: &'static str,
    kicker: &'static str,
    end: &'static str,
    org: &'static str,
    dateline: Option<&'static str>,
}

fn release_text(lang: &str) -> ReleaseText {
    match lang {
        "ja" => ReleaseText {
            date: "2020年5月13日",
            addressee: "報道関係者各位",
            kicker: "プレスリリース",
            end: "以上",
            org: "一般社団法人日本医療国際化機構",
            dateline: None,
        },
        "en" => ReleaseText {
            date: "13 May 2020",
            addressee: "To the media",
            kicker: "Press release",
            end: "###",
            org: "Nippon Global Medical Organization",
            dateline: Some("TOKYO, 13 May 2020 —"),
        },
        _ => ReleaseText {
            date: "2020年5月13日",
            addressee: "各新闻媒体",
            kicker: "新闻稿",
            end: "（完）",
            org: "日本医疗国际化机构",
            dateline: None,
        },
    }
}

/// Site links as the site would resolve them: `@/…` to the page's address.
fn site_links(lang: &'static str) -> impl Fn(&str) -> PdfLink + Sync {
    move |dest: &str| {
        if let Some(path) = dest.strip_prefix("@/") {
            let path = path.trim_end_matches("_index.md").trim_end_matches(".md");
            PdfLink::Url(format!("https://ngmo.or.jp/{lang}/{path}"))
        } else if dest.contains("://") || dest.starts_with("mailto:") {
            PdfLink::Url(dest.to_string())
        } else {
            PdfLink::Text
        }
    }
}

fn read_images(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut images = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("page folder").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".md") {
            images.insert(name, std::fs::read(entry.path()).expect("image"));
        }
    }
    images
}

fn logo() -> Vec<u8> {
    std::fs::read(root().join("themes/ngmo/static/favicon.svg")).expect("logo")
}

/// Typesets the shipped 2020-05-13 release in `lang`.
fn shipped_release(lang: &'static str) -> Result<Vec<u8>, PdfError> {
    let dir = root().join(RELEASE_DIR);
    let doc = Doc::read(&dir.join(format!("index.{lang}.md")));
    let profile = Doc::read(&root().join(format!("content/_fragments/profile.{lang}.md")));
    let contact = Doc::read(&root().join(format!("content/_fragments/contact.{lang}.md")));
    let images = read_images(&dir);
    let logo = logo();
    let text = release_text(lang);
    let links = site_links(lang);
    let input = ReleaseInput {
        lang,
        region: koho::pdf::default_region(lang),
        title: doc.title(),
        subtitle: doc.extra("subtitle"),
        tagline: doc.extra("tagline"),
        kicker: Some(text.kicker),
        date_text: text.date,
        dateline: text.dateline,
        addressee: text.addressee,
        end_mark: Some(text.end),
        body_markdown: &doc.body,
        photo: doc.extra("photo").map(|name| Photo {
            name,
            alt: doc.extra("photo_alt").unwrap_or(""),
            caption: doc.extra("photo_caption"),
        }),
        images: &images,
        profile: Some(Fragment {
            title: profile.title(),
            markdown: &profile.body,
        }),
        contact: Some(Fragment {
            title: contact.title(),
            markdown: &contact.body,
        }),
        org_name: text.org,
        logo: Some(&logo),
        source_date: SourceDate {
            year: 2020,
            month: 5,
            day: 13,
        },
        links: &links,
    };
    typesetter().release(&input)
}

/// The shipped handbook in `lang`, read as the site orders it (folders by name = by weight).
struct Handbook {
    home: Doc,
    parts: Vec<(Doc, bool)>,
    chapters: Vec<(String, String, Option<usize>, Doc)>,
}

fn handbook(lang: &str) -> Handbook {
    let dir = root().join("content/handbook");
    let home = Doc::read(&dir.join(format!("_index.{lang}.md")));
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("handbook")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let (mut parts, mut chapters) = (Vec::new(), Vec::new());
    let (mut chapter_count, mut appendix_count) = (0, 0);
    for (p, folder) in folders.iter().enumerate() {
        let part = Doc::read(&folder.join(format!("_index.{lang}.md")));
        let appendix = part
            .front
            .get("extra")
            .and_then(|e| e.get("appendix"))
            .is_some();
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .expect("part")
            .flatten()
            .map(|e| e.path())
            .filter(|f| {
                let name = f
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                name.ends_with(&format!(".{lang}.md")) && !name.starts_with('_')
            })
            .collect();
        files.sort();
        for file in files {
            let number = if appendix {
                appendix_count += 1;
                char::from(b'A' + appendix_count - 1).to_string()
            } else {
                chapter_count += 1;
                chapter_count.to_string()
            };
            let id = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            chapters.push((id, number, Some(p), Doc::read(&file)));
        }
        parts.push((part, appendix));
    }
    Handbook {
        home,
        parts,
        chapters,
    }
}

fn part_label(lang: &str, ordinal: usize, appendix: bool) -> String {
    let words = ["One", "Two", "Three", "Four"];
    let han = ["一", "二", "三", "四"];
    match (lang, appendix) {
        ("ja", true) => "付録".into(),
        ("zh", true) => "附录".into(),
        (_, true) => "Appendix".into(),
        ("ja", false) => format!("第{ordinal}部"),
        ("zh", false) => format!("第{}部分", han[ordinal - 1]),
        _ => format!("Part {}", words[ordinal - 1]),
    }
}

fn contents_title(lang: &str) -> &'static str {
    match lang {
        "ja" => "目次",
        "zh" => "目录",
        _ => "Contents",
    }
}

fn notice_title(lang: &str) -> &'static str {
    match lang {
        "ja" => "ご注意",
        "zh" => "请注意",
        _ => "Please note",
    }
}

/// Typesets `book` in `lang`, with `edit` applied to the input first.
fn typeset_book(
    lang: &'static str,
    book: &Handbook,
    edit: impl FnOnce(&mut BookInput),
) -> Result<Vec<u8>, PdfError> {
    let mut ordinal = 0;
    let parts: Vec<BookPart> = book
        .parts
        .iter()
        .map(|(doc, appendix)| {
            ordinal += usize::from(!appendix);
            BookPart {
                label: Box::leak(part_label(lang, ordinal, *appendix).into_boxed_str()),
                title: doc.title(),
                markdown: &doc.body,
            }
        })
        .collect();
    let no_images = BTreeMap::new();
    let chapters: Vec<BookChapter> = book
        .chapters
        .iter()
        .map(|(id, number, part, doc)| BookChapter {
            id,
            number,
            title: doc.title(),
            part: *part,
            depth: 1,
            markdown: &doc.body,
            images: &no_images,
            links: None,
        })
        .collect();
    let links = |dest: &str| -> PdfLink {
        match dest.strip_prefix("chapter:") {
            Some(rest) => {
                let (id, fragment) = rest.split_once('#').unwrap_or((rest, ""));
                PdfLink::Chapter {
                    id: id.to_string(),
                    fragment: (!fragment.is_empty()).then(|| fragment.to_string()),
                }
            }
            None => site_links(lang)(dest),
        }
    };
    let mut input = BookInput {
        lang,
        region: koho::pdf::default_region(lang),
        title: book.home.title(),
        subtitle: book.home.extra("subtitle"),
        publisher: book.home.extra("publisher"),
        edition: book.home.extra("edition"),
        date_text: None,
        notice_title: Some(notice_title(lang)),
        notice_markdown: book.home.extra("notice").unwrap_or(""),
        intro_markdown: &book.home.body,
        images: &no_images,
        contents_title: contents_title(lang),
        parts: &parts,
        chapters: &chapters,
        source_date: SourceDate {
            year: 2020,
            month: 3,
            day: 18,
        },
        links: &links,
    };
    edit(&mut input);
    typesetter().book(&input)
}

// ---------------------------------------------------------------------------------------------
// Poppler
// ---------------------------------------------------------------------------------------------

/// Whether poppler-utils is here. Missing: fails under KOHO_REQUIRE_TOOLS=1, else says loudly
/// that the test skipped.
fn poppler_available() -> bool {
    let found = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if found {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("poppler-utils is required (KOHO_REQUIRE_TOOLS=1): apt-get install poppler-utils");
    }
    eprintln!("SKIPPED: poppler-utils not installed (apt-get install poppler-utils)");
    false
}

/// Writes `pdf` to a temp file and runs `tool args… file (-)`, returning stdout.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], to_stdout: bool) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).expect("write PDF");
    let mut command = Command::new(tool);
    command.args(args).arg(&file);
    if to_stdout {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn pdf_text(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf, true)
}

/// Text without any whitespace: pdftotext puts spaces where Typst spaces CJK from digits and
/// breaks lines where the PDF does.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, needle: &str, what: &str) {
    assert!(
        squeezed(text).contains(&squeezed(needle)),
        "{what}: `{needle}` not in the PDF's text:\n{text}"
    );
}

/// Saves `pdf` under target/pdf-preview/ for a person to look at.
fn keep(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = root().join("target/pdf-preview");
    std::fs::create_dir_all(&dir).expect("preview dir");
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write preview");
    path
}

// ---------------------------------------------------------------------------------------------
// Release PDFs
// ---------------------------------------------------------------------------------------------

#[test]
fn shipped_release_text_in_each_language() {
    if !fonts_available() {
        return;
    }
    for lang in LANGS {
        let pdf = shipped_release(lang).unwrap_or_else(|e| panic!("{lang}: {e}"));
        keep(&format!("release-{lang}.pdf"), &pdf);
        assert!(pdf.starts_with(b"%PDF-"), "{lang}: not a PDF");
        if !poppler_available() {
            return;
        }
        let text = pdf_text(&pdf);
        let doc = Doc::read(&root().join(RELEASE_DIR).join(format!("index.{lang}.md")));
        let figure = match lang {
            "ja" => "30万枚",
            "en" => "300,000",
            _ => "30万只",
        };
        let t = release_text(lang);
        for (needle, what) in [
            (doc.title(), "title"),
            (t.date, "date"),
            (figure, "figure"),
            (t.org, "organisation"),
            (t.addressee, "addressee"),
        ] {
            assert_has(&text, needle, &format!("{lang} {what}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Book PDFs
// ---------------------------------------------------------------------------------------------

/// The PDF outline (bookmarks) as pdftohtml lists it: (title, page) in order.
fn bookmarks(pdf: &[u8]) -> Vec<(String, usize)> {
    let xml = poppler("pdftohtml", &["-xml", "-i", "-q", "-stdout"], pdf, false);
    let outline = xml.split_once("<outline>").map_or("", |(_, rest)| rest);
    outline
        .split("<item page=\"")
        .skip(1)
        .filter_map(|item| {
            let (page, rest) = item.split_once("\">")?;
            let (title, _) = rest.split_once("</item>")?;
            Some((title.replace("&amp;", "&"), page.parse().ok()?))
        })
        .collect()
}

/// Pages of the PDF, as text.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    pdf_text(pdf).split('\u{c}').map(str::to_string).collect()
}

#[test]
fn shipped_handbook_in_each_language() {
    if !fonts_available() {
        return;
    }
    for lang in LANGS {
        let book = handbook(lang);
        let pdf = typeset_book(lang, &book, |_| {}).unwrap_or_else(|e| panic!("{lang}: {e}"));
        keep(&format!("handbook-{lang}.pdf"), &pdf);
        if !poppler_available() {
            return;
        }
        let pages = page_texts(&pdf);
        assert_has(&pages[0], book.home.title(), &format!("{lang} cover"));
        let contents = pages
            .iter()
            .position(|p| squeezed(p).contains(contents_title(lang)))
            .unwrap_or_else(|| panic!("{lang}: no contents page"));
        let marks = bookmarks(&pdf);
        for (_, number, _, chapter) in &book.chapters {
            // The contents list each chapter with its number; the bookmarks too, pointing at
            // the page that starts with the chapter's title.
            assert_has(
                &pages[contents..].join(""),
                chapter.title(),
                &format!("{lang} contents"),
            );
            let (_, page) = marks
                .iter()
                .find(|(title, _)| {
                    squeezed(title) == squeezed(&format!("{number}{}", chapter.title()))
                })
                .unwrap_or_else(|| {
                    panic!("{lang}: no bookmark for {}: {marks:?}", chapter.title())
                });
            assert_has(
                &pages[page - 1],
                chapter.title(),
                &format!("{lang} chapter page"),
            );
        }
        for (part, _) in &book.parts {
            assert!(
                marks
                    .iter()
                    .any(|(title, _)| squeezed(title).ends_with(&squeezed(part.title()))),
                "{lang}: no bookmark for part {}",
                part.title()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reproducibility, page size, fonts
// ---------------------------------------------------------------------------------------------

#[test]
fn two_builds_give_identical_bytes() {
    if !fonts_available() {
        return;
    }
    let first = shipped_release("ja").expect("first");
    // A second typesetter: nothing cached from the first run.
    let second = Typesetter::new(FontConfig::default());
    let again = shipped_release("ja").expect("again");
    assert!(first == again, "the same typesetter gave different bytes");
    let dir = root().join(RELEASE_DIR);
    let doc = Doc::read(&dir.join("index.ja.md"));
    let images = read_images(&dir);
    let links = site_links("ja");
    let input = minimal_release("ja", &doc.body, &images, &links);
    let a = second.release(&input).expect("a");
    let b = typesetter().release(&input).expect("b");
    assert!(a == b, "two typesetters gave different bytes");
}

/// A release with only the required fields (and `body`).
fn minimal_release<'a>(
    lang: &'a str,
    body: &'a str,
    images: &'a BTreeMap<String, Vec<u8>>,
    links: &'a (dyn Fn(&str) -> PdfLink + Sync),
) -> ReleaseInput<'a> {
    ReleaseInput {
        lang,
        region: koho::pdf::default_region(lang),
        title: "Title",
        subtitle: None,
        tagline: None,
        kicker: None,
        date_text: "13 May 2020",
        dateline: None,
        addressee: "To the media",
        end_mark: None,
        body_markdown: body,
        photo: None,
        images,
        profile: None,
        contact: None,
        org_name: "Org",
        logo: None,
        source_date: SourceDate {
            year: 2020,
            month: 5,
            day: 13,
        },
        links,
    }
}

#[test]
fn a4_tagged_dated_and_with_regional_fonts() {
    if !fonts_available() {
        return;
    }
    if !poppler_available() {
        return;
    }
    for lang in LANGS {
        let pdf = shipped_release(lang).expect("release");
        let info = poppler("pdfinfo", &[], &pdf, false);
        assert!(info.contains("(A4)"), "{lang}: not A4:\n{info}");
        assert!(
            info.contains("Tagged:          yes"),
            "{lang}: untagged:\n{info}"
        );
        assert!(
            info.contains("CreationDate:    Wed May 13 00:00:00 2020"),
            "{info}"
        );
        let fonts = poppler("pdffonts", &[], &pdf, false);
        let (wanted, unwanted) = match lang {
            "zh" => ("NotoSerifCJKsc", "NotoSerifCJKjp"),
            _ => ("NotoSerifCJKjp", "NotoSerifCJKsc"),
        };
        assert!(
            fonts.contains(wanted),
            "{lang}: {wanted} not embedded:\n{fonts}"
        );
        assert!(
            !fonts.contains(unwanted),
            "{lang}: {unwanted} embedded:\n{fonts}"
        );
        for line in fonts.lines().skip(2) {
            // Every font embedded and subset ("emb sub" = "yes yes").
            assert!(
                line.contains("yes yes"),
                "{lang}: not embedded and subset: {line}"
            );
        }
    }
}

#[test]
fn missing_font_is_a_clear_error() {
    let none = Typesetter::new(FontConfig {
        system: false,
        ..FontConfig::default()
    });
    let images = BTreeMap::new();
    let links = site_links("ja");
    let error = none
        .release(&minimal_release("ja", "本文", &images, &links))
        .expect_err("no fonts at all");
    let message = error.to_string();
    for needle in [
        "`ja`",
        "Noto Serif CJK JP",
        "apt-get install fonts-noto-cjk",
    ] {
        assert!(message.contains(needle), "{needle} not in: {message}");
    }
    assert!(matches!(error, PdfError::MissingFont { .. }));

    let mut config = FontConfig::default();
    config
        .body
        .insert("zh".into(), vec!["No Such Serif".into(), "Nor This".into()]);
    let message = Typesetter::new(config)
        .families("zh")
        .expect_err("zh fonts are missing")
        .to_string();
    assert!(
        message.contains("`zh`") && message.contains("No Such Serif, Nor This"),
        "{message}"
    );
    assert!(matches!(
        typesetter().families("fr"),
        Err(PdfError::UnknownLanguage(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Hostile text: every character Typst gives a meaning to comes out as text
// ---------------------------------------------------------------------------------------------

/// Typst markup and code in one line, including a call that would read a file.
const HOSTILE: &str = r#"#read("/etc/passwd") $x^2$ *b* _i_ @ref <lbl> `c` \ = / ~ - + [x] {y} "q" #set page(fill: red) // c /* c */ \u{41} ]"#;

/// Every ASCII character Typst markup or code treats specially.
const SPECIALS: &[char] = &[
    '#', '$', '*', '_', '@', '<', '>', '`', '\\', '=', '/', '~', '-', '+', '[', ']', '{', '}', '"',
    '\'', ':', ';', '.', '^', '&', '%', '!', '|', '(', ')',
];

/// Markdown whose text (after Markdown's own escapes) is `text`: every ASCII punctuation
/// character backslash-escaped, so Markdown passes it on as text.
fn markdown_literal(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_punctuation() {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A body with each special character at the start, middle and end of a line, and the hostile
/// line escaped (shown as text) and unescaped (as Markdown reads it).
fn hostile_body() -> String {
    let mut body = String::new();
    for c in SPECIALS {
        let e = markdown_literal(&c.to_string());
        body.push_str(&format!("{e}行頭 中{e}{e}間 行末{e}\n\n"));
    }
    body.push_str(&format!("{}\n\n", markdown_literal(HOSTILE)));
    body.push_str(&format!("{HOSTILE}\n\n"));
    body.push_str("## 見出し #read(\"/etc/passwd\") = x\n\n");
    body.push_str(
        "[リンク #read(\"/etc/passwd\")](<https://example.org/a\"b)c#read(\"/etc/passwd\")>) \
         [javascript](javascript:alert\\(1\\)) [ファイル](file:///etc/passwd)\n\n",
    );
    body.push_str("注[^h]\n\n[^h]: 脚注 #read(\"/etc/passwd\") @x <y>\n\n");
    body.push_str("| #a | $b |\n|---|---|\n| *c* | =d |\n\n");
    body.push_str("- #list\n- = item\n\n1. #enum\n\n> #quote $q$\n\n```\n#code\n```\n\n");
    body.push_str("`#raw(\"x\")` and <span>#html</span>\n\n");
    body.push_str(&format!(
        "{}\n: {}\n",
        markdown_literal(HOSTILE),
        markdown_literal(HOSTILE)
    ));
    body
}

fn assert_no_leak(text: &str) {
    assert!(!text.contains("root:x:0:0"), "a file was read into the PDF");
}

#[test]
fn hostile_text_in_every_release_field_is_text() {
    if !fonts_available() {
        return;
    }
    let body = hostile_body();
    let images = BTreeMap::from([("x.png".to_string(), png(4, 3))]);
    let links = site_links("ja");
    let fragment = Fragment {
        title: HOSTILE,
        markdown: &body,
    };
    let input = ReleaseInput {
        lang: "ja",
        region: Some("JP"),
        title: HOSTILE,
        subtitle: Some(HOSTILE),
        tagline: Some(HOSTILE),
        kicker: Some(HOSTILE),
        date_text: HOSTILE,
        dateline: Some(HOSTILE),
        addressee: HOSTILE,
        end_mark: Some(HOSTILE),
        body_markdown: &body,
        photo: Some(Photo {
            name: "x.png",
            alt: HOSTILE,
            caption: Some(HOSTILE),
        }),
        images: &images,
        profile: Some(fragment),
        contact: Some(fragment),
        org_name: HOSTILE,
        logo: Some(&images["x.png"]),
        source_date: SourceDate {
            year: 2020,
            month: 5,
            day: 13,
        },
        links: &links,
    };
    let pdf = typesetter()
        .release(&input)
        .unwrap_or_else(|e| panic!("{e}"));
    keep("hostile-release.pdf", &pdf);
    if !poppler_available() {
        return;
    }
    let text = pdf_text(&pdf);
    assert_no_leak(&text);
    // Title, subtitle, tagline, kicker, date, dateline, addressee, end mark, photo caption,
    // organisation (letterhead, issuer, header), both fragment titles, the escaped body line
    // and the definition list: each shows the whole line.
    let count = squeezed(&text).matches(&squeezed(HOSTILE)).count();
    assert!(count >= 15, "the hostile line shows {count} times:\n{text}");
    for c in SPECIALS {
        assert_has(
            &text,
            &format!("{c}行頭中{c}{c}間行末{c}"),
            &format!("`{c}`"),
        );
    }
    for shown in [
        "見出し#read(\"/etc/passwd\")=x",
        // Tags are markup, as in the web edition: `<y>` and `<span>` are not printed.
        "脚注#read(\"/etc/passwd\")@x",
        "#a",
        "=d",
        "#list",
        "=item",
        "#enum",
        "#quote$q$",
        "#code",
        "#raw(\"x\")",
        "and#html",
    ] {
        assert_has(&text, shown, "body");
    }
    assert!(!text.contains("<span>"), "an HTML tag is printed:\n{text}");
    let info = poppler("pdfinfo", &[], &pdf, false);
    assert!(
        info.contains(HOSTILE),
        "the metadata title is not the hostile line:\n{info}"
    );
}

#[test]
fn hostile_text_in_every_book_field_is_text() {
    if !fonts_available() {
        return;
    }
    let body = hostile_body();
    let images = BTreeMap::from([("x.png".to_string(), png(4, 3))]);
    let parts = [BookPart {
        label: HOSTILE,
        title: HOSTILE,
        markdown: &body,
    }];
    let chapters = [BookChapter {
        id: HOSTILE,
        number: HOSTILE,
        title: HOSTILE,
        part: Some(0),
        depth: 1,
        markdown: &body,
        images: &images,
        links: None,
    }];
    let links = site_links("en");
    let input = BookInput {
        lang: "en",
        region: None,
        title: HOSTILE,
        subtitle: Some(HOSTILE),
        publisher: Some(HOSTILE),
        edition: Some(HOSTILE),
        date_text: Some(HOSTILE),
        notice_title: Some(HOSTILE),
        notice_markdown: &body,
        intro_markdown: &body,
        images: &images,
        contents_title: HOSTILE,
        parts: &parts,
        chapters: &chapters,
        source_date: SourceDate {
            year: 2020,
            month: 3,
            day: 18,
        },
        links: &links,
    };
    let pdf = typesetter().book(&input).unwrap_or_else(|e| panic!("{e}"));
    keep("hostile-book.pdf", &pdf);
    if !poppler_available() {
        return;
    }
    let text = pdf_text(&pdf);
    assert_no_leak(&text);
    let count = squeezed(&text).matches(&squeezed(HOSTILE)).count();
    assert!(count >= 10, "the hostile line shows {count} times");
}

// ---------------------------------------------------------------------------------------------
// Images and footnotes
// ---------------------------------------------------------------------------------------------

/// A valid RGB PNG of `width` × `height` pixels (uncompressed deflate blocks).
fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend([(x * 60) as u8, (y * 80) as u8, 0x6e]);
        }
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend((raw.len() as u16).to_le_bytes());
    zlib.extend((!(raw.len() as u16)).to_le_bytes());
    zlib.extend(&raw);
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(width.to_be_bytes());
    header.extend(height.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn release_with_image_and_footnote() {
    if !fonts_available() {
        return;
    }
    let body = "First paragraph with a note.[^1]\n\n\
                ![A chart of the masks delivered](chart.png \"Masks delivered, May 2020\")\n\n\
                Second mention of the same note.[^1]\n\n\
                [^1]: Figures from the Japan Medical Association.\n";
    let images = BTreeMap::from([("chart.png".to_string(), png(40, 20))]);
    let links = site_links("en");
    let pdf = typesetter()
        .release(&minimal_release("en", body, &images, &links))
        .unwrap_or_else(|e| panic!("{e}"));
    keep("release-image-footnote.pdf", &pdf);
    if !poppler_available() {
        return;
    }
    let list = poppler("pdfimages", &["-list"], &pdf, false);
    assert!(
        list.lines().skip(2).any(|l| l.contains(" 40    20 ")),
        "the 40×20 image is not in the PDF:\n{list}"
    );
    let pages = page_texts(&pdf);
    let page = &pages[0];
    assert_has(page, "Masks delivered, May 2020", "caption");
    // The note sits at the foot of the page that refers to it: after the body's last line.
    let note = page
        .find("Figures from the Japan Medical")
        .expect("footnote text");
    let last_body = page.find("Second mention").expect("body text");
    assert!(
        note > last_body,
        "the footnote is not at the foot of the page:\n{page}"
    );
    assert_eq!(
        page.matches("Figures from").count(),
        1,
        "the note is printed twice"
    );
}

#[test]
fn images_must_be_given_and_described() {
    if !fonts_available() {
        return;
    }
    let links = site_links("en");
    let images = BTreeMap::from([("a.png".to_string(), png(2, 2))]);
    let cases = [
        (
            "![x](missing.png)",
            "missing.png",
            "not among the page's files",
        ),
        (
            "![x](https://example.org/a.png)",
            "https://example.org/a.png",
            "not addresses",
        ),
        ("![](a.png)", "a.png", "no description"),
    ];
    for (body, name, message) in cases {
        let error = typesetter()
            .release(&minimal_release("en", body, &images, &links))
            .expect_err(body);
        let text = error.to_string();
        assert!(
            text.contains(name) && text.contains(message),
            "{body}: {text}"
        );
    }
    let bad = BTreeMap::from([("a.png".to_string(), b"not an image".to_vec())]);
    let error = typesetter()
        .release(&minimal_release("en", "![x](a.png)", &bad, &links))
        .expect_err("not an image");
    assert!(error.to_string().contains("not a PNG"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Book structure: links between chapters, footnotes, running headers, figures
// ---------------------------------------------------------------------------------------------

/// Links of the PDF as pdftohtml lists them: (href, link text).
fn links_of(pdf: &[u8]) -> Vec<(String, String)> {
    let xml = poppler("pdftohtml", &["-xml", "-i", "-q", "-stdout"], pdf, false);
    xml.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| {
            let (href, rest) = rest.split_once("\">")?;
            let (text, _) = rest.split_once("</a>")?;
            Some((href.to_string(), text.to_string()))
        })
        .collect()
}

#[test]
fn book_links_footnotes_headers_and_figures() {
    if !fonts_available() {
        return;
    }
    let long: String = (1..=40)
        .map(|n| {
            format!(
                "Paragraph {n} of the second chapter, long enough to fill the page with text.\n\n"
            )
        })
        .collect();
    let first = "Read [the second chapter](chapter:b) and [its method](chapter:b#method).\n\n\
                 A claim.[^src]\n\n\
                 ![Ward layout with three zones](ward.png \"The three zones of a ward\")\n\n\
                 [^src]: Source of the claim.\n";
    let second = format!("## Method\n\n{long}## Results\n\nBack to [the first](chapter:a).\n");
    let images = BTreeMap::from([("ward.png".to_string(), png(30, 20))]);
    let parts = [BookPart {
        label: "Part One",
        title: "Prevention",
        markdown: "",
    }];
    let chapters = [
        BookChapter {
            id: "a",
            number: "1",
            title: "Isolation",
            part: Some(0),
            depth: 1,
            markdown: first,
            images: &images,
            links: None,
        },
        BookChapter {
            id: "b",
            number: "2",
            title: "Protection",
            part: Some(0),
            depth: 1,
            markdown: &second,
            images: &images,
            links: None,
        },
    ];
    let links = |dest: &str| match dest.strip_prefix("chapter:") {
        Some(rest) => {
            let (id, fragment) = rest.split_once('#').unwrap_or((rest, ""));
            PdfLink::Chapter {
                id: id.to_string(),
                fragment: (!fragment.is_empty()).then(|| fragment.to_string()),
            }
        }
        None => PdfLink::Text,
    };
    let no_images = BTreeMap::new();
    let input = BookInput {
        lang: "en",
        region: None,
        title: "Handbook",
        subtitle: None,
        publisher: None,
        edition: None,
        date_text: None,
        notice_title: None,
        notice_markdown: "Not advice.",
        intro_markdown: "",
        images: &no_images,
        contents_title: "Contents",
        parts: &parts,
        chapters: &chapters,
        source_date: SourceDate {
            year: 2020,
            month: 3,
            day: 18,
        },
        links: &links,
    };
    let pdf = typesetter().book(&input).unwrap_or_else(|e| panic!("{e}"));
    keep("book-structure.pdf", &pdf);
    assert!(
        pdf == typesetter().book(&input).expect("again"),
        "two builds differ"
    );
    if !poppler_available() {
        return;
    }
    let pages = page_texts(&pdf);
    let page_of = |needle: &str| {
        1 + pages
            .iter()
            .position(|p| p.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
    };
    let (chapter_b, method, results, chapter_a) = (
        page_of("Paragraph 1 of"),
        page_of("Method"),
        page_of("Back to"),
        page_of("A claim"),
    );
    assert!(results > chapter_b, "the second chapter spans pages");
    // Links inside the document point at the pages of their targets (pdftohtml: `#page`).
    let found = links_of(&pdf);
    for (text, page) in [
        ("the second chapter", chapter_b),
        ("its method", method),
        ("the first", chapter_a),
    ] {
        let (href, _) = found
            .iter()
            .find(|(_, t)| t.contains(text))
            .unwrap_or_else(|| panic!("no link `{text}`: {found:?}"));
        assert!(
            href.ends_with(&format!("#{page}")),
            "`{text}` goes to {href}, not page {page}"
        );
    }
    // The footnote is at the foot of its page, after the figure's caption.
    let a = &pages[chapter_a - 1];
    assert!(
        a.find("Source of the claim") > a.find("The three zones of a ward"),
        "{a}"
    );
    // Running header: the chapter's continuation pages name the book and the chapter.
    let continued = &pages[results - 1];
    let head: String = continued.lines().take(3).collect();
    assert!(
        head.contains("Handbook") && head.contains("Protection"),
        "header: {head}"
    );
    // The contents list both chapters with their page numbers.
    let contents = &pages[page_of("Contents") - 1];
    assert!(
        contents.contains("Isolation") && contents.contains("Protection"),
        "{contents}"
    );
    let marks = bookmarks(&pdf);
    let titles: Vec<String> = marks.iter().map(|(t, _)| squeezed(t)).collect();
    assert_eq!(
        titles,
        ["PartOnePrevention", "1Isolation", "2Protection"],
        "{marks:?}"
    );
}

#[test]
fn invisible_characters_are_dropped_and_undrawable_ones_reported() {
    if !fonts_available() {
        return;
    }
    let images = BTreeMap::new();
    let links = site_links("ja");
    let body = "制御\u{1}文字\u{7f}と\u{ffff}非文字\u{fdd0}";
    let pdf = typesetter()
        .release(&minimal_release("ja", body, &images, &links))
        .unwrap_or_else(|e| panic!("{e}"));
    if poppler_available() {
        assert_has(&pdf_text(&pdf), "制御文字と非文字", "text without controls");
    }
    let error = typesetter()
        .release(&minimal_release("ja", "私用\u{E000}領域", &images, &links))
        .expect_err("a private-use character no font draws");
    let message = error.to_string();
    assert!(
        message.contains("could not be displayed") && message.contains("Noto Serif CJK JP"),
        "{message}"
    );
}

/// Milliseconds per release and per book PDF (run with `cargo test --release --test pdf --
/// --ignored --nocapture`; figures in BENCHMARKS.md).
#[test]
#[ignore = "a measurement, not a check"]
fn measure_typesetting_time() {
    if !fonts_available() {
        return;
    }
    use std::time::Instant;
    let start = Instant::now();
    let fresh = Typesetter::new(FontConfig::default());
    println!("font scan: {} ms", start.elapsed().as_millis());
    let _ = fresh.families("ja");
    for lang in LANGS {
        // The first document of a language loads its fonts; later ones reuse them.
        let start = Instant::now();
        shipped_release(lang).expect("release");
        let first = start.elapsed();
        let start = Instant::now();
        let runs = 5;
        for _ in 0..runs {
            shipped_release(lang).expect("release");
            koho::pdf::evict_caches();
        }
        println!(
            "release {lang}: first {} ms, then {} ms each (caches evicted)",
            first.as_millis(),
            start.elapsed().as_millis() / runs
        );
        let book = handbook(lang);
        let start = Instant::now();
        let pdf = typeset_book(lang, &book, |_| {}).expect("book");
        println!(
            "handbook {lang}: {} ms ({} chapters, {} KiB)",
            start.elapsed().as_millis(),
            book.chapters.len(),
            pdf.len() / 1024
        );
    }
}
