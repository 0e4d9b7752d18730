//! Setting one top-level key of a file's front matter in place (`koho status --mark`, the drafts
//! of `koho new`): only that line changes; every other byte of the file is kept.

/// Why a front matter could not be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The text does not start with a `+++` block.
    NoFrontMatter,
    /// The edited front matter did not read back as the original plus the key (an unusual
    /// layout, e.g. a multi-line value that looks like a table header); edit it by hand.
    Unsafe(String),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::NoFrontMatter => {
                write!(
                    f,
                    "the file does not start with front matter between `+++` lines"
                )
            }
            EditError::Unsafe(why) => write!(f, "cannot edit the front matter safely: {why}"),
        }
    }
}

/// Sets `key = value` (value already written as TOML, e.g. `"abc"` or `true`) at the top level of
/// the front matter of `text`. An existing line of that key (before any `[table]`) is replaced,
/// keeping its indentation and line ending; otherwise a line is inserted before the first
/// `[table]` header or the closing `+++`, with the file's line ending. The result is parsed back
/// and compared with the original (same table apart from `key`) before it is returned.
pub fn set_key(text: &str, key: &str, value: &str) -> Result<String, EditError> {
    let bom = if text.starts_with('\u{feff}') {
        "\u{feff}".len()
    } else {
        0
    };
    let body = &text[bom..];
    let opening = if body.starts_with("+++\r\n") {
        "+++\r\n"
    } else if body.starts_with("+++\n") {
        "+++\n"
    } else {
        return Err(EditError::NoFrontMatter);
    };
    let eol = &opening[3..];
    let start = bom + opening.len();
    let mut offset = start;
    let mut existing = None;
    let mut insert_at = None;
    let mut end = None;
    for line in text[start..].split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed == "+++" {
            end = Some(offset);
            break;
        }
        if insert_at.is_none() && trimmed.starts_with('[') {
            insert_at = Some(offset);
        }
        if insert_at.is_none() && existing.is_none() && is_key_line(line, key) {
            existing = Some((offset, line));
        }
        offset += line.len();
    }
    let end = end.ok_or(EditError::NoFrontMatter)?;
    let edited = match existing {
        Some((at, line)) => {
            let indent = &line[..line.len() - line.trim_start().len()];
            let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
            let comment = trailing_comment(line);
            let new_line = format!("{indent}{key} = {value}{comment}{ending}");
            format!("{}{new_line}{}", &text[..at], &text[at + line.len()..])
        }
        None => {
            let at = insert_at.unwrap_or(end);
            format!("{}{key} = {value}{eol}{}", &text[..at], &text[at..])
        }
    };
    verify(&text[start..end], &edited, start, key, value)?;
    Ok(edited)
}

/// The comment after the value of a `key = value` line, with the space before it (` # note`),
/// so that replacing the value keeps it; "" when there is none. Only a basic string (`"…"`,
/// escapes skipped) or a bare value (`true`, `3`) is read past; after anything else no comment
/// is kept (and `verify` still checks the edit).
fn trailing_comment(line: &str) -> &str {
    let body = line.trim_end_matches(['\r', '\n']);
    let Some(eq) = body.find('=') else {
        return "";
    };
    let rest = body[eq + 1..].trim_start();
    let end = match rest.strip_prefix('"') {
        Some(inner) => {
            let mut escaped = false;
            let close = inner.char_indices().find_map(|(i, c)| {
                let closes = !escaped && c == '"';
                escaped = !escaped && c == '\\';
                closes.then_some(i)
            });
            match close {
                Some(i) => i + 2,
                None => return "",
            }
        }
        None => rest
            .find(|c: char| c.is_whitespace() || c == '#')
            .unwrap_or(rest.len()),
    };
    let after = &rest[end..];
    match after.trim_start().starts_with('#') {
        true => after,
        false => "",
    }
}

/// Whether `line` assigns `key` (`key = …`, `key=…`, with optional indentation).
fn is_key_line(line: &str, key: &str) -> bool {
    line.trim_start()
        .strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// The edited front matter must be the original table with `key` set to `value`, nothing else.
fn verify(
    original: &str,
    edited: &str,
    start: usize,
    key: &str,
    value: &str,
) -> Result<(), EditError> {
    let unsafe_edit = |why: &str| EditError::Unsafe(why.to_string());
    let close = edited[start..]
        .split_inclusive('\n')
        .scan(start, |offset, line| {
            let at = *offset;
            *offset += line.len();
            Some((at, line))
        })
        .find(|(_, line)| line.trim() == "+++")
        .map(|(at, _)| at)
        .ok_or_else(|| unsafe_edit("the closing `+++` was lost"))?;
    let mut before: toml::Table = toml::from_str(original)
        .map_err(|e| EditError::Unsafe(format!("invalid front matter: {}", e.message())))?;
    let mut after: toml::Table = toml::from_str(&edited[start..close])
        .map_err(|_| unsafe_edit("the edited front matter is not valid TOML"))?;
    let wanted: toml::Table = toml::from_str(&format!("v = {value}"))
        .map_err(|_| unsafe_edit("the value is not valid TOML"))?;
    if after.remove(key).as_ref() != wanted.get("v") {
        return Err(unsafe_edit(&format!(
            "`{key}` did not end up at the top level"
        )));
    }
    before.remove(key);
    if before != after {
        return Err(unsafe_edit("other keys would have changed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_line() {
        let text = "+++\r\ntitle = \"T\"\r\n  translated_from=\"old\" # note\r\n[extra]\r\nx = 1\r\n+++\r\n\r\nbody\r\n";
        let edited = set_key(text, "translated_from", "\"new\"").unwrap();
        assert_eq!(
            edited,
            "+++\r\ntitle = \"T\"\r\n  translated_from = \"new\" # note\r\n[extra]\r\nx = 1\r\n+++\r\n\r\nbody\r\n"
        );
    }

    #[test]
    fn keeps_the_comment_after_the_value() {
        let cases = [
            ("translated_from = \"a\\\" # b\" # keep\n", " # keep"),
            ("draft = false   # later\n", "   # later"),
            ("draft = false\n", ""),
            ("title = \"has # inside\"\n", ""),
        ];
        for (line, comment) in cases {
            assert_eq!(trailing_comment(line), comment, "{line}");
        }
        let text = "+++\ntitle = \"T\"\ndraft = false # until reviewed\n+++\n";
        assert_eq!(
            set_key(text, "draft", "true").unwrap(),
            "+++\ntitle = \"T\"\ndraft = true # until reviewed\n+++\n"
        );
    }

    #[test]
    fn inserts_before_the_first_table_or_the_end() {
        let text = "\u{feff}+++\ntitle = \"T\"\n[extra]\ntranslated_from = \"x\"\n+++\nbody";
        assert_eq!(
            set_key(text, "translated_from", "\"id\"").unwrap(),
            "\u{feff}+++\ntitle = \"T\"\ntranslated_from = \"id\"\n[extra]\ntranslated_from = \"x\"\n+++\nbody"
        );
        assert_eq!(
            set_key("+++\ntitle = \"T\"\n+++\n", "draft", "true").unwrap(),
            "+++\ntitle = \"T\"\ndraft = true\n+++\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_do_safely() {
        assert_eq!(
            set_key("# no front matter\n", "draft", "true"),
            Err(EditError::NoFrontMatter)
        );
        let tricky = "+++\ntitle = \"\"\"\n[not a table]\n\"\"\"\n+++\n";
        assert!(matches!(
            set_key(tricky, "draft", "true"),
            Err(EditError::Unsafe(_))
        ));
    }
}
