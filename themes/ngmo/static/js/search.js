// The search page: reads ?q= on load, searches this language's Pagefind bundle (served by the
// site itself, no CDN) and lists title, section, date and a snippet with the match marked.
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
const tidy = /^(ja|zh)\b/i.test(lang) ? (t) => t.replace(cjkSpaces, "$1") : (t) => t;

let pagefind = null;
let current = { id: 0, results: [], shown: 0 };

async function engine() {
  if (!pagefind) {
    pagefind = await import(root.dataset.bundle + "pagefind.js");
    // URLs in the index already hold the site's base path.
    await pagefind.options({ basePath: root.dataset.bundle, baseUrl: "/", excerptLength: 36 });
  }
  return pagefind;
}

// The excerpt is HTML from the index: keep its text and <mark> elements, nothing else. Marks
// that touch (a word the segmenter split in two) become one; zero-width spaces go.
function excerptNodes(html) {
  const doc = new DOMParser().parseFromString("<body>" + html, "text/html");
  const out = document.createDocumentFragment();
  let lastMark = null;
  for (const node of doc.body.childNodes) {
    const content = tidy(node.textContent.replaceAll("\u200b", ""));
    if (node.nodeName === "MARK") {
      if (lastMark) {
        lastMark.textContent += content;
      } else {
        lastMark = document.createElement("mark");
        lastMark.textContent = content;
        out.append(lastMark);
      }
    } else if (content) {
      lastMark = null;
      out.append(document.createTextNode(content));
    }
  }
  return out;
}

function resultItem(data) {
  const item = document.createElement("li");
  item.className = "search-result";
  const link = document.createElement("a");
  link.className = "search-result-title";
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  const heading = document.createElement("h2");
  heading.append(link);
  item.append(heading);
  const meta = document.createElement("p");
  meta.className = "search-result-meta";
  if (data.meta && data.meta.section) {
    const section = document.createElement("span");
    section.className = "search-result-section";
    section.textContent = data.meta.section;
    meta.append(section);
  }
  if (data.meta && data.meta.date) {
    const date = document.createElement("span");
    date.className = "search-result-date";
    date.textContent = data.meta.date;
    meta.append(date);
  }
  if (meta.childNodes.length) item.append(meta);
  const excerpt = document.createElement("p");
  excerpt.className = "search-result-excerpt";
  excerpt.append(excerptNodes(data.excerpt || ""));
  item.append(excerpt);
  return item;
}

async function showMore(id) {
  const slice = current.results.slice(current.shown, current.shown + PAGE_SIZE);
  const datas = await Promise.all(slice.map((r) => r.data()));
  if (id !== current.id) return;
  for (const data of datas) list.append(resultItem(data));
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
    const search = await (await engine()).search(q);
    if (id !== current.id) return;
    current.results = search.results;
    current.shown = 0;
    const n = search.results.length;
    const template = n === 0 ? text("none") : plural.select(n) === "one" ? text("resultsOne") : text("resultsOther");
    status.textContent = template.replaceAll("{n}", String(n)).replaceAll("{q}", q);
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
