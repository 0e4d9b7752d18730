//! Markdown rendering with link and heading processing: the body is rendered with a resolver
//! that decodes and joins every destination as link resolution does, every problem is turned
//! into a located diagnostic, heading ids are encoded into hrefs, and the HTML is written as
//! EPUB XHTML (the book path).
#![no_main]

use std::path::Path;

use koho::markdown::{is_external_or_fragment, render, IdMaker, RenderOptions};
use libfuzzer_sys::fuzz_target;

/// Resolves like `site::routes`: external links stay, others are decoded (NFC) and joined to
/// the page's folder; climbing above the root is an error.
fn resolve(dest: &str, _offset: usize) -> Result<String, String> {
    if is_external_or_fragment(dest) {
        return Ok(dest.to_string());
    }
    let (path, fragment) = dest.split_once('#').unwrap_or((dest, ""));
    let path = koho::url::decode(path)?;
    let fragment = koho::url::decode(fragment)?;
    let joined = koho::url::join_relative("ja/releases/x", &path)
        .ok_or_else(|| format!("`{dest}` leaves the site"))?;
    let mut href = koho::url::join("/", &joined);
    if !fragment.is_empty() {
        href.push('#');
        href.push_str(&koho::url::encode_fragment(&fragment));
    }
    Ok(href)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut ids = IdMaker::default();
    let (rendered, problems) = render(text, &resolve, &mut ids, &RenderOptions::default());
    for problem in &problems {
        let _ = problem.diagnostic(Path::new("content/a.ja.md"), text, 5).to_string();
    }
    for heading in &rendered.headings {
        let _ = koho::url::encode_fragment(&heading.id);
    }
    let _ = koho::xhtml::to_xhtml(&rendered.html, &mut |_, _, _| None);
});
