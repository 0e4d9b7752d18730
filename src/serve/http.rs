//! Answering requests from the in-memory site: URL → output file (`/` → `index.html`, `/x/` →
//! `x/index.html`, `/x` → redirect to `/x/`), content types, the site's 404 page, the event
//! stream. `route` decides; `respond` writes it with tiny_http.

use std::io::{Cursor, Read};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use tiny_http::{Header, Method, Request, Response, StatusCode};
use unicode_normalization::UnicodeNormalization;

use super::inject::{inject, EVENTS_PATH, RELOAD_JS, SCRIPT_PATH};
use super::store::{Body, Snapshot};
use super::Live;

/// What to answer to a GET.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// An output file, with status 200, or 404 for the site's own 404 page.
    File { path: String, status: u16 },
    /// `/ja/releases` → `/ja/releases/` (permanent, like static hosts do).
    Redirect(String),
    /// Nothing found and the site has no 404 page.
    NotFound,
    /// The server-sent events stream.
    Events,
    /// The reload script the preview adds to pages.
    ReloadScript,
    /// A path that cannot be a file of the site (`..`, bad percent-encoding).
    BadRequest,
}

/// Finds what answers `url` (a request target such as `/ja/%E6%A1%88%E5%86%85/?x=1`).
pub fn route(snapshot: &Snapshot, url: &str) -> Reply {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    let path = path.split('#').next().unwrap_or_default();
    if path == EVENTS_PATH {
        return Reply::Events;
    }
    if path == SCRIPT_PATH {
        return Reply::ReloadScript;
    }
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Reply::BadRequest;
    };
    // Output paths are NFC; a browser on macOS may send NFD.
    let decoded: String = decoded.nfc().collect();
    let relative = decoded.trim_start_matches('/');
    if relative
        .split('/')
        .any(|segment| segment == ".." || segment == "." || segment.contains('\\'))
    {
        return Reply::BadRequest;
    }
    let file = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    };
    if snapshot.files.contains_key(&file) {
        return Reply::File {
            path: file,
            status: 200,
        };
    }
    if !relative.ends_with('/')
        && snapshot
            .files
            .contains_key(&format!("{relative}/index.html"))
    {
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        return Reply::Redirect(format!("{path}/{query}"));
    }
    not_found(snapshot, relative)
}

/// The site's 404 page: `<lang>/404.html` for a path under a language, else `404.html`.
fn not_found(snapshot: &Snapshot, relative: &str) -> Reply {
    let first = relative.split('/').next().unwrap_or_default();
    let localized = snapshot
        .languages
        .iter()
        .any(|code| code == first)
        .then(|| format!("{first}/404.html"));
    localized
        .into_iter()
        .chain(std::iter::once("404.html".to_string()))
        .find(|candidate| snapshot.files.contains_key(candidate))
        .map_or(Reply::NotFound, |path| Reply::File { path, status: 404 })
}

/// The Content-Type of an output file; text types are UTF-8 (everything koho writes is).
pub fn content_type(path: &str) -> String {
    if path.ends_with("/SHA256SUMS") || path == "SHA256SUMS" {
        return "text/plain; charset=utf-8".into();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(mime.subtype().as_str(), "javascript" | "json" | "xml")
        || mime.suffix().is_some_and(|s| s == "xml" || s == "json");
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Answers one request (on a worker thread); event streams get a thread of their own.
pub fn respond(request: Request, live: &Arc<Live>) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(plain(405, "koho serve answers GET and HEAD only"));
        return;
    }
    let state = live.current();
    let result = match route(&state.snapshot, request.url()) {
        Reply::Events => {
            let events = live.events.subscribe();
            let writer = request.into_writer();
            std::thread::spawn(move || super::events::stream(writer, events));
            return;
        }
        Reply::ReloadScript => request.respond(bytes_response(
            200,
            "text/javascript; charset=utf-8",
            RELOAD_JS.as_bytes().to_vec(),
        )),
        Reply::BadRequest => request.respond(plain(400, "bad request path")),
        Reply::Redirect(location) => {
            let response = plain(301, "moved").with_header(header("Location", &location));
            request.respond(response)
        }
        Reply::NotFound => {
            let page = NOT_FOUND_PAGE.replace("{path}", &tera::escape_html(request.url()));
            let bytes = inject(page.as_bytes(), state.overlay.as_deref());
            request.respond(bytes_response(404, "text/html; charset=utf-8", bytes))
        }
        Reply::File { path, status } => {
            let content_type = content_type(&path);
            let body = state.snapshot.files.get(&path).cloned();
            match body.and_then(|b| open(&b, &content_type, state.overlay.as_deref())) {
                Some((reader, length)) => {
                    let response = Response::new(
                        StatusCode(status),
                        vec![header("Content-Type", &content_type), no_store()],
                        reader,
                        Some(length),
                        None,
                    )
                    // The length is known (the file is in memory): always send Content-Length;
                    // tiny_http would switch to chunked transfer above 32 KiB otherwise.
                    .with_chunked_threshold(usize::MAX);
                    request.respond(response)
                }
                None => request.respond(plain(404, "the file was removed; rebuilding")),
            }
        }
    };
    // A client that went away mid-answer is no error of the site.
    drop(result);
}

/// The bytes of a body, HTML with the reload script (and overlay) added.
fn open(
    body: &Body,
    content_type: &str,
    overlay: Option<&str>,
) -> Option<(Box<dyn Read + Send>, usize)> {
    let html = content_type.starts_with("text/html");
    match body {
        Body::Bytes(bytes) if html => {
            let bytes = inject(bytes, overlay);
            let length = bytes.len();
            Some((Box::new(Cursor::new(bytes)), length))
        }
        Body::Bytes(bytes) => Some((Box::new(Cursor::new(Arc::clone(bytes))), bytes.len())),
        Body::File { source, .. } if html => {
            let bytes = inject(&std::fs::read(source).ok()?, overlay);
            let length = bytes.len();
            Some((Box::new(Cursor::new(bytes)), length))
        }
        Body::File { source, .. } => {
            let file = std::fs::File::open(source).ok()?;
            let length = usize::try_from(file.metadata().ok()?.len()).ok()?;
            Some((Box::new(file), length))
        }
    }
}

/// Shown for an unknown path when the site has no 404 page of its own.
const NOT_FOUND_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>404 Not Found</title></head><body><h1>404 Not Found</h1>\
<p>Nothing is published at <code>{path}</code>. <a href=\"/\">Go to the start page</a>.</p></body></html>\n";

fn header(name: &str, value: &str) -> Header {
    // Names are constants and values come from output paths, which have no line breaks.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|()| no_store())
}

fn no_store() -> Header {
    Header {
        field: "Cache-Control".parse().expect("a valid header name"),
        value: "no-store".parse().expect("a valid header value"),
    }
}

fn plain(status: u16, text: &str) -> Response<Cursor<Vec<u8>>> {
    bytes_response(
        status,
        "text/plain; charset=utf-8",
        text.as_bytes().to_vec(),
    )
}

fn bytes_response(status: u16, content_type: &str, bytes: Vec<u8>) -> Response<Cursor<Vec<u8>>> {
    Response::from_data(bytes)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", content_type))
        .with_header(no_store())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(paths: &[&str]) -> Snapshot {
        Snapshot {
            files: paths
                .iter()
                .map(|p| (p.to_string(), Body::Bytes(Arc::from(&b"x"[..]))))
                .collect(),
            languages: vec!["ja".into(), "en".into()],
            pages: 0,
        }
    }

    fn file(path: &str, status: u16) -> Reply {
        Reply::File {
            path: path.into(),
            status,
        }
    }

    #[test]
    fn folders_serve_their_index_and_bare_folders_redirect() {
        let s = snapshot(&["index.html", "ja/index.html", "ja/案内/index.html"]);
        assert_eq!(route(&s, "/"), file("index.html", 200));
        assert_eq!(route(&s, "/ja/?q=1"), file("ja/index.html", 200));
        assert_eq!(
            route(&s, "/ja/%E6%A1%88%E5%86%85/"),
            file("ja/案内/index.html", 200)
        );
        assert_eq!(route(&s, "/ja?q=1"), Reply::Redirect("/ja/?q=1".into()));
        assert_eq!(route(&s, "/__koho/events"), Reply::Events);
        assert_eq!(route(&s, "/ja/../x"), Reply::BadRequest);
        assert_eq!(route(&s, "/%FF"), Reply::BadRequest);
    }

    #[test]
    fn unknown_paths_get_the_localized_404_then_the_root_one_then_none() {
        let s = snapshot(&["404.html", "ja/404.html"]);
        assert_eq!(route(&s, "/ja/nothing/"), file("ja/404.html", 404));
        assert_eq!(route(&s, "/en/nothing/"), file("404.html", 404));
        assert_eq!(route(&s, "/nothing"), file("404.html", 404));
        assert_eq!(route(&snapshot(&[]), "/nothing"), Reply::NotFound);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("downloads.json"),
            "application/json; charset=utf-8"
        );
        assert_eq!(content_type("x.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("b.epub"), "application/epub+zip");
        assert_eq!(
            content_type("downloads/SHA256SUMS"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type("p.png"), "image/png");
    }
}
