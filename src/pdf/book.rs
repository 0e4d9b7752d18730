//! A book as a PDF: the input, and the Typst main source made from it.

use std::collections::{BTreeMap, HashMap};

use super::convert::{self, Anchors, PdfLink, Settings};
use super::images::ImageTable;
use super::world::{main_source, Files, BOOK_TYP, COMMON_TYP};
use super::{lang_region, literal, PdfError, SourceDate, Typesetter};

/// A part of a book (a group of chapters).
#[derive(Debug, Clone, Copy)]
pub struct BookPart<'a> {
    /// As the web shows it: 第1部, Part One, 附录.
    pub label: &'a str,
    pub title: &'a str,
    /// The part's own text, on its title page; empty for none.
    pub markdown: &'a str,
}

/// A chapter, in reading order.
#[derive(Clone, Copy)]
pub struct BookChapter<'a> {
    /// Stable and unique in the book (the page key): what [`PdfLink::Chapter`] names.
    pub id: &'a str,
    /// As the web shows it: `1`, `1.2`, `A`.
    pub number: &'a str,
    pub title: &'a str,
    /// Index in [`BookInput::parts`]; `None` for a chapter outside the parts.
    pub part: Option<usize>,
    /// 1 for a chapter, 2 for a chapter inside a chapter, and so on.
    pub depth: usize,
    pub markdown: &'a str,
    /// The chapter's own files by the names its Markdown uses.
    pub images: &'a BTreeMap<String, Vec<u8>>,
    /// Where this chapter's links go, when they resolve differently from the book's
    /// [`BookInput::links`] (relative links start from the chapter's own folder).
    pub links: Option<&'a (dyn Fn(&str) -> PdfLink + Sync)>,
}

/// Everything a book PDF shows, already localized by the caller.
pub struct BookInput<'a> {
    /// `ja`, `en` or `zh`.
    pub lang: &'a str,
    /// ISO 3166-1 alpha-2 region (`JP`, `CN`); see [`super::default_region`].
    pub region: Option<&'a str>,
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    /// On the cover and in the metadata as author.
    pub publisher: Option<&'a str>,
    pub edition: Option<&'a str>,
    /// The publication date as the site shows it.
    pub date_text: Option<&'a str>,
    /// ご注意 / Please note; the notice box's heading.
    pub notice_title: Option<&'a str>,
    /// What the book is (a summary) and is not (medical advice); empty for none.
    pub notice_markdown: &'a str,
    /// The book home's text, after the notice; empty for none.
    pub intro_markdown: &'a str,
    /// Files the notice and introduction use.
    pub images: &'a BTreeMap<String, Vec<u8>>,
    /// 目次 / Contents / 目录.
    pub contents_title: &'a str,
    pub parts: &'a [BookPart<'a>],
    pub chapters: &'a [BookChapter<'a>],
    /// The PDF's creation date.
    pub source_date: SourceDate,
    /// Where each Markdown link goes; links to chapters become links inside the PDF.
    pub links: &'a (dyn Fn(&str) -> PdfLink + Sync),
}

pub(super) fn typeset(typesetter: &Typesetter, input: &BookInput) -> Result<Vec<u8>, PdfError> {
    let families = typesetter.families(input.lang)?;
    let (lang, region) = lang_region(input.lang, input.region)?;
    let chapter_level = if input.parts.is_empty() { 1 } else { 2 };
    let anchors: HashMap<String, Anchors> = input
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.id.to_string(),
                convert::anchors(c.markdown, &format!("koho-c{i}")),
            )
        })
        .collect();
    let mut images = ImageTable::new(input.images);
    let front = |markdown: &str, prefix, images: &mut ImageTable| -> Result<String, PdfError> {
        if markdown.trim().is_empty() {
            return Ok("none".to_string());
        }
        let settings = Settings {
            links: input.links,
            chapters: &anchors,
            prefix,
            base_level: 2,
            outlined: false,
        };
        Ok(format!(
            "[{}]",
            convert::convert(markdown, &settings, images)?
        ))
    };
    let notice = front(input.notice_markdown, "koho-notice", &mut images)?;
    let intro = front(input.intro_markdown, "koho-intro", &mut images)?;
    let body = chapters(input, &anchors, chapter_level, &mut images)?;
    let arguments = [
        ("lang", lang),
        ("region", region),
        ("body-fonts", literal::array(&families.body)),
        ("heading-fonts", literal::array(&families.heading)),
        ("doc-title", literal::string(input.title)),
        ("subtitle", literal::optional(input.subtitle)),
        ("publisher", literal::optional(input.publisher)),
        ("edition", literal::optional(input.edition)),
        ("date-text", literal::optional(input.date_text)),
        ("issued", input.source_date.typst_tuple()?),
        ("notice-title", literal::optional(input.notice_title)),
        ("notice", notice),
        ("intro", intro),
        ("contents-title", literal::string(input.contents_title)),
        ("chapter-level", chapter_level.to_string()),
    ];
    let files = Files {
        main: main_source("book", &arguments, &body),
        modules: vec![
            ("/koho/common.typ", COMMON_TYP),
            ("/koho/book.typ", BOOK_TYP),
        ],
        binaries: images.into_files(),
    };
    typesetter.typeset(files, &format!("koho-book/{}/{}", input.lang, input.title))
}

/// Part pages and chapters in reading order, as Typst markup.
fn chapters<'a>(
    input: &'a BookInput,
    anchors: &HashMap<String, Anchors>,
    chapter_level: usize,
    images: &mut ImageTable<'a>,
) -> Result<String, PdfError> {
    let mut out = String::new();
    let mut current_part = None;
    for (i, chapter) in input.chapters.iter().enumerate() {
        if chapter.part != current_part {
            if let Some(p) = chapter.part {
                out.push_str(&part_page(input, p, chapter, anchors, images)?);
            }
            current_part = chapter.part;
        }
        let level = chapter_level + chapter.depth.max(1) - 1;
        out.push_str(&format!(
            "#chapter({}, {}, label(\"koho-c{i}\"), level: {level})\n\n",
            literal::string(chapter.number),
            literal::string(chapter.title)
        ));
        images.set_scope(i + 1, chapter.images);
        let settings = Settings {
            links: chapter.links.unwrap_or(input.links),
            chapters: anchors,
            prefix: &format!("koho-c{i}"),
            base_level: level + 1,
            outlined: false,
        };
        out.push_str(&convert::convert(chapter.markdown, &settings, images)?);
        out.push('\n');
    }
    Ok(out)
}

/// The title page of part `p` (which `chapter` opens), as Typst markup.
fn part_page<'a>(
    input: &'a BookInput,
    p: usize,
    chapter: &BookChapter,
    anchors: &HashMap<String, Anchors>,
    images: &mut ImageTable<'a>,
) -> Result<String, PdfError> {
    let part = input.parts.get(p).ok_or_else(|| {
        PdfError::Input(format!(
            "chapter `{}` names part {p}, but the book has {} parts",
            chapter.id,
            input.parts.len()
        ))
    })?;
    let intro = if part.markdown.trim().is_empty() {
        "none".to_string()
    } else {
        images.set_scope(0, input.images);
        let settings = Settings {
            links: input.links,
            chapters: anchors,
            prefix: &format!("koho-part{p}"),
            base_level: 2,
            outlined: false,
        };
        format!("[{}]", convert::convert(part.markdown, &settings, images)?)
    };
    // An appendix is often labelled by its title alone (付録 / 付録): say it once.
    let number = if part.label.trim() == part.title.trim() {
        "none".to_string()
    } else {
        literal::string(part.label)
    };
    Ok(format!(
        "#part({number}, {}, label(\"koho-part{p}\"), intro: {intro})\n\n",
        literal::string(part.title)
    ))
}
