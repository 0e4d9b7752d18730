//! `koho serve`: the live preview's command line, terminal messages and Ctrl-C.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::mpsc;

use clap::Args;

use crate::serve::{self, Report, ServeOptions};
use crate::BuildOptions;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The site folder (holding site.toml).
    #[arg(short, long, default_value = ".")]
    pub root: PathBuf,
    /// The port to listen on (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// The address to listen on. The preview is meant for this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Open the site in the default web browser.
    #[arg(long)]
    pub open: bool,
    /// Show pages marked `draft = true` too.
    #[arg(long)]
    pub drafts: bool,
}

/// Serves until Ctrl-C (exit 0); exit 1 when the server cannot start.
pub fn run(args: &ServeArgs) -> i32 {
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}, which other machines may reach; the preview shows drafts \
             and unpublished changes\n  help: leave out --bind to listen on 127.0.0.1 only",
            args.bind
        );
    }
    let (stop_tx, stop_rx) = mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    }) {
        eprintln!("error: cannot handle Ctrl-C: {e}");
        return 1;
    }
    let options = ServeOptions {
        build: BuildOptions {
            root: args.root.clone(),
            include_drafts: args.drafts,
            ..BuildOptions::default()
        },
        bind: args.bind,
        port: args.port,
    };
    let open = args.open;
    let report = move |report: Report| print_report(report, open);
    match serve::run(options, stop_rx, &report) {
        Ok(()) => {
            eprintln!("stopped");
            0
        }
        Err(message) => {
            eprintln!("error: {message}");
            if message.starts_with("cannot listen") {
                eprintln!("  help: choose another port with --port (0 picks a free one)");
            }
            1
        }
    }
}

fn print_report(report: Report, open: bool) {
    match report {
        Report::Listening { url } => {
            // On stdout, alone on its line, so that scripts and tests can read the address.
            println!("serving {url}");
            eprintln!("watching content/, themes/, locales/ and site.toml; Ctrl-C stops");
            if open {
                open_browser(&url);
            }
        }
        Report::Built {
            pages,
            files,
            changed,
            rendered,
            elapsed,
            new_warnings,
            initial,
            ..
        } => {
            for warning in &new_warnings {
                eprintln!("{warning}");
            }
            let ms = elapsed.as_millis();
            if initial {
                eprintln!("built {pages} pages ({files} files) into memory in {ms} ms");
            } else {
                eprintln!("rebuilt in {ms} ms: {rendered} file(s) rendered, {changed} changed");
            }
        }
        Report::Failed { text, errors } => {
            eprint!("{text}");
            eprintln!(
                "error: the build failed with {errors} error(s); still serving the last good site"
            );
        }
        Report::Watch(problem) => eprintln!("warning: {problem}; rebuilding everything"),
    }
}

/// Asks the desktop to open `url`; a failure is only a warning (the URL is printed anyway).
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let spawned = command
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}
