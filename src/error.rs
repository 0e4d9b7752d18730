//! Diagnostics: every problem of a build, with the file, line and column it comes from.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem was found. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(path: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            column: Some(column),
        }
    }

    /// The location of byte `offset` in `text`, which starts at line `first_line` of the file.
    pub fn at_offset(
        path: impl Into<PathBuf>,
        text: &str,
        offset: usize,
        first_line: usize,
    ) -> Self {
        let (line, column) = line_column(text, offset);
        Location::at(path, line + first_line - 1, column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, never a failure (`koho check`: unused messages, missing translations).
    Note,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One message for a person: what is wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Option<Location>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location,
            message: message.into(),
            help: None,
        }
    }

    /// An error about a whole file.
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic::error(Some(Location::file(path)), message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.severity.label();
        match &self.location {
            Some(location) => write!(f, "{label}: {location}: {}", self.message)?,
            None => write!(f, "{label}: {}", self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Why a build did not produce a site. The previous output is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The site has errors; every one found is listed (warnings too).
    #[error("the site has {} error(s)", count_errors(.0))]
    Site(Vec<Diagnostic>),
    /// Writing the output failed.
    #[error("cannot write `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another build is writing the same output.
    #[error("another koho build is writing `{0}` right now")]
    Locked(PathBuf),
    /// Moving the new files into the output failed; `not_restored` lists what could not be
    /// put back (empty: the previous output is intact).
    #[error("{}", commit_message(.output, .message, .not_restored))]
    Commit {
        output: PathBuf,
        message: String,
        not_restored: Vec<String>,
    },
    /// `--output` points into a folder the build reads (content/, locales/, a theme).
    #[error(
        "refusing to write the site into `{output}`: it is inside {input}, which the build reads"
    )]
    OutputInsideInput { output: PathBuf, input: PathBuf },
    /// `--output` is inside another output of the site, whose next build would remove it.
    #[error(
        "refusing to write the site into `{output}`: it is inside `{other}`, an output of this site, whose next build would remove it; choose a folder outside it"
    )]
    OutputInsideOutput { output: PathBuf, other: PathBuf },
    /// `--output` names a staging folder, which the build of the output holding it removes.
    #[error(
        "refusing to write the site into `{0}`: `.koho-staging` is where koho stages a build, and the next build of the folder above would remove it; choose another name"
    )]
    OutputInStaging(PathBuf),
    /// The output is a symbolic link whose target cannot be reached.
    #[error(
        "the output `{output}` is a symbolic link to a folder that cannot be reached ({source}); create the folder it points to, or remove the link"
    )]
    BrokenOutputLink {
        output: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The output directory holds something koho did not write.
    #[error("refusing to replace `{0}`: it exists, is not empty and was not written by koho")]
    ForeignOutput(PathBuf),
}

fn commit_message(output: &Path, message: &str, not_restored: &[String]) -> String {
    if not_restored.is_empty() {
        format!(
            "cannot move the new files into `{}`: {message}; the previous output was restored as it was",
            output.display()
        )
    } else {
        format!(
            "cannot move the new files into `{}`: {message}; these files could not be restored and \
             the output is a mix of two builds until the next successful build: {}",
            output.display(),
            not_restored.join(", ")
        )
    }
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

impl BuildError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Collects diagnostics across the stages of one build.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// Every diagnostic gathered, in the order found.
    pub fn into_items(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Stops the build here when any error was found, sorted so that output is stable.
    pub fn check(&mut self) -> Result<(), BuildError> {
        if self.has_errors() {
            let mut items = std::mem::take(&mut self.items);
            items.sort();
            items.dedup();
            Err(BuildError::Site(items))
        } else {
            Ok(())
        }
    }

    pub fn into_warnings(mut self) -> Vec<Diagnostic> {
        self.items.sort();
        self.items.dedup();
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "一行目\n二行目のx";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 5));
        assert_eq!(line_column(text, 0), (1, 1));
    }

    #[test]
    fn display_names_file_line_and_column() {
        let d = Diagnostic::error(Some(Location::at("content/a.md", 3, 7)), "bad date")
            .with_help("write YYYY-MM-DD");
        assert_eq!(
            d.to_string(),
            "error: content/a.md:3:7: bad date\n  help: write YYYY-MM-DD"
        );
    }
}
