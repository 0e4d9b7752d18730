//! `koho new release|page|chapter`: creates a document's files with front matter filled and
//! prints their paths.

use std::path::PathBuf;

use chrono::Datelike;
use clap::{Args, Subcommand};

use crate::content::Date;
use crate::scaffold::new::{create, Kind, Request};

#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(subcommand)]
    pub what: NewCommand,
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// A press release: content/releases/<date>-<slug>/index.<lang>.md.
    Release {
        /// One word or words joined by `-` (no `/`, `..` or spaces); may start with its date.
        slug: String,
        /// The release date [default: today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A page: content/<path>/index.<lang>.md (e.g. `about/team`).
    Page {
        path: String,
        #[command(flatten)]
        common: Common,
    },
    /// A book chapter: content/<book>/<part>/<name>.<lang>.md, weighted after the last one.
    Chapter {
        path: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// The site folder (holding site.toml).
    #[arg(short, long, default_value = ".")]
    pub root: PathBuf,
    /// The languages to create, comma-separated [default: all]; the default language's file
    /// must be among them or exist already (the others are translated from it).
    #[arg(long, value_delimiter = ',', value_name = "LANGS")]
    pub langs: Vec<String>,
    /// Make the default-language file a draft too (the translations always are).
    #[arg(long)]
    pub draft: bool,
}

/// Exit code 0 when created, 1 when anything was wrong (nothing is written then).
pub fn run(args: &NewArgs) -> i32 {
    let (kind, name, date, common) = match &args.what {
        NewCommand::Release { slug, date, common } => (Kind::Release, slug, date.clone(), common),
        NewCommand::Page { path, common } => (Kind::Page, path, None, common),
        NewCommand::Chapter { path, common } => (Kind::Chapter, path, None, common),
    };
    let config = match crate::config::load(&common.root, None) {
        Ok(config) => config,
        Err(diagnostics) => return report(&diagnostics),
    };
    let now = chrono::Local::now().date_naive();
    let request = Request {
        kind,
        // One spelling of a name (NFC, as koho reads content/): an NFD slug would make a
        // second folder that looks the same as an existing one.
        name: crate::url::nfc(name).into_owned(),
        date,
        today: Date {
            year: now.year(),
            month: now.month(),
            day: now.day(),
        },
        langs: common.langs.clone(),
        draft: common.draft,
    };
    match create(&config, &request) {
        Ok(paths) => {
            for path in &paths {
                super::status::emit(&format!("{}\n", path.display()));
            }
            if paths.len() > 1 {
                eprintln!("the translations are drafts recording the source they start from (translated_from); `koho status` lists them");
            }
            0
        }
        Err(diagnostics) => {
            report(&diagnostics);
            eprintln!("error: nothing was created");
            1
        }
    }
}

fn report(diagnostics: &[crate::Diagnostic]) -> i32 {
    for diagnostic in diagnostics {
        eprintln!("{diagnostic}");
    }
    1
}
