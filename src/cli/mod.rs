//! The command line: one file per command, each with its arguments and its `run`.

pub mod build;
#[cfg(feature = "serve")]
pub mod serve;

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
    /// Preview the site: build into memory, serve on localhost, rebuild and reload on changes.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build(args) => build::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(&args),
    }
}
