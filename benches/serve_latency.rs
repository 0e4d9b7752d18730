//! `koho serve` latency: from writing a release's file to the reload event on the server-sent
//! events stream, and to the new page being served. Not a timed test: prints figures for
//! BENCHMARKS.md.
//!
//! cargo bench --bench serve_latency                 # shipped site, then 10,000 releases
//! cargo bench --bench serve_latency -- shipped      # only the shipped site
//! cargo bench --bench serve_latency -- 10000 [RUNS] # a synthetic site (benches/gen_site.py)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use koho::serve::{self, Report, ServeOptions};
use koho::BuildOptions;

const WAIT: Duration = Duration::from_secs(120);

/// The allocator and purge delay of the `koho` binary (src/main.rs), so that the figures are
/// those of `koho serve`: with the system allocator a rebuild at 10,000 releases spent a
/// third of its assembly in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: a plain option store (`mi_option_purge_delay`, as src/main.rs sets it), made
    // before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(15, 1) };
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runs = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(10);
    let work = tempfile::tempdir().expect("temp dir");
    match args.first().map(String::as_str) {
        Some("shipped") => shipped(work.path(), runs),
        Some(count) if count.parse::<usize>().is_ok() => synthetic(work.path(), count, runs),
        _ => {
            shipped(work.path(), runs);
            synthetic(work.path(), "10000", runs);
        }
    }
}

fn shipped(work: &Path, runs: usize) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = work.join("shipped");
    for dir in ["content", "themes", "locales"] {
        copy_dir(&repo.join(dir), &root.join(dir));
    }
    std::fs::copy(repo.join("site.toml"), root.join("site.toml")).expect("copy site.toml");
    let release = "content/releases/2020-05-13-alibaba-foundation-masks-protective-suits";
    measure("shipped site", &root, release, runs);
}

fn synthetic(work: &Path, count: &str, runs: usize) {
    let out = work.join(format!("site{count}"));
    let status = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_site.py"))
        .arg(&out)
        .arg(count)
        .status()
        .expect("run python3 benches/gen_site.py");
    assert!(status.success(), "gen_site.py failed");
    measure(
        &format!("{count} releases"),
        &out.join("koho"),
        "content/releases/r00042",
        runs,
    );
}

/// Starts the server on `root`, then edits the release's Japanese body `runs` times and its
/// title `runs` times, printing the latencies.
fn measure(name: &str, root: &Path, release: &str, runs: usize) {
    let (reports, report_rx) = mpsc::channel();
    let report = move |r: Report| {
        let _ = reports.send(r);
    };
    let (stop, stop_rx) = mpsc::channel();
    let options = ServeOptions {
        build: BuildOptions {
            root: root.to_path_buf(),
            ..BuildOptions::default()
        },
        bind: "127.0.0.1".parse().expect("address"),
        port: 0,
    };
    std::thread::scope(|scope| {
        scope.spawn(move || serve::run(options, stop_rx, &report).expect("serve"));
        let address = wait_ready(&report_rx);
        let events = subscribe(&address);
        let file = root.join(release).join("index.ja.md");
        let page = format!(
            "/ja/releases/{}/",
            Path::new(release)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        let original = std::fs::read_to_string(&file).expect("read release");
        let edits: [(&str, Edit, bool); 3] = [
            ("body", edit_body, false),
            ("title", edit_title, false),
            (
                "body, saved through a temporary file renamed over it",
                edit_body,
                true,
            ),
        ];
        for (what, edit, atomic) in edits {
            let mut to_event = Vec::new();
            let mut to_page = Vec::new();
            let mut cpu = Vec::new();
            for run in 0..runs {
                let kind = if what == "title" { "title" } else { "body" };
                let marker = format!("koho-bench-{kind}-{run}");
                let cpu_before = cpu_time();
                let started = Instant::now();
                let text = edit(&original, run);
                if atomic {
                    let temporary = file.with_file_name(".index.ja.md.tmp");
                    std::fs::write(&temporary, text).expect("write temporary file");
                    std::fs::rename(&temporary, &file).expect("rename over the release");
                } else {
                    std::fs::write(&file, text).expect("write release");
                }
                wait_reload(&events);
                to_event.push(started.elapsed());
                cpu.push(cpu_time().saturating_sub(cpu_before));
                last_timings(&report_rx, run + 1 == runs);
                while !get(&address, &page).contains(&marker) {
                    assert!(started.elapsed() < WAIT, "the edit never showed");
                }
                to_page.push(started.elapsed());
                // Let the machine settle between runs.
                std::thread::sleep(Duration::from_millis(300));
            }
            print_row(name, what, &mut to_event, &mut to_page);
            cpu.sort();
            println!(
                "  CPU time of the process (all threads) from write to event: median {} ms",
                cpu[cpu.len() / 2].as_millis()
            );
        }
        std::fs::write(&file, original).expect("restore release");
        let _ = stop.send(());
    });
}

/// User + system CPU time of this process so far (Linux: /proc/self/stat, in clock ticks of
/// 10 ms); zero elsewhere. On a busy machine the wall-clock figures include waiting for a CPU;
/// this says what the rebuild itself costs.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime: fields 14 and 15 of the line, the 12th and 13th after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Makes the new text of the release for run N.
type Edit = fn(&str, usize) -> String;

fn edit_body(original: &str, run: usize) -> String {
    format!("{original}\n\nkoho-bench-body-{run}\n")
}

/// A title change: the page, its section's listing and the translations' switchers change.
fn edit_title(original: &str, run: usize) -> String {
    original.replacen(
        "title = \"",
        &format!("title = \"koho-bench-title-{run} "),
        1,
    )
}

fn print_row(name: &str, what: &str, to_event: &mut [Duration], to_page: &mut [Duration]) {
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let stats = |v: &mut [Duration]| {
        v.sort();
        format!(
            "median {:.0} ms (min {:.0}, max {:.0})",
            ms(&v[v.len() / 2]),
            ms(&v[0]),
            ms(&v[v.len() - 1])
        )
    };
    println!(
        "{name}, edit of one release's {what}, {} runs: write → reload event {}; write → new page served {}",
        to_event.len(),
        stats(to_event),
        stats(to_page)
    );
}

/// Drains the server's reports; prints the stage timings of the last rebuild when `print`.
fn last_timings(reports: &Receiver<Report>, print: bool) {
    for report in reports.try_iter() {
        if let (
            true,
            Report::Built {
                timings, rendered, ..
            },
        ) = (print, report)
        {
            let stages: Vec<String> = timings
                .iter()
                .map(|(stage, d)| format!("{stage} {:.0} ms", d.as_secs_f64() * 1000.0))
                .collect();
            eprintln!(
                "  last rebuild: {}; {rendered} file(s) rendered",
                stages.join(", ")
            );
        }
    }
}

fn wait_ready(reports: &Receiver<Report>) -> String {
    let mut address = None;
    loop {
        match reports
            .recv_timeout(WAIT)
            .expect("the server did not start")
        {
            Report::Listening { url } => {
                address = Some(
                    url.trim_start_matches("http://")
                        .trim_end_matches('/')
                        .to_string(),
                )
            }
            Report::Built { pages, elapsed, .. } => {
                eprintln!("first build: {pages} pages in {} ms", elapsed.as_millis());
                return address.expect("listening before built");
            }
            Report::Failed { text, .. } => panic!("the site does not build:\n{text}"),
            Report::Watch(problem) => eprintln!("watch: {problem}"),
        }
    }
}

fn subscribe(address: &str) -> Receiver<String> {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "GET /__koho/events HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .expect("request");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    while rx.recv_timeout(WAIT).expect("event stream") != ": connected" {}
    rx
}

fn wait_reload(events: &Receiver<String>) {
    while events.recv_timeout(WAIT).expect("no reload event") != "event: reload" {}
}

fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
