//! Soft line breaks inside Chinese and Japanese text.
//!
//! A line break inside a paragraph is a soft break, which HTML shows as a space; Chromium and
//! WebKit draw that space between two Han or kana characters (`日本医師会に⏎寄贈しました。`
//! becomes `日本医師会に 寄贈しました。`). Following pandoc's `east_asian_line_breaks`
//! extension, a soft break between two East Asian wide characters is dropped; next to Latin
//! letters, digits or Hangul (Korean separates words with spaces) it stays.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::chars::joins_without_space;
use super::emphasis::Spanned;

/// Removes the soft breaks of `events` whose neighbouring characters are both East Asian wide.
/// Emphasis and link boundaries are looked through (`**重要**⏎次` joins); any other
/// neighbour (code, HTML, an image) keeps the break.
pub fn drop_between_wide(source: &str, events: &mut Vec<Spanned>) {
    if source.is_ascii() {
        return;
    }
    let drops: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(i, (event, _))| {
            matches!(event, Event::SoftBreak)
                && match (char_before(events, *i), char_after(events, *i)) {
                    (Some(before), Some(after)) => joins_without_space(before, after),
                    _ => false,
                }
        })
        .map(|(i, _)| i)
        .collect();
    if drops.is_empty() {
        return;
    }
    let mut index = 0;
    let mut next_drop = drops.iter().peekable();
    events.retain(|_| {
        let drop = next_drop.peek().is_some_and(|&&d| d == index);
        if drop {
            next_drop.next();
        }
        index += 1;
        !drop
    });
}

fn char_before(events: &[Spanned], at: usize) -> Option<char> {
    events[..at]
        .iter()
        .rev()
        .find(|(e, _)| !is_transparent(e))
        .and_then(|(e, _)| match e {
            Event::Text(text) => text.chars().next_back(),
            _ => None,
        })
}

fn char_after(events: &[Spanned], at: usize) -> Option<char> {
    events[at + 1..]
        .iter()
        .find(|(e, _)| !is_transparent(e))
        .and_then(|(e, _)| match e {
            Event::Text(text) => text.chars().next(),
            _ => None,
        })
}

/// Inline wrappers whose text belongs to the line they stand on.
fn is_transparent(event: &Event) -> bool {
    matches!(
        event,
        Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link)
    )
}
