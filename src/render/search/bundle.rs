//! The search bundle of one language, a static index that the theme's `search.js` reads over
//! HTTP, a few files per query (format version 1; all under `search-index/<lang>/`):
//!
//! - `index.json`: `{"version": 1, "pages": N, "shards": S, "chunk": C, "build": "<hex>"}`;
//!   `build` changes with any byte of the bundle and is added to the other files' URLs as
//!   `?v=` so that no browser mixes two builds.
//! - `t/<k>.bin`, k < S (a power of two): the terms whose shard key hashes to k (FNV-1a,
//!   32 bits, of the UTF-8 of the term's first character if it is Japanese or Chinese, else of
//!   its first two characters; so a prefix of that length finds every longer term in one
//!   shard). Terms sorted by bytes, each as `varint(byte length) term varint(count)` then
//!   `count` postings of `varint(page id delta) varint(weight)`. Varints are LEB128.
//! - `m/<j>.json`: pages `j*C .. j*C+C` as `[[url, title, section, date], …]`.
//!
//! A page's weight for a term is its count in the body plus 8 per count in the title, at most
//! 255. Snippets are not in the bundle: the script takes them from the result page itself.

// Terms come from the site's own pages: a fast hash without flooding protection is safe here.
use rustc_hash::FxHashMap as TermMap;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use serde::Serialize;

use super::terms::{each_term, fold_text, is_cjk};

/// Pages per metadata file.
pub const CHUNK: usize = 32;

/// The target size of a shard file, in bytes: big enough that a site of a few hundred pages
/// has one file, small enough that a query on 10,000 pages downloads well under 1 MB.
const SHARD_TARGET_BYTES: usize = 32 * 1024;

/// How much a title occurrence weighs against one in the body.
const TITLE_WEIGHT: u32 = 8;

/// Pages tokenized together on the thread pool before their postings are merged in order;
/// bounds the memory of the term lists in flight.
pub(super) const BATCH: usize = 256;

/// What a result shows of a page, in the language of the bundle.
#[derive(Hash)]
pub struct Document {
    /// Its URL path with the site's base path (`/ngmo/ja/releases/x/`).
    pub url: String,
    pub title: String,
    /// The section or book it belongs to, shown with the result.
    pub section: String,
    /// The localized date, or empty.
    pub date: String,
}

/// The files of the bundle: (path under the bundle folder, bytes). `text_of(i)` gives the
/// plain text of `documents[i]` (subtitle and body, blocks on their own lines); it is asked
/// for a batch of pages at a time, so the texts of a whole site are never held together.
/// The builds use `saved_terms::postings` and `files`; this is the reference they are tested
/// against.
#[cfg(test)]
pub fn build(
    documents: &[Document],
    text_of: &(dyn Fn(usize) -> String + Sync),
) -> Vec<(String, Vec<u8>)> {
    files(
        documents,
        postings(documents, text_of).into_iter().collect(),
    )
}

/// The files of the bundle of `documents` from every term's postings (in any order).
pub(super) fn files(
    documents: &[Document],
    postings: Vec<(String, Postings)>,
) -> Vec<(String, Vec<u8>)> {
    let total: usize = postings.iter().map(|(_, p)| p.bytes.len() + 8).sum();
    let shard_count = (total / SHARD_TARGET_BYTES)
        .next_power_of_two()
        .clamp(1, 4096);
    let mut files = shards(postings, shard_count);
    for (j, chunk) in documents.chunks(CHUNK).enumerate() {
        let rows: Vec<[&str; 4]> = chunk
            .iter()
            .map(|d| [d.url.as_str(), &d.title, &d.section, &d.date])
            .collect();
        files.push((format!("m/{j}.json"), json(&rows)));
    }
    let mut hasher = crate::digest::hasher();
    files.hash(&mut hasher);
    let index = Index {
        version: 1,
        pages: documents.len(),
        shards: shard_count,
        chunk: CHUNK,
        build: format!("{:016x}", hasher.finish()),
    };
    files.insert(0, ("index.json".to_string(), json(&index)));
    files
}

#[derive(Serialize)]
struct Index {
    version: u32,
    pages: usize,
    shards: usize,
    chunk: usize,
    build: String,
}

fn json(value: &impl Serialize) -> Vec<u8> {
    // Serialising strings and numbers cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// The postings of one term while they are collected.
#[derive(Default)]
pub(super) struct Postings {
    last: u32,
    count: u32,
    bytes: Vec<u8>,
}

impl Postings {
    /// Adds page `id` (ascending from one call to the next) with the term's count there.
    pub(super) fn add(&mut self, id: u32, count: u32) {
        varint(&mut self.bytes, id - self.last);
        varint(&mut self.bytes, count.min(255));
        self.last = id;
        self.count += 1;
    }

    /// Whether any page has the term.
    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Every term's postings, page ids ascending.
#[cfg(test)]
fn postings(
    documents: &[Document],
    text_of: &(dyn Fn(usize) -> String + Sync),
) -> TermMap<String, Postings> {
    let mut all: TermMap<String, Postings> = TermMap::default();
    for (batch_index, batch) in documents.chunks(BATCH).enumerate() {
        let weighed: Vec<Weighed> = batch
            .par_iter()
            .enumerate()
            .map(|(offset, d)| weights(&d.title, &text_of(batch_index * BATCH + offset)))
            .collect();
        for (offset, page_terms) in weighed.into_iter().enumerate() {
            let id = (batch_index * BATCH + offset) as u32;
            for (term, weight) in page_terms.iter() {
                all.entry(term.to_string()).or_default().add(id, weight);
            }
        }
    }
    all
}

/// The distinct terms of one page with their weights: the terms one after the other in one
/// string (a string per term was most of the allocations of indexing), each with where it
/// ends and its weight.
pub(super) struct Weighed {
    terms: String,
    ends: Vec<(u32, u32)>,
}

impl Weighed {
    /// How many distinct terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Each term with its weight.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, weight)| {
            let term = &self.terms[start..end as usize];
            start = end as usize;
            (term, weight)
        })
    }
}

/// The terms of one page with their weights: its title's count `TITLE_WEIGHT` times.
pub(super) fn weights(title: &str, text: &str) -> Weighed {
    let (title, text) = (fold_text(title), fold_text(text));
    let mut counts: TermMap<&str, u32> = TermMap::default();
    let mut add = |term, by: u32| {
        let n = counts.entry(term).or_default();
        *n = n.saturating_add(by);
    };
    each_term(&title, |t| add(t, TITLE_WEIGHT));
    each_term(&text, |t| add(t, 1));
    let mut weighed = Weighed {
        terms: String::with_capacity(counts.keys().map(|t| t.len()).sum()),
        ends: Vec::with_capacity(counts.len()),
    };
    for (term, weight) in counts {
        weighed.terms.push_str(term);
        weighed.ends.push((weighed.terms.len() as u32, weight));
    }
    weighed
}

/// The shard files, terms sorted by bytes in each.
fn shards(postings: Vec<(String, Postings)>, count: usize) -> Vec<(String, Vec<u8>)> {
    let mut grouped: Vec<Vec<(String, Postings)>> = (0..count).map(|_| Vec::new()).collect();
    for (term, list) in postings {
        let k = shard_of(&term, count);
        grouped[k].push((term, list));
    }
    grouped
        .into_par_iter()
        .enumerate()
        .map(|(k, mut terms)| {
            terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut bytes = Vec::new();
            for (term, list) in terms {
                varint(&mut bytes, term.len() as u32);
                bytes.extend_from_slice(term.as_bytes());
                varint(&mut bytes, list.count);
                bytes.extend_from_slice(&list.bytes);
            }
            (format!("t/{k}.bin"), bytes)
        })
        .collect()
}

/// The shard of `term` among `count` (a power of two).
pub fn shard_of(term: &str, count: usize) -> usize {
    let key_chars = match term.chars().next() {
        Some(c) if is_cjk(c) => 1,
        _ => 2,
    };
    let end = term
        .char_indices()
        .nth(key_chars)
        .map_or(term.len(), |(i, _)| i);
    (fnv1a(&term.as_bytes()[..end]) as usize) & (count - 1)
}

/// FNV-1a, 32 bits (the script computes the same with `Math.imul`).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Appends `value` as unsigned LEB128.
pub(super) fn varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, title: &str) -> Document {
        Document {
            url: url.into(),
            title: title.into(),
            section: String::new(),
            date: String::new(),
        }
    }

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0x811c9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9cf968);
    }

    #[test]
    fn varints_are_leb128() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        varint(&mut out, 5);
        assert_eq!(out, [0xac, 0x02, 0x05]);
    }

    #[test]
    fn a_term_lists_its_pages_with_title_weight() {
        let docs = [doc("/a/", "マスク"), doc("/b/", "x")];
        let texts = ["寄贈", "マスク マスク"];
        let files = build(&docs, &|i| texts[i].to_string());
        let index: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        assert_eq!(index["pages"], 2);
        assert_eq!(index["shards"], 1);
        let shard = &files.iter().find(|f| f.0 == "t/0.bin").unwrap().1;
        let term = "マス".as_bytes();
        let at = shard.windows(term.len()).position(|w| w == term).unwrap();
        // count 2; page 0 weight 8; page 1 (delta 1) weight 2.
        assert_eq!(
            &shard[at + term.len()..at + term.len() + 5],
            [2, 0, 8, 1, 2]
        );
        let meta: serde_json::Value = serde_json::from_slice(&files.last().unwrap().1).unwrap();
        assert_eq!(meta[1][0], "/b/");
    }

    #[test]
    fn prefixes_share_a_shard() {
        assert_eq!(shard_of("protective", 64), shard_of("pr", 64));
        assert_eq!(shard_of("防護", 64), shard_of("防", 64));
    }
}
