//! CJK-friendly emphasis: `*`, `_` and `~~` next to Japanese and Chinese punctuation.
//!
//! CommonMark's flanking rules (spec 0.31.2 §6.2) make `本機構は**「医療の国際化」**を推進`
//! print literal `**`, because a delimiter run between a letter and a punctuation mark can only
//! open on one side; CJK text has no spaces to help (commonmark-spec issue 650). The
//! "markdown-cjk-friendly" amendment (tats-u, <https://github.com/tats-u/markdown-cjk-friendly>,
//! `specification.md` §6.2) treats CJK characters and CJK punctuation like whitespace for that
//! purpose. comrak ships it as `cjk_friendly_emphasis`; pulldown-cmark merged it upstream but
//! 0.13.6, the newest release on crates.io, has no such option.
//!
//! So pulldown-cmark still parses, and this pass corrects its emphasis afterwards. Everything
//! but emphasis (code spans, raw HTML, autolinks, links and their destinations, escapes,
//! entities) binds tighter than emphasis and does not depend on it, so pulldown-cmark's events
//! are right except for which delimiter runs became `<em>`/`<strong>`/`<del>`. For each inline
//! container (paragraph, heading, table cell, tight list item) in which some delimiter run opens
//! or closes differently under the amended rules, the emphasis events are turned back into
//! their delimiter characters and matched again with pulldown-cmark's own algorithm (its
//! `InlineStack`, ported: openers-bottom per kind, the rule of three, equal-length `~` runs,
//! link text as its own scope) using the amended flanking rules. Containers where nothing
//! differs — every container of Latin-only text — keep pulldown-cmark's events untouched, and
//! a text with no delimiter next to a non-ASCII character is not even looked at.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::chars::{
    is_cjk, is_cjk_ambiguous_quote, is_general_variation_selector,
    is_ideographic_variation_selector, is_punctuation,
};

/// An event with its byte range in the Markdown text, as pulldown-cmark's offset iterator
/// gives it.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// Rematches emphasis in `events` (parsed from `source`) by the CJK-friendly rules wherever they
/// decide differently from CommonMark's.
pub fn apply_cjk_friendly<'a>(source: &'a str, events: &mut Vec<Spanned<'a>>) {
    if needs_look(source) {
        rematch(source, events, Rules::CjkFriendly, false);
    }
}

/// Which flanking rules decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rules {
    CommonMark,
    CjkFriendly,
}

/// Whether any `*`, `_` or `~` touches a non-ASCII byte: only then can a CJK character be next
/// to a delimiter run, and only then can the two rule sets disagree. Pure ASCII text is
/// recognised at once, other text scanned for the three bytes with `memchr3` (SIMD).
fn needs_look(source: &str) -> bool {
    !source.is_ascii() && delimiter_touches_non_ascii(source.as_bytes(), 0..source.len())
}

fn delimiter_touches_non_ascii(bytes: &[u8], span: Range<usize>) -> bool {
    let offset = span.start;
    memchr::memchr3_iter(b'*', b'_', b'~', &bytes[span]).any(|i| {
        let i = offset + i;
        (i > 0 && bytes[i - 1] >= 0x80) || bytes.get(i + 1).is_some_and(|&n| n >= 0x80)
    })
}

/// Rewrites every inline container where `rules` decide differently from CommonMark (every
/// container that has delimiters, when `force`: the tests use that to check the port of the
/// matching algorithm against pulldown-cmark itself).
pub(crate) fn rematch<'a>(
    source: &'a str,
    events: &mut Vec<Spanned<'a>>,
    rules: Rules,
    force: bool,
) {
    let mut replacements: Vec<(Range<usize>, Vec<Spanned<'a>>)> = Vec::new();
    let mut i = 0;
    // Text in a code block is text, not a container of inlines.
    let mut in_code_block = false;
    while i < events.len() {
        if !is_inline(&events[i].0) {
            match events[i].0 {
                Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
                Event::End(TagEnd::CodeBlock) => in_code_block = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < events.len() && is_inline(&events[i].0) {
            i += 1;
        }
        if in_code_block {
            continue;
        }
        let from = events[start].1.start.min(source.len());
        let to = events[start..i]
            .iter()
            .map(|(_, r)| r.end)
            .max()
            .unwrap_or(from);
        if !force
            && !delimiter_touches_non_ascii(source.as_bytes(), from..to.clamp(from, source.len()))
        {
            continue;
        }
        if let Some(new) = rematch_scope(source, &events[start..i], rules, force) {
            replacements.push((start..i, new));
        }
    }
    if replacements.is_empty() {
        return;
    }
    let old = std::mem::take(events);
    let mut old = old.into_iter().enumerate().peekable();
    for (range, new) in replacements {
        while old.peek().is_some_and(|(ix, _)| *ix < range.start) {
            if let Some((_, e)) = old.next() {
                events.push(e);
            }
        }
        while old.peek().is_some_and(|(ix, _)| *ix < range.end) {
            old.next();
        }
        events.extend(new);
    }
    events.extend(old.map(|(_, e)| e));
}

/// Events that live inside an inline container.
fn is_inline(event: &Event) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_) => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Superscript
                | Tag::Subscript
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript
        ),
        _ => false,
    }
}

/// One delimiter character (`*`, `_` or `~`) at byte `pos` of the source.
#[derive(Debug, Clone)]
struct Piece {
    pos: usize,
    c: u8,
    /// Link nesting scope it belongs to (0: the container itself).
    group: usize,
    /// Nothing but line starts (beginning of the container, a line break) before it.
    line_start: bool,
    /// Nothing but a line end or the container's end after it.
    line_end: bool,
}

/// A delimiter run: consecutive pieces of one character.
#[derive(Debug, Clone)]
struct Run {
    first: usize,
    len: usize,
    c: u8,
    group: usize,
    can_open: bool,
    can_close: bool,
}

/// What a delimiter piece becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Literal,
    Open(Kind),
    Close(Kind),
    /// The second character of a `**` or `~~` pair.
    Hidden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Emphasis,
    Strong,
    Strikethrough,
}

fn rematch_scope<'a>(
    source: &'a str,
    scope: &[Spanned<'a>],
    rules: Rules,
    force: bool,
) -> Option<Vec<Spanned<'a>>> {
    let pieces = collect_pieces(source, scope);
    if pieces.is_empty() {
        return None;
    }
    let mut runs = group_runs(&pieces);
    let mut differs = force;
    for run in &mut runs {
        let standard = flanking(source, &pieces, run, Rules::CommonMark);
        let chosen = flanking(source, &pieces, run, rules);
        differs |= standard != chosen;
        (run.can_open, run.can_close) = chosen;
    }
    if !differs {
        return None;
    }
    let roles = match_runs(&runs, pieces.len());
    Some(rebuild(source, scope, &pieces, &roles))
}

/// The delimiter characters of a container in order: those pulldown-cmark matched (the edges of
/// its emphasis events) and those it left in text (not escaped, not from an entity).
fn collect_pieces(source: &str, scope: &[Spanned]) -> Vec<Piece> {
    let mut collector = Collector {
        source,
        pieces: Vec::new(),
        content: false,
        last_piece: None,
        group_stack: vec![0],
        groups: 0,
    };
    for (event, range) in scope {
        collector.event(event, range);
    }
    if let Some(ix) = collector.last_piece {
        collector.pieces[ix].line_end = true;
    }
    collector.pieces
}

struct Collector<'s> {
    source: &'s str,
    pieces: Vec<Piece>,
    /// Content seen since the last line start.
    content: bool,
    /// The last piece, while nothing has come after it.
    last_piece: Option<usize>,
    /// Link scopes: the innermost is last.
    group_stack: Vec<usize>,
    groups: usize,
}

impl Collector<'_> {
    fn event(&mut self, event: &Event, range: &Range<usize>) {
        if let Some(span) = emphasis_span(self.source, event, range) {
            span.for_each(|pos| self.piece(pos));
            return;
        }
        match event {
            Event::Text(text) if is_literal(self.source, range, text) => self.text(text, range),
            // After a hard break the next character decides (`\` or a space), as in
            // pulldown-cmark; a soft break is the end of a line.
            Event::SoftBreak | Event::HardBreak => {
                if let Some(ix) = self.last_piece.take() {
                    self.pieces[ix].line_end = matches!(event, Event::SoftBreak);
                }
                self.content = false;
            }
            other => {
                match other {
                    Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                        self.groups += 1;
                        self.group_stack.push(self.groups);
                    }
                    Event::End(TagEnd::Link | TagEnd::Image) => {
                        self.group_stack.pop();
                    }
                    _ => {}
                }
                self.other_content();
            }
        }
    }

    fn text(&mut self, text: &str, range: &Range<usize>) {
        let mut from = range.start;
        for offset in memchr::memchr3_iter(b'*', b'_', b'~', text.as_bytes()) {
            let pos = range.start + offset;
            if !is_escaped(self.source, pos) {
                if pos > from {
                    self.other_content();
                }
                self.piece(pos);
                from = pos + 1;
            }
        }
        if range.end > from {
            self.other_content();
        }
    }

    fn piece(&mut self, pos: usize) {
        self.pieces.push(Piece {
            pos,
            c: self.source.as_bytes()[pos],
            group: *self.group_stack.last().unwrap_or(&0),
            line_start: !self.content,
            line_end: false,
        });
        self.content = true;
        self.last_piece = Some(self.pieces.len() - 1);
    }

    fn other_content(&mut self) {
        self.content = true;
        self.last_piece = None;
    }
}

/// Byte positions of the delimiters of one of pulldown-cmark's emphasis events: at the start of
/// its range for `Start`, at the end for `End` (both events get the range of the whole span).
/// `None` for other events.
fn emphasis_span(source: &str, event: &Event, range: &Range<usize>) -> Option<Range<usize>> {
    let (len, at_start) = match event {
        Event::Start(Tag::Emphasis) => (1, true),
        Event::Start(Tag::Strong) => (2, true),
        Event::Start(Tag::Strikethrough) => (tilde_len(source, range.start), true),
        Event::End(TagEnd::Emphasis) => (1, false),
        Event::End(TagEnd::Strong) => (2, false),
        Event::End(TagEnd::Strikethrough) => (tilde_len(source, range.start), false),
        _ => return None,
    };
    let span = if at_start {
        range.start..range.start + len
    } else {
        range.end.saturating_sub(len)..range.end
    };
    Some(if span.end <= source.len() { span } else { 0..0 })
}

/// `~` or `~~`: pulldown-cmark matches only runs of equal length, at most two.
fn tilde_len(source: &str, start: usize) -> usize {
    if source.as_bytes().get(start + 1) == Some(&b'~') {
        2
    } else {
        1
    }
}

/// Whether a text event is its source unchanged (not an entity or an escape's output).
fn is_literal(source: &str, range: &Range<usize>, text: &str) -> bool {
    source.get(range.clone()) == Some(text)
}

/// Whether the character at `pos` follows an odd number of backslashes.
fn is_escaped(source: &str, pos: usize) -> bool {
    let before = &source.as_bytes()[..pos];
    before.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

fn group_runs(pieces: &[Piece]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (ix, piece) in pieces.iter().enumerate() {
        if let Some(run) = runs.last_mut() {
            let last = &pieces[run.first + run.len - 1];
            if ix == run.first + run.len && last.c == piece.c && last.pos + 1 == piece.pos {
                run.len += 1;
                continue;
            }
        }
        runs.push(Run {
            first: ix,
            len: 1,
            c: piece.c,
            group: piece.group,
            can_open: false,
            can_close: false,
        });
    }
    runs
}

/// What is on one side of a delimiter run, as the flanking rules ask.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    space: bool,
    punct: bool,
    cjk: bool,
    ideographic_vs: bool,
    tilde: bool,
}

impl Side {
    const SPACE: Side = Side {
        space: true,
        punct: false,
        cjk: false,
        ideographic_vs: false,
        tilde: false,
    };

    fn of(c: char) -> Side {
        Side {
            space: c.is_whitespace(),
            punct: is_punctuation(c),
            cjk: false,
            ideographic_vs: false,
            tilde: c == '~',
        }
    }
}

/// (can open, can close) of `run` under `rules`.
fn flanking(source: &str, pieces: &[Piece], run: &Run, rules: Rules) -> (bool, bool) {
    let first = &pieces[run.first];
    let last = &pieces[run.first + run.len - 1];
    let before = if first.line_start {
        Side::SPACE
    } else {
        before_side(&source[..first.pos], rules)
    };
    let after = if last.line_end {
        Side::SPACE
    } else {
        after_side(&source[last.pos + 1..], rules)
    };
    can_open_close(run.c, run.len, before, after)
}

/// The character before a run. Under the CJK-friendly rules a variation selector defers to the
/// character it modifies (a "CJK sequence" or "punctuation sequence", spec §2.1).
fn before_side(text: &str, rules: Rules) -> Side {
    let mut chars = text.chars().rev();
    let Some(c) = chars.next() else {
        return Side::SPACE;
    };
    let mut side = Side::of(c);
    if rules == Rules::CommonMark {
        return side;
    }
    if is_ideographic_variation_selector(c) {
        side.ideographic_vs = true;
    } else if is_general_variation_selector(c) {
        if let Some(base) = chars.next() {
            side = Side::of(base);
            side.cjk = is_cjk(base) || (c == '\u{FE01}' && is_cjk_ambiguous_quote(base));
        }
    } else {
        side.cjk = is_cjk(c);
    }
    side
}

fn after_side(text: &str, rules: Rules) -> Side {
    let Some(c) = text.chars().next() else {
        return Side::SPACE;
    };
    let mut side = Side::of(c);
    side.cjk = rules == Rules::CjkFriendly && is_cjk(c);
    side
}

/// Left- and right-flanking (CommonMark §6.2 as amended by markdown-cjk-friendly §6.2; `cjk`
/// flags are all false under plain CommonMark, which gives the original definitions) and, per
/// delimiter character, pulldown-cmark's opening and closing conditions (`delim_run_can_open`,
/// `delim_run_can_close` in its firstpass.rs): `*` and `~~` may be intraword, `_` and `~` not.
fn can_open_close(c: u8, len: usize, b: Side, a: Side) -> (bool, bool) {
    let left = !a.space && (!a.punct || b.space || b.punct || a.cjk || b.cjk || b.ideographic_vs);
    let right = !b.space && (!b.punct || a.space || a.punct || b.cjk || a.cjk);
    match c {
        b'*' => (left, right),
        b'_' => (left && (!right || b.punct), right && (!left || a.punct)),
        _ if len > 2 => (false, false),
        _ if len == 2 => (!a.space, right || (!b.space && b.tilde)),
        _ => {
            let open = !a.space && (b.space || b.punct || (b.tilde && !a.punct));
            let close = !b.space && (a.space || a.punct || b.tilde);
            (open, close)
        }
    }
}

/// pulldown-cmark's delimiter stack (`InlineStack` in its parse.rs): an opener waiting to be
/// matched.
#[derive(Debug, Clone, Copy)]
struct Opener {
    /// First piece still available.
    start: usize,
    count: usize,
    run_length: usize,
    c: u8,
    both: bool,
}

#[derive(Debug, Default)]
struct Stack {
    openers: Vec<Opener>,
    lower_bounds: [usize; 9],
}

impl Stack {
    const UNDERSCORE_NOT_BOTH: usize = 0;
    const ASTERISK_NOT_BOTH: usize = 1;
    const ASTERISK_BASE: usize = 2;
    const TILDES: usize = 5;
    const UNDERSCORE_BASE: usize = 6;

    fn bound_slots(c: u8, count: usize, both: bool) -> (usize, Option<usize>) {
        match c {
            b'_' => (
                Self::UNDERSCORE_BASE + count % 3,
                (!both).then_some(Self::UNDERSCORE_NOT_BOTH),
            ),
            b'*' => (
                Self::ASTERISK_BASE + count % 3,
                (!both).then_some(Self::ASTERISK_NOT_BOTH),
            ),
            _ => (Self::TILDES, None),
        }
    }

    fn lower_bound(&self, c: u8, count: usize, both: bool) -> usize {
        let (main, extra) = Self::bound_slots(c, count, both);
        let bound = self.lower_bounds[main];
        extra.map_or(bound, |slot| bound.min(self.lower_bounds[slot]))
    }

    fn set_lower_bound(&mut self, c: u8, count: usize, both: bool, value: usize) {
        let (main, extra) = Self::bound_slots(c, count, both);
        self.lower_bounds[main] = value;
        if let Some(slot) = extra {
            self.lower_bounds[slot] = value;
        }
    }

    /// The nearest opener a closer of this kind may match; openers above it are dropped (their
    /// characters stay literal).
    fn find_match(&mut self, c: u8, run_length: usize, both: bool) -> Option<Opener> {
        let bottom = self
            .openers
            .len()
            .min(self.lower_bound(c, run_length, both));
        let found = self.openers[bottom..].iter().rposition(|el| {
            if c == b'~' && run_length != el.run_length {
                return false;
            }
            el.c == c
                && (!both && !el.both
                    || !(run_length + el.run_length).is_multiple_of(3)
                    || run_length.is_multiple_of(3))
        });
        match found {
            Some(offset) => {
                let ix = bottom + offset;
                let opener = self.openers[ix];
                self.openers.truncate(ix);
                for bound in &mut self.lower_bounds {
                    *bound = (*bound).min(ix);
                }
                Some(opener)
            }
            None => {
                let len = self.openers.len();
                self.set_lower_bound(c, run_length, both, len);
                None
            }
        }
    }

    fn push(&mut self, opener: Opener) {
        if opener.c == b'~' {
            self.lower_bounds[Self::TILDES] =
                self.lower_bounds[Self::TILDES].min(self.openers.len());
        }
        self.openers.push(opener);
    }
}

/// Matches the runs of each link scope separately, as pulldown-cmark's
/// `handle_emphasis_and_hard_break` does; returns the role of every piece.
fn match_runs(runs: &[Run], piece_count: usize) -> Vec<Role> {
    let mut roles = vec![Role::Literal; piece_count];
    let groups = runs.iter().map(|r| r.group).max().unwrap_or(0);
    for group in 0..=groups {
        let mut stack = Stack::default();
        for run in runs.iter().filter(|r| r.group == group) {
            match_run(run, &mut stack, &mut roles);
        }
    }
    roles
}

fn match_run(run: &Run, stack: &mut Stack, roles: &mut [Role]) {
    if !(run.can_open || run.can_close) || (run.c == b'~' && run.len > 2) {
        return;
    }
    let both = run.can_open && run.can_close;
    let mut count = run.len;
    let mut cur = run.first;
    if run.can_close {
        while let Some(opener) = stack.find_match(run.c, run.len, both) {
            let matched = count.min(opener.count);
            let mut open_end = opener.start + opener.count;
            let mut close_start = cur;
            let mut left = matched;
            // From the inside out: `***a***` is <em><strong>a</strong></em>.
            while left > 0 {
                let inc = if left >= 2 { 2 } else { 1 };
                let kind = match (run.c, inc) {
                    (b'~', _) => Kind::Strikethrough,
                    (_, 2) => Kind::Strong,
                    _ => Kind::Emphasis,
                };
                roles[open_end - inc] = Role::Open(kind);
                roles[close_start] = Role::Close(kind);
                if inc == 2 {
                    roles[open_end - 1] = Role::Hidden;
                    roles[close_start + 1] = Role::Hidden;
                }
                open_end -= inc;
                close_start += inc;
                left -= inc;
            }
            if opener.count > matched {
                stack.push(Opener {
                    count: opener.count - matched,
                    ..opener
                });
            }
            count -= matched;
            cur += matched;
            if count == 0 {
                return;
            }
        }
    }
    if run.can_open {
        stack.push(Opener {
            start: cur,
            count,
            run_length: run.len,
            c: run.c,
            both,
        });
    }
}

/// The container's events with emphasis as matched: pulldown-cmark's emphasis events and the
/// delimiter characters in text are replaced by the pieces' roles.
fn rebuild<'a>(
    source: &'a str,
    scope: &[Spanned<'a>],
    pieces: &[Piece],
    roles: &[Role],
) -> Vec<Spanned<'a>> {
    let mut out: Vec<Spanned<'a>> = Vec::with_capacity(scope.len() + pieces.len());
    let mut next_piece = 0;
    let emit = |out: &mut Vec<Spanned<'a>>, ix: usize| {
        let pos = pieces[ix].pos;
        let event = match roles[ix] {
            Role::Literal => Event::Text(CowStr::Borrowed(&source[pos..pos + 1])),
            Role::Open(kind) => Event::Start(start_tag(kind)),
            Role::Close(kind) => Event::End(end_tag(kind)),
            Role::Hidden => return,
        };
        out.push((event, pos..pos + 1));
    };
    for (event, range) in scope {
        if let Some(span) = emphasis_span(source, event, range) {
            for _ in span {
                emit(&mut out, next_piece);
                next_piece += 1;
            }
            continue;
        }
        match event {
            Event::Text(text) if is_literal(source, range, text) => {
                let mut from = range.start;
                while next_piece < pieces.len() && range.contains(&pieces[next_piece].pos) {
                    let pos = pieces[next_piece].pos;
                    if pos > from {
                        out.push((Event::Text(CowStr::Borrowed(&source[from..pos])), from..pos));
                    }
                    emit(&mut out, next_piece);
                    next_piece += 1;
                    from = pos + 1;
                }
                if range.end > from {
                    let rest = range.end;
                    out.push((
                        Event::Text(CowStr::Borrowed(&source[from..rest])),
                        from..rest,
                    ));
                }
            }
            _ => out.push((event.clone(), range.clone())),
        }
    }
    out
}

fn start_tag<'a>(kind: Kind) -> Tag<'a> {
    match kind {
        Kind::Emphasis => Tag::Emphasis,
        Kind::Strong => Tag::Strong,
        Kind::Strikethrough => Tag::Strikethrough,
    }
}

fn end_tag(kind: Kind) -> TagEnd {
    match kind {
        Kind::Emphasis => TagEnd::Emphasis,
        Kind::Strong => TagEnd::Strong,
        Kind::Strikethrough => TagEnd::Strikethrough,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{html, Options, Parser};

    fn options() -> Options {
        Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_DEFINITION_LIST
    }

    fn events(source: &str) -> Vec<Spanned<'_>> {
        Parser::new_ext(source, options())
            .into_offset_iter()
            .collect()
    }

    fn to_html(events: Vec<Spanned>) -> String {
        let mut out = String::new();
        html::push_html(&mut out, events.into_iter().map(|(e, _)| e));
        out
    }

    fn cjk(source: &str) -> String {
        let mut events = events(source);
        apply_cjk_friendly(source, &mut events);
        to_html(events)
    }

    /// Rematches every container with CommonMark's own rules: must give what pulldown-cmark
    /// gives, so the port of its algorithm is faithful.
    fn forced_commonmark(source: &str) -> String {
        let mut events = events(source);
        rematch(source, &mut events, Rules::CommonMark, true);
        to_html(events)
    }

    #[test]
    fn port_matches_pulldown_cmark_on_generated_text() {
        // A fixed linear congruential generator: the same strings on every run.
        let alphabet: Vec<&str> = vec![
            "*",
            "*",
            "**",
            "_",
            "__",
            "~",
            "~~",
            "a",
            "b",
            " ",
            "\"",
            "(",
            ")",
            ".",
            "\\",
            "`",
            "[",
            "](u)",
            "\n",
            "字",
            "「",
            "」",
            "，",
            "&amp;",
            "<i>",
            "　",
            "![",
            "> ",
            "- ",
            "  \n",
            "<http://x>",
            "\u{FE01}",
            "”",
            "é",
        ];
        let cases = std::env::var("KOHO_EMPHASIS_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..cases {
            let mut text = String::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 1 + (state >> 59) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            let mut plain = String::new();
            html::push_html(&mut plain, Parser::new_ext(&text, options()));
            assert_eq!(forced_commonmark(&text), plain, "input {text:?}");
        }
    }

    #[test]
    fn spec_commonmark_emphasis_examples_are_unchanged() {
        // CommonMark 0.31.2 §6.2 examples, rematched by force with its own rules.
        for source in [
            "*foo bar*",
            "a * foo bar*",
            "a*\"foo\"*",
            "* a *",
            "foo*bar*",
            "5*6*78",
            "_foo bar_",
            "_ foo bar_",
            "a_\"foo\"_",
            "foo_bar_",
            "пристаням_стремятся_",
            "aa_\"bb\"_cc",
            "foo-_(bar)_",
            "_foo*",
            "*foo bar *",
            "*(*foo)",
            "*(*foo*)*",
            "*foo*bar",
            "_foo bar _",
            "_(_foo)",
            "_(_foo_)_",
            "_foo_bar",
            "_foo_bar_baz_",
            "_(bar)_.",
            "**foo bar**",
            "** foo bar**",
            "a**\"foo\"**",
            "foo**bar**",
            "__foo bar__",
            "__\nfoo bar__",
            "a__\"foo\"__",
            "foo__bar__",
            "5__6__78",
            "**foo \"*bar*\" foo**",
            "*foo**bar**baz*",
            "*foo**bar*",
            "***foo** bar*",
            "foo***bar***baz",
            "foo******bar*********baz",
            "**foo*bar*baz**",
            "*foo [*bar*](/url)*",
            "**foo [bar](/url)**",
            "__foo, __bar__, baz__",
            "foo*bar**baz",
            "***foo***",
            "_____foo_____",
            "*foo _bar* baz_",
            "**foo*bar**",
            "*[bar*](/url)",
            "*a `*`*",
            "_a `_`_",
            "**a<http://foo.bar/?q=**>",
            "~~Hi~~ Hello, ~there~ world!",
            "This ~~has a\n\nnew paragraph~~.",
            "This will ~~~not~~~ strike.",
            "~~**_`this`_**~~",
            "a***~~b~~***c",
        ] {
            let mut plain = String::new();
            html::push_html(&mut plain, Parser::new_ext(source, options()));
            assert_eq!(forced_commonmark(source), plain, "{source:?}");
            assert_eq!(cjk(source), plain, "{source:?}");
        }
    }

    #[test]
    fn issue_examples() {
        assert_eq!(
            cjk("本機構は**「医療の国際化」**を推進します。"),
            "<p>本機構は<strong>「医療の国際化」</strong>を推進します。</p>\n"
        );
        assert_eq!(
            cjk("我们**真，**她是**“重点”**内容。"),
            "<p>我们<strong>真，</strong>她是<strong>“重点”</strong>内容。</p>\n"
        );
    }

    #[test]
    fn code_and_escapes_are_left_alone() {
        assert_eq!(
            cjk("`**「a」**`を\\**「b」**と"),
            // The escaped `*` is no delimiter: one `*` cannot pair with `**` here (rule of 3).
            "<p><code>**「a」**</code>を**「b」**と</p>\n"
        );
        assert_eq!(
            cjk("[**「a」**を](x*「y」*)"),
            "<p><a href=\"x*%E3%80%8Cy%E3%80%8D*\"><strong>「a」</strong>を</a></p>\n"
        );
    }
}
