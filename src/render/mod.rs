//! Rendering: the theme's Tera templates applied to the assembled site, in parallel, into
//! (output path, bytes) pairs. Nothing is written here.

pub mod book;
pub mod downloads;
pub mod epub;
pub mod functions;
pub mod print;
pub mod views;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};
use walkdir::WalkDir;

use crate::content::DocKind;
use crate::error::{Diagnostic, Location};
use crate::site::{Page, Site};
use downloads::DownloadIndex;
use views::{Paginator, Summary};

/// One file of the output, as bytes.
pub struct OutputFile {
    /// Site-relative path (`ja/releases/index.html`).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Loads every `*.html` template of the theme. Errors name the template file and line.
pub fn load_theme(theme_dir: &Path, root: &Path) -> Result<Tera, Vec<Diagnostic>> {
    let templates_dir = theme_dir.join("templates");
    let display = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    if !templates_dir.is_dir() {
        return Err(vec![Diagnostic::in_file(
            &display(&templates_dir),
            "the theme has no templates folder",
        )
        .with_help(
            "check `theme` in site.toml: it names a folder under themes/",
        )]);
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    let mut errors = Vec::new();
    let mut templates = Vec::new();
    for entry in WalkDir::new(&templates_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(name) = path.strip_prefix(&templates_dir) else {
            continue;
        };
        let name = name.to_string_lossy().replace('\\', "/");
        match std::fs::read_to_string(path) {
            Ok(text) => templates.push((name, text, display(path))),
            Err(e) => errors.push(Diagnostic::in_file(
                &display(path),
                format!("cannot read: {e}"),
            )),
        }
    }
    for (name, text, path) in &templates {
        // Parse each one alone first, so that a syntax error is reported with its own file.
        if let Err(e) = tera::Template::new(name, None, text) {
            errors.push(template_diagnostic(&path.to_path_buf(), &e));
        }
    }
    if errors.is_empty() {
        let pairs = templates
            .iter()
            .map(|(name, text, _)| (name.as_str(), text.as_str()));
        if let Err(e) = tera.add_raw_templates(pairs) {
            errors.push(Diagnostic::in_file(
                &display(&templates_dir),
                error_chain(&e),
            ));
        }
    }
    if errors.is_empty() {
        Ok(tera)
    } else {
        Err(errors)
    }
}

/// Escapes what HTML needs escaped; unlike Tera's default it leaves `/` alone, so URLs stay readable.
fn escape_html(input: &str) -> String {
    let mut escaped = String::with_capacity(input.len() + input.len() / 8);
    let mut start = 0;
    for (i, byte) in input.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        escaped.push_str(&input[start..i]);
        escaped.push_str(replacement);
        start = i + 1;
    }
    escaped.push_str(&input[start..]);
    escaped
}

fn template_diagnostic(path: &Path, error: &tera::Error) -> Diagnostic {
    let message = error_chain(error);
    // Tera's parse errors carry ` --> line:column`.
    let position = message.split("--> ").nth(1).and_then(|rest| {
        let mut numbers = rest
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
    });
    let location = match position {
        Some((line, column)) => Location::at(path, line, column),
        None => Location::file(path),
    };
    Diagnostic::error(Some(location), format!("template error: {message}"))
}

/// Tera's error and its causes on one line each.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// What one template call renders.
struct Job<'a> {
    page: &'a Page,
    template: String,
    output: String,
    paginator: Option<(Vec<usize>, Paginator)>,
    /// The print edition of the book whose home is `page`.
    print: bool,
}

#[derive(Serialize)]
struct SectionView<'a> {
    pages: Vec<Summary<'a>>,
    subsections: Vec<Summary<'a>>,
    paginator: Option<&'a Paginator>,
}

/// Renders every page of the site, in parallel; all template errors are collected.
/// Books come first (print pages and EPUBs), because the downloads list their sizes and checksums.
pub fn render_site(site: &Arc<Site>, theme: &Tera) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let site_view = views::site_view(site);
    // Each book's table of contents is serialised once per language and shared by its pages.
    let mut book_views: HashMap<(String, String), tera::Value> = HashMap::new();
    for book in &site.books {
        for language in &site.config.languages {
            if let Some(view) = book::book_view(site, book, &language.code) {
                let value = serde_json::to_value(&view).unwrap_or_default();
                book_views.insert((book.key.clone(), language.code.clone()), value);
            }
        }
    }
    let (print_jobs, page_jobs): (Vec<Job>, Vec<Job>) =
        plan_jobs(site, theme).into_iter().partition(|j| j.print);
    let mut errors = Vec::new();

    let manifest_only = Arc::new(DownloadIndex::new(site, Vec::new()));
    let teras = per_language(site, theme, &manifest_only);
    let mut files = render_jobs(
        site,
        &teras,
        &site_view,
        &book_views,
        &print_jobs,
        &mut errors,
    );
    files.extend(render_epubs(site, &mut errors));

    let generated: Vec<_> = site
        .books
        .iter()
        .filter_map(|b| downloads::book_item(site, b, &files))
        .collect();
    let index = Arc::new(DownloadIndex::new(site, generated));
    let teras = per_language(site, theme, &index);
    files.extend(render_jobs(
        site,
        &teras,
        &site_view,
        &book_views,
        &page_jobs,
        &mut errors,
    ));
    if !index.items.is_empty() {
        files.push(OutputFile {
            path: "downloads.json".into(),
            bytes: downloads::downloads_json(site, &index),
        });
        files.push(OutputFile {
            path: format!("{}/SHA256SUMS", crate::content::downloads::DOWNLOADS_DIR),
            bytes: downloads::sha256sums(&index),
        });
    }
    match render_language_select(site, theme, &site_view) {
        Ok(Some(file)) => files.push(file),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// A copy of the theme per language, with the functions that know that language.
fn per_language<'a>(
    site: &'a Arc<Site>,
    theme: &Tera,
    downloads: &Arc<DownloadIndex>,
) -> HashMap<&'a str, Tera> {
    site.config
        .languages
        .iter()
        .map(|language| {
            let mut tera = theme.clone();
            functions::register(&mut tera, site, downloads, &language.code);
            (language.code.as_str(), tera)
        })
        .collect()
}

fn render_jobs(
    site: &Site,
    teras: &HashMap<&str, Tera>,
    site_view: &views::SiteView,
    book_views: &HashMap<(String, String), tera::Value>,
    jobs: &[Job],
    errors: &mut Vec<Diagnostic>,
) -> Vec<OutputFile> {
    let results: Vec<Result<OutputFile, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let tera = &teras[job.page.lang.as_str()];
            let context = page_context(site, site_view, book_views, job).map_err(|e| {
                Diagnostic::in_file(
                    &job.page.source,
                    format!("cannot build the template data: {e}"),
                )
            })?;
            tera.render(&job.template, &context)
                .map(|html| OutputFile {
                    path: job.output.clone(),
                    bytes: html.into_bytes(),
                })
                .map_err(|e| {
                    Diagnostic::error(
                        Some(Location::file(template_path(site, &job.template))),
                        format!(
                            "template error while rendering {}: {}",
                            job.page.source.display(),
                            error_chain(&e)
                        ),
                    )
                })
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    files
}

fn template_path(site: &Site, template: &str) -> std::path::PathBuf {
    Path::new("themes")
        .join(&site.config.theme)
        .join("templates")
        .join(template)
}

/// The EPUB of every book in every language that has its home page, in parallel.
fn render_epubs(site: &Site, errors: &mut Vec<Diagnostic>) -> Vec<OutputFile> {
    let jobs: Vec<_> = site
        .books
        .iter()
        .flat_map(|book| {
            site.config
                .languages
                .iter()
                .map(move |l| (book, l.code.as_str()))
        })
        .collect();
    let results: Vec<(String, Result<Vec<u8>, String>)> = jobs
        .into_par_iter()
        .filter_map(|(book, lang)| {
            let home = site.page(&book.key, lang)?;
            let result = epub::build(site, book, lang)?;
            Some((book::epub_path(book, &home.path, lang), result))
        })
        .collect();
    let mut files = Vec::new();
    for (path, result) in results {
        match result {
            Ok(bytes) => files.push(OutputFile { path, bytes }),
            Err(message) => errors.push(Diagnostic::error(None, message)),
        }
    }
    files
}

/// The template for a page: `<section>/page.html` or `page.html`; sections likewise with
/// `section.html`; the home page uses `index.html`.
fn template_for(theme: &Tera, page: &Page) -> String {
    if page.key.is_empty() {
        return "index.html".into();
    }
    let kind = if page.kind == DocKind::Section {
        "section.html"
    } else {
        "page.html"
    };
    let top = page.key.split('/').next().unwrap_or_default();
    let specific = format!("{top}/{kind}");
    if theme.get_template_names().any(|n| n == specific) {
        specific
    } else {
        kind.to_string()
    }
}

fn plan_jobs<'a>(site: &'a Site, theme: &Tera) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for page in &site.pages {
        let template = template_for(theme, page);
        let output = format!("{}index.html", page.path);
        let section = (page.kind == DocKind::Section)
            .then(|| site.section(&page.key, &page.lang))
            .flatten();
        match (section, page.front.paginate_by) {
            (Some(section), Some(per_page)) if !section.pages.is_empty() => {
                let chunks: Vec<&[usize]> = section.pages.chunks(per_page).collect();
                let total = chunks.len();
                let page_url = |n: usize| {
                    if n == 1 {
                        site.config.url(&page.path)
                    } else {
                        site.config.url(&format!("{}page/{n}/", page.path))
                    }
                };
                for (index, chunk) in chunks.into_iter().enumerate() {
                    let number = index + 1;
                    let paginator = Paginator {
                        current: number,
                        total,
                        previous_url: (number > 1).then(|| page_url(number - 1)),
                        next_url: (number < total).then(|| page_url(number + 1)),
                        page_urls: (1..=total).map(page_url).collect(),
                    };
                    let output = if number == 1 {
                        output.clone()
                    } else {
                        format!("{}page/{number}/index.html", page.path)
                    };
                    jobs.push(Job {
                        page,
                        template: template.clone(),
                        output,
                        paginator: Some((chunk.to_vec(), paginator)),
                        print: false,
                    });
                }
            }
            _ => jobs.push(Job {
                page,
                template,
                output,
                paginator: None,
                print: false,
            }),
        }
        if site.books.iter().any(|b| b.key == page.key) {
            let top = page.key.split('/').next().unwrap_or_default();
            let specific = format!("{top}/print.html");
            let template = if theme.get_template_names().any(|n| n == specific) {
                specific
            } else {
                "print.html".to_string()
            };
            jobs.push(Job {
                page,
                template,
                output: format!("{}print/index.html", page.path),
                paginator: None,
                print: true,
            });
        }
    }
    jobs
}

fn page_context(
    site: &Site,
    site_view: &views::SiteView,
    book_views: &HashMap<(String, String), tera::Value>,
    job: &Job,
) -> tera::Result<Context> {
    let page = job.page;
    let mut context = Context::new();
    context.insert("site", site_view);
    context.insert("lang", &page.lang);
    context.insert("page", &views::page_view(site, page));
    context.insert("translations", &views::translations(site, page));
    if let Some(book) = site.book_of(&page.key) {
        if let Some(view) = book_views.get(&(book.key.clone(), page.lang.clone())) {
            context.insert("book", view);
        }
        if let Some(nav) = book::chapter_nav(site, book, page) {
            context.insert("chapter", &nav);
        }
        if job.print {
            context.insert("print_items", &book::print_items(site, book, &page.lang));
        }
    }
    if page.kind == DocKind::Section {
        let section = site.section(&page.key, &page.lang);
        let member_ids: Vec<usize> = match &job.paginator {
            Some((ids, _)) => ids.clone(),
            None => section.map(|s| s.pages.clone()).unwrap_or_default(),
        };
        let view = SectionView {
            pages: member_ids
                .iter()
                .map(|&id| views::summary(site, &site.pages[id]))
                .collect(),
            subsections: section
                .map(|s| {
                    s.subsections
                        .iter()
                        .map(|&id| views::summary(site, &site.pages[id]))
                        .collect()
                })
                .unwrap_or_default(),
            paginator: job.paginator.as_ref().map(|(_, p)| p),
        };
        context.insert("section", &view);
    }
    Ok(context)
}

/// The site root: sends a visitor to their language (`language-select.html` in the theme).
fn render_language_select(
    site: &Site,
    theme: &Tera,
    site_view: &views::SiteView,
) -> Result<Option<OutputFile>, Diagnostic> {
    const TEMPLATE: &str = "language-select.html";
    if !theme.get_template_names().any(|n| n == TEMPLATE) {
        return Ok(None);
    }
    let mut context = Context::new();
    context.insert("site", site_view);
    let default_page = site.page("", &site.config.default_language);
    context.insert(
        "title",
        &default_page
            .map(|p| p.front.title.as_str())
            .unwrap_or_default(),
    );
    theme
        .render(TEMPLATE, &context)
        .map(|html| {
            Some(OutputFile {
                path: "index.html".into(),
                bytes: html.into_bytes(),
            })
        })
        .map_err(|e| {
            Diagnostic::error(
                Some(Location::file(
                    Path::new("themes")
                        .join(&site.config.theme)
                        .join("templates")
                        .join(TEMPLATE),
                )),
                format!("template error: {}", error_chain(&e)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escape_is_minimal() {
        assert_eq!(
            escape_html("<a href=\"/x/\">'&'</a>"),
            "&lt;a href=&quot;/x/&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("日本語/ok"), "日本語/ok");
    }
}
