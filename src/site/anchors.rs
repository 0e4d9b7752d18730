//! `#fragment` links checked like links to pages: links are collected while the Markdown is
//! rendered, and checked once every page's ids are known, so a link to `#沿革` on a page whose
//! heading is `History` (or became `背景と経緯`) is an error naming the link's file and line.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::routes::AnchorTarget;
use super::{Page, PageId};
use crate::error::{Diagnostic, Location};
use crate::markdown::headings::RESERVED_IDS;

/// A link that names an id, where it was written.
#[derive(Debug, Clone)]
pub struct AnchorLink {
    pub location: Location,
    /// The destination as written (`@/about/index.md#沿革`).
    pub dest: String,
    pub target: AnchorTarget,
}

/// How many of a page's ids a message lists.
const LISTED_IDS: usize = 40;

/// Checks every link against the ids of the page it lands on: its body's ids (headings,
/// footnotes, raw HTML) and the ids the theme reserves around every body. One error per
/// written link, however many languages published it.
pub fn check(
    pages: &[Page],
    by_key: &HashMap<String, BTreeMap<String, PageId>>,
    links: &[AnchorLink],
    store: &super::html_store::HtmlStore,
) -> Vec<Diagnostic> {
    let mut ids: HashMap<PageId, PageIds> = HashMap::new();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for link in links {
        let Some(&page_id) = by_key
            .get(&link.target.key)
            .and_then(|l| l.get(&link.target.lang))
        else {
            // A page that failed to load: its own errors say so.
            continue;
        };
        let page = &pages[page_id];
        if page.headings.iter().any(|h| h.id == link.target.id)
            || RESERVED_IDS.contains(&link.target.id.as_str())
        {
            continue;
        }
        let known = match ids.entry(page_id) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => match store.read(&page.html) {
                Ok(html) => entry.insert(PageIds::of(&html)),
                Err(e) => {
                    errors.push(Diagnostic::error(
                        Some(link.location.clone()),
                        e.to_string(),
                    ));
                    continue;
                }
            },
        };
        if known.set.contains(&link.target.id) {
            continue;
        }
        let message = format!(
            "broken link: `{}` names the id `{}`, which {} ({}) does not have",
            link.dest,
            link.target.id,
            page.source.display(),
            page.lang
        );
        if !seen.insert((link.location.clone(), message.clone())) {
            continue;
        }
        errors
            .push(Diagnostic::error(Some(link.location.clone()), message).with_help(known.help()));
    }
    errors
}

/// The ids of a page's body, in document order, and as a set.
struct PageIds {
    listed: Vec<String>,
    set: HashSet<String>,
}

impl PageIds {
    /// The ids of a page whose body is `html`.
    fn of(html: &str) -> PageIds {
        let listed = html_ids(html);
        let set = listed.iter().cloned().collect();
        PageIds { listed, set }
    }

    /// The ids a link could name instead, for the message.
    fn help(&self) -> String {
        if self.listed.is_empty() {
            return "that page has no ids: link the page without `#…`".to_string();
        }
        let shown: Vec<&str> = self
            .listed
            .iter()
            .take(LISTED_IDS)
            .map(String::as_str)
            .collect();
        let mut help = format!("its ids are: {}", shown.join(", "));
        let more = self.listed.len().saturating_sub(LISTED_IDS);
        if more > 0 {
            help.push_str(&format!(" (and {more} more)"));
        }
        help
    }
}

/// Every `id` of an HTML fragment, in document order, as an HTML parser reads it (entities
/// decoded, any quoting).
pub fn html_ids(html: &str) -> Vec<String> {
    let fragment = scraper::Html::parse_fragment(html);
    fragment
        .tree
        .values()
        .filter_map(|node| node.as_element()?.attr("id"))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_raw_html_count() {
        let ids = html_ids(
            "<h2 id=\"沿革\">沿革</h2><p><span id='a'>x</span><a id=&#x62;>y</a><code>id=\"no\"</code></p>",
        );
        assert_eq!(ids, ["沿革", "a", "b"]);
    }
}
