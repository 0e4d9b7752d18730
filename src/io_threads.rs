//! Threads that wait on the disk: the stages that stat and read every input run on more
//! threads than there are cores, so that a build whose inputs are not in the page cache (the
//! first build after a reboot, or after the system reclaimed them) keeps many reads in flight
//! instead of one per core.

/// How many threads stat and read inputs. Measured on this project's 2-core virtual machine
/// with the 30,000 sources of the 10,000-release corpus and a dropped page cache: reading
/// them took 2.6 s with 2 readers, 1.2 s with 16 and 1.3 s with 64. Git's `core.preloadIndex`
/// (preload-index.c) stats index entries on up to 20 threads for the same reason.
pub const IO_THREADS: usize = 16;

/// Runs `work` on a pool of `IO_THREADS` threads: rayon's parallel iterators and scopes
/// inside it use that pool. When the pool cannot be made (a process near its thread limit),
/// `work` runs where it was called, on the usual pool.
pub fn on_io_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(IO_THREADS)
        .thread_name(|i| format!("koho-io-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_the_io_pool_and_gives_its_result() {
        let threads = on_io_threads(rayon::current_num_threads);
        assert_eq!(threads, IO_THREADS);
        let sum: u64 = on_io_threads(|| {
            use rayon::prelude::*;
            (1..=100u64).into_par_iter().sum()
        });
        assert_eq!(sum, 5050);
    }
}
