//! Test helpers for pages in a real browser: a static file server on the loopback address and
//! headless Chromium driven over the DevTools protocol (a websocket, tungstenite).
//!
//! Chromium is Debian's `chromium` at /usr/bin/chromium, started with the flags these machines
//! need (../shared/guide/TRAPS.md). Without it the tests that use it skip loudly, unless
//! KOHO_REQUIRE_TOOLS=1, when they fail.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether Chromium is installed. Missing: fails under KOHO_REQUIRE_TOOLS=1, else says
/// loudly that the test skipped.
pub fn chromium_available() -> bool {
    if Path::new(CHROMIUM).is_file() {
        return true;
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("chromium is required (KOHO_REQUIRE_TOOLS=1) but {CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk");
    }
    eprintln!("SKIPPED: chromium not installed (apt-get install chromium fonts-noto-cjk)");
    false
}

/// axe-core's script (node_modules/axe-core/axe.min.js, installed by `npm ci` from the
/// committed package-lock.json). Missing: fails under KOHO_REQUIRE_TOOLS=1, else says loudly
/// that the accessibility check skipped and returns None.
pub fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Some(text);
    }
    if std::env::var("KOHO_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "axe-core is required (KOHO_REQUIRE_TOOLS=1) but {} is missing: run `npm ci` (apt-get install npm)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: axe-core not installed ({} missing: run `npm ci`)",
        path.display()
    );
    None
}

/// A static file server for a built site on 127.0.0.1, serving `root` under `prefix`
/// (`/` or `/ngmo/`), counting the bytes of every response by path. Stops when dropped.
pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    served: Arc<Mutex<BTreeMap<String, u64>>>,
    pub requests: Arc<AtomicU64>,
}

impl Server {
    pub fn start(root: &Path, prefix: &str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the loopback address");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(Mutex::new(BTreeMap::new()));
        let requests = Arc::new(AtomicU64::new(0));
        let (root, prefix) = (root.to_path_buf(), prefix.to_string());
        let thread = {
            let (stop, served, requests) = (stop.clone(), served.clone(), requests.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (root, prefix, served) = (root.clone(), prefix.clone(), served.clone());
                    requests.fetch_add(1, Ordering::SeqCst);
                    std::thread::spawn(move || serve(stream, &root, &prefix, &served));
                }
            })
        };
        Server {
            port,
            stop,
            thread: Some(thread),
            served,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Bytes served per path (query strings removed) since the last call.
    pub fn take_served(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.served.lock().expect("served"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("xml") => "application/xml",
        Some("wasm") => "application/wasm",
        Some("pdf") => "application/pdf",
        Some("epub") => "application/epub+zip",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(mut stream: TcpStream, root: &Path, prefix: &str, served: &Mutex<BTreeMap<String, u64>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header == "\r\n" || header == "\n" => break,
            Ok(_) => {}
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = percent_decode(target.split(['?', '#']).next().unwrap_or("/"));
    let file: Option<PathBuf> = path.strip_prefix(prefix).and_then(|rest| {
        if rest.split('/').any(|part| part == "..") {
            return None;
        }
        let mut file = root.join(rest);
        if file.is_dir() {
            file = file.join("index.html");
        }
        file.is_file().then_some(file)
    });
    let (status, body, kind) = match file {
        Some(file) => (
            "200 OK",
            std::fs::read(&file).unwrap_or_default(),
            content_type(&file.to_string_lossy()),
        ),
        None => (
            "404 Not Found",
            std::fs::read(root.join("404.html")).unwrap_or_default(),
            "text/html; charset=utf-8",
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).is_ok() && stream.write_all(&body).is_ok() {
        *served.lock().expect("served").entry(path).or_default() += body.len() as u64;
    }
}

/// Headless Chromium with one page, driven over the DevTools protocol. Events that arrive
/// while waiting for a reply are kept (`take_events`, `wait_event`), so a test can enable a
/// domain (Network, Runtime, Log) and read what it reported for each page.
pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// How long one reply or event may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(90);

impl Browser {
    pub fn launch() -> Browser {
        Self::launch_with(&[])
    }

    /// Starts Chromium with the flags of ../shared/guide/TRAPS.md and `extra` ones
    /// (e.g. `--lang=fr`), and attaches to a fresh page.
    pub fn launch_with(extra: &[&str]) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let (port, path) = devtools_address(profile.path());
        let stream = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect to chromium");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let (socket, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream)
            .expect("DevTools websocket");
        let mut browser = Browser {
            child,
            socket,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        browser.call("Page.enable", json!({}));
        browser
    }

    /// Sends a command (to the page once attached) and returns its id.
    fn send(&mut self, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .expect("send to chromium");
        id
    }

    /// The next JSON message from Chromium; panics when none comes within `patience`.
    fn receive(&mut self, patience: Duration) -> Value {
        let timeout = patience.max(Duration::from_millis(1));
        let _ = self.socket.get_mut().set_read_timeout(Some(timeout));
        loop {
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str()).expect("DevTools JSON")
                }
                Ok(_) => continue,
                Err(error) => panic!("no message from chromium within {patience:?}: {error}"),
            }
        }
    }

    /// Waits for the reply to command `id`, keeping the events that come first.
    fn reply(&mut self, id: u64, method: &str) -> Value {
        loop {
            let value = self.receive(PATIENCE);
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    /// Sends a command (to the page once attached) and returns its result; panics on an error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        self.reply(id, method)
    }

    /// The events received so far (each `{method, params}`), emptying the buffer.
    pub fn take_events(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.events)
    }

    /// Waits for the first event named `method` (one already received counts), removes it
    /// from the buffer and returns it; panics after `patience`.
    pub fn wait_event(&mut self, method: &str, patience: Duration) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(at);
        }
        let until = Instant::now() + patience;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {method} within {patience:?}");
            let value = self.receive(left);
            if value["method"] == method {
                return value;
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    /// Reads the events that arrive within `quiet` (for late requests and console messages).
    pub fn settle(&mut self, quiet: Duration) {
        let until = Instant::now() + quiet;
        let _ = self.socket.get_mut().set_read_timeout(Some(quiet));
        while Instant::now() < until {
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(text.as_str()).expect("DevTools JSON");
                    if value.get("method").is_some() {
                        self.events.push(value);
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
            let left = until.saturating_duration_since(Instant::now());
            let _ = self
                .socket
                .get_mut()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        }
    }

    /// Sets the viewport (CSS pixels) of the page.
    pub fn viewport(&mut self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
    }

    /// Opens `url` and waits for its load event.
    pub fn open(&mut self, url: &str) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        let id = self.send("Page.navigate", json!({"url": url}));
        let result = self.reply(id, "Page.navigate");
        if let Some(error) = result.get("errorText") {
            panic!("opening {url} failed: {error}");
        }
        self.wait_event("Page.loadEventFired", PATIENCE);
    }

    /// Runs `expression` (a click, a key press) that navigates, and waits for the new page's
    /// load event.
    pub fn navigate_by(&mut self, expression: &str) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.eval(expression);
        self.wait_event("Page.loadEventFired", Duration::from_secs(30));
    }

    /// Presses a key that navigates (Enter on a link) and waits for the new page's load event.
    pub fn navigate_by_key(&mut self, key: &str) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.press(key);
        self.wait_event("Page.loadEventFired", Duration::from_secs(30));
    }

    /// Presses and releases a key (`"Tab"`, `"Enter"`) as a keyboard would
    /// (DevTools `Input.dispatchKeyEvent`).
    pub fn press(&mut self, key: &str) {
        let (code, text) = match key {
            "Tab" => (9, ""),
            "Enter" => (13, "\r"),
            other => panic!("no key code for {other}"),
        };
        let mut down = json!({"type": "keyDown", "key": key, "code": key,
            "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code});
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": key,
                "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}),
        );
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("the page threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// A PNG of what the viewport shows (the top of the page after `open`).
    pub fn screenshot_viewport(&mut self) -> Vec<u8> {
        let result = self.call("Page.captureScreenshot", json!({"format": "png"}));
        base64_decode(result["data"].as_str().expect("screenshot data"))
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let result = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64_decode(result["data"].as_str().expect("screenshot data"))
    }
}

/// The DevTools port and websocket path Chromium writes to `<profile>/DevToolsActivePort`
/// once it listens (`--remote-debugging-port=0` picks a free port); waits up to a minute.
fn devtools_address(profile: &Path) -> (String, String) {
    let port_file = profile.join("DevToolsActivePort");
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return (port.to_string(), path.to_string());
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "chromium did not start its DevTools server"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (RFC 4648 §4), as DevTools sends screenshots.
pub fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Reads a whole HTTP response from a URL on the loopback server (for checks without a browser).
pub fn http_get(port: u16, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response[split + 4..].to_vec())
}
