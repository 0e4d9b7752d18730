//! `koho new release|page|chapter`: the files of a new document in each requested language.
//! The default-language file gets the front matter filled; every other language gets a copy of
//! it as a draft recording `translated_from` (the source's blob id), ready for a translator.

use std::path::{Path, PathBuf};

use super::{check_segment, title_from_slug, toml_string, write_all, NewFile};
use crate::config::SiteConfig;
use crate::content::{self, Date, DocKind};
use crate::error::Diagnostic;
use crate::status::blob::blob_id;
use crate::status::edit::set_key;

/// What to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `content/releases/<date>-<slug>/index.<lang>.md`, dated.
    Release,
    /// `content/<path>/index.<lang>.md` (a page bundle: images go beside it).
    Page,
    /// `content/<book>/<part>/<name>.<lang>.md`, weighted after the part's last chapter.
    Chapter,
}

/// A `koho new` request.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: Kind,
    /// A release's slug (optionally starting with its date, `2020-06-01-name`), or a page's or
    /// chapter's content path (`about/team`, `handbook/03-nursing/07-new-topic`).
    pub name: String,
    /// `--date YYYY-MM-DD` as given (releases only).
    pub date: Option<String>,
    /// Today's date, for a release without `--date`.
    pub today: Date,
    /// The languages to create (empty = every configured language).
    pub langs: Vec<String>,
    /// Make the default-language file a draft too.
    pub draft: bool,
}

/// Plans and writes the files; returns their paths relative to the site root, the
/// default-language file first. Nothing is written when anything is wrong.
pub fn create(config: &SiteConfig, request: &Request) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let usage = |message: String| vec![Diagnostic::error(None, message)];
    let langs = languages(config, &request.langs).map_err(usage)?;
    let (key, front) = match request.kind {
        Kind::Release => release(request).map_err(usage)?,
        Kind::Page => page(request).map_err(usage)?,
        Kind::Chapter => chapter(config, request)?,
    };
    let files = plan_files(config, request.kind, &key, &front, &langs, request.draft)?;
    refuse_links(config, &files)?;
    write_all(&files)?;
    Ok(files.into_iter().map(|f| f.display).collect())
}

/// Refuses files whose way from content/ passes a symbolic link: builds refuse links out of
/// content/ and links to folders, so a file written through one would be outside the site or
/// never published (and `create_dir_all` would follow it anywhere).
fn refuse_links(config: &SiteConfig, files: &[NewFile]) -> Result<(), Vec<Diagnostic>> {
    let content = config.content_dir();
    let mut errors = Vec::new();
    for file in files {
        let Ok(relative) = file.path.strip_prefix(&content) else {
            continue;
        };
        let mut folder = content.clone();
        for part in relative.parent().into_iter().flat_map(Path::components) {
            folder.push(part);
            let is_link = folder
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
            if is_link {
                errors.push(
                    Diagnostic::in_file(
                        &display(config, &folder),
                        "is a symbolic link; koho new writes only into real folders under content/",
                    )
                    .with_help("replace the link with a folder, or choose another name"),
                );
                break;
            }
        }
    }
    errors.sort();
    errors.dedup();
    match errors.is_empty() {
        true => Ok(()),
        false => Err(errors),
    }
}

/// The requested languages, checked, in the site's order; all of them by default.
fn languages(config: &SiteConfig, wanted: &[String]) -> Result<Vec<String>, String> {
    if let Some(unknown) = wanted.iter().find(|l| config.language(l).is_none()) {
        return Err(format!(
            "--langs: `{unknown}` is not a language of this site (the languages are: {})",
            config.language_codes()
        ));
    }
    Ok(config
        .languages
        .iter()
        .map(|l| l.code.clone())
        .filter(|code| wanted.is_empty() || wanted.contains(code))
        .collect())
}

/// A release's key and front matter: the date from `--date`, from the slug or today.
fn release(request: &Request) -> Result<(String, String), String> {
    let name = request.name.as_str();
    check_segment(name).map_err(|e| format!("release slug: {e}"))?;
    let given = match &request.date {
        Some(text) => Some(Date::parse(text).ok_or_else(|| {
            format!("--date {text}: not a calendar date; write YYYY-MM-DD, e.g. 2020-05-13")
        })?),
        None => None,
    };
    let in_slug = name
        .get(..11)
        .filter(|prefix| prefix.ends_with('-') && name.len() > 11)
        .and_then(|prefix| Date::parse(&prefix[..10]));
    let (folder, date) = match (in_slug, given) {
        (Some(slug_date), Some(date)) if slug_date != date => {
            return Err(format!(
                "the slug starts with the date {slug_date} but --date is {date}; give the date once"
            ))
        }
        (Some(slug_date), _) => (name.to_string(), slug_date),
        (None, date) => {
            let date = date.unwrap_or(request.today);
            (format!("{date}-{name}"), date)
        }
    };
    let title = title_from_slug(folder.get(11..).unwrap_or(&folder));
    let front = format!(
        "+++\ntitle = {}\ndate = {date}\n+++\n\n<!-- The lead paragraph first (who, what, when), then the body. -->\n",
        toml_string(&title)
    );
    Ok((format!("releases/{folder}"), front))
}

/// A page's key (its path, each segment checked) and front matter.
fn page(request: &Request) -> Result<(String, String), String> {
    let key = checked_path(&request.name, "page path")?;
    let title = title_from_slug(key.rsplit('/').next().unwrap_or(&key));
    let front = format!(
        "+++\ntitle = {}\n+++\n\n<!-- The page's text. -->\n",
        toml_string(&title)
    );
    Ok((key, front))
}

fn checked_path(path: &str, what: &str) -> Result<String, String> {
    let trimmed = path.trim_matches('/');
    let trimmed = trimmed.strip_prefix("content/").unwrap_or(trimmed);
    for segment in trimmed.split('/') {
        check_segment(segment).map_err(|e| format!("{what} `{path}`: {e}"))?;
    }
    Ok(trimmed.to_string())
}

/// A chapter's key and front matter: its folder must be a section of a book (`books` in
/// site.toml); the weight follows the last chapter there (in the default language).
fn chapter(config: &SiteConfig, request: &Request) -> Result<(String, String), Vec<Diagnostic>> {
    let usage = |message: String| vec![Diagnostic::error(None, message)];
    let key = checked_path(&request.name, "chapter path").map_err(usage)?;
    let Some((parent, name)) = key.rsplit_once('/') else {
        return Err(usage(format!(
            "chapter path `{key}`: give the book's part too, e.g. handbook/01-part/{key}"
        )));
    };
    let in_book = config
        .books
        .iter()
        .any(|book| parent == book || parent.starts_with(&format!("{book}/")));
    if !in_book {
        let books = if config.books.is_empty() {
            "none".to_string()
        } else {
            config.books.join(", ")
        };
        return Err(usage(format!(
            "`{parent}` is not inside a book (books in site.toml: {books})"
        )));
    }
    let (content, _) = content::load(config, true);
    let part_exists = content
        .documents
        .iter()
        .any(|d| d.source.kind == DocKind::Section && d.source.key == parent);
    if !part_exists {
        return Err(usage(format!(
            "there is no section `{parent}`: create content/{parent}/_index.{}.md first",
            config.default_language
        )));
    }
    // Parts are placed among a book's chapters by weight too: after the last of either.
    let weight = content
        .documents
        .iter()
        .filter(|d| d.source.kind != DocKind::Fragment && d.source.lang == config.default_language)
        .filter(|d| d.source.key.rsplit_once('/').map(|(p, _)| p) == Some(parent))
        .map(|d| d.front.weight)
        .max()
        .unwrap_or(0)
        + 1;
    let front = format!(
        "+++\ntitle = {}\nweight = {weight}\n+++\n\n<!-- The chapter's text; `## ` headings make its sections. -->\n",
        toml_string(&title_from_slug(name))
    );
    Ok((key, front))
}

/// The file of `key` in `lang` for a new document of `kind`.
fn target(config: &SiteConfig, kind: Kind, key: &str, lang: &str) -> PathBuf {
    let content = config.content_dir();
    match kind {
        Kind::Chapter => content.join(format!("{key}.{lang}.md")),
        Kind::Release | Kind::Page => content.join(key).join(format!("index.{lang}.md")),
    }
}

/// Every file that is already the document `key` in `lang` (as a bundle or a single file, and
/// without a suffix for the default language).
fn existing(config: &SiteConfig, key: &str, lang: &str) -> Vec<PathBuf> {
    let content = config.content_dir();
    let mut names = vec![
        content.join(format!("{key}.{lang}.md")),
        content.join(key).join(format!("index.{lang}.md")),
    ];
    if lang == config.default_language {
        names.push(content.join(format!("{key}.md")));
        names.push(content.join(key).join("index.md"));
    }
    names.retain(|p| p.symlink_metadata().is_ok());
    names
}

/// A path relative to the site root, as shown to the user.
fn display(config: &SiteConfig, path: &Path) -> PathBuf {
    path.strip_prefix(&config.root)
        .unwrap_or(path)
        .to_path_buf()
}

/// The files of `key` in `langs`: the default-language file from `front` (when requested) and
/// the translations as drafts of it. Refuses when any of the document's files exists.
fn plan_files(
    config: &SiteConfig,
    kind: Kind,
    key: &str,
    front: &str,
    langs: &[String],
    draft: bool,
) -> Result<Vec<NewFile>, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = langs
        .iter()
        .flat_map(|lang| existing(config, key, lang))
        .map(|path| {
            Diagnostic::in_file(
                &display(config, &path),
                "already exists; koho never overwrites it",
            )
            .with_help("choose another name, or leave this language out of --langs")
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let default = &config.default_language;
    let mut files = Vec::new();
    let source_text = if langs.contains(default) {
        let mut text = front.to_string();
        if draft {
            text = set_key(&text, "draft", "true")
                .map_err(|e| vec![Diagnostic::error(None, e.to_string())])?;
        }
        let path = target(config, kind, key, default);
        files.push(NewFile {
            display: display(config, &path),
            path,
            bytes: text.clone().into_bytes(),
        });
        text
    } else {
        existing_source(config, key)?
    };
    let id = blob_id(source_text.as_bytes());
    for lang in langs.iter().filter(|l| *l != default) {
        let path = target(config, kind, key, lang);
        let text = set_key(&source_text, "draft", "true")
            .and_then(|t| set_key(&t, "translated_from", &format!("\"{id}\"")))
            .map_err(|e| {
                vec![Diagnostic::error(
                    None,
                    format!("cannot make the {lang} draft: {e}"),
                )]
            })?;
        files.push(NewFile {
            display: display(config, &path),
            path,
            bytes: text.into_bytes(),
        });
    }
    Ok(files)
}

/// The text of the default-language file of `key`, which must exist when it is not created now.
fn existing_source(config: &SiteConfig, key: &str) -> Result<String, Vec<Diagnostic>> {
    let default = &config.default_language;
    let Some(path) = existing(config, key, default).into_iter().next() else {
        return Err(vec![Diagnostic::error(
            None,
            format!("`{key}` has no {default} file yet: translations are made from it"),
        )
        .with_help(format!("include {default} in --langs to create it too"))]);
    };
    std::fs::read_to_string(&path).map_err(|e| {
        vec![Diagnostic::in_file(
            &display(config, &path),
            format!("cannot read: {e}"),
        )]
    })
}
