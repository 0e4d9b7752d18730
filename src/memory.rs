//! Giving freed memory back to the system between stages of a build.
//!
//! koho's binary allocates with mimalloc (`main.rs`). mimalloc keeps a freed block's page in
//! the heap of the thread that allocated it until that thread collects; assembly frees about
//! 100 MB of texts at 10,000 releases × 3 languages, allocated on the loading threads and freed
//! on others, and without a collection the next stages allocated beside it: peak memory was
//! 236 MB instead of 188 (BENCHMARKS.md, ninth pass).

/// Asks mimalloc to collect freed memory on every thread of rayon's pool and on this one,
/// returning whole free pages to the system. Harmless when mimalloc is not the global
/// allocator (the tests): it then has nothing to collect.
pub fn return_freed_memory() {
    // SAFETY: `mi_collect` has no preconditions; it only touches the calling thread's heap
    // (and pages other threads abandoned), so each thread collects its own.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    // SAFETY: as above, for the calling thread.
    unsafe { libmimalloc_sys::mi_collect(true) };
}
