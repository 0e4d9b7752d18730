//! `koho build`: builds the site and prints every diagnostic.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::console;
use crate::{build_with_progress, BuildError, BuildOptions, BuildReport};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The site folder (holding site.toml).
    #[arg(short, long, default_value = ".")]
    pub root: PathBuf,
    /// Where to write the site [default: <root>/public].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Overrides base_url of site.toml, e.g. https://example.org/ngmo/.
    #[arg(short = 'u', long, value_parser = crate::config::parse_base_url)]
    pub base_url: Option<String>,
    /// Publish pages marked `draft = true` too.
    #[arg(long)]
    pub drafts: bool,
    /// Print how long each stage took.
    #[arg(long)]
    pub timings: bool,
    /// Print errors only (no warnings, no summary).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print the pages per language and the time of each stage too.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Exit code 0 when built, 1 when the site has errors.
pub fn run(args: &BuildArgs) -> i32 {
    let started = Instant::now();
    let options = BuildOptions {
        root: args.root.clone(),
        output: args.output.clone(),
        base_url: args.base_url.clone(),
        include_drafts: args.drafts,
        ..BuildOptions::default()
    };
    let bar = progress_bar();
    // Asked once: the callback runs for every file, on every render thread.
    let may_draw = !args.quiet && console::stderr_is_terminal();
    let progress = |done: usize, total: usize| {
        // Only builds longer than a second get a bar, and only on a terminal.
        if may_draw && bar.is_hidden() && started.elapsed().as_secs() >= 1 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let result = build_with_progress(&options, &progress);
    bar.finish_and_clear();
    match result {
        Ok(mut report) => {
            if !args.quiet {
                print_report(args, &report, started);
            }
            // The process exits next: the system frees all at once what would take koho 15 ms.
            std::mem::take(&mut report.leftovers).leak();
            0
        }
        Err(error) => {
            print_failure(args, error);
            1
        }
    }
}

/// The warnings, the timings and pages per language when asked for, and the summary line.
fn print_report(args: &BuildArgs, report: &BuildReport, started: Instant) {
    let color = console::use_color();
    for warning in &report.warnings {
        eprintln!("{}", console::render(warning, &args.root, color));
    }
    if args.timings || args.verbose {
        for (stage, duration) in &report.timings {
            eprintln!("{:>8.1} ms  {stage}", duration.as_secs_f64() * 1000.0);
        }
    }
    if args.verbose {
        for (lang, pages) in &report.pages_per_language {
            eprintln!("{pages:>8} pages  {lang}");
        }
    }
    let per_language: Vec<String> = report
        .pages_per_language
        .iter()
        .map(|(lang, n)| format!("{lang} {n}"))
        .collect();
    eprintln!(
        "built {} pages ({}) and {} downloads into {} in {} ms: {} files written, {} unchanged, {} removed",
        report.pages,
        per_language.join(", "),
        report.downloads,
        report.output.display(),
        started.elapsed().as_millis(),
        report.written,
        report.unchanged,
        report.removed
    );
}

/// Every diagnostic of a failed build, or the error that stopped it with what to do, and what
/// became of the output.
fn print_failure(args: &BuildArgs, error: BuildError) {
    let other = match error {
        BuildError::Site(diagnostics) => {
            let color = console::use_color();
            for diagnostic in &diagnostics {
                eprintln!("{}", console::render(diagnostic, &args.root, color));
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "error: the build failed with {errors} error(s); {}",
                output_fate(args)
            );
            return;
        }
        other => other,
    };
    eprintln!("error: {other}");
    match &other {
        BuildError::ForeignOutput(_) => {
            eprintln!(
                "  help: choose an empty or new folder with --output; if koho built this folder \
                 before (and its records in .koho/ were deleted, or the folder was replaced \
                 since), move it away or delete it and build again"
            )
        }
        BuildError::Locked(_) => {
            eprintln!("  help: wait for the other build to finish, then run this one again")
        }
        BuildError::OutputInsideInput { .. } => {
            eprintln!(
                "  help: choose a folder outside content/, locales/ and themes/ with --output"
            )
        }
        _ => {}
    }
    // A commit error says itself what state the output is in.
    if !matches!(other, BuildError::Commit { .. }) {
        eprintln!("error: the build failed; {}", output_fate(args));
    }
}

/// A bar that stays hidden until the build has taken a second (see `run`).
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::hidden();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files") {
        bar.set_style(style);
    }
    bar
}

/// What became of the output after a failed build (`BuildError`'s promise): left as it was, or,
/// where there was none, not created.
fn output_fate(args: &BuildArgs) -> &'static str {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.root.join("public"));
    match output.exists() {
        true => "the previous output was left as it was",
        false => "nothing was written",
    }
}
