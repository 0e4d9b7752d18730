//! `[security]` of site.toml: what raw HTML written in Markdown may do, and the
//! Content-Security-Policy every HTML page carries.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Diagnostic, Location};

/// The policy pages carry unless `[security] content_security_policy` says otherwise: scripts
/// and styles only from the site itself (no inline script, no `on…` handler, no `javascript:`
/// URL), images also from https and `data:`, no plugins, forms and `<base>` only to the site. Inline
/// style attributes stay allowed: authors' raw HTML (tables, figures) uses them, and styles
/// cannot run code. `frame-ancestors` is left out: browsers ignore it in a `<meta>` (CSP 3 §6.1).
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; font-src 'self' data:; \
object-src 'none'; base-uri 'self'; form-action 'self'";

/// `[security]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecurity {
    raw_html: Option<toml::Spanned<String>>,
    content_security_policy: Option<toml::Spanned<String>>,
}

/// What raw HTML written in Markdown (`<div>`, `<span onclick=…>`, `<script>`) becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RawHtml {
    /// Passed through unchanged: the authors are trusted (the default, as in CommonMark).
    #[default]
    Allow,
    /// Shown as text (`&lt;div&gt;`): nothing the author writes becomes markup.
    Escape,
    /// Left out of the page.
    Remove,
}

/// The checked `[security]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    pub raw_html: RawHtml,
    /// The policy of the `<meta http-equiv="Content-Security-Policy">` koho puts in every HTML
    /// page it renders; None (written as `""`) for no policy.
    pub content_security_policy: Option<String>,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            raw_html: RawHtml::Allow,
            content_security_policy: Some(DEFAULT_CSP.to_string()),
        }
    }
}

/// Checks `[security]`; `at` locates a byte range of site.toml (`path`).
pub(super) fn check(
    path: &Path,
    raw: RawSecurity,
    at: impl Fn(std::ops::Range<usize>) -> Option<Location>,
    errors: &mut Vec<Diagnostic>,
) -> Security {
    let mut security = Security::default();
    if let Some(written) = raw.raw_html {
        security.raw_html = match written.get_ref().as_str() {
            "allow" => RawHtml::Allow,
            "escape" => RawHtml::Escape,
            "remove" => RawHtml::Remove,
            other => {
                errors.push(
                    Diagnostic::error(
                        at(written.span()).or_else(|| Some(Location::file(path))),
                        format!("[security] raw_html = \"{other}\" is not known"),
                    )
                    .with_help("use \"allow\" (trusted authors), \"escape\" or \"remove\""),
                );
                RawHtml::Allow
            }
        };
    }
    if let Some(written) = raw.content_security_policy {
        let policy = written.get_ref().trim();
        // A policy is one line of printable ASCII (CSP 3 §2.2 serialized-policy grammar).
        if policy.bytes().any(|b| !(b' '..=b'~').contains(&b)) {
            errors.push(
                Diagnostic::error(
                    at(written.span()).or_else(|| Some(Location::file(path))),
                    "[security] content_security_policy must be one line of printable ASCII",
                )
                .with_help("write directives separated by `;`, e.g. \"default-src 'self'\""),
            );
        }
        security.content_security_policy = (!policy.is_empty()).then(|| policy.to_string());
    }
    security
}
