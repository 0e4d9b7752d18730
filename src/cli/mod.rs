//! The command line: one file per command, each with its arguments and its `run`.

pub mod build;
pub mod check;
pub mod console;
pub mod init;
pub mod new;
#[cfg(feature = "serve")]
pub mod serve;
pub mod status;

use clap::{Parser, Subcommand};

/// koho builds multilingual static sites: press releases, books and downloads.
#[derive(Debug, Parser)]
#[command(name = "koho", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (public/ by default).
    Build(build::BuildArgs),
    /// Check links, anchors, templates, messages and the output plan without writing output
    /// (it keeps what it rendered in .koho/ for the next build, as a build does).
    Check(check::CheckArgs),
    /// Show which translations are current, stale, draft or missing; mark finished ones.
    Status(status::StatusArgs),
    /// Create a release, page or chapter with its front matter (translations as drafts).
    New(new::NewArgs),
    /// Create a new, buildable three-language site in DIR (refuses a non-empty folder).
    Init(init::InitArgs),
    /// Preview the site: build into memory, serve on localhost, rebuild and reload on changes.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Status(args) => status::run(&args),
        Command::New(args) => new::run(&args),
        Command::Init(args) => init::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(&args),
    }
}
