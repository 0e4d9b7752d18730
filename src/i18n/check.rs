//! Checks of the loaded messages that Fluent would otherwise report only while rendering, or
//! never: a message that cannot be formatted, and a month or weekday name that `date-long`
//! needs and no locale has (which would print an empty name).

use std::collections::BTreeSet;

use fluent_bundle::resolver::errors::{ReferenceKind, ResolverError};
use fluent_bundle::{FluentArgs, FluentError};
use fluent_syntax::ast;

use super::{Locale, Locales, CODE_KEYS, CODE_KEY_PREFIXES};
use crate::config::SiteConfig;
use crate::error::Diagnostic;

/// The variables koho passes to those of its own messages (`CODE_KEYS`, `CODE_KEY_PREFIXES`)
/// that take any; a name ending in `-` stands for every message starting with it. Used by
/// `i18n::dates`, `render::downloads::size_label` and `render::book::part_label`.
const CODE_VARIABLES: &[(&str, &[&str])] = &[
    (
        "date-long",
        &["year", "month", "day", "weekday", "monthname"],
    ),
    ("size-", &["value"]),
    ("book-part", &["number"]),
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

/// Every problem of the messages of all locales; each names the .ftl file, line and message.
pub(super) fn messages(locales: &Locales, config: &SiteConfig) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = locales.locales.values().flat_map(formatting).collect();
    for language in &config.languages {
        diagnostics.extend(date_names(locales, &language.code));
    }
    diagnostics.sort();
    diagnostics.dedup();
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
/// the chain, or some dates would be printed with an empty name.
fn date_names(locales: &Locales, lang: &str) -> Vec<Diagnostic> {
    let found = locales.chain(lang).find_map(|code| {
        let locale = locales.locales.get(code)?;
        let pattern = locale.bundle.get_message("date-long")?.value()?;
        Some((locale, pattern))
    });
    let Some((locale, pattern)) = found else {
        return Vec::new();
    };
    let used = variables(pattern);
    let chain: Vec<&str> = locales.chain(lang).collect();
    let mut diagnostics = Vec::new();
    for (variable, prefix, count) in [("monthname", "month", 12), ("weekday", "weekday", 7)] {
        if !used.contains(variable) {
            continue;
        }
        let missing: Vec<String> = (1..=count)
            .map(|n| format!("{prefix}-{n}"))
            .filter(|id| !locales.has(lang, id))
            .collect();
        if !missing.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    locale.messages.get("date-long").cloned(),
                    format!(
                        "message `date-long` uses ${variable}, but no locale defines {} (looked in {} for `{lang}` pages)",
                        missing.join(", "),
                        chain.join(", ")
                    ),
                )
                .with_help(format!("add `{prefix}-1` … `{prefix}-{count}` to the .ftl files")),
            );
        }
    }
    diagnostics
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
