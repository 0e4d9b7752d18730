//! `koho check`: validates the whole site without writing output; exit 1 on errors (and on
//! warnings with `--deny-warnings`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::console;
use crate::{BuildOptions, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site folder (holding site.toml).
    #[arg(short, long, default_value = ".")]
    pub root: PathBuf,
    /// `text` for people, `json` for CI (one object per diagnostic).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Check pages marked `draft = true` too.
    #[arg(long)]
    pub drafts: bool,
}

/// Exit code 0 when the site is clean enough, 1 otherwise.
pub fn run(args: &CheckArgs) -> i32 {
    let options = BuildOptions {
        root: args.root.clone(),
        include_drafts: args.drafts,
        ..BuildOptions::default()
    };
    let diagnostics = match crate::check::check(&options) {
        Ok(diagnostics) => diagnostics,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    match args.format {
        Format::Json => println!("{}", console::to_json(&diagnostics)),
        Format::Text => {
            let color = console::use_color();
            for diagnostic in &diagnostics {
                eprintln!("{}\n", console::render(diagnostic, &args.root, color));
            }
            eprintln!("checked: {errors} error(s), {warnings} warning(s), {notes} note(s)");
        }
    }
    i32::from(errors > 0 || (args.deny_warnings && warnings > 0))
}
