//! `koho serve`: a live preview. Builds the site into memory (never into the output folder),
//! serves it on loopback, watches the inputs, rebuilds on a change and reloads the open pages
//! over server-sent events; a failed rebuild keeps the last good site and shows its errors.
//!
//! Threads: HTTP workers answer from the current `State` (swapped whole after each build), one
//! thread per open event stream, one rebuild loop fed by the file watcher.

pub mod events;
pub mod http;
pub mod inject;
pub mod overlay;
pub mod prepare;
pub mod session;
pub mod store;
pub mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::error::Diagnostic;
use crate::{BuildError, BuildOptions};
use session::{Indexer, Session};
use store::Snapshot;
use watch::Change;

/// HTTP worker threads; event streams do not occupy them.
const WORKERS: usize = 4;

/// When more files than this changed, the reload event does not list them (every page reloads).
const MAX_LISTED_CHANGES: usize = 500;

/// What `koho serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `root` and `include_drafts` are used; `base_url` is replaced by the server's own URL and
    /// `output` is ignored (nothing is written).
    pub build: BuildOptions,
    pub bind: IpAddr,
    /// 0 picks a free port (the URL reported says which).
    pub port: u16,
}

/// What the server tells the person running it.
#[derive(Debug)]
pub enum Report {
    /// Listening at `url` (`http://127.0.0.1:1111/`).
    Listening { url: String },
    /// A build succeeded.
    Built {
        pages: usize,
        files: usize,
        changed: usize,
        /// Files rendered; the others kept their bytes from the previous build.
        rendered: usize,
        elapsed: Duration,
        timings: Vec<(&'static str, Duration)>,
        new_warnings: Vec<Diagnostic>,
        initial: bool,
    },
    /// A build failed: `text` is every diagnostic with its source line; the last good site is
    /// still served, with the errors over it.
    Failed { text: String, errors: usize },
    /// The watcher had a problem; everything is rebuilt.
    Watch(String),
}

/// What is served right now.
pub struct State {
    pub snapshot: Arc<Snapshot>,
    /// The error overlay, while the last build failed.
    pub overlay: Option<String>,
    /// Counts builds, failed ones too.
    pub generation: u64,
}

/// The shared state of a running server.
pub struct Live {
    state: RwLock<Arc<State>>,
    pub events: events::Broadcaster,
}

impl Live {
    /// The state to answer one request from.
    pub fn current(&self) -> Arc<State> {
        match self.state.read() {
            Ok(state) => Arc::clone(&state),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn replace(&self, state: State) {
        match self.state.write() {
            Ok(mut slot) => *slot = Arc::new(state),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(state),
        }
    }

    /// Replaces the state with `next(current)` if it is still that of build `generation`.
    fn replace_if(&self, generation: u64, next: impl FnOnce(&State) -> State) {
        let mut slot = match self.state.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if slot.generation == generation {
            *slot = Arc::new(next(&slot));
        }
    }
}

/// The diagnostics of a failed build (errors that are not about the site get one each).
pub fn diagnostics(error: BuildError) -> Vec<Diagnostic> {
    match error {
        BuildError::Site(diagnostics) => diagnostics,
        other => vec![Diagnostic::error(None, other.to_string())],
    }
}

/// Runs the preview until `stop` receives (or its sender is dropped). Errors: the address is
/// taken or cannot be bound, the site folder does not exist, the watcher cannot start.
pub fn run(
    options: ServeOptions,
    stop: Receiver<()>,
    report: &(dyn Fn(Report) + Sync),
) -> Result<(), String> {
    let root = std::fs::canonicalize(&options.build.root).map_err(|e| {
        format!(
            "cannot open the site folder `{}`: {e}",
            options.build.root.display()
        )
    })?;
    let address = SocketAddr::new(options.bind, options.port);
    let server =
        tiny_http::Server::http(address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or("the server is not listening on an IP address")?;
    let url = format!("http://{bound}/");
    let build = BuildOptions {
        root: root.clone(),
        output: None,
        base_url: Some(url.clone()),
        ..options.build
    };
    let (changes_tx, changes_rx) = mpsc::channel();
    // Watch before the first build, so that nothing saved during it is missed.
    let (watcher, watched) = watch::start(&root, changes_tx.clone())?;
    report(Report::Listening { url });
    let mut session = Session::new(build);
    let live = Arc::new(Live {
        state: RwLock::new(Arc::new(first_state(&mut session, report))),
        events: events::Broadcaster::default(),
    });
    let server = Arc::new(server);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (server, live) = (Arc::clone(&server), Arc::clone(&live));
                scope.spawn(move || {
                    while let Ok(request) = server.recv() {
                        http::respond(request, &live);
                    }
                })
            })
            .collect();
        let rebuilder = {
            let live = Arc::clone(&live);
            let mut watcher = (watcher, watched, root);
            scope
                .spawn(move || rebuild_loop(&mut session, &live, &changes_rx, &mut watcher, report))
        };
        // Ctrl-C (or the caller) asks to stop; a dropped sender means the same.
        let _ = stop.recv();
        let _ = changes_tx.send(Change::Stop);
        live.events.close();
        for _ in &workers {
            server.unblock();
        }
        for worker in workers {
            let _ = worker.join();
        }
        let _ = rebuilder.join();
    });
    Ok(())
}

/// The state after the first build: its site, or an empty site with the errors over it.
fn first_state(session: &mut Session, report: &(dyn Fn(Report) + Sync)) -> State {
    match session.build(None) {
        Ok(outcome) => {
            report(built_report(&outcome, true));
            State {
                snapshot: Arc::new(outcome.built.snapshot),
                overlay: None,
                generation: 1,
            }
        }
        Err(diagnostics) => State {
            snapshot: Arc::new(Snapshot::default()),
            overlay: Some(failed(session, &diagnostics, report)),
            generation: 1,
        },
    }
}

fn built_report(outcome: &session::Outcome, initial: bool) -> Report {
    Report::Built {
        pages: outcome.built.snapshot.pages,
        files: outcome.built.snapshot.files.len(),
        changed: outcome.built.changed.len(),
        rendered: outcome.rendered.len(),
        elapsed: outcome.elapsed,
        timings: outcome.timings.clone(),
        new_warnings: outcome.new_warnings.clone(),
        initial,
    }
}

/// Reports a failed build and returns its overlay.
fn failed(
    session: &Session,
    diagnostics: &[Diagnostic],
    report: &(dyn Fn(Report) + Sync),
) -> String {
    report(Report::Failed {
        text: overlay::terminal_text(session.root(), diagnostics),
        errors: diagnostics.iter().filter(|d| d.is_error()).count(),
    });
    overlay::html(session.root(), diagnostics)
}

/// Rebuilds after each batch of changes until told to stop.
fn rebuild_loop(
    session: &mut Session,
    live: &Arc<Live>,
    changes: &Receiver<Change>,
    watcher: &mut (watch::Watcher, Vec<PathBuf>, PathBuf),
    report: &(dyn Fn(Report) + Sync),
) {
    std::thread::scope(|indexing| {
        while let Ok(change) = changes.recv() {
            if !next_rebuild(session, live, changes, watcher, report, change, indexing) {
                return;
            }
        }
    });
}

/// One batch of changes (the first, `change`, and what arrived meanwhile) and its rebuild;
/// false when told to stop.
fn next_rebuild<'scope>(
    session: &mut Session,
    live: &Arc<Live>,
    changes: &Receiver<Change>,
    watcher: &mut (watch::Watcher, Vec<PathBuf>, PathBuf),
    report: &'scope (dyn Fn(Report) + Sync),
    change: Change,
    indexing: &'scope std::thread::Scope<'scope, '_>,
) -> bool {
    // Everything that arrived meanwhile is part of the same rebuild.
    let mut batch = vec![change];
    batch.extend(changes.try_iter());
    if batch.iter().any(|c| matches!(c, Change::Stop)) {
        return false;
    }
    for change in &batch {
        if let Change::Rescan(why) = change {
            report(Report::Watch(why.clone()));
        }
    }
    let (debouncer, watched, root) = watcher;
    if let Err(problem) = watch::watch_new_inputs(debouncer, root, watched) {
        report(Report::Watch(problem));
    }
    for change in &batch {
        match change {
            Change::Paths { paths, structural } => session.note_changes(*structural, paths),
            Change::Rescan(_) | Change::Stop => session.note_changes(true, &[]),
        }
    }
    rebuild(session, live, report, indexing);
    true
}

/// After the reload, on a thread of its own so that the next change is not kept waiting: the
/// search index of the new site, swapped into what is served if no newer build replaced it
/// meanwhile (no reload: the search page fetches the index when used). An error keeps the
/// previous index and is reported.
fn refresh_search(
    indexer: Indexer,
    live: Arc<Live>,
    site: Arc<crate::site::Site>,
    generation: u64,
    report: &(dyn Fn(Report) + Sync),
) {
    match indexer.index(&site) {
        Ok(files) => live.replace_if(generation, |current| State {
            snapshot: Arc::new(store::with_search_index(&current.snapshot, files)),
            overlay: current.overlay.clone(),
            generation,
        }),
        Err(diagnostics) => report(Report::Failed {
            text: overlay::terminal_text(&site.config.root, &diagnostics),
            errors: diagnostics.iter().filter(|d| d.is_error()).count(),
        }),
    }
}

/// One rebuild: the new site, or the old one with the errors; then the reload event.
pub fn rebuild<'scope>(
    session: &mut Session,
    live: &Arc<Live>,
    report: &'scope (dyn Fn(Report) + Sync),
    indexing: &'scope std::thread::Scope<'scope, '_>,
) {
    let current = live.current();
    let generation = current.generation + 1;
    match session.build(Some(&current.snapshot)) {
        Ok(outcome) => {
            report(built_report(&outcome, false));
            let had_errors = current.overlay.is_some();
            let changed = outcome.built.changed;
            live.replace(State {
                snapshot: Arc::new(outcome.built.snapshot),
                overlay: None,
                generation,
            });
            if had_errors || changed.len() > MAX_LISTED_CHANGES {
                live.events.reload(generation, None);
            } else if !changed.is_empty() {
                live.events.reload(generation, Some(&changed));
            }
            if outcome.search_pending {
                let (indexer, live, site) = (session.indexer(), Arc::clone(live), outcome.site);
                indexing.spawn(move || refresh_search(indexer, live, site, generation, report));
            }
        }
        Err(diagnostics) => {
            let overlay = failed(session, &diagnostics, report);
            live.replace(State {
                snapshot: Arc::clone(&current.snapshot),
                overlay: Some(overlay),
                generation,
            });
            live.events.reload(generation, None);
        }
    }
}
