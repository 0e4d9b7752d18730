//! The Content-Security-Policy `<meta>` element koho puts in every HTML page it renders
//! (`[security] content_security_policy` of site.toml).

/// `html` with `<meta http-equiv="Content-Security-Policy" content="policy">` inserted at the
/// start of its head: after `<meta charset>` when that comes first (it must stay in the first
/// 1024 bytes, HTML §4.2.5.4), else right after `<head>`. A policy applies only to what follows
/// it (CSP 3 §3.3), so it goes before every script and style. A page that already carries
/// such a `<meta>` (the theme wrote its own) or has no `<head>` tag is left as it is.
pub fn insert(html: Vec<u8>, policy: &str) -> Vec<u8> {
    let lower = html.to_ascii_lowercase();
    if find(&lower, b"http-equiv=\"content-security-policy\"").is_some() {
        return html;
    }
    let Some(head) = find(&lower, b"<head").and_then(|at| tag_end(&lower, at)) else {
        return html;
    };
    let at = match find(&lower[head..], b"<meta charset") {
        Some(offset)
            if lower[head..head + offset]
                .iter()
                .all(u8::is_ascii_whitespace) =>
        {
            tag_end(&lower, head + offset).unwrap_or(head)
        }
        _ => head,
    };
    let tag = format!(
        "\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        policy.replace('&', "&amp;").replace('"', "&quot;")
    );
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The offset just after the `>` that ends the tag starting at `start`.
fn tag_end(html: &[u8], start: usize) -> Option<usize> {
    memchr::memchr(b'>', &html[start..]).map(|end| start + end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inserted(html: &str) -> String {
        String::from_utf8(insert(html.as_bytes().to_vec(), "default-src 'self'")).unwrap()
    }

    #[test]
    fn goes_after_the_charset_or_the_head_tag() {
        assert_eq!(
            inserted("<html><HEAD>\n<meta charset=\"utf-8\">\n<title>t</title>"),
            "<html><HEAD>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">\n<title>t</title>"
        );
        assert_eq!(
            inserted("<head lang=x><title>t</title><meta charset=utf-8>"),
            "<head lang=x>\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\"><title>t</title><meta charset=utf-8>"
        );
    }

    #[test]
    fn a_page_with_its_own_policy_or_without_head_is_unchanged() {
        let own = "<head><meta http-equiv=\"content-security-policy\" content=\"x\">";
        assert_eq!(inserted(own), own);
        assert_eq!(inserted("<p>no head</p>"), "<p>no head</p>");
    }
}
