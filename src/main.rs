//! The `koho` binary: parses arguments and runs a command (usage errors exit with 2).

use clap::Parser;

/// Rendering thousands of pages allocates many small strings on every thread; mimalloc handles
/// that markedly faster than the system allocator here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = koho::cli::Cli::parse();
    std::process::exit(koho::cli::run(cli));
}
