//! UI text: Fluent messages per language with a fallback chain, and localized dates.

mod check;
pub mod dates;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_syntax::ast;
use unic_langid::LanguageIdentifier;

use crate::config::SiteConfig;
use crate::error::{Diagnostic, Location};

type Bundle = FluentBundle<Arc<FluentResource>>;

/// The messages of one language.
struct Locale {
    bundle: Bundle,
    /// Where each message is defined (.ftl file and line); kept because a bundle cannot list
    /// its messages.
    messages: BTreeMap<String, Location>,
    /// Every .ftl file of the language could be read. When one could not (not UTF-8, too
    /// large), its messages are unknown, and that error is the one to show: the language's
    /// "missing message" warnings would only repeat it once per message.
    complete: bool,
}

/// Every language's messages, shared read-only by all render threads.
pub struct Locales {
    locales: BTreeMap<String, Locale>,
    /// Languages searched after the page's own, in order.
    fallback: Vec<String>,
}

/// Message ids koho's own code looks up (besides those the theme's templates name), and the
/// prefixes of ids it builds at run time: `koho check` counts them as used.
pub const CODE_KEYS: &[&str] = &[
    "date-long",
    "footnote-backref",
    "book-contents",
    "book-notice-label",
    "book-appendix",
    "book-part",
    "paged-title",
];
pub const CODE_KEY_PREFIXES: &[&str] = &["month-", "weekday-", "size-", "download-category-"];

impl Locales {
    /// Loads `locales/<code>/*.ftl` for every configured language. Syntax errors are errors;
    /// so are messages that cannot be formatted (a reference to a message that does not exist,
    /// a variable koho does not pass to `date-long` or `size-*`, a month or weekday name
    /// `date-long` needs and no locale has: see `check`). Keys missing in one language but
    /// present in another are warnings. Files are read with `text::read_text` (a BOM and CRLF
    /// are fine); links out of locales/ are refused and named pipes skipped (`fsutil`).
    pub fn load(config: &SiteConfig) -> (Locales, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut locales = BTreeMap::new();
        for language in &config.languages {
            let dir = config.locales_dir().join(&language.code);
            let display_dir = dir.strip_prefix(&config.root).unwrap_or(&dir).to_path_buf();
            let lang_id: LanguageIdentifier = language.tag.parse().unwrap_or_else(|_| {
                diagnostics.push(Diagnostic::error(
                    Some(Location::file(config.root.join("site.toml"))),
                    format!(
                        "`{}` is not a BCP 47 language tag (languages.{}.tag)",
                        language.tag, language.code
                    ),
                ));
                LanguageIdentifier::default()
            });
            let mut bundle = Bundle::new_concurrent(vec![lang_id]);
            bundle.set_use_isolating(false);
            let mut messages = BTreeMap::new();
            let mut complete = true;
            let files = ftl_files(config, &dir, &mut diagnostics);
            match files {
                files if !files.is_empty() => {
                    for (file, display) in files {
                        complete &= add_file(
                            &mut bundle,
                            &mut messages,
                            &file,
                            &display,
                            &mut diagnostics,
                        );
                    }
                }
                _ => diagnostics.push(
                    Diagnostic::in_file(
                        &display_dir,
                        format!("no .ftl files for language `{}`", language.code),
                    )
                    .with_help(format!(
                        "create {}/main.ftl with the UI messages",
                        display_dir.display()
                    )),
                ),
            }
            let locale = Locale {
                bundle,
                messages,
                complete,
            };
            locales.insert(language.code.clone(), locale);
        }
        let locales = Locales {
            locales,
            fallback: config.fluent_fallback.clone(),
        };
        diagnostics.extend(check::missing_keys(&locales));
        if !diagnostics.iter().any(Diagnostic::is_error) {
            diagnostics.extend(check::messages(&locales, config));
        }
        (locales, diagnostics)
    }

    /// The message ids defined for `lang` (in its own .ftl files, without the fallback chain).
    pub fn keys(&self, lang: &str) -> impl Iterator<Item = &str> {
        self.locales
            .get(lang)
            .into_iter()
            .flat_map(|locale| locale.messages.keys().map(String::as_str))
    }

    /// Formats message `key` for `lang`, searching the fallback chain. Err names what is missing.
    pub fn format(
        &self,
        lang: &str,
        key: &str,
        args: Option<&FluentArgs>,
    ) -> Result<String, String> {
        let Some((locale, pattern)) = self.find(lang, key) else {
            return Err(format!(
                "no locale defines the message `{key}` (looked in {})",
                self.chain(lang).collect::<Vec<_>>().join(", ")
            ));
        };
        let mut errors = Vec::new();
        let text = locale.bundle.format_pattern(pattern, args, &mut errors);
        match errors.first() {
            Some(error) => Err(format!(
                "message `{key}` ({}) cannot be formatted: {error}",
                locale.where_is(key)
            )),
            None => Ok(text.into_owned()),
        }
    }

    /// For koho's own messages (`CODE_KEYS`, `CODE_KEY_PREFIXES`: dates, sizes, book and download
    /// labels): None only when no locale has the message. `load` has formatted each of them
    /// with the arguments koho passes and made any failure an error naming the .ftl file, so a
    /// loaded site formats them cleanly; were one to fail anyway, the text Fluent produced
    /// (showing the faulty placeable in braces) is returned, never taken for missing.
    pub fn get(&self, lang: &str, key: &str, args: Option<&FluentArgs>) -> Option<String> {
        let (locale, pattern) = self.find(lang, key)?;
        let mut errors = Vec::new();
        Some(
            locale
                .bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned(),
        )
    }

    /// Whether `lang` or a language of its fallback chain has a message `key` with a value.
    pub fn has(&self, lang: &str, key: &str) -> bool {
        self.find(lang, key).is_some()
    }

    /// The first locale of `lang`'s chain with a message `key` that has a value, and the value.
    fn find(&self, lang: &str, key: &str) -> Option<(&Locale, &ast::Pattern<&str>)> {
        self.chain(lang).find_map(|code| {
            let locale = self.locales.get(code)?;
            let pattern = locale.bundle.get_message(key)?.value()?;
            Some((locale, pattern))
        })
    }

    /// The languages searched for a message of `lang`, in order.
    fn chain<'a>(&'a self, lang: &'a str) -> impl Iterator<Item = &'a str> {
        let fallback = self.fallback.iter().map(String::as_str);
        std::iter::once(lang).chain(fallback.filter(move |code| *code != lang))
    }
}

impl Locale {
    /// `locales/en/main.ftl:12` for a message of this locale.
    fn where_is(&self, key: &str) -> String {
        self.messages
            .get(key)
            .map_or_else(|| "?".to_string(), ToString::to_string)
    }
}

/// The `.ftl` files directly in `dir` (a language's folder), with their displayed paths.
fn ftl_files(
    config: &SiteConfig,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, PathBuf)> {
    let locales_dir = config.locales_dir();
    let (files, problems) = crate::fsutil::walk_files(&crate::fsutil::Walk {
        dir,
        confine: &locales_dir,
        root: &config.root,
        skip_hidden: true,
        max_depth: 1,
    });
    diagnostics.extend(problems);
    files
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|ext| ext == "ftl"))
        .map(|f| (f.path, f.display))
        .collect()
}

/// Adds the messages of one .ftl file to `bundle`; false when the file could not be read.
fn add_file(
    bundle: &mut Bundle,
    messages: &mut BTreeMap<String, Location>,
    path: &Path,
    display: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let text = match crate::text::read_text(path, display) {
        Ok(text) => text,
        Err(e) => {
            diagnostics.push(e);
            return false;
        }
    };
    let resource = match FluentResource::try_new(text.clone()) {
        Ok(resource) => resource,
        // The entries around a broken one still parse: they are kept, so that one syntax error
        // is one error, not also a "missing message" warning for every message of the file.
        // The build fails on the error all the same.
        Err((resource, errors)) => {
            for error in errors {
                // The precise position can be the end of the file (an unclosed `{`); the start of
                // the broken entry is where a person looks.
                let offset = error
                    .slice
                    .as_ref()
                    .map_or(error.pos.start, |slice| slice.start);
                diagnostics.push(Diagnostic::error(
                    Some(Location::at_offset(display, &text, offset, 1)),
                    format!("Fluent syntax error: {}", error.kind),
                ));
            }
            resource
        }
    };
    let lines = message_lines(&text);
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            let id = message.id.name;
            let line = lines.get(id).copied().unwrap_or(1);
            messages
                .entry(id.to_string())
                .or_insert_with(|| Location::at(display, line, 1));
        }
    }
    if let Err(errors) = bundle.add_resource(Arc::new(resource)) {
        for error in errors {
            diagnostics.push(Diagnostic::in_file(display, format!("{error}")));
        }
    }
    true
}

/// The line on which each message of a Fluent file starts (`id = …` at the start of a line).
/// The Fluent AST has no positions, and an id is always at the start of its line.
fn message_lines(text: &str) -> BTreeMap<&str, usize> {
    let mut lines = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(line.len());
        let (id, rest) = line.split_at(end);
        if !id.is_empty() && rest.trim_start().starts_with('=') {
            lines.entry(id).or_insert(index + 1);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Language, MissingTranslation};

    fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, SiteConfig) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join("locales").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let language = |code: &str| Language {
            code: code.into(),
            name: code.into(),
            tag: code.into(),
        };
        let config = SiteConfig {
            root: dir.path().to_path_buf(),
            base_url: "https://x.org/".into(),
            base_path: "/".into(),
            default_language: "en".into(),
            theme: "t".into(),
            languages: vec![language("en"), language("ja")],
            missing_translation: MissingTranslation::Omit,
            fluent_fallback: vec!["en".into()],
            books: Vec::new(),
            discovery: Default::default(),
            security: Default::default(),
        };
        (dir, config)
    }

    #[test]
    fn plurals_fallback_and_no_isolation_marks() {
        let (_dir, config) = site(&[
            (
                "en/main.ftl",
                "pages = { $count ->\n    [one] One page\n   *[other] { $count } pages\n}\nhello = Hello, { $name }\n",
            ),
            ("ja/main.ftl", "pages = { $count }ページ\n"),
        ]);
        let (locales, diagnostics) = Locales::load(&config);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0]
            .message
            .contains("`hello` is missing in locale `ja`"));
        let mut args = FluentArgs::new();
        args.set("count", 1);
        assert_eq!(
            locales.format("en", "pages", Some(&args)).unwrap(),
            "One page"
        );
        assert_eq!(
            locales.format("ja", "pages", Some(&args)).unwrap(),
            "1ページ"
        );
        args.set("count", 5);
        assert_eq!(
            locales.format("en", "pages", Some(&args)).unwrap(),
            "5 pages"
        );
        let mut args = FluentArgs::new();
        args.set("name", "<NGMO>");
        assert_eq!(
            locales.format("ja", "hello", Some(&args)).unwrap(),
            "Hello, <NGMO>"
        );
        assert!(locales.format("ja", "nothing", None).is_err());
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let (_dir, config) = site(&[
            ("en/main.ftl", "ok = fine\n\nbroken = { $x\n"),
            ("ja/main.ftl", "ok = 良い\n"),
        ]);
        let (_, diagnostics) = Locales::load(&config);
        let error = diagnostics
            .iter()
            .find(|d| d.is_error())
            .expect("a syntax error");
        let location = error.location.as_ref().unwrap();
        assert!(location.path.ends_with("locales/en/main.ftl"), "{error}");
        assert_eq!(location.line, Some(3));
    }

    #[test]
    fn messages_that_cannot_be_formatted_are_errors_at_their_line() {
        let (_dir, config) = site(&[
            (
                "en/main.ftl",
                "ok = { $free } is fine\nbroken = see { missing }\ndate-long = { $day } { $monthname }\n",
            ),
            ("ja/main.ftl", "ok = 良い\nbroken = 壊\nsize-kb = { $valeu } KB\n"),
        ]);
        let (locales, diagnostics) = Locales::load(&config);
        let mut errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        errors.sort();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("locales/en/main.ftl:2:1: message `broken`"));
        assert!(errors[1].contains("locales/en/main.ftl:3:1: message `date-long` uses $monthname"));
        assert!(errors[1].contains("month-1, month-2"));
        assert!(errors[2].contains("locales/ja/main.ftl:3:1: message `size-kb`"));
        // Formatting failures are never taken for a missing message.
        assert!(locales.format("en", "broken", None).is_err());
        assert!(locales.get("en", "broken", None).is_some());
        assert!(locales.get("en", "nothing", None).is_none());
    }

    #[test]
    fn message_lines_find_ids_at_line_starts() {
        let lines = message_lines("# c\nfirst = 1\n  .attr = x\nsecond=2\n-term = t\n");
        assert_eq!(lines.get("first"), Some(&2));
        assert_eq!(lines.get("second"), Some(&4));
        assert_eq!(lines.get("attr"), None);
    }
}
