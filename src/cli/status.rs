//! `koho status`: the translation status table, `--mark` to record finished translations,
//! `--diff` to show what changed in a stale translation's source, `--html` for a report page.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::config::{self, SiteConfig};
use crate::content::{self, Content};
use crate::error::Diagnostic;
use crate::status::{self, changes::Outcome};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The site folder (holding site.toml).
    #[arg(short, long, default_value = ".")]
    pub root: PathBuf,
    /// Show only this language's column and counts.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Text (a table, coloured on a terminal) or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the status as one HTML page to FILE (refused inside content/ or public/).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Record that these translations match their source as it is now (sets `translated_from`).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["diff", "html", "lang"])]
    pub mark: Vec<PathBuf>,
    /// Show the paragraphs of the source that changed since FILE was translated.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["html", "lang"])]
    pub diff: Option<PathBuf>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Exit code 0 when done; 1 when the site has errors or a request could not be carried out
/// (nothing marked, no diff to show); 2 for an unknown `--lang`.
pub fn run(args: &StatusArgs) -> i32 {
    let config = match config::load(&args.root, None) {
        Ok(config) => config,
        Err(diagnostics) => return fail(&diagnostics),
    };
    let (content, diagnostics) = content::load(&config, true);
    for diagnostic in &diagnostics {
        eprintln!("{diagnostic}");
    }
    let site_errors = diagnostics.iter().any(Diagnostic::is_error);
    let code = if !args.mark.is_empty() {
        run_mark(&config, &content, &args.mark, args.format)
    } else if let Some(path) = &args.diff {
        run_diff(&config, &content, path, args.format)
    } else {
        run_report(&config, &content, args)
    };
    if site_errors && code == 0 {
        eprintln!("error: the site has errors (above): the status of those files is `invalid`");
        return 1;
    }
    code
}

fn fail(diagnostics: &[Diagnostic]) -> i32 {
    for diagnostic in diagnostics {
        eprintln!("{diagnostic}");
    }
    1
}

fn stdout_colour() -> bool {
    status::table::colour_wanted(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

/// Writes to stdout; a closed pipe (`koho status | head`) ends the output quietly instead of
/// panicking as `print!` does.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => emit(&format!("{text}\n")),
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}

fn run_report(config: &SiteConfig, content: &Content, args: &StatusArgs) -> i32 {
    let (mut report, errors) = status::collect(config, &content.inventory());
    if let Some(lang) = &args.lang {
        if config.language(lang).is_none() {
            eprintln!(
                "error: --lang {lang}: not a language of this site (the languages are: {})",
                config.language_codes()
            );
            return 2;
        }
        report.retain_language(lang);
    }
    // Checked before anything is printed, so that a refused path is the only output.
    let html_target = match &args.html {
        Some(target) => match status::html::check_target(&config.root, target) {
            Ok(path) => Some(path),
            Err(e) => return fail(&[e]),
        },
        None => None,
    };
    match args.format {
        Format::Text => emit(&status::table::render_report(&report, stdout_colour())),
        Format::Json => print_json(&report),
    }
    if let Some(path) = html_target {
        if let Err(e) = write_html(config, &report, &path) {
            return fail(&[e]);
        }
    }
    if errors.is_empty() {
        0
    } else {
        fail(&errors)
    }
}

fn write_html(config: &SiteConfig, report: &status::Report, path: &Path) -> Result<(), Diagnostic> {
    let generated = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
    let html = status::html::render(report, &config.base_url, &generated);
    // Written beside it and renamed over it: an earlier report that is also a hard link to
    // another file (one in content/, say) is replaced, never written through.
    crate::cache::replace_file(path, |out| {
        use std::io::Write;
        out.write_all(html.as_bytes())
    })
    .map_err(|e| Diagnostic::in_file(path, format!("cannot write the report: {e}")))?;
    eprintln!("wrote the report to {}", path.display());
    Ok(())
}

fn run_mark(config: &SiteConfig, content: &Content, paths: &[PathBuf], format: Format) -> i32 {
    let marked = match status::mark::mark(config, content, paths) {
        Ok(marked) => marked,
        Err(errors) => {
            fail(&errors);
            eprintln!("error: nothing was marked");
            return 1;
        }
    };
    if format == Format::Json {
        let items: Vec<_> = marked
            .iter()
            .map(|m| {
                serde_json::json!({
                    "path": m.path, "source": m.source, "translated_from": m.id,
                    "changed": m.changed, "draft": m.draft,
                })
            })
            .collect();
        print_json(&items);
        return 0;
    }
    for m in &marked {
        let what = if m.changed {
            "marked"
        } else {
            "already marked"
        };
        emit(&format!(
            "{what} {} as translated from {} @ {}\n",
            m.path.display(),
            m.source.display(),
            &m.id[..10]
        ));
        if m.draft {
            emit(&format!(
                "  note: {} is still `draft = true`; remove that line to publish it\n",
                m.path.display()
            ));
        }
    }
    0
}

fn run_diff(config: &SiteConfig, content: &Content, path: &Path, format: Format) -> i32 {
    let changes = match status::changes::changes(config, content, path) {
        Ok(changes) => changes,
        Err(e) => return fail(&[e]),
    };
    match format {
        Format::Text => emit(&status::table::render_changes(&changes, stdout_colour())),
        Format::Json => print_json(&changes),
    }
    match changes.diff {
        Outcome::UpToDate | Outcome::Shown { .. } => 0,
        Outcome::NotRecorded | Outcome::Unavailable { .. } => 1,
    }
}
