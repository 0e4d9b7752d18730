//! Work no later stage reads, such as writing a best-effort state file, run on a thread of
//! its own while the build goes on, and waited for before the build goes past a point that
//! may depend on it (`Background::wait`, and always when the `Background` is dropped); and
//! memory nothing reads any more, handed to the caller to free or leave to the system
//! (`Leftovers`).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Work = Box<dyn FnOnce() + Send>;

/// The threads started so far. At 10,000 releases × 3 languages, saving the bodies' index
/// and a language's search bundle took about 25 ms of a one-release rebuild's critical path.
#[derive(Default)]
pub struct Background {
    running: Mutex<Vec<JoinHandle<()>>>,
}

impl Background {
    /// Runs `work` on a new thread, or on this one when no thread can be started (so that it
    /// is never skipped).
    pub fn run(&self, work: impl FnOnce() + Send + 'static) {
        let slot: Arc<Mutex<Option<Work>>> = Arc::new(Mutex::new(Some(Box::new(work))));
        let theirs = Arc::clone(&slot);
        let started = std::thread::Builder::new()
            .name("koho-background".into())
            .spawn(move || take_and_run(&theirs));
        match started {
            Ok(handle) => self.handles().push(handle),
            Err(_) => take_and_run(&slot),
        }
    }

    /// Waits for every piece of work run so far; a panic in one (a bug) is raised here.
    pub fn wait(&self) {
        let handles = std::mem::take(&mut *self.handles());
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }

    fn handles(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        // A poisoned list still holds every handle pushed before the panic.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let handles = std::mem::take(&mut *self.handles());
        for handle in handles {
            // Already unwinding (or a bug reported by `wait`): only make sure nothing is
            // still writing when the caller goes on.
            let _ = handle.join();
        }
    }
}

/// What a build leaves to free: its plan and the output's records (at 10,000 releases
/// × 3 languages, some 200,000 small allocations). A caller that exits right after the build
/// leaves them to the system (`leak`), as compilers do with their arenas: freeing them one by
/// one took about 15 ms at the end of a one-release rebuild. Anyone else drops them.
#[derive(Default)]
pub struct Leftovers(Vec<Box<dyn std::any::Any + Send + Sync>>);

impl Leftovers {
    /// Adds `value` to what is left.
    pub fn keep(&mut self, value: impl std::any::Any + Send + Sync) {
        self.0.push(Box::new(value));
    }

    /// Never frees what is left: only for a process about to exit.
    pub fn leak(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Leftovers({} values)", self.0.len())
    }
}

fn take_and_run(slot: &Mutex<Option<Work>>) {
    let work = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(work) = work {
        work();
    }
}

#[cfg(test)]
mod tests {
    use super::Background;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn every_piece_of_work_has_run_once_wait_returns() {
        let done = Arc::new(AtomicUsize::new(0));
        let background = Background::default();
        for _ in 0..8 {
            let done = Arc::clone(&done);
            background.run(move || {
                std::thread::sleep(std::time::Duration::from_millis(5));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        background.wait();
        assert_eq!(done.load(Ordering::SeqCst), 8);
    }

    #[test]
    fn dropping_waits_too() {
        let done = Arc::new(AtomicUsize::new(0));
        {
            let background = Background::default();
            let done = Arc::clone(&done);
            background.run(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }

    #[test]
    #[should_panic(expected = "a bug")]
    fn a_panic_in_the_work_is_raised_by_wait() {
        let background = Background::default();
        background.run(|| panic!("a bug"));
        background.wait();
    }
}
