// The search page: sends the words in the header's search field to
// Pagefind's query code and lists what it finds. Without this script (or
// when the index cannot load, as from a file opened on disk) the page is
// still an A–Z index of every page.
//
// Nothing from the index is written as HTML: titles and sections are set
// as text, and an excerpt keeps only its <mark> elements, rebuilt here.

const box = document.getElementById("search");
const field = document.getElementById("site-search-q");
if (box && field) {
  start(box, field);
}

const PAGE = 20;

async function start(box, field) {
  const lang = document.documentElement.lang;
  const status = box.querySelector(".search-status");
  const list = box.querySelector(".search-results");
  const filterBox = box.querySelector(".search-filters");
  const plural = new Intl.PluralRules(lang);
  const number = new Intl.NumberFormat(lang);
  box.hidden = false;
  document.getElementById("search-noscript")?.remove();

  const fill = (pattern, values) =>
    pattern.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  const countLine = (count, query) => {
    const form = box.dataset["count" + capital(plural.select(count))] ?? box.dataset.countOther;
    return fill(form, { count: number.format(count), query });
  };

  // words the stemmer would cut too short (kunta → kun, "when"), each
  // form with the word the index holds for the pages that have one
  const exact = new Map(
    (box.dataset.exact ?? "").split(" ").filter(Boolean).map((pair) => pair.split("=")),
  );
  // each word of the query that is a form of an exact word is sent as its
  // token, keeping what surrounds it (quotes of a phrase); the tokens'
  // own letters are not a word a reader can ask for
  const asked = (query) =>
    query.replace(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu, (word) => {
      const token = exact.get(bare(word, lang));
      if (token) {
        return token;
      }
      return word.toLocaleLowerCase(lang).startsWith("qxq") ? "" : word;
    });

  let pagefind;
  let available;
  try {
    pagefind = await within(import(new URL(box.dataset.bundle + "pagefind.js", document.baseURI).href));
    await within(
      pagefind.options({
        baseUrl: new URL(box.dataset.root, document.baseURI).pathname,
        // a page's names in the other languages weigh as its title does
        ranking: { metaWeights: { title: 5, names: 5 } },
      }),
    );
    await within(pagefind.init());
    available = await within(pagefind.filters());
  } catch {
    status.textContent = box.dataset.failed;
    return;
  }

  // one group of check boxes per taxonomy that has values in this language
  for (const fieldset of filterBox.querySelectorAll("fieldset[data-filter]")) {
    const key = fieldset.dataset.filter;
    const values = Object.keys(available[key] ?? {}).sort((a, b) => a.localeCompare(b, lang));
    for (const value of values) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      const count = document.createElement("span");
      input.type = "checkbox";
      input.name = key;
      input.value = value;
      count.className = "meta";
      label.append(input, " ", value, " ", count);
      fieldset.append(label);
    }
    fieldset.hidden = values.length === 0;
  }

  // how many results each value of each group would give: boxes in one
  // group are "any of", so a group's counts are those of the query with
  // the other groups' choices only
  const groupCounts = async (query, search) => {
    const picked = chosen();
    const counts = {};
    for (const fieldset of filterBox.querySelectorAll("fieldset[data-filter]")) {
      const key = fieldset.dataset.filter;
      if (!picked[key]) {
        counts[key] = search?.filters?.[key] ?? {};
        continue;
      }
      const others = { ...picked };
      delete others[key];
      const without = await pagefind.search(query, { filters: others });
      counts[key] = without?.filters?.[key] ?? {};
    }
    return counts;
  };

  // only the values the query's results have, each with how many it would
  // give; the boxes stay in place, so focus never moves
  const narrow = (counts) => {
    for (const fieldset of filterBox.querySelectorAll("fieldset[data-filter]")) {
      const key = fieldset.dataset.filter;
      let shown = 0;
      for (const input of fieldset.querySelectorAll("input")) {
        const kept = counts[key]?.[input.value] ?? 0;
        input.parentElement.hidden = kept === 0 && !input.checked;
        input.nextElementSibling.textContent = `(${number.format(kept)})`;
        shown += input.parentElement.hidden ? 0 : 1;
      }
      fieldset.hidden = shown === 0;
    }
  };
  filterBox.addEventListener("change", () => run());

  const chosen = () => {
    const filters = {};
    for (const input of filterBox.querySelectorAll("input:checked")) {
      (filters[input.name] ??= { any: [] }).any.push(input.value);
    }
    return filters;
  };

  let sequence = 0;
  let results = [];
  let shown = 0;

  async function run() {
    const query = field.value.trim();
    const mine = ++sequence;
    const address = new URL(location.href);
    if (query) {
      address.searchParams.set("q", query);
    } else {
      address.searchParams.delete("q");
    }
    history.replaceState(null, "", address);
    if (!query) {
      list.replaceChildren();
      filterBox.hidden = true;
      status.textContent = "";
      return;
    }
    status.textContent = box.dataset.loading;
    // a file of the index that cannot be loaded (offline, a host that does
    // not serve it, a site published again meanwhile) says so, never hangs
    let search;
    let counts;
    try {
      search = await within(pagefind.search(asked(query), { filters: chosen() }));
      counts = await within(groupCounts(asked(query), search));
    } catch {
      if (mine === sequence) {
        status.textContent = box.dataset.failed;
      }
      return;
    }
    if (mine !== sequence) {
      return;
    }
    results = search ? search.results : [];
    list.replaceChildren();
    shown = 0;
    narrow(counts);
    filterBox.hidden = results.length === 0 && !filterBox.querySelector("input:checked");
    try {
      await within(more(mine));
    } catch {
      if (mine === sequence) {
        status.textContent = box.dataset.failed;
      }
      return;
    }
    if (mine !== sequence) {
      return;
    }
    status.textContent = results.length
      ? countLine(results.length, query)
      : fill(box.dataset.none, { query });
  }

  // the next page of results, and a button for the one after; `focus`
  // (after "show more") moves the focus to the first new result, since the
  // button it was on goes
  async function more(mine, focus = false) {
    const next = results.slice(shown, shown + PAGE);
    const data = await Promise.all(next.map((result) => result.data()));
    if (mine !== sequence) {
      return;
    }
    list.querySelector(".search-more")?.remove();
    const first = list.children.length;
    // the forms of the exact words asked, marked in excerpts as the engine
    // marks the other words (it finds those pages by the token)
    const tokens = new Set(asked(field.value.trim()).split(" "));
    const forms = new Set([...exact].filter(([, token]) => tokens.has(token)).map(([form]) => form));
    for (const page of data) {
      list.append(item(page, forms));
    }
    shown += next.length;
    if (shown < results.length) {
      const li = document.createElement("li");
      li.className = "search-more";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = box.dataset.more;
      button.addEventListener("click", () =>
        within(more(sequence, true)).catch(() => {
          status.textContent = box.dataset.failed;
        }),
      );
      li.append(button);
      list.append(li);
    }
    if (focus) {
      list.children[first]?.querySelector("a")?.focus();
    }
  }

  function item(page, forms) {
    const li = document.createElement("li");
    const heading = document.createElement("h2");
    const link = document.createElement("a");
    link.href = href(page.url);
    link.textContent = page.meta.title ?? page.url;
    heading.append(link);
    li.append(heading);
    if (page.meta.section) {
      const section = document.createElement("p");
      section.className = "meta";
      section.textContent = page.meta.section;
      li.append(section);
    }
    const excerpt = document.createElement("p");
    let text = page.excerpt;
    if (forms.size > 0 && !text.includes("<mark>")) {
      // the engine found the page by an exact word's token, not in its
      // text: show the text around the first form instead
      text = around(page.content ?? "", forms, lang) ?? text;
    }
    excerpt.append(...marked(text, forms, lang));
    li.append(excerpt);
    return li;
  }

  // links end as every other link of the site does
  function href(url) {
    return box.dataset.indexHtml === "true" && url.endsWith("/") ? url + "index.html" : url;
  }

  let timer;
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  field.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  field.value = new URLSearchParams(location.search).get("q") ?? "";
  if (field.value) {
    run();
  }
  box.dataset.ready = "";
}

// An excerpt's text with its <mark> elements, and nothing else of its
// markup; a word among `forms` is marked too.
function marked(excerpt, forms, lang) {
  const parsed = new DOMParser().parseFromString(excerpt, "text/html").body;
  return Array.from(parsed.childNodes).flatMap((node) => {
    if (node.nodeName === "MARK") {
      return [mark(node.textContent)];
    }
    if (forms.size === 0) {
      return [document.createTextNode(node.textContent)];
    }
    // words and what is between them, in turn
    return node.textContent
      .split(/([\p{L}\p{N}]+)/u)
      .filter(Boolean)
      .map((part) => (forms.has(bare(part, lang)) ? mark(part) : document.createTextNode(part)));
  });
}

// `promise`, or a failure if it has not settled in 20 seconds: a file of
// the index that cannot be loaded may leave Pagefind waiting for good.
function within(promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), 20000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// About 30 words of `content` around the first word among `forms`, as
// excerpt text (escaped, since it is read as markup), or none.
function around(content, forms, lang) {
  const words = content.split(/\s+/);
  const at = words.findIndex((word) => forms.has(bare(word, lang)));
  if (at < 0) {
    return null;
  }
  const start = Math.max(0, at - 12);
  const part = words.slice(start, start + 30).join(" ");
  const escaped = part.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return (start > 0 ? "… " : "") + escaped + (start + 30 < words.length ? " …" : "");
}

function mark(text) {
  const element = document.createElement("mark");
  element.textContent = text;
  return element;
}

// A word as the index has it: lower-case, without what surrounds it and
// without an English possessive ("Boden's" is "boden").
function bare(word, lang) {
  return word
    .toLocaleLowerCase(lang)
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")
    .replace(/['’]s$/u, "");
}

function capital(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
