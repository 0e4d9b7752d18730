//! The `koho` binary: parses arguments and runs a command (usage errors exit with 2).

use clap::Parser;

/// Rendering thousands of pages allocates many small strings on every thread; mimalloc handles
/// that markedly faster than the system allocator here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mi_option_e` of mimalloc 3.3 (include/mimalloc.h, the version
/// libmimalloc-sys 0.1.49 builds by default; its Rust bindings do not name this option).
/// `MIMALLOC_VERBOSE=1 koho --version` lists the options in this order.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Freed pages go back to the system after 1 ms instead of this build's default of 1 s: a
    // rebuild at 10,000 releases then peaks at about 160 MiB instead of 210, for no measurable
    // CPU (BENCHMARKS.md, third pass). SAFETY: a plain option store, made before any thread
    // starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1) };
    without_huge_pages();
    quiet_print_failures();
    let cli = koho::cli::Cli::parse();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| koho::cli::run(cli)));
    let code = match run {
        Ok(code) => code,
        // Messages go to stderr with `eprintln!`, which panics when stderr is a closed pipe
        // (`koho check 2>&1 | head`): that is no bug of koho's, and the exit code must say
        // failure (1), not 101, for `set -o pipefail` scripts. Other panics stay panics.
        Err(payload) if is_print_failure(payload.as_ref()) => 1,
        Err(payload) => std::panic::resume_unwind(payload),
    };
    std::process::exit(code);
}

/// Turns transparent huge pages off for this process (`prctl(PR_SET_THP_DISABLE)`, which
/// holds for every mapping, also those mimalloc reserved and advised `MADV_HUGEPAGE` before
/// `main`). With them, a page fault could zero 2 MiB where koho touched a few KiB: a one-release
/// rebuild at 10,000 releases peaked at 183–196 MiB and took 0.39–0.60 s of wall time; without
/// them, 157–160 MiB and 0.45–0.46 s. Fresh builds: 151–157 MiB instead of 170–176, same time
/// (BENCHMARKS.md, thirteenth pass). A kernel without the call only keeps huge pages.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Keeps std's panic message (and backtrace) for failed prints off stderr: `koho check
/// --format json | head` closes the pipe, which is the reader's choice, not a crash; `main`
/// turns it into exit code 1. Every other panic is reported as before.
fn quiet_print_failures() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_print_failure(info.payload()) {
            report(info);
        }
    }));
}

/// Whether a panic's payload is std's "failed printing to stderr/stdout" (`eprintln!`, `println!`).
fn is_print_failure(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.starts_with("failed printing to")
}
