// The search page: reads ?q= on load, searches this language's index (served by the site
// itself, no CDN) and lists title, section, date and a snippet with the match marked.
// Texts come from data-* attributes the template fills from the site's Fluent messages.
const root = document.querySelector(".search-page");
const form = root.querySelector(".search-form");
const input = root.querySelector("#search-q");
const status = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const moreWrap = root.querySelector(".search-more-wrap");
const moreButton = root.querySelector(".search-more");
const PAGE_SIZE = 10;
const text = (name) => root.dataset[name] || "";
const lang = root.dataset.lang || document.documentElement.lang;
const plural = new Intl.PluralRules(lang);
// Japanese and Chinese put no spaces between words: drop those the index puts between blocks.
const cjkSpaces = /([\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])/gu;
const cjkPage = /^(ja|zh)\b/i.test(lang);
const tidy = cjkPage ? (t) => t.replace(cjkSpaces, "$1") : (t) => t;

// The index (koho's format, documented in src/render/search/bundle.rs): index.json, term shards
// t/<k>.bin and page metadata m/<j>.json under data-bundle. Terms follow the rule of
// src/render/search/terms.rs: NFKC, lower case, words of letters and digits, and character
// bigrams in Japanese and Chinese. Keep both in step.
const CJK = /[\u3005\u3007\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u{20000}-\u{3134f}]/u;
const WORD = /[\p{Alphabetic}\p{N}]/u;
const MAX_WORD_BYTES = 64;
const encoder = new TextEncoder();

let bundle = null;
let current = { id: 0, results: [], shown: 0, query: "" };

async function fetchOk(url, kind) {
  const response = await fetch(url, { cache: kind === "index" ? "no-cache" : "default" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response;
}

async function engine() {
  if (!bundle) {
    const base = root.dataset.bundle;
    const index = await (await fetchOk(base + "index.json", "index")).json();
    if (index.version !== 1) throw new Error("unknown search index version " + index.version);
    bundle = { base, index, shards: new Map(), meta: new Map(), pages: new Map() };
  }
  return bundle;
}

const fileUrl = (b, path) => `${b.base}${path}?v=${b.index.build}`;

// NFKC and lower case, final sigma as sigma (as terms.rs folds).
const fold = (text) => text.normalize("NFKC").toLowerCase().replaceAll("ς", "σ");

// Query runs: each a word of a spaced script or a run of Japanese/Chinese text, folded.
function runs(text) {
  const out = [];
  let run = "";
  let cjk = false;
  for (const c of fold(text)) {
    const isCjk = CJK.test(c);
    if (!isCjk && !WORD.test(c)) { if (run) out.push({ run, cjk }); run = ""; continue; }
    if (run && isCjk !== cjk) { out.push({ run, cjk }); run = ""; }
    cjk = isCjk;
    run += c;
  }
  if (run) out.push({ run, cjk });
  return out;
}

// What each run must match: all of its groups (a bigram or word, exact or as a prefix).
function groups(query) {
  const quoted = /^\s*".*"\s*$/.test(query);
  const out = [];
  for (const { run, cjk } of runs(query)) {
    const chars = [...run];
    if (cjk && chars.length > 1) {
      for (let i = 0; i + 1 < chars.length; i++) out.push({ term: chars[i] + chars[i + 1], prefix: false });
    } else if (cjk) {
      out.push({ term: run, prefix: true });
    } else if (encoder.encode(run).length <= MAX_WORD_BYTES) {
      out.push({ term: run, prefix: !quoted && chars.length >= 3 });
    }
  }
  return out;
}

function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function shardOf(term, count) {
  const chars = [...term];
  const key = chars.slice(0, CJK.test(chars[0]) ? 1 : 2).join("");
  return fnv1a(key) & (count - 1);
}

function readVarint(bytes, at) {
  let value = 0, shift = 0, byte;
  do { byte = bytes[at.i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return value;
}

// A shard as a Map from term to its postings (page ids and weights), decoded on first use.
async function shard(b, k) {
  if (!b.shards.has(k)) {
    b.shards.set(k, (async () => {
      const bytes = new Uint8Array(await (await fetchOk(fileUrl(b, `t/${k}.bin`))).arrayBuffer());
      const decoder = new TextDecoder();
      const terms = new Map();
      const at = { i: 0 };
      while (at.i < bytes.length) {
        const length = readVarint(bytes, at);
        const term = decoder.decode(bytes.subarray(at.i, at.i + length));
        at.i += length;
        const count = readVarint(bytes, at);
        const postings = new Map();
        let id = 0;
        for (let n = 0; n < count; n++) { id += readVarint(bytes, at); postings.set(id, readVarint(bytes, at)); }
        terms.set(term, postings);
      }
      return terms;
    })());
  }
  return b.shards.get(k);
}

// Pages matching every group, best first: the sum over groups of idf × saturated weight.
async function rank(b, query) {
  const wanted = groups(query);
  if (!wanted.length) return [];
  let scores = null;
  for (const group of wanted) {
    const terms = await shard(b, shardOf(group.term, b.index.shards));
    const weights = new Map();
    for (const [term, postings] of terms) {
      if (term !== group.term && !(group.prefix && term.startsWith(group.term))) continue;
      for (const [id, w] of postings) weights.set(id, Math.max(weights.get(id) || 0, w));
    }
    const idf = Math.log(1 + b.index.pages / Math.max(1, weights.size));
    const next = new Map();
    for (const [id, w] of weights) {
      if (scores && !scores.has(id)) continue;
      next.set(id, (scores ? scores.get(id) : 0) + idf * (w / (w + 1.5)));
    }
    scores = next;
    if (!scores.size) break;
  }
  return [...scores].sort((x, y) => y[1] - x[1] || x[0] - y[0]).map(([id]) => id);
}

async function metadata(b, id) {
  const j = Math.floor(id / b.index.chunk);
  if (!b.meta.has(j)) b.meta.set(j, fetchOk(fileUrl(b, `m/${j}.json`)).then((r) => r.json()));
  const [url, title, section, date] = (await b.meta.get(j))[id - j * b.index.chunk];
  return { url, title, section, date };
}

// The text of a result page's body, read from the page itself (blocks on their own lines).
const BLOCK = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "LI", "DT", "DD", "TD", "TH", "BLOCKQUOTE", "FIGCAPTION", "DIV", "PRE", "BR", "TR"]);
const SKIP = new Set(["SCRIPT", "STYLE", "RT", "RP", "TEMPLATE"]);
function blockText(node, out) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) out.push(child.data);
    else if (child.nodeType === Node.ELEMENT_NODE && !SKIP.has(child.nodeName) && child.getAttribute("aria-hidden") !== "true") {
      if (BLOCK.has(child.nodeName)) out.push("\n");
      blockText(child, out);
      if (BLOCK.has(child.nodeName)) out.push("\n");
    }
  }
  return out;
}

async function pageText(url) {
  try {
    const html = await (await fetchOk(url)).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const bodies = [...doc.querySelectorAll("main .prose")];
    const parts = bodies.length ? bodies : [doc.querySelector("main") || doc.body];
    const blocks = parts.flatMap((p) => blockText(p, [])).join("").split(/\s*\n\s*/).filter(Boolean);
    // Japanese and Chinese blocks join without a space; one that ends in a letter (a heading)
    // gets a full stop so that it does not run into the next.
    if (!cjkPage) return blocks.join(" ");
    return blocks.map((t) => tidy(t) + (/[\p{L}\p{N}]$/u.test(t) ? "。" : "")).join("");
  } catch (error) {
    console.error(error);
    return "";
  }
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// The pattern that marks the query in a snippet: each run as typed, or, for Japanese and
// Chinese runs not found whole, their bigrams.
function markPattern(query, text) {
  const folded = fold(text);
  const parts = [];
  for (const { run, cjk } of runs(query)) {
    const chars = [...run];
    // A word of a spaced script is marked where a word starts, not inside another word.
    if (!cjk) parts.push("(?<![\\p{L}\\p{N}])" + escapeRegExp(run));
    else if (chars.length < 2 || folded.includes(run)) parts.push(escapeRegExp(run));
    else for (let i = 0; i + 1 < chars.length; i++) parts.push(escapeRegExp(chars[i] + chars[i + 1]));
  }
  return parts.length ? new RegExp(parts.sort((x, y) => y.length - x.length).join("|"), "giu") : null;
}

// About 40 characters of Japanese or Chinese, or 200 of other text, around the first match.
function excerpt(text, query) {
  const pattern = markPattern(query, text);
  const found = pattern ? text.search(pattern) : -1;
  const cjk = cjkPage;
  const width = cjk ? 90 : 220;
  let start = Math.max(0, found - (cjk ? 30 : 80));
  if (!cjk && start > 0) { const space = text.indexOf(" ", start); if (space >= 0 && space < found) start = space + 1; }
  let end = Math.min(text.length, start + width);
  if (!cjk && end < text.length) { const space = text.lastIndexOf(" ", end); if (space > Math.max(found, start)) end = space; }
  const snippet = (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  const out = document.createDocumentFragment();
  let last = 0;
  if (pattern) {
    for (const match of snippet.matchAll(pattern)) {
      out.append(document.createTextNode(snippet.slice(last, match.index)));
      const mark = document.createElement("mark");
      mark.textContent = match[0];
      out.append(mark);
      last = match.index + match[0].length;
    }
  }
  out.append(document.createTextNode(snippet.slice(last)));
  return out;
}

function resultItem(data, query) {
  const item = document.createElement("li");
  item.className = "search-result";
  const link = document.createElement("a");
  link.className = "search-result-title";
  link.href = data.url;
  link.textContent = data.title || data.url;
  const heading = document.createElement("h2");
  heading.append(link);
  item.append(heading);
  const meta = document.createElement("p");
  meta.className = "search-result-meta";
  if (data.section) {
    const section = document.createElement("span");
    section.className = "search-result-section";
    section.textContent = data.section;
    meta.append(section);
  }
  if (data.date) {
    const date = document.createElement("span");
    date.className = "search-result-date";
    date.textContent = data.date;
    meta.append(date);
  }
  if (meta.childNodes.length) item.append(meta);
  const snippet = document.createElement("p");
  snippet.className = "search-result-excerpt";
  snippet.append(excerpt(data.text, query));
  item.append(snippet);
  return item;
}

async function showMore(id) {
  const slice = current.results.slice(current.shown, current.shown + PAGE_SIZE);
  const b = await engine();
  const datas = await Promise.all(slice.map(async (page) => {
    const data = await metadata(b, page);
    return { ...data, text: await pageText(data.url) };
  }));
  if (id !== current.id) return;
  for (const data of datas) list.append(resultItem(data, current.query));
  current.shown += slice.length;
  moreWrap.hidden = current.shown >= current.results.length;
}

async function run(query) {
  const id = ++current.id;
  list.replaceChildren();
  moreWrap.hidden = true;
  const q = query.trim();
  if (!q) {
    status.textContent = "";
    root.removeAttribute("data-state");
    return;
  }
  status.textContent = text("loading");
  root.dataset.state = "loading";
  try {
    const results = await rank(await engine(), q);
    if (id !== current.id) return;
    current.results = results;
    current.query = q;
    current.shown = 0;
    const n = results.length;
    const template = n === 0 ? text("none") : plural.select(n) === "one" ? text("resultsOne") : text("resultsOther");
    // Functions as replacements: a `$&` in the query is text, not a pattern.
    status.textContent = template.replaceAll("{n}", () => String(n)).replaceAll("{q}", () => q);
    await showMore(id);
    if (id === current.id) root.dataset.state = "done";
  } catch (error) {
    if (id !== current.id) return;
    status.textContent = text("error");
    root.dataset.state = "error";
    console.error(error);
  }
}

// The address shows the query (a link to a search works), and so do the links to this page in
// the other languages.
function setQuery(q) {
  const url = new URL(location.href);
  if (q.trim()) url.searchParams.set("q", q.trim());
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  for (const link of document.querySelectorAll("a[hreflang]")) {
    const target = new URL(link.href, location.href);
    if (!target.pathname.endsWith("/search/")) continue;
    target.search = url.search;
    link.href = target.pathname + target.search;
  }
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => { setQuery(input.value); run(input.value); }, 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  setQuery(input.value);
  run(input.value);
});
moreButton.addEventListener("click", () => showMore(current.id));

const initial = new URLSearchParams(location.search).get("q") || "";
input.value = initial;
setQuery(initial);
const headerBox = document.querySelector("#site-search-q");
if (headerBox) headerBox.value = initial;
run(initial);
