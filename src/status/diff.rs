//! What changed in a source: a unified diff of paragraphs (blocks between blank lines), since
//! translators work paragraph by paragraph rather than line by line.

use serde::Serialize;
use similar::{Algorithm, DiffTag};

/// Paragraphs of unchanged context shown around each change.
pub const CONTEXT: usize = 1;

/// One paragraph in a hunk: kept (` `), removed (`-`) or added (`+`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `"equal"`, `"delete"` or `"insert"`.
    pub tag: &'static str,
    pub text: String,
}

/// A run of changes with context, numbered in paragraphs (1-based) like a unified diff's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    pub paragraphs: Vec<Line>,
}

/// Splits a Markdown file into paragraphs: the front matter block (`+++` … `+++`) is one, then
/// every run of non-blank lines. Line endings are normalised to `\n` so that a file re-saved
/// with other line endings does not show every paragraph as changed.
pub fn paragraphs(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().peekable();
    let mut out = Vec::new();
    if lines.peek().map(|l| l.trim_end()) == Some("+++") {
        let mut block = vec![lines.next().unwrap_or_default()];
        for line in lines.by_ref() {
            block.push(line);
            if line.trim_end() == "+++" {
                break;
            }
        }
        out.push(block.join("\n"));
    }
    let mut current: Vec<&str> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// The changed paragraphs between two versions of a file, grouped into hunks with `CONTEXT`
/// paragraphs around them; empty when the paragraphs are the same.
pub fn paragraph_diff(old: &str, new: &str) -> Vec<Hunk> {
    let old = paragraphs(old);
    let new = paragraphs(new);
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
    similar::group_diff_ops(ops, CONTEXT)
        .into_iter()
        .filter_map(|group| {
            let first = group.first()?;
            let last = group.last()?;
            let (old_start, new_start) = (first.old_range().start, first.new_range().start);
            let mut paragraphs = Vec::new();
            for op in &group {
                let (tag, old_range, new_range) = op.as_tag_tuple();
                let mut push = |tag: &'static str, texts: &[String]| {
                    paragraphs.extend(texts.iter().map(|text| Line {
                        tag,
                        text: text.clone(),
                    }));
                };
                match tag {
                    DiffTag::Equal => push("equal", &old[old_range]),
                    DiffTag::Delete => push("delete", &old[old_range]),
                    DiffTag::Insert => push("insert", &new[new_range]),
                    DiffTag::Replace => {
                        push("delete", &old[old_range]);
                        push("insert", &new[new_range]);
                    }
                }
            }
            Some(Hunk {
                old_start: old_start + 1,
                old_len: last.old_range().end - old_start,
                new_start: new_start + 1,
                new_len: last.new_range().end - new_start,
                paragraphs,
            })
        })
        .collect()
}

/// The hunks as text: `@@ -a,b +c,d @@` headers in paragraphs, every line of a paragraph
/// prefixed with ` `, `-` or `+`, paragraphs separated by a line holding only the prefix.
pub fn format_unified(hunks: &[Hunk], old_label: &str, new_label: &str) -> String {
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    for hunk in hunks {
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@ paragraphs\n",
            hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len
        ));
        for (index, paragraph) in hunk.paragraphs.iter().enumerate() {
            let prefix = match paragraph.tag {
                "delete" => '-',
                "insert" => '+',
                _ => ' ',
            };
            if index > 0 {
                out.push(prefix);
                out.push('\n');
            }
            for line in paragraph.text.lines() {
                out.push(prefix);
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_paragraphs() {
        let text = "+++\ntitle = \"T\"\n\n+++\n\nfirst\nstill first\n\n\nsecond\r\n";
        assert_eq!(
            paragraphs(text),
            vec!["+++\ntitle = \"T\"\n\n+++", "first\nstill first", "second"]
        );
    }

    #[test]
    fn only_changed_paragraphs_with_context() {
        let old = "+++\ntitle = \"T\"\n+++\n\none\n\ntwo\n\nthree\n\nfour\n\nfive\n";
        let new = "+++\ntitle = \"T\"\n+++\n\none\n\ntwo\n\nTHREE\n\nfour\n\nfive\n";
        let hunks = paragraph_diff(old, new);
        assert_eq!(hunks.len(), 1);
        let tags: Vec<(&str, &str)> = hunks[0]
            .paragraphs
            .iter()
            .map(|p| (p.tag, p.text.as_str()))
            .collect();
        assert_eq!(
            tags,
            vec![
                ("equal", "two"),
                ("delete", "three"),
                ("insert", "THREE"),
                ("equal", "four")
            ]
        );
        assert_eq!((hunks[0].old_start, hunks[0].old_len), (3, 3));
        let text = format_unified(&hunks, "a", "b");
        assert!(text.contains("@@ -3,3 +3,3 @@"), "{text}");
        assert!(
            text.contains("\n two\n-\n-three\n+\n+THREE\n \n four\n"),
            "{text}"
        );
        assert!(paragraph_diff(old, old).is_empty());
    }
}
