//! Absolute URLs in rendered HTML, for copies of a page read away from the site (the content
//! of Atom feed entries, RFC 4287 §4.1.3: readers resolve relative links inconsistently).

use url::Url;

/// Attributes whose value is one URL.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "cite", "action", "data"];

/// `html` with every `href`, `src`, `poster`, `cite`, `action` and `data` value and every URL
/// of a `srcset` resolved against `base` (RFC 3986 §5.2, by the `url` crate): relative
/// (`photo.png`, `../x/`), root-relative (`/ngmo/ja/`) and fragment-only (`#top`) references
/// become absolute; absolute ones (`https:`, `mailto:`) are kept. Values that do not parse
/// are kept as written. Attributes are written back in double quotes.
pub fn absolutize(html: &str, base: &Url) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let starts_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        if !starts_tag {
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let consumed = rewrite_tag(rest, base, &mut out);
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

/// Copies the start tag at the beginning of `tag` into `out` with its URLs resolved; returns
/// how many bytes it took.
fn rewrite_tag(tag: &str, base: &Url, out: &mut String) -> usize {
    let bytes = tag.as_bytes();
    let mut i = skip(bytes, 1, |b| !b.is_ascii_whitespace() && b != b'>');
    out.push_str(&tag[..i]);
    loop {
        let start = i;
        i = skip(bytes, i, |b| b.is_ascii_whitespace());
        if i >= bytes.len() || bytes[i] == b'>' || tag[i..].starts_with("/>") {
            let end = match bytes.get(i) {
                None => i,
                Some(b'>') => i + 1,
                Some(_) => i + 2,
            };
            out.push_str(&tag[start..end]);
            return end;
        }
        let Some(attribute) = attribute(tag, i) else {
            // A stray `/` or `=`, or a name without a value: kept as written.
            let next = skip(bytes, i + 1, |b| {
                !matches!(b, b'=' | b'>' | b'/') && !b.is_ascii_whitespace()
            });
            out.push_str(&tag[start..next]);
            i = next;
            continue;
        };
        let name = tag[i..attribute.name_end].to_ascii_lowercase();
        let resolved = if URL_ATTRIBUTES.contains(&name.as_str()) {
            Some(resolve(attribute.value, base))
        } else if name == "srcset" {
            Some(resolve_srcset(attribute.value, base))
        } else {
            None
        };
        match resolved {
            Some(url) => {
                out.push_str(&tag[start..attribute.name_end]);
                out.push_str("=\"");
                out.push_str(&escape_attribute(&url));
                out.push('"');
            }
            None => out.push_str(&tag[start..attribute.end]),
        }
        i = attribute.end;
    }
}

/// The first index from `i` on whose byte does not satisfy `keep`.
fn skip(bytes: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

/// An attribute with a value inside a start tag.
struct Attribute<'a> {
    name_end: usize,
    /// As written (still HTML-escaped), without its quotes.
    value: &'a str,
    /// Just after the value (and its closing quote).
    end: usize,
}

/// The `name=value` attribute at `i` (value double-, single- or unquoted), if there is one.
fn attribute(tag: &str, i: usize) -> Option<Attribute<'_>> {
    let bytes = tag.as_bytes();
    let name_end = skip(bytes, i, |b| {
        !matches!(b, b'=' | b'>' | b'/') && !b.is_ascii_whitespace()
    });
    if name_end == i {
        return None;
    }
    let equals = skip(bytes, name_end, |b| b.is_ascii_whitespace());
    if bytes.get(equals) != Some(&b'=') {
        return None;
    }
    let j = skip(bytes, equals + 1, |b| b.is_ascii_whitespace());
    let (value, end) = match bytes.get(j) {
        Some(&quote @ (b'"' | b'\'')) => {
            let close = tag[j + 1..]
                .find(quote as char)
                .map_or(tag.len(), |e| j + 1 + e);
            (&tag[j + 1..close], (close + 1).min(tag.len()))
        }
        _ => {
            let e = skip(bytes, j, |b| !b.is_ascii_whitespace() && b != b'>');
            (&tag[j..e], e)
        }
    };
    Some(Attribute {
        name_end,
        value,
        end,
    })
}

/// One attribute value (HTML-escaped as written) resolved against `base`, unescaped.
fn resolve(value: &str, base: &Url) -> String {
    let raw = super::excerpt::decode_entities(value.trim());
    match base.join(&raw) {
        Ok(url) => url.to_string(),
        Err(_) => raw,
    }
}

/// `a.png 1x, b.png 2x` with each URL resolved.
fn resolve_srcset(value: &str, base: &Url) -> String {
    super::excerpt::decode_entities(value)
        .split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            match candidate.split_once(char::is_whitespace) {
                Some((url, descriptor)) => format!("{} {}", resolve(url, base), descriptor.trim()),
                None => resolve(candidate, base),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/ngmo/ja/releases/x/").unwrap()
    }

    #[test]
    fn relative_root_relative_and_fragments_become_absolute() {
        let html = concat!(
            "<p><a href=\"/ngmo/ja/about/\">a</a> <a href='../y/#s'>b</a> ",
            "<img src=photo.png alt=\"x > y\"> <a href=\"#top\">c</a> ",
            "<a href=\"https://other.org/a?b=1&amp;c=2\">d</a> <a href=\"mailto:a@b.jp\">e</a></p>"
        );
        let out = absolutize(html, &base());
        assert!(
            out.contains("href=\"https://example.org/ngmo/ja/about/\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"https://example.org/ngmo/ja/releases/y/#s\""),
            "{out}"
        );
        assert!(
            out.contains("src=\"https://example.org/ngmo/ja/releases/x/photo.png\" alt=\"x > y\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"https://example.org/ngmo/ja/releases/x/#top\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"https://other.org/a?b=1&amp;c=2\""),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:a@b.jp\""), "{out}");
    }

    #[test]
    fn text_comments_and_code_are_untouched() {
        let html = "<!-- <a href=\"x\"> --><code>&lt;a href=\"y\"&gt;</code> 1 < 2 <br/>";
        assert_eq!(absolutize(html, &base()), html);
    }

    #[test]
    fn srcset_and_non_ascii_paths() {
        let out = absolutize(
            "<img srcset=\"a.png 1x, /b.png 2x\" src=\"ガイド/図.png\">",
            &base(),
        );
        assert!(out.contains("srcset=\"https://example.org/ngmo/ja/releases/x/a.png 1x, https://example.org/b.png 2x\""), "{out}");
        assert!(
            out.contains("src=\"https://example.org/ngmo/ja/releases/x/%E3%82%AC"),
            "{out}"
        );
    }
}
