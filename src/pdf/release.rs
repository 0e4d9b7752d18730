//! A press release as a PDF: the input, and the Typst main source made from it.

use std::collections::{BTreeMap, HashMap};

use super::convert::{self, PdfLink, Settings};
use super::images::{self, ImageTable};
use super::world::{main_source, Files, COMMON_TYP, RELEASE_TYP};
use super::{lang_region, literal, Families, PdfError, SourceDate, Typesetter};

/// A titled Markdown block of the site (the organisation profile, the media contact).
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    pub title: &'a str,
    pub markdown: &'a str,
}

/// The release's lead photo (front matter `photo`, `photo_alt`, `photo_caption`).
#[derive(Debug, Clone, Copy)]
pub struct Photo<'a> {
    /// A key of [`ReleaseInput::images`].
    pub name: &'a str,
    /// What the photo shows (required for PDF/UA; the caption is used when empty).
    pub alt: &'a str,
    pub caption: Option<&'a str>,
}

/// Everything a release PDF shows, already localized by the caller.
pub struct ReleaseInput<'a> {
    /// `ja`, `en` or `zh`: selects fonts and typesetting rules.
    pub lang: &'a str,
    /// ISO 3166-1 alpha-2 region (`JP`, `CN`), for regional typesetting rules; see
    /// [`super::default_region`].
    pub region: Option<&'a str>,
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    /// A line under the subtitle (front matter `tagline`).
    pub tagline: Option<&'a str>,
    /// The document kind in the letterhead (プレスリリース / Press release / 新闻稿); not shown
    /// when equal to the addressee.
    pub kicker: Option<&'a str>,
    /// The release date as the page shows it (2020年5月13日, 13 May 2020).
    pub date_text: &'a str,
    /// Opens the body in bold (English: `TOKYO, 13 May 2020 —`).
    pub dateline: Option<&'a str>,
    /// 報道関係者各位 / FOR IMMEDIATE RELEASE / 各新闻媒体.
    pub addressee: &'a str,
    /// Closes the body, right-aligned (以上 / ### / （完）).
    pub end_mark: Option<&'a str>,
    pub body_markdown: &'a str,
    pub photo: Option<Photo<'a>>,
    /// The page's own files by the name the Markdown uses (`photo.png`).
    pub images: &'a BTreeMap<String, Vec<u8>>,
    pub profile: Option<Fragment<'a>>,
    pub contact: Option<Fragment<'a>>,
    /// The issuing organisation, in the letterhead, beside the date and in the metadata.
    pub org_name: &'a str,
    /// The letterhead logo (SVG, PNG or JPEG bytes).
    pub logo: Option<&'a [u8]>,
    /// The PDF's creation date.
    pub source_date: SourceDate,
    /// Where each Markdown link goes (`@/…` and relative links resolved by the site).
    pub links: &'a (dyn Fn(&str) -> PdfLink + Sync),
}

pub(super) fn typeset(typesetter: &Typesetter, input: &ReleaseInput) -> Result<Vec<u8>, PdfError> {
    let families = typesetter.families(input.lang)?;
    let (lang, region) = lang_region(input.lang, input.region)?;
    let mut images = ImageTable::new(input.images);
    let no_chapters = HashMap::new();
    let settings = |prefix: &'static str, base_level| Settings {
        links: input.links,
        chapters: &no_chapters,
        prefix,
        base_level,
        outlined: true,
    };
    let body = convert::convert(input.body_markdown, &settings("koho-body", 1), &mut images)?;
    let mut fragment = |fragment: Option<Fragment>, prefix| -> Result<_, PdfError> {
        Ok(match fragment {
            Some(f) => (
                literal::string(f.title),
                format!(
                    "[{}]",
                    convert::convert(f.markdown, &settings(prefix, 2), &mut images)?
                ),
            ),
            None => ("none".to_string(), "none".to_string()),
        })
    };
    let (profile_title, profile) = fragment(input.profile, "koho-profile")?;
    let (contact_title, contact) = fragment(input.contact, "koho-contact")?;
    let photo = match &input.photo {
        Some(photo) => photo_figure(photo, &mut images)?,
        None => "none".to_string(),
    };
    let mut binaries = images.into_files();
    let logo = logo_file(input.logo, &mut binaries)?;
    let mut arguments = text_arguments(input, &families, lang, region)?;
    arguments.extend([
        ("logo", logo),
        ("photo", photo),
        ("profile-title", profile_title),
        ("profile", profile),
        ("contact-title", contact_title),
        ("contact", contact),
    ]);
    let files = Files {
        main: main_source("release", &arguments, &body),
        modules: vec![
            ("/koho/common.typ", COMMON_TYP),
            ("/koho/release.typ", RELEASE_TYP),
        ],
        binaries,
    };
    let ident = format!(
        "koho-release/{}/{}/{}",
        input.lang,
        input.source_date.typst_tuple()?,
        input.title
    );
    typesetter.typeset(files, &ident)
}

/// The template's arguments that are the input's strings, as Typst literals.
fn text_arguments(
    input: &ReleaseInput,
    families: &Families,
    lang: String,
    region: String,
) -> Result<Vec<(&'static str, String)>, PdfError> {
    Ok(vec![
        ("lang", lang),
        ("region", region),
        ("body-fonts", literal::array(&families.body)),
        ("heading-fonts", literal::array(&families.heading)),
        ("doc-title", literal::string(input.title)),
        ("subtitle", literal::optional(input.subtitle)),
        ("tagline", literal::optional(input.tagline)),
        ("kicker", literal::optional(input.kicker)),
        ("date-text", literal::string(input.date_text)),
        ("issued", input.source_date.typst_tuple()?),
        ("addressee", literal::string(input.addressee)),
        ("org", literal::string(input.org_name)),
        ("dateline", literal::optional(input.dateline)),
        ("end-mark", literal::optional(input.end_mark)),
    ])
}

/// The letterhead logo as a World file (`/koho/logo.svg`); its Typst path or `none`.
fn logo_file(
    logo: Option<&[u8]>,
    binaries: &mut Vec<(String, Vec<u8>)>,
) -> Result<String, PdfError> {
    let Some(bytes) = logo else {
        return Ok("none".to_string());
    };
    let format = images::format_of("", bytes).ok_or_else(|| PdfError::Image {
        name: "logo".to_string(),
        message: "not a PNG, JPEG, GIF, WebP or SVG image".to_string(),
    })?;
    let path = format!("/koho/logo.{format}");
    binaries.push((path.clone(), bytes.to_vec()));
    Ok(literal::string(&path))
}

/// The lead photo as a Typst figure (content), its description required.
fn photo_figure(photo: &Photo, images: &mut ImageTable) -> Result<String, PdfError> {
    let (path, format) = images.path_of(photo.name)?;
    let caption = photo.caption.filter(|c| !c.trim().is_empty());
    let alt = if photo.alt.trim().is_empty() {
        caption.unwrap_or("")
    } else {
        photo.alt
    };
    if alt.trim().is_empty() {
        return Err(PdfError::Image {
            name: photo.name.to_string(),
            message: "the photo has neither photo_alt nor photo_caption: accessible PDFs \
                      (PDF/UA) need a description"
                .to_string(),
        });
    }
    let caption = caption.map_or(String::new(), |c| {
        format!(", caption: [{}]", literal::markup_text(c))
    });
    Ok(format!(
        "[#figure(image({}, format: {}, alt: {}, width: 100%){caption})]",
        literal::string(&path),
        literal::string(format),
        literal::string(alt)
    ))
}
