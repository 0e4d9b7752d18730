//! Checks of the loaded messages that Fluent would otherwise report only while rendering, or
//! never: a message that cannot be formatted, and a month or weekday name that `date-long`
//! needs and no locale has (which would print an empty name).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::resolver::errors::{ReferenceKind, ResolverError};
use fluent_bundle::{FluentArgs, FluentError};
use fluent_syntax::ast;

use super::{Locale, Locales, CODE_KEYS, CODE_KEY_PREFIXES};
use crate::config::SiteConfig;
use crate::error::{Diagnostic, Location};

/// The variables koho passes to those of its own messages (`CODE_KEYS`, `CODE_KEY_PREFIXES`)
/// that take any; a name ending in `-` stands for every message starting with it. Used by
/// `i18n::dates`, `render::downloads::size_label`, `render::book::part_label` and `render::meta::paged_title`.
const CODE_VARIABLES: &[(&str, &[&str])] = &[
    (
        "date-long",
        &["year", "month", "day", "weekday", "monthname"],
    ),
    ("size-", &["value"]),
    ("book-part", &["number"]),
    ("paged-title", &["title", "number"]),
];

/// For a message koho's code formats itself, the variables it passes (maybe none).
fn code_message(id: &str) -> Option<&'static [&'static str]> {
    let matches = |name: &str| match name.strip_suffix('-') {
        Some(_) => id.starts_with(name),
        None => id == name,
    };
    let is_code = CODE_KEYS
        .iter()
        .chain(CODE_KEY_PREFIXES)
        .any(|name| matches(name));
    if !is_code {
        return None;
    }
    Some(
        CODE_VARIABLES
            .iter()
            .find(|(name, _)| matches(name))
            .map_or(&[], |(_, variables)| variables),
    )
}

/// A warning for each message one locale lacks and another has (it falls back).
pub(super) fn missing_keys(locales: &Locales) -> Vec<Diagnostic> {
    let all_keys: BTreeSet<&String> = locales
        .locales
        .values()
        .flat_map(|l| l.messages.keys())
        .collect();
    let mut warnings = Vec::new();
    for (code, locale) in locales.locales.iter().filter(|(_, l)| l.complete) {
        for key in all_keys
            .iter()
            .filter(|k| !locale.messages.contains_key(k.as_str()))
        {
            warnings.push(Diagnostic::warning(
                Some(Location::file(Path::new("locales").join(code))),
                format!(
                    "message `{key}` is missing in locale `{code}`; falling back to {}",
                    locales.fallback.join(" → ")
                ),
            ));
        }
    }
    warnings
}

/// Every problem of the messages of all locales; each names the .ftl file, line and message.
pub(super) fn messages(locales: &Locales, config: &SiteConfig) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = locales.locales.values().flat_map(formatting).collect();
    // One error per `date-long` and missing set, naming every language that meets it.
    let mut missing_names: BTreeMap<(Location, &str, Vec<String>), Vec<&str>> = BTreeMap::new();
    for language in &config.languages {
        for (location, variable, missing) in date_names(locales, &language.code) {
            missing_names
                .entry((location, variable, missing))
                .or_default()
                .push(&language.code);
        }
    }
    for ((location, variable, missing), languages) in missing_names {
        let prefix = if variable == "weekday" {
            "weekday"
        } else {
            "month"
        };
        diagnostics.push(
            Diagnostic::error(
                Some(location),
                format!(
                    "message `date-long` uses ${variable}, but no locale that {} pages read defines {}",
                    languages.join(", "),
                    missing.join(", ")
                ),
            )
            .with_help(format!("add the missing `{prefix}-…` messages to the .ftl files")),
        );
    }
    diagnostics
}

/// Formats every message of a locale once: without arguments (a variable not passed is not a
/// fault then: templates pass them), or for koho's own messages with the arguments koho passes.
/// What fails here (a reference to a message or term the locale lacks, a function that does not
/// exist, a cycle, a variable koho never passes) would fail, or print `{…}`, on a page.
fn formatting(locale: &Locale) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (id, location) in &locale.messages {
        let Some(message) = locale.bundle.get_message(id) else {
            continue;
        };
        let program = code_message(id);
        let args = program.map(sample_args);
        let patterns = message
            .value()
            .into_iter()
            .chain(message.attributes().map(|a| a.value()));
        for pattern in patterns {
            let mut errors = Vec::new();
            locale
                .bundle
                .format_pattern(pattern, args.as_ref(), &mut errors);
            for error in errors
                .iter()
                .filter(|e| program.is_some() || !is_variable(e))
            {
                let help = match program {
                    Some([]) => format!("koho formats `{id}` without variables"),
                    Some(variables) => format!(
                        "koho formats `{id}` with the variables ${}",
                        variables.join(", $")
                    ),
                    None => "define what it refers to in this language's .ftl files, or fix the reference".into(),
                };
                diagnostics.push(
                    Diagnostic::error(
                        Some(location.clone()),
                        format!("message `{id}` cannot be formatted: {error}"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    diagnostics
}

fn is_variable(error: &FluentError) -> bool {
    matches!(
        error,
        FluentError::ResolverError(ResolverError::Reference(ReferenceKind::Variable { .. }))
    )
}

/// Arguments with the names koho passes and values of the right kind.
fn sample_args(variables: &[&'static str]) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    for &name in variables {
        match name {
            "year" => args.set(name, 2020),
            "month" | "day" | "number" => args.set(name, 5),
            _ => args.set(name, "x"),
        }
    }
    args
}

/// `date-long` of `lang` (from the first locale of its chain that has it) may use `$monthname`
/// and `$weekday`; then every `month-1` … `month-12` or `weekday-1` … `weekday-7` must exist in
/// the chain, or some dates would be printed with an empty name. Returns, for each variable
/// whose names are incomplete, where `date-long` is, the variable and the missing messages.
fn date_names<'v>(locales: &Locales, lang: &str) -> Vec<(Location, &'v str, Vec<String>)> {
    let found = locales.chain(lang).find_map(|code| {
        let locale = locales.locales.get(code)?;
        let pattern = locale.bundle.get_message("date-long")?.value()?;
        Some((locale.messages.get("date-long")?.clone(), pattern))
    });
    let Some((location, pattern)) = found else {
        return Vec::new();
    };
    let used = variables(pattern);
    let mut incomplete = Vec::new();
    for (variable, prefix, count) in [("monthname", "month", 12), ("weekday", "weekday", 7)] {
        if !used.contains(variable) {
            continue;
        }
        let missing: Vec<String> = (1..=count)
            .map(|n| format!("{prefix}-{n}"))
            .filter(|id| !locales.has(lang, id))
            .collect();
        if !missing.is_empty() {
            incomplete.push((location.clone(), variable, missing));
        }
    }
    incomplete
}

/// The names of the variables a pattern uses (`$monthname` → `monthname`).
fn variables<'a>(pattern: &ast::Pattern<&'a str>) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::new();
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, &mut names);
        }
    }
    names
}

fn expression_variables<'a>(expression: &ast::Expression<&'a str>, names: &mut BTreeSet<&'a str>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, names);
            for variant in variants {
                names.extend(variables(&variant.value));
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, names),
    }
}

fn inline_variables<'a>(inline: &ast::InlineExpression<&'a str>, names: &mut BTreeSet<&'a str>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            names.insert(id.name);
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                inline_variables(argument, names);
            }
            for argument in &arguments.named {
                inline_variables(&argument.value, names);
            }
        }
        ast::InlineExpression::Placeable { expression } => {
            expression_variables(expression, names);
        }
        _ => {}
    }
}
