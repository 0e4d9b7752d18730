//! HTML fragments (a rendered chapter body, raw HTML included) as XHTML for EPUB content
//! documents: parsed by an HTML5 parser (html5ever, through scraper), so unclosed and
//! HTML-only constructs (`<br>`, `<p>` without its end tag, `&nbsp;`) get their HTML meaning,
//! then written as XML. What EPUB 3 XHTML cannot carry (an obsolete or scripted element, an
//! attribute HTML5 does not define, a control character) is a [`Problem`], never written.
//!
//! Rules: EPUB 3.3 §6.1 (XHTML content documents are the XML syntax of HTML), XML 1.0 §2.2
//! (allowed characters), HTML's list of void elements (written `<br/>`).

use ego_tree::iter::Edge;
use scraper::node::Element;
use scraper::{Html, Node};

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";
const SVG_NS: &str = "http://www.w3.org/2000/svg";
const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Something of the HTML that the XHTML cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// Text to look for in the source to say where it is (`<font`, the character itself).
    pub needle: String,
}

/// Elements of HTML that EPUB 3 content documents accept without further declarations
/// (scripts, forms, embedded and remote content need manifest properties; obsolete elements
/// such as `font` and `center` are not HTML5).
const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements without content, written as `<br/>`.
const VOID: &[&str] = &["br", "col", "hr", "img", "wbr"];

/// Attributes every HTML element may have (besides `aria-*` and `data-*`).
const GLOBAL_ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "title",
    "lang",
    "dir",
    "style",
    "hidden",
    "tabindex",
    "role",
    "translate",
];

/// Attributes particular to some elements.
fn element_attribute(element: &str, attribute: &str) -> bool {
    let allowed: &[&str] = match element {
        "a" => &["href", "hreflang", "rel", "type"],
        "img" => &["src", "alt", "width", "height"],
        "td" => &["colspan", "rowspan", "headers"],
        "th" => &["colspan", "rowspan", "headers", "scope", "abbr"],
        "ol" => &["start", "reversed", "type"],
        "li" => &["value"],
        "time" => &["datetime"],
        "data" => &["value"],
        "q" | "blockquote" => &["cite"],
        "del" | "ins" => &["cite", "datetime"],
        "col" | "colgroup" => &["span"],
        "details" => &["open"],
        _ => &[],
    };
    allowed.contains(&attribute)
}

/// How the caller rewrites attribute values (ids prefixed, links pointed into the book,
/// images packed): `(element, attribute, value)` → the new value, or None to keep it.
pub type Rewrite<'a> = dyn FnMut(&str, &str, &str) -> Option<String> + 'a;

/// Parses `html` (a fragment in a `<body>`) and writes it as XHTML, each attribute value
/// through `rewrite`. Errors: every problem found, in document order.
pub fn to_xhtml(html: &str, rewrite: &mut Rewrite) -> Result<String, Vec<Problem>> {
    let fragment = Html::parse_fragment(html);
    let mut writer = Writer {
        out: String::with_capacity(html.len() + html.len() / 8),
        problems: Vec::new(),
        rewrite,
    };
    writer.tree(*fragment.root_element());
    if writer.problems.is_empty() {
        Ok(writer.out)
    } else {
        Err(writer.problems)
    }
}

/// Checks `html` as [`to_xhtml`] would write it.
pub fn check(html: &str) -> Vec<Problem> {
    to_xhtml(html, &mut |_, _, _| None)
        .err()
        .unwrap_or_default()
}

struct Writer<'r, 'a> {
    out: String,
    problems: Vec<Problem>,
    rewrite: &'r mut Rewrite<'a>,
}

type NodeRef<'a> = ego_tree::NodeRef<'a, Node>;

impl Writer<'_, '_> {
    /// Writes the content of `root`, walking the tree without recursion: a body may nest
    /// 10,000 block quotes, deeper than a thread's stack allows recursion to go.
    fn tree(&mut self, root: NodeRef) {
        // An element whose content is not written (refused, or written as `<x/>`).
        let mut skipping: Option<ego_tree::NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) | Edge::Close(node) if node == root => {}
                Edge::Open(_) if skipping.is_some() => {}
                Edge::Open(node) => match node.value() {
                    Node::Text(text) => self.text(text),
                    Node::Element(element) if !self.element(node, element) => {
                        skipping = Some(node.id());
                    }
                    // Comments, doctypes and processing instructions are not content.
                    _ => {}
                },
                Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
                Edge::Close(_) if skipping.is_some() => {}
                Edge::Close(node) => {
                    if let Node::Element(element) = node.value() {
                        self.out.push_str("</");
                        self.out.push_str(element.name());
                        self.out.push('>');
                    }
                }
            }
        }
    }

    /// Writes the start tag of `element`; false when its content and end tag are not to be
    /// written (the element is refused, or written empty as `<x/>`).
    fn element(&mut self, node: NodeRef, element: &Element) -> bool {
        let name = element.name();
        let namespace: &str = &element.name.ns;
        let parent_namespace = node
            .parent()
            .and_then(|p| p.value().as_element())
            .map(|p| p.name.ns.to_string());
        match namespace {
            HTML_NS if !ELEMENTS.contains(&name) => {
                self.problems.push(Problem {
                    message: format!(
                        "the HTML element `<{name}>` cannot go into the EPUB (EPUB 3 XHTML has no `{name}` without scripts, forms or obsolete markup)"
                    ),
                    needle: format!("<{name}"),
                });
                return false;
            }
            HTML_NS | SVG_NS | MATHML_NS => {}
            other => {
                self.problems.push(Problem {
                    message: format!(
                        "the element `<{name}>` (namespace {other}) cannot go into the EPUB"
                    ),
                    needle: format!("<{name}"),
                });
                return false;
            }
        }
        self.out.push('<');
        self.out.push_str(name);
        // A foreign island (an inline SVG or MathML) declares its namespace.
        if namespace != HTML_NS && parent_namespace.as_deref() != Some(namespace) {
            self.out.push_str(&format!(" xmlns=\"{namespace}\""));
            if namespace == SVG_NS {
                self.out.push_str(&format!(" xmlns:xlink=\"{XLINK_NS}\""));
            }
        }
        for (attribute, value) in element.attrs.iter() {
            self.attribute(name, namespace, (&attribute.ns, &attribute.local), value);
        }
        let empty = node.children().next().is_none();
        if namespace == HTML_NS && VOID.contains(&name) || namespace != HTML_NS && empty {
            self.out.push_str("/>");
            return false;
        }
        self.out.push('>');
        true
    }

    fn attribute(
        &mut self,
        element: &str,
        element_namespace: &str,
        (namespace, local): (&str, &str),
        value: &str,
    ) {
        let qualified = match namespace {
            "" => local.to_string(),
            XLINK_NS => format!("xlink:{local}"),
            XML_NS => format!("xml:{local}"),
            // Namespace declarations are written by the element itself.
            _ => return,
        };
        let allowed = if element_namespace == HTML_NS {
            GLOBAL_ATTRIBUTES.contains(&local)
                || local.starts_with("aria-")
                || local.starts_with("data-") && is_xml_name(local)
                || qualified == "epub:type"
                || qualified == "xml:lang"
                || element_attribute(element, local)
        } else {
            is_xml_name(&qualified)
        };
        if !allowed {
            self.problems.push(Problem {
                message: format!(
                    "the attribute `{qualified}` of `<{element}>` cannot go into the EPUB (HTML5 does not define it there)"
                ),
                needle: qualified.clone(),
            });
            return;
        }
        let value = (self.rewrite)(element, &qualified, value).unwrap_or_else(|| value.to_string());
        self.out.push(' ');
        self.out.push_str(&qualified);
        self.out.push_str("=\"");
        self.escaped(&value, true);
        self.out.push('"');
    }

    fn text(&mut self, text: &str) {
        self.escaped(text, false);
    }

    /// Escapes for XML text or a double-quoted attribute; a character XML 1.0 does not allow
    /// (C0 controls but tab and line ends, C1 controls, U+FFFE, U+FFFF) is a problem.
    fn escaped(&mut self, text: &str, attribute: bool) {
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' if attribute => self.out.push_str("&quot;"),
                '\t' | '\n' | '\r' => self.out.push(c),
                c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                    self.problems.push(Problem {
                        message: format!(
                            "the control character U+{:04X} cannot go into the EPUB (XML does not allow it)",
                            c as u32
                        ),
                        needle: c.to_string(),
                    });
                }
                c => self.out.push(c),
            }
        }
    }
}

/// The media type of an image EPUB reading systems must show (EPUB 3.3 §3.2, core media
/// types: GIF, JPEG, PNG, SVG, WebP), from its file name; None for any other.
pub fn epub_image_media_type(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        _ => return None,
    })
}

/// The site-relative output path an image `src` of a page at `page_path` (`ja/handbook/x/`)
/// names: an href under `base_path` (what Markdown images resolve to) or a relative one (raw
/// HTML), decoded. None for other sites' images and paths that leave the site.
pub fn site_path_of_src(src: &str, base_path: &str, page_path: &str) -> Option<String> {
    let is_external = src.starts_with("//")
        || src
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.contains('/'));
    if is_external {
        return None;
    }
    let src = src.split(['#', '?']).next().unwrap_or_default();
    let joined = match src.strip_prefix('/') {
        Some(_) => src.strip_prefix(base_path)?.to_string(),
        None => format!("{page_path}{src}"),
    };
    let decoded = crate::url::decode(&joined).ok()?;
    crate::url::join_relative("", &decoded)
}

/// Whether `name` can be an XML attribute name as written (`[A-Za-z_][A-Za-z0-9._:-]*`; the
/// ASCII subset of XML 1.0 §2.3 that HTML attribute names use).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xhtml(html: &str) -> String {
        to_xhtml(html, &mut |_, _, _| None).unwrap()
    }

    #[test]
    fn ten_thousand_nested_elements_are_written_without_recursion() {
        let depth = 10_000;
        let html = format!(
            "{}x{}",
            "<blockquote>".repeat(depth),
            "</blockquote>".repeat(depth)
        );
        // A small stack, as rayon's worker threads have: recursion would overflow it.
        let out = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || to_xhtml(&html, &mut |_, _, _| None))
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(out.matches("<blockquote>").count(), depth);
        assert!(out.contains(">x</blockquote>"));
    }

    #[test]
    fn html_only_constructs_become_xml() {
        assert_eq!(
            xhtml("<p>a<br>b&nbsp;c<img src=\"x.png\" alt=\"\"><p>unclosed"),
            "<p>a<br/>b\u{a0}c<img alt=\"\" src=\"x.png\"/></p><p>unclosed</p>"
        );
        assert_eq!(
            xhtml("<p>A &amp; B &lt;C&gt;</p>"),
            "<p>A &amp; B &lt;C&gt;</p>"
        );
        assert_eq!(
            xhtml("<p title='say \"hi\"'>x</p><!-- note -->"),
            "<p title=\"say &quot;hi&quot;\">x</p>"
        );
        assert_eq!(
            xhtml("<ruby>腹臥位<rp>(</rp><rt>ふくがい</rt><rp>)</rp></ruby>"),
            "<ruby>腹臥位<rp>(</rp><rt>ふくがい</rt><rp>)</rp></ruby>"
        );
    }

    #[test]
    fn inline_svg_declares_its_namespace() {
        assert_eq!(
            xhtml("<svg viewbox=\"0 0 1 1\"><use xlink:href=\"#a\"></use></svg>"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 1 1\"><use xlink:href=\"#a\"/></svg>"
        );
    }

    #[test]
    fn what_xhtml_cannot_carry_is_a_problem() {
        let problems = check(
            "<p><font color=red>x</font><img src=a.png align=left>\u{1}</p><script>x</script>",
        );
        let needles: Vec<&str> = problems.iter().map(|p| p.needle.as_str()).collect();
        assert_eq!(needles, ["<font", "align", "\u{1}", "<script"]);
        assert!(problems[0].message.contains("`<font>`"));
    }

    #[test]
    fn image_sources_name_site_files() {
        let src = |s: &str| site_path_of_src(s, "/ngmo/", "ja/handbook/x/");
        assert_eq!(
            src("/ngmo/ja/handbook/x/%E5%9B%B3%201.svg").as_deref(),
            Some("ja/handbook/x/図 1.svg")
        );
        assert_eq!(src("fig.png").as_deref(), Some("ja/handbook/x/fig.png"));
        assert_eq!(
            src("../y/fig.png").as_deref(),
            Some("ja/handbook/y/fig.png")
        );
        assert_eq!(src("https://x.org/a.png"), None);
        assert_eq!(src("/other/a.png"), None);
        assert_eq!(src("../../../../a.png"), None);
    }

    #[test]
    fn attribute_values_are_rewritten() {
        let out = to_xhtml(
            "<a href=\"#x\" id=\"x\">y</a>",
            &mut |element, name, value| {
                (element == "a" && name == "href").then(|| format!("{value}-2"))
            },
        )
        .unwrap();
        assert_eq!(out, "<a href=\"#x-2\" id=\"x\">y</a>");
    }
}
