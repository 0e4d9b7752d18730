//! UI text: Fluent messages per language with a fallback chain, and localized dates.

pub mod dates;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
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
    /// Kept because a bundle cannot list its messages.
    keys: BTreeSet<String>,
}

/// Every language's messages, shared read-only by all render threads.
pub struct Locales {
    locales: BTreeMap<String, Locale>,
    /// Languages searched after the page's own, in order.
    fallback: Vec<String>,
}

impl Locales {
    /// Loads `locales/<code>/*.ftl` for every configured language. Syntax errors are errors;
    /// keys missing in one language but present in another are warnings.
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
            let mut keys = BTreeSet::new();
            match ftl_files(&dir) {
                Ok(files) if !files.is_empty() => {
                    for file in files {
                        let display = display_dir.join(file.file_name().unwrap_or_default());
                        add_file(&mut bundle, &mut keys, &file, &display, &mut diagnostics);
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
            locales.insert(language.code.clone(), Locale { bundle, keys });
        }
        let all_keys: BTreeSet<&String> = locales.values().flat_map(|l| l.keys.iter()).collect();
        for (code, locale) in &locales {
            for key in all_keys
                .iter()
                .filter(|k| !locale.keys.contains(k.as_str()))
            {
                diagnostics.push(Diagnostic::warning(
                    Some(Location::file(Path::new("locales").join(code))),
                    format!(
                        "message `{key}` is missing in locale `{code}`; falling back to {}",
                        config.fluent_fallback.join(" → ")
                    ),
                ));
            }
        }
        (
            Locales {
                locales,
                fallback: config.fluent_fallback.clone(),
            },
            diagnostics,
        )
    }

    /// Formats message `key` for `lang`, searching the fallback chain. Err names what is missing.
    pub fn format(
        &self,
        lang: &str,
        key: &str,
        args: Option<&FluentArgs>,
    ) -> Result<String, String> {
        let chain = std::iter::once(lang).chain(self.fallback.iter().map(String::as_str));
        for code in chain {
            let Some(locale) = self.locales.get(code) else {
                continue;
            };
            let Some(message) = locale.bundle.get_message(key) else {
                continue;
            };
            let Some(pattern) = message.value() else {
                continue;
            };
            let mut errors = Vec::new();
            let text = locale.bundle.format_pattern(pattern, args, &mut errors);
            if let Some(error) = errors.first() {
                return Err(format!("message `{key}` in locale `{code}`: {error}"));
            }
            return Ok(text.into_owned());
        }
        Err(format!(
            "no locale defines the message `{key}` (looked in {lang}, {})",
            self.fallback.join(", ")
        ))
    }

    /// Like `format`, but None when no locale has the message (for optional UI text).
    pub fn get(&self, lang: &str, key: &str, args: Option<&FluentArgs>) -> Option<String> {
        self.format(lang, key, args).ok()
    }
}

fn ftl_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "ftl"))
        .collect();
    files.sort();
    Ok(files)
}

fn add_file(
    bundle: &mut Bundle,
    keys: &mut BTreeSet<String>,
    path: &Path,
    display: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            diagnostics.push(Diagnostic::in_file(display, format!("cannot read: {e}")));
            return;
        }
    };
    let resource = match FluentResource::try_new(text.clone()) {
        Ok(resource) => resource,
        Err((_, errors)) => {
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
            return;
        }
    };
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            keys.insert(message.id.name.to_string());
        }
    }
    if let Err(errors) = bundle.add_resource(Arc::new(resource)) {
        for error in errors {
            diagnostics.push(Diagnostic::in_file(display, format!("{error}")));
        }
    }
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
}
