//! What the preview adds to served HTML pages, and only there (never to `koho build` output):
//! the reload script and, while the site has errors, the error overlay.

/// The URL of the server-sent events stream the reload script listens to.
pub const EVENTS_PATH: &str = "/__koho/events";

/// The URL of the reload script (served by the preview, never part of the site).
pub const SCRIPT_PATH: &str = "/__koho/reload.js";

/// Listens for `reload` events; reloads when the event lists this page's file or lists none
/// (everything may have changed, or the error overlay appeared or went away). Also closes the
/// error overlay on its button. An external script, not an inline one: pages carry a
/// Content-Security-Policy that allows no inline script or `onclick` handler.
pub const RELOAD_JS: &str = r#"(() => {
  let here = decodeURIComponent(location.pathname).replace(/^\//, "");
  if (here === "" || here.endsWith("/")) here += "index.html";
  const events = new EventSource("/__koho/events");
  events.addEventListener("reload", (event) => {
    const data = JSON.parse(event.data);
    if (!data.paths || data.paths.includes(here)) location.reload();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-koho-close]")) document.getElementById("koho-errors")?.remove();
  });
})();
"#;

/// The element that loads [`RELOAD_JS`].
const RELOAD_SCRIPT: &str = "<script data-koho-serve src=\"/__koho/reload.js\"></script>\n";

/// `html` with the reload script (and `overlay`, when given) inserted before the last
/// `</body>`, or appended when the page has none.
pub fn inject(html: &[u8], overlay: Option<&str>) -> Vec<u8> {
    let at = find_body_end(html).unwrap_or(html.len());
    let overlay = overlay.unwrap_or_default();
    let mut out = Vec::with_capacity(html.len() + RELOAD_SCRIPT.len() + overlay.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(overlay.as_bytes());
    out.extend_from_slice(RELOAD_SCRIPT.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The byte offset of the last `</body>` (any letter case).
fn find_body_end(html: &[u8]) -> Option<usize> {
    const TAG: &[u8] = b"</body";
    html.windows(TAG.len())
        .rposition(|window| window.eq_ignore_ascii_case(TAG))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_end() {
        let page = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(page, None)).unwrap();
        let script = out.find("<script data-koho-serve").unwrap();
        assert!(script > out.find("<p>x</p>").unwrap());
        assert!(script < out.find("</BODY>").unwrap());
        assert!(out.ends_with("</BODY></html>"));
    }

    #[test]
    fn overlay_comes_with_the_script_and_pages_without_body_get_it_appended() {
        let out = String::from_utf8(inject(b"<p>x</p>", Some("<div id=o></div>"))).unwrap();
        assert!(out.starts_with("<p>x</p><div id=o></div><script"));
    }
}
