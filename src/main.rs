//! The `koho` binary: parses arguments and runs a command (usage errors exit with 2).

use clap::Parser;

fn main() {
    let cli = koho::cli::Cli::parse();
    std::process::exit(koho::cli::run(cli));
}
