//! `koho serve` end to end: the real binary on a free port, plain HTTP/1.1 over TcpStream, the
//! server-sent events stream, edits, a broken and fixed file, a rename, Ctrl-C. Every wait has
//! a timeout and the server is killed when a test fails, so a failure never hangs the suite.
#![cfg(feature = "serve")]

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use support::{html_files, select, Page, SiteFixture, RELEASE};

/// Generous: the machine running the suite may be busy compiling.
const WAIT: Duration = Duration::from_secs(60);

/// The running binary; killed when dropped (a failed assertion must not leave it running).
struct Server {
    child: Child,
    /// `127.0.0.1:port`
    address: String,
}

impl Server {
    fn start(fixture: &SiteFixture) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_koho"))
            .args(["serve", "--port", "0", "--root"])
            .arg(fixture.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start koho serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            address: String::new(),
        };
        let line = rx
            .recv_timeout(WAIT)
            .expect("koho serve printed no URL on stdout");
        let url = line
            .strip_prefix("serving http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        server.address = url.trim_end_matches('/').to_string();
        server
    }

    fn get(&self, path: &str) -> Reply {
        get(&self.address, path)
    }

    /// Opens the event stream and waits until the server says it is connected.
    fn events(&self) -> Receiver<String> {
        let mut stream = connect(&self.address);
        stream.set_read_timeout(None).expect("no read timeout");
        write!(
            stream,
            "GET /__koho/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.address
        )
        .expect("send request");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + WAIT;
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("the event stream did not say it is connected");
            if line == ": connected" {
                return rx;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON data of the next `reload` event.
fn next_reload(events: &Receiver<String>) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    let mut in_reload = false;
    loop {
        let line = events
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("no reload event within the timeout");
        if line == "event: reload" {
            in_reload = true;
        } else if let Some(data) = line.strip_prefix("data: ").filter(|_| in_reload) {
            return serde_json::from_str(data).expect("reload data is JSON");
        }
    }
}

/// Whether a reload event asks `file` (an output path) to reload.
fn reloads(data: &serde_json::Value, file: &str) -> bool {
    match data["paths"].as_array() {
        None => true,
        Some(paths) => paths.iter().any(|p| p == file),
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body of a text response (checked to be UTF-8); empty for other types.
    body: String,
    bytes: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn page(&self) -> Page {
        Page::parse("served", &self.body)
    }
}

fn connect(address: &str) -> TcpStream {
    let socket = address.parse().expect("socket address");
    let stream = TcpStream::connect_timeout(&socket, WAIT).expect("connect to koho serve");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream
}

/// A plain HTTP/1.1 GET, read to its Content-Length.
fn get(address: &str, path: &str) -> Reply {
    let mut stream = connect(address);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header");
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .expect("Content-Length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let text = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type") && !v.starts_with("application/octet-stream")
    });
    Reply {
        status,
        body: match text {
            true => String::from_utf8(body.clone()).expect("UTF-8 body"),
            false => String::new(),
        },
        headers,
        bytes: body,
    }
}

/// Replaces a file the way editors do: write a temporary file beside it, rename it over.
fn atomic_save(fixture: &SiteFixture, relative: &str, text: &str) {
    let target = fixture.path(relative);
    let temporary = target.with_file_name(".koho-test-save.tmp");
    std::fs::write(&temporary, text).expect("write temporary file");
    std::fs::rename(&temporary, &target).expect("rename over the file");
}

const JA: &str = "content/releases/2020-05-13-first/index.ja.md";
const EN: &str = "content/releases/2020-05-13-first/index.en.md";
const JA_PAGE: &str = "/ja/releases/2020-05-13-first/";
const EN_PAGE: &str = "/en/releases/2020-05-13-first/";

#[test]
fn serve_edits_breaks_fixes_renames_and_stops() {
    let fixture = SiteFixture::new();
    let server = Server::start(&fixture);

    let page = server.get(JA_PAGE);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("body-ja"));
    assert_eq!(page.page().select("script[data-koho-serve]").len(), 1);
    // Links use the server's own address.
    let href = page.page().attr("link[rel=canonical]", "href");
    assert!(
        href.starts_with(&format!("http://{}/", server.address)),
        "{href}"
    );
    let css = server.get("/css/site.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    let root = server.get("/");
    assert_eq!(root.status, 200, "the root language chooser");

    let events = server.events();

    // An edit saved the way editors save: the reload event names the page; the new text is served.
    let edited = fixture.read(JA).replace("body-ja", "edited-ja");
    atomic_save(&fixture, JA, &edited);
    let data = next_reload(&events);
    assert!(
        reloads(&data, "ja/releases/2020-05-13-first/index.html"),
        "{data}"
    );
    assert!(
        !reloads(&data, "en/releases/2020-05-13-first/index.html"),
        "{data}"
    );
    assert!(server.get(JA_PAGE).body.contains("edited-ja"));

    // A broken translation: every page reloads and shows the errors over the last good site.
    let good_en = fixture.read(EN);
    fixture.write(
        EN,
        &good_en.replace("date = 2020-05-13", "date = 2020-13-45"),
    );
    let data = next_reload(&events);
    assert!(data["paths"].is_null(), "{data}");
    for (path, text) in [(JA_PAGE, "edited-ja"), (EN_PAGE, "body-en")] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200);
        assert!(
            reply.body.contains(text),
            "{path} still serves the last good page"
        );
        let page = reply.page();
        let overlay = support::text(page.one("#koho-errors"));
        assert!(overlay.contains("index.en.md:3:"), "{overlay}");
        assert!(
            overlay.contains("date = 2020-13-45"),
            "the source line: {overlay}"
        );
    }

    // The fix clears the overlay.
    fixture.write(EN, &good_en.replace("body-en", "fixed-en"));
    let data = next_reload(&events);
    assert!(data["paths"].is_null(), "{data}");
    let reply = server.get(EN_PAGE);
    assert!(reply.body.contains("fixed-en"));
    assert!(reply.page().select("#koho-errors").is_empty());

    // A renamed release: the old address is not found any more, the new one is served.
    std::fs::rename(
        fixture.path(&format!("content/{RELEASE}")),
        fixture.path("content/releases/2020-05-13-moved"),
    )
    .expect("rename the release");
    let data = next_reload(&events);
    assert!(
        reloads(&data, "ja/releases/2020-05-13-first/index.html"),
        "{data}"
    );
    let gone = server.get(JA_PAGE);
    assert_eq!(gone.status, 404);
    assert_eq!(gone.page().select("script[data-koho-serve]").len(), 1);
    let moved = server.get("/ja/releases/2020-05-13-moved/");
    assert_eq!(moved.status, 200);
    assert!(moved.body.contains("edited-ja"));

    stop_with_ctrl_c(server);
}

/// SIGINT (Ctrl-C) ends the server with exit code 0 within the timeout.
fn stop_with_ctrl_c(mut server: Server) {
    if cfg!(unix) {
        let pid = server.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        if sent.is_ok_and(|s| s.success()) {
            let deadline = Instant::now() + WAIT;
            while Instant::now() < deadline {
                if let Some(status) = server.child.try_wait().expect("wait for koho") {
                    assert!(
                        status.success(),
                        "koho serve exited with {status} on Ctrl-C"
                    );
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            panic!("koho serve did not stop within {WAIT:?} of Ctrl-C");
        }
    }
    // Without `kill`, Drop kills it.
}

#[test]
fn unknown_paths_get_a_404_and_bare_folders_redirect() {
    let fixture = SiteFixture::new();
    let server = Server::start(&fixture);
    let missing = server.get("/ja/no-such-page/");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let redirect = server.get("/ja/releases");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/ja/releases/"));
}

#[test]
fn a_site_404_page_is_served_for_unknown_paths() {
    let fixture = SiteFixture::new();
    // A theme static file replaces the generated English 404 page.
    fixture.write(
        "themes/ngmo/static/en/404.html",
        "<html><body>site-404</body></html>",
    );
    let server = Server::start(&fixture);
    let missing = server.get("/en/nothing/here");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("site-404"));
    assert_eq!(missing.page().select("script[data-koho-serve]").len(), 1);
    // Outside every language: the generated root 404 page, which greets in every language.
    let root = server.get("/nothing/here");
    assert_eq!(root.status, 404);
    let page = root.page();
    let greetings: Vec<&str> = page
        .select("section.not-found-greeting")
        .iter()
        .filter_map(|s| s.value().attr("lang"))
        .map(|tag| tag.split('-').next().unwrap_or(tag))
        .collect();
    assert_eq!(greetings, ["ja", "en", "zh"]);
}

#[test]
fn the_reload_script_is_never_in_build_output() {
    let fixture = SiteFixture::new();
    fixture.build_ok();
    let files = fixture.snapshot();
    let mut pages = 0;
    for (name, text) in html_files(&files) {
        pages += 1;
        let page = Page::parse(name, &text);
        assert!(
            select(&page.html, "script[data-koho-serve]").is_empty(),
            "{name}"
        );
        assert!(!text.contains("__koho"), "{name}");
    }
    assert!(pages > 5);
}

/// A change to a fixture site.
type Edit = Box<dyn Fn(&SiteFixture)>;

/// The preview's own prepare (with its caches) and partial re-rendering give the same bytes as
/// `koho build`, for the first build and after edits (body, title, a new page, a removed one).
#[test]
fn serve_builds_the_same_site_as_koho_build() {
    use koho::serve::session::Session;
    use koho::serve::store::{Body, Snapshot};

    let fixture = SiteFixture::new();
    let mut session = Session::new(fixture.options());
    let mut previous: Option<Snapshot> = None;
    let release = |f: &SiteFixture, slug: &str, lang: &str, title: &str, date: &str| {
        f.write(
            &format!("content/releases/{slug}/index.{lang}.md"),
            &format!(
                "+++\ntitle = \"{title}\"\ndate = {date}\n+++\n\n[home](@/_index.{lang}.md)\n"
            ),
        )
    };
    let edits: Vec<Edit> = vec![
        Box::new(move |f| release(f, "2019-01-01-old", "ja", "old-ja", "2019-01-01")),
        Box::new(|f| f.replace(JA, "body-ja", "changed-ja")),
        Box::new(|f| f.replace(EN, "title = \"first-en", "title = \"renamed-en")),
        Box::new(|f| {
            let text = f
                .read(JA)
                .replace("title = \"first-ja", "title = \"renamed-ja");
            atomic_save(f, JA, &text)
        }),
        Box::new(move |f| release(f, "2019-01-01-old", "ja", "old-ja", "2021-06-01")),
        Box::new(move |f| release(f, "2021-01-01-new", "zh", "new-zh", "2021-01-01")),
        Box::new(|f| f.remove("content/releases/2021-01-01-new")),
        Box::new(|f| {
            f.replace(
                "content/releases/_index.ja.md",
                "プレスリリース",
                "報道発表",
            )
        }),
        Box::new(|f| f.replace("content/_fragments/profile.en.md", "profile-en", "about-en")),
        Box::new(|f| f.replace("content/_index.en.md", "welcome-en", "hello-en")),
        Box::new(|f| {
            let ftl = f.read("locales/en/main.ftl");
            f.write(
                "locales/en/main.ftl",
                &format!("{ftl}\nkoho-test-unused = x\n"),
            )
        }),
    ];
    // The paths each step changes, as a watcher reports them.
    let root = fixture.root().to_path_buf();
    let at = |relative: &str| vec![root.join(relative)];
    let changed: Vec<Vec<std::path::PathBuf>> = vec![
        at("content/releases/2019-01-01-old"),
        at(JA),
        at(EN),
        vec![
            root.join("content/releases/2020-05-13-first/.koho-test-save.tmp"),
            root.join(JA),
        ],
        at("content/releases/2019-01-01-old/index.ja.md"),
        at("content/releases/2021-01-01-new/index.zh.md"),
        at("content/releases/2021-01-01-new"),
        at("content/releases/_index.ja.md"),
        at("content/_fragments/profile.en.md"),
        at("content/_index.en.md"),
        at("locales/en/main.ftl"),
    ];
    for (step, edit) in edits.iter().enumerate() {
        edit(&fixture);
        // As the watcher would report it (the paths it saw): the session decides whether its
        // listing of content/ still holds.
        session.note_changes(false, &changed[step]);
        let mut outcome = match session.build(previous.as_ref()) {
            Ok(outcome) => outcome,
            Err(d) => panic!("step {step}: {}", support::render(&d)),
        };
        if outcome.search_pending {
            // What the server does right after the reload.
            let files = session
                .index_search(&outcome.site)
                .unwrap_or_else(|d| panic!("step {step}: {}", support::render(&d)));
            outcome.built.snapshot =
                koho::serve::store::with_search_index(&outcome.built.snapshot, files);
        }
        if step == 1 {
            // A body edit renders that page, its language's feed and the search index files
            // its words are in (and the root chooser, rendered every time): no other page.
            let pages: Vec<&String> = outcome
                .rendered
                .iter()
                .filter(|p| p.ends_with(".html") && !p.starts_with("search-index"))
                .collect();
            assert!(pages.len() <= 2, "pages rendered: {pages:?}");
            assert!(
                outcome.rendered.iter().all(|p| !p.ends_with("sitemap.xml")
                    && !p.starts_with("en/")
                    && !p.starts_with("zh/")),
                "rendered: {:?}",
                outcome.rendered
            );
        }
        if step > 0 {
            assert!(
                outcome.rendered.len() < outcome.built.snapshot.files.len(),
                "step {step}"
            );
        }
        fixture.build_ok();
        let built = fixture.snapshot();
        let served = &outcome.built.snapshot;
        let mut served_paths: Vec<&String> = served.files.keys().collect();
        served_paths.sort();
        assert_eq!(
            served_paths,
            built.keys().collect::<Vec<_>>(),
            "step {step}"
        );
        for (path, bytes) in &built {
            let same = match &served.files[path] {
                Body::Bytes(served) => served[..] == bytes[..],
                Body::File { source, .. } => std::fs::read(source).expect("source") == *bytes,
            };
            assert!(same, "step {step}: {path} differs from koho build");
        }
        previous = Some(outcome.built.snapshot);
    }
}

/// A rebuild serves the changed pages first; the search index follows right after the reload.
#[cfg(feature = "search")]
#[test]
fn the_search_index_follows_an_edit_after_the_reload() {
    let fixture = SiteFixture::new();
    let server = Server::start(&fixture);
    let events = server.events();
    let indexed = |word: &str| -> bool {
        let index: serde_json::Value =
            serde_json::from_str(&server.get("/search-index/en/index.json").body)
                .expect("index.json");
        let shards = index["shards"].as_u64().expect("shard count");
        (0..shards).any(|k| {
            let shard = server.get(&format!("/search-index/en/t/{k}.bin")).bytes;
            shard.windows(word.len()).any(|w| w == word.as_bytes())
        })
    };
    assert!(indexed("body"), "the first build is indexed");
    assert!(!indexed("zebrafinch"));
    let english = format!("content/{RELEASE}/index.en.md");
    let edited = fixture
        .read(&english)
        .replace("body-en", "body-en zebrafinch");
    atomic_save(&fixture, &english, &edited);
    next_reload(&events);
    let deadline = Instant::now() + WAIT;
    while !indexed("zebrafinch") {
        assert!(
            Instant::now() < deadline,
            "the search index never caught up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
