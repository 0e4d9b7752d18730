//! The preview's builds: `lib::prepare_cached` with the session's caches (unchanged documents
//! are not read again and unchanged Markdown is not rendered again; the test
//! `serve_builds_the_same_site_as_koho_build` checks that the bytes equal `koho build`'s).

pub use crate::{prepare_cached as prepare, Caches};
