//! `koho init [DIR]`: creates a new three-language site to start from.

use std::path::PathBuf;

use clap::Args;

use crate::scaffold::init::init;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the site (created if missing; must be empty).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Exit code 0 when created, 1 when the folder is not empty or cannot be written.
pub fn run(args: &InitArgs) -> i32 {
    match init(&args.dir) {
        Ok(files) => {
            for file in &files {
                super::status::emit(&format!("{}\n", args.dir.join(file).display()));
            }
            let root = args.dir.display();
            eprintln!("created a site in {root}: ja (default), en and zh");
            eprintln!("next: set base_url in {root}/site.toml, then `koho build --root {root}`");
            0
        }
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            1
        }
    }
}
