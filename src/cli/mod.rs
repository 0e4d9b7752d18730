//! The command line: one file per command, each with its arguments and its `run`.

pub mod build;
pub mod check;
pub mod console;

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
    /// Check links, anchors, templates, messages and the output plan without writing anything.
    Check(check::CheckArgs),
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
    }
}
