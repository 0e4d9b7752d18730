//! The file-system floor of a fresh build: how long this machine takes just to create a
//! finished output tree (its folders, then its files, bytes already in memory) in a new folder
//! on all cores, with no reading, parsing or rendering. Not a timed test: prints wall, user
//! and system time for BENCHMARKS.md, to set beside a fresh `koho build` and Zola's.
//!
//! cargo bench --bench write_floor -- <finished output folder> <new folder>

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [source, target] = &args[..] else {
        eprintln!("usage: cargo bench --bench write_floor -- <output folder> <new folder>");
        std::process::exit(2);
    };
    let (folders, files) = read_tree(Path::new(source));
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let target = Path::new(target);
    let (user, system) = cpu_seconds();
    let clock = Instant::now();
    std::fs::create_dir(target).expect("a new folder");
    // Parents before children: one parallel pass per depth.
    let deepest = folders.iter().map(|f| f.components().count()).max();
    for depth in 1..=deepest.unwrap_or(0) {
        folders
            .par_iter()
            .filter(|f| f.components().count() == depth)
            .for_each(|f| std::fs::create_dir(target.join(f)).expect("create folder"));
    }
    files
        .par_iter()
        .for_each(|(f, b)| std::fs::write(target.join(f), b).expect("write file"));
    let wall = clock.elapsed().as_secs_f64();
    let (user_after, system_after) = cpu_seconds();
    println!(
        "{} folders, {} files, {:.1} MB: wall {wall:.2} s, user {:.2} s, sys {:.2} s",
        folders.len(),
        files.len(),
        bytes as f64 / 1e6,
        user_after - user,
        system_after - system
    );
}

/// Every folder and file under `root` (relative paths), the files' bytes read.
fn read_tree(root: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, Vec<u8>)>) {
    let mut folders = Vec::new();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.expect("readable tree");
        let relative = entry
            .path()
            .strip_prefix(root)
            .expect("below root")
            .to_path_buf();
        if entry.file_type().is_dir() {
            folders.push(relative);
        } else {
            files.push((
                relative,
                std::fs::read(entry.path()).expect("readable file"),
            ));
        }
    }
    (folders, files)
}

/// This process's user and system CPU time so far, in seconds (`getrusage`).
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (seconds(usage.ru_utime), seconds(usage.ru_stime))
}
