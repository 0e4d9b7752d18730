//! koho's integration tests, one module per capability, linked into one test binary.
//!
//! One binary instead of one per file: each links the whole library (Typst included), and two
//! dozen such binaries filled a CI machine's disk. Run one capability's tests with
//! `cargo test --test integration <module>::`, e.g. `cargo test --test integration e2e::`.

mod browser;
mod support;

mod bad_input;
mod book;
mod build_basics;
mod cached_partials;
mod check;
mod cjk_markdown;
mod discovery;
mod downloads;
mod e2e;
mod hardening;
mod hostile_input;
mod incremental;
mod lang_marking;
mod layout;
mod output_folder;
mod output_plan;
mod path_safety;
mod pdf;
mod pdf_site;
mod safe_output;
mod saved_bodies;
mod search;
mod serve;
mod shipped_site;
mod unicode_links;
mod workflow;
