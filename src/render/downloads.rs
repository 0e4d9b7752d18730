//! The downloads of the site as templates and machines see them: manifest items plus the files
//! the build generates (a book's EPUB and print edition), with sizes and checksums.

use std::collections::BTreeMap;

use fluent_bundle::FluentArgs;
use serde::Serialize;

use crate::content::downloads::{format, DownloadFile, DownloadItem, DOWNLOADS_DIR};
use crate::content::Date;
use crate::i18n::dates::{localize, LocalizedDate};
use crate::site::book::Book;
use crate::site::Site;
use std::collections::HashMap;

/// Every download item: the manifest's, then the generated ones.
#[derive(Debug, Default)]
pub struct DownloadIndex {
    pub items: Vec<DownloadItem>,
}

impl DownloadIndex {
    pub fn new(site: &Site, generated: Vec<DownloadItem>) -> DownloadIndex {
        let mut items = site.downloads.clone();
        items.extend(generated);
        DownloadIndex { items }
    }
}

/// The download item of a book, from its rendered print pages and EPUBs.
/// `generated` maps the site-relative path of each rendered EPUB and print edition to its size
/// in bytes and SHA-256 (hex).
pub fn book_item(
    site: &Site,
    book: &Book,
    generated: &HashMap<&str, (u64, String)>,
) -> Option<DownloadItem> {
    let mut item = DownloadItem {
        id: book.key.replace('/', "-"),
        category: "book".into(),
        updated: Date::parse("1970-01-01")?,
        title: BTreeMap::new(),
        description: BTreeMap::new(),
        pages: vec![book.key.clone()],
        files: Vec::new(),
        pages_line: 0,
    };
    for language in &site.config.languages {
        let Some(home) = site
            .page(&book.key, &language.code)
            .filter(|p| !p.is_fallback())
        else {
            continue;
        };
        item.title
            .insert(language.code.clone(), home.front.title.clone());
        if let Some(description) = &home.front.description {
            item.description
                .insert(language.code.clone(), description.clone());
        }
        let extra_date = |key: &str| {
            home.front
                .extra
                .get(key)
                .and_then(|v| v.as_str())
                .and_then(Date::parse)
        };
        if let Some(date) = extra_date("updated")
            .or_else(|| extra_date("published"))
            .or(home.front.date)
        {
            item.updated = item.updated.max(date);
        }
        let epub = crate::site::book::epub_path(book, &home.path, &language.code);
        let print = format!("{}print/index.html", home.path);
        let pdf = crate::site::plan::book_pdf_path(book, &home.path, &language.code);
        for (path, format_name) in [(pdf, "pdf"), (epub, "epub"), (print, "html")] {
            let (Some((size, sha256)), Some(format)) =
                (generated.get(path.as_str()), format(format_name))
            else {
                continue;
            };
            let book_name = book.key.rsplit('/').next().unwrap_or(&book.key);
            item.files.push(DownloadFile {
                lang: language.code.clone(),
                format,
                name: format!("{book_name}-{}.{}", language.code, format.extensions[0]),
                output: path,
                source: None,
                size: *size,
                sha256: sha256.clone(),
                line: 0,
            });
        }
    }
    (!item.files.is_empty()).then_some(item)
}

/// The download item of a release's PDF editions (category `press`, attached to the release
/// page so that the page lists it), from the PDFs rendered. `generated` as for [`book_item`].
pub fn release_item(
    site: &Site,
    key: &str,
    generated: &HashMap<&str, (u64, String)>,
) -> Option<DownloadItem> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let mut item = DownloadItem {
        id: format!("release-{name}"),
        category: "press".into(),
        updated: Date::parse("1970-01-01")?,
        title: BTreeMap::new(),
        description: BTreeMap::new(),
        pages: vec![key.to_string()],
        files: Vec::new(),
        pages_line: 0,
    };
    let pdf = format("pdf")?;
    for language in &site.config.languages {
        let Some(page) = site.page(key, &language.code) else {
            continue;
        };
        let path = crate::site::plan::release_pdf_path(page);
        let Some((size, sha256)) = generated.get(path.as_str()) else {
            continue;
        };
        item.title
            .insert(language.code.clone(), page.front.title.clone());
        if let Some(description) = &page.front.description {
            item.description
                .insert(language.code.clone(), description.clone());
        }
        if let Some(date) = page.front.date {
            item.updated = item.updated.max(date);
        }
        item.files.push(DownloadFile {
            lang: language.code.clone(),
            format: pdf,
            name: format!("{name}-{}.pdf", language.code),
            output: path,
            source: None,
            size: *size,
            sha256: sha256.clone(),
            line: 0,
        });
    }
    (!item.files.is_empty()).then_some(item)
}

#[derive(Serialize)]
pub struct ItemView<'a> {
    pub id: &'a str,
    pub anchor: String,
    pub category: &'a str,
    pub category_label: String,
    pub title: &'a str,
    pub title_lang: &'a str,
    pub description: Option<&'a str>,
    /// The BCP 47 tag of the description's language (it may come from a fallback language).
    pub description_lang: &'a str,
    pub updated: LocalizedDate,
    /// Files in the page's language.
    pub files: Vec<FileView<'a>>,
    /// Languages that have files, when the page's language has none.
    pub other_languages: Vec<OtherLanguage<'a>>,
}

#[derive(Serialize)]
pub struct FileView<'a> {
    pub lang: &'a str,
    pub lang_tag: &'a str,
    /// The language's name in itself (日本語, English, 中文).
    pub lang_name: &'a str,
    pub format: String,
    pub media_type: &'static str,
    pub size: u64,
    pub size_label: String,
    pub sha256: &'a str,
    pub sha256_short: &'a str,
    pub url: String,
    pub file_name: &'a str,
}

#[derive(Serialize)]
pub struct OtherLanguage<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub tag: &'a str,
    /// That language's downloads page, at this item.
    pub url: String,
}

/// The anchor of an item on the downloads pages.
pub fn anchor(id: &str) -> String {
    format!("item-{id}")
}

pub fn item_view<'a>(site: &'a Site, item: &'a DownloadItem, lang: &'a str) -> ItemView<'a> {
    let pick = |map: &'a BTreeMap<String, String>| -> Option<(&'a str, &'a str)> {
        std::iter::once(lang)
            .chain(site.config.fluent_fallback.iter().map(String::as_str))
            .find_map(|l| map.get_key_value(l))
            .or_else(|| map.iter().next())
            .map(|(l, t)| (l.as_str(), t.as_str()))
    };
    let (title_lang, title) = pick(&item.title).unwrap_or((lang, item.id.as_str()));
    let files: Vec<FileView> = item
        .files
        .iter()
        .filter(|f| f.lang == lang)
        .map(|f| file_view(site, f, lang))
        .collect();
    let other_languages = if files.is_empty() {
        site.config
            .languages
            .iter()
            .filter(|l| item.files.iter().any(|f| f.lang == l.code))
            .filter_map(|l| {
                let url = match site.page(DOWNLOADS_DIR, &l.code) {
                    Some(page) => format!(
                        "{}#{}",
                        site.config.url(&page.path),
                        crate::url::encode_fragment(&anchor(&item.id))
                    ),
                    None => site
                        .config
                        .url(&item.files.iter().find(|f| f.lang == l.code)?.output),
                };
                Some(OtherLanguage {
                    code: &l.code,
                    name: &l.name,
                    tag: &l.tag,
                    url,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    ItemView {
        id: &item.id,
        anchor: anchor(&item.id),
        category: &item.category,
        category_label: site
            .locales
            .get(lang, &format!("download-category-{}", item.category), None)
            .unwrap_or_else(|| item.category.clone()),
        title,
        title_lang: site
            .config
            .language(title_lang)
            .map_or(title_lang, |l| l.tag.as_str()),
        description: pick(&item.description).map(|(_, d)| d),
        description_lang: pick(&item.description).map_or(lang, |(l, _)| {
            site.config
                .language(l)
                .map_or(l, |language| language.tag.as_str())
        }),
        updated: localize(&site.locales, lang, item.updated),
        files,
        other_languages,
    }
}

fn file_view<'a>(site: &'a Site, file: &'a DownloadFile, lang: &str) -> FileView<'a> {
    let language = site.config.language(&file.lang);
    FileView {
        lang: &file.lang,
        lang_tag: language.map_or(&file.lang, |l| &l.tag),
        lang_name: language.map_or(&file.lang, |l| &l.name),
        format: file.format.name.to_uppercase(),
        media_type: file.format.media_type,
        size: file.size,
        size_label: size_label(site, lang, file.size),
        sha256: &file.sha256,
        sha256_short: &file.sha256[..12.min(file.sha256.len())],
        url: site.config.url(&file.output),
        file_name: &file.name,
    }
}

/// `1.2 MB` in the locale's words (`size-mb = { $value } MB`).
pub fn size_label(site: &Site, lang: &str, bytes: u64) -> String {
    let (key, value) = match bytes {
        0..1024 => ("size-bytes", bytes.to_string()),
        1024..1_048_576 => ("size-kb", one_decimal(bytes as f64 / 1024.0)),
        1_048_576..1_073_741_824 => ("size-mb", one_decimal(bytes as f64 / 1_048_576.0)),
        _ => ("size-gb", one_decimal(bytes as f64 / 1_073_741_824.0)),
    };
    let mut args = FluentArgs::new();
    args.set("value", value.clone());
    site.locales.get(lang, key, Some(&args)).unwrap_or(value)
}

fn one_decimal(value: f64) -> String {
    format!("{value:.1}")
}

/// `/downloads.json`: every item, every language, for machines.
pub fn downloads_json(site: &Site, index: &DownloadIndex) -> Vec<u8> {
    #[derive(Serialize)]
    struct Json<'a> {
        items: Vec<JsonItem<'a>>,
    }
    #[derive(Serialize)]
    struct JsonItem<'a> {
        id: &'a str,
        category: &'a str,
        updated: String,
        title: &'a BTreeMap<String, String>,
        description: &'a BTreeMap<String, String>,
        files: Vec<JsonFile<'a>>,
    }
    #[derive(Serialize)]
    struct JsonFile<'a> {
        lang: &'a str,
        format: &'static str,
        url: String,
        size: u64,
        sha256: &'a str,
        media_type: &'static str,
        updated: String,
    }
    let json = Json {
        items: index
            .items
            .iter()
            .map(|item| JsonItem {
                id: &item.id,
                category: &item.category,
                updated: item.updated.to_string(),
                title: &item.title,
                description: &item.description,
                files: item
                    .files
                    .iter()
                    .map(|f| JsonFile {
                        lang: &f.lang,
                        format: f.format.name,
                        url: site.config.permalink(&f.output),
                        size: f.size,
                        sha256: &f.sha256,
                        media_type: f.format.media_type,
                        updated: item.updated.to_string(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `downloads/SHA256SUMS`, in the format `sha256sum -c` reads, paths relative to its folder.
pub fn sha256sums(index: &DownloadIndex) -> Vec<u8> {
    let mut lines: Vec<String> = index
        .items
        .iter()
        .flat_map(|item| item.files.iter())
        .map(|f| {
            let relative = match f.output.strip_prefix(&format!("{DOWNLOADS_DIR}/")) {
                Some(inside) => inside.to_string(),
                None => format!("../{}", f.output),
            };
            format!("{}  {}", f.sha256, relative)
        })
        .collect();
    lines.sort();
    lines.dedup();
    (lines.join("\n") + "\n").into_bytes()
}
