#!/usr/bin/env node
// Search check: the built site's search pages in Debian's Chromium, served
// over HTTP on 127.0.0.1, asked what a reader would ask.
//
//   node search.mjs SITE_DIR --queries FILE.tsv [--prefix /sub/path/]
//                  [--screenshots DIR] [--report FILE.json]
//
// For every line of the query list (lang, query, top3|absent, page id) it
// types the query into the search field of <lang>/search/, waits for the
// status line, and reads the result links: a `top3` page must be among the
// first three, an `absent` page among none. It also runs axe-core on a
// search page with results shown at 1280px and at 375px (with no horizontal
// scrolling) and pa11y (HTML_CodeSniffer, WCAG2AA) on it, checks the status line is a live region, that the results are
// an ordered list, that nothing from the index is written as markup, that
// no request fails, and measures what the first query transfers. Then what
// a reader does besides asking: "show more" from the keyboard keeps the
// focus in the results, a filter box's count is what checking it gives, a
// form of an exact word is marked in every excerpt, a long query does not
// widen a narrow page, and an index file that cannot load is said so.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';
import pa11y from 'pa11y';
import { parseArgs, serveStatic, launchChromium, writeSummary } from './common.mjs';

const require = createRequire(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const site = args._[0];
if (!site || !fs.existsSync(site) || !args.queries) {
  console.error('usage: node search.mjs SITE_DIR --queries FILE.tsv [--prefix /p/] [--screenshots DIR] [--report F]');
  process.exit(2);
}
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const MOBILE = { width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900 };
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const queries = fs
  .readFileSync(args.queries, 'utf8')
  .split('\n')
  .map((line, i) => ({ line, number: i + 1 }))
  .filter(({ line }) => line.trim() && !line.startsWith('#'))
  .map(({ line, number }) => {
    const [lang, query, expect, id] = line.split('\t').map((s) => (s ?? '').trim());
    if (!lang || !query || !['top3', 'absent'].includes(expect) || id === undefined) {
      console.error(`${args.queries}:${number}: expected lang<TAB>query<TAB>top3|absent<TAB>page-id`);
      process.exit(2);
    }
    return { lang, query, expect, id, number };
  });
const languages = [...new Set(queries.map((q) => q.lang))];

const { server, base, origin } = await serveStatic(site, args.prefix || '/');
const { browser, cleanup } = await launchChromium(puppeteer);
const failures = [];
const problems = [];

/** The path under the site of a page id in a language, as result links end. */
const pathOf = (lang, id) => (id ? `${lang}/${id}/` : `${lang}/`);
const normalise = (href) => new URL(href).pathname.replace(/index\.html$/, '').slice(new URL(base).pathname.length);

/** Opens the search page of `lang` with `viewport`, ready to type into. */
async function open(lang, viewport) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  page.on('pageerror', (e) => problems.push(`${lang}: uncaught page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`${lang}: console error: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`${lang}: request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${lang}: HTTP ${r.status()} for ${r.url()}`));
  await page.goto(`${base}${lang}/search/`, { waitUntil: 'load' });
  await page.waitForSelector('#search[data-ready]', { timeout: 15000 });
  return page;
}

/** Types `query` into the header's field and waits for the status line. */
async function ask(page, query) {
  const before = await page.$eval('.search-status', (el) => el.textContent);
  await page.$eval('#site-search-q', (el) => { el.value = ''; });
  await page.type('#site-search-q', query);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (q, before) => {
      const text = document.querySelector('.search-status').textContent;
      return text && text !== before && text.includes(q) && !document.querySelector('#search').dataset.loading.startsWith(text);
    },
    { timeout: 15000 },
    query,
    before,
  );
  return page.evaluate(() => ({
    status: document.querySelector('.search-status').textContent,
    links: Array.from(document.querySelectorAll('.search-results > li h2 a'), (a) => a.href),
  }));
}

/** Every result of the current query, pressing "show more" until none is left. */
async function allResults(page) {
  while (await page.$('.search-more button')) {
    const count = await page.$$eval('.search-results > li h2', (h) => h.length);
    await page.click('.search-more button');
    await page.waitForFunction((n) => document.querySelectorAll('.search-results > li h2').length > n, {}, count);
  }
  return page.$$eval('.search-results > li h2 a', (links) => links.map((a) => a.href));
}

const report = { queries: [], axe: [], transfer: {} };
let passed = 0;
for (const lang of languages) {
  // what the first query of a reader transfers, compressed as a server would send it
  const cdpPage = await browser.newPage();
  const session = await cdpPage.createCDPSession();
  await session.send('Network.enable');
  // a first-time reader: nothing from the cache (a real server's cache
  // headers would otherwise let the second language reuse the first's files)
  await session.send('Network.setCacheDisabled', { cacheDisabled: true });
  let encoded = 0;
  const sizes = new Map();
  session.on('Network.responseReceived', (e) => sizes.set(e.requestId, e.response.url));
  session.on('Network.loadingFinished', (e) => {
    const url = sizes.get(e.requestId) ?? '';
    if (url.includes('/assets/search/')) encoded += e.encodedDataLength;
  });
  await cdpPage.goto(`${base}${lang}/search/?q=${encodeURIComponent(queries.find((q) => q.lang === lang).query)}`, { waitUntil: 'networkidle0' });
  await cdpPage.close();
  report.transfer[lang] = encoded;

  const page = await open(lang, DESKTOP);
  for (const q of queries.filter((q) => q.lang === lang)) {
    let outcome;
    try {
      const { status, links } = await ask(page, q.query);
      const want = pathOf(lang, q.id);
      const found = q.expect === 'top3' ? links.map(normalise) : (await allResults(page)).map(normalise);
      const rank = found.indexOf(want);
      const ok = q.expect === 'top3' ? rank >= 0 && rank < 3 : rank < 0;
      outcome = { ...q, ok, rank, status, top: found.slice(0, 5) };
    } catch (e) {
      outcome = { ...q, ok: false, rank: -1, status: `failed: ${e.message.split('\n')[0]}`, top: [] };
    }
    report.queries.push(outcome);
    if (outcome.ok) {
      passed++;
    } else {
      failures.push(outcome);
      console.log(`FAIL ${args.queries}:${q.number} ${lang} “${q.query}” ${q.expect} ${q.id}: ` +
        `${q.expect === 'top3' ? `rank ${outcome.rank < 0 ? 'none' : outcome.rank + 1}` : `found at ${outcome.rank + 1}`}; ` +
        `status “${outcome.status}”; top: ${outcome.top.join(' ')}`);
    }
  }
  await page.close();

  // a page with results, as a reader sees and hears it
  const sample = queries.find((q) => q.lang === lang && q.expect === 'top3');
  for (const [label, viewport] of [['1280px', DESKTOP], ['375px', MOBILE]]) {
    const shown = await open(lang, viewport);
    await ask(shown, sample.query);
    const facts = await shown.evaluate(() => {
      const status = document.querySelector('.search-status');
      const list = document.querySelector('.search-results');
      return {
        live: status.getAttribute('role') === 'status',
        ordered: list.tagName === 'OL',
        label: !!document.querySelector('label[for="site-search-q"]')?.textContent.trim(),
        markup: Array.from(list.querySelectorAll('li *')).filter((el) => !['H2', 'A', 'P', 'MARK', 'BUTTON'].includes(el.tagName)).length,
        marks: list.querySelectorAll('mark').length,
        overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
      };
    });
    if (!facts.live) problems.push(`${lang} ${label}: the status line is not role="status"`);
    if (!facts.ordered) problems.push(`${lang} ${label}: the results are not an ordered list`);
    if (!facts.label) problems.push(`${lang} ${label}: the search field has no visible label`);
    if (facts.markup) problems.push(`${lang} ${label}: ${facts.markup} unexpected elements in the results`);
    if (!facts.marks) problems.push(`${lang} ${label}: no match is marked in the excerpts`);
    if (facts.overflow) problems.push(`${lang} ${label}: the page scrolls sideways`);
    await shown.evaluate(axeSource);
    const axe = await shown.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
      TAGS,
    );
    for (const v of axe.violations) {
      for (const n of v.nodes) problems.push(`${lang} ${label}: axe ${v.id} (${n.impact}) ${n.target.join(' ')} — ${v.help}`);
    }
    report.axe.push({ lang, viewport: label, violations: axe.violations.length });
    if (label === '1280px') {
      // pa11y on the same page with its results: it loads ?q= and waits until they are shown
      const run = await pa11y(`${base}${lang}/search/?q=${encodeURIComponent(sample.query)}`, {
        runners: ['htmlcs'],
        standard: 'WCAG2AA',
        timeout: 60000,
        browser,
        actions: ['wait for element .search-results li h2 a to be added'],
        log: { debug() {}, info() {}, error(m) { console.error('pa11y: ' + m); } },
      });
      const errors = run.issues.filter((issue) => issue.type === 'error');
      for (const e of errors) problems.push(`${lang}: pa11y ${e.code} ${e.selector} — ${e.message}`);
      report.pa11y = [...(report.pa11y ?? []), { lang, errors: errors.length }];
    }
    if (args.screenshots) {
      fs.mkdirSync(args.screenshots, { recursive: true });
      await shown.screenshot({ path: `${args.screenshots}/search-${lang}-${label}.png`, fullPage: false });
    }
    await shown.close();
  }
}
// What a reader does besides asking, in each language.
for (const lang of languages) {
  const mine = queries.filter((q) => q.lang === lang);
  const page = await open(lang, DESKTOP);

  // "show more" pressed from the keyboard leaves the focus in the results
  let more = false;
  for (const q of mine.filter((q) => q.expect === 'top3')) {
    await ask(page, q.query);
    if (await page.$('.search-more button')) {
      more = true;
      break;
    }
  }
  if (more) {
    const count = await page.$$eval('.search-results > li h2', (h) => h.length);
    await page.focus('.search-more button');
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.search-results > li h2').length > n, {}, count);
    const focus = await page.evaluate(() => {
      const active = document.activeElement;
      return active?.tagName === 'A' && !!active.closest('.search-results') ? 'result' : active?.tagName;
    });
    if (focus !== 'result') problems.push(`${lang}: after "show more" the focus is on ${focus}, not on the first new result`);
  }

  // boxes of one group are "any of": a box's count is what checking it gives
  await ask(page, mine.find((q) => q.expect === 'top3').query);
  const boxes = await page.$$eval('.search-filters fieldset:not([hidden])', (sets) =>
    sets.map((set) => Array.from(set.querySelectorAll('label:not([hidden]) input'), (i) => i.value)).find((v) => v.length >= 2) ?? []);
  if (boxes.length >= 2) {
    await page.$eval('.search-filters', (d) => { d.open = true; });
    const pick = async (value) => {
      const before = await page.$eval('.search-status', (el) => el.textContent);
      await page.$eval(`.search-filters input[value="${value.replace(/"/g, '\\"')}"]`, (i) => i.click());
      // the status says "loading" first: wait for the answer, not for that
      await page.waitForFunction((b) => {
        const text = document.querySelector('.search-status').textContent;
        return text !== b && text !== document.querySelector('[data-loading]')?.dataset.loading;
      }, { timeout: 15000 }, before);
    };
    // with one box checked, another of its group still shows what it alone gives
    await pick(boxes[0]);
    const promised = await page.$eval(`.search-filters input[value="${boxes[1].replace(/"/g, '\\"')}"]`, (i) =>
      i.parentElement.hidden ? 'hidden' : i.nextElementSibling.textContent);
    await pick(boxes[0]);
    await pick(boxes[1]);
    const status = await page.$eval('.search-status', (el) => el.textContent);
    const total = Number((status.match(/[\d\s\u00a0]+/) ?? ['0'])[0].replace(/\D/g, ''));
    if (`(${total})` !== promised.replace(/\s|\u00a0/g, '')) {
      problems.push(`${lang}: the box “${boxes[1]}” showed ${promised} while “${boxes[0]}” was checked, alone it gives ${total}`);
    }
  }

  // a form of an exact word (i18n/<lang>.search.yaml) finds its pages with the form marked in every excerpt
  const exact = await page.$eval('#search', (b) => (b.dataset.exact ?? '').split(' ').filter(Boolean).map((p) => p.split('=')[0]));
  if (exact.length) {
    await ask(page, exact[0]);
    const unmarked = await page.$$eval('.search-results > li', (items) => items.filter((li) => li.querySelector('h2') && !li.querySelector('mark')).length);
    if (unmarked) problems.push(`${lang}: ${unmarked} results for the exact word “${exact[0]}” have no marked match`);
  }
  await page.close();

  // a long query without spaces wraps instead of widening a narrow page
  const narrow = await open(lang, MOBILE);
  await ask(narrow, `${base}${lang}/partners/index.html`.replace(/^https?:\/\//, ''));
  if (await narrow.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)) {
    problems.push(`${lang} 375px: a long query makes the page scroll sideways`);
  }
  await narrow.close();

  // an index file that cannot be loaded: the status line says so, it does not hang
  const broken = await browser.newPage();
  await broken.setRequestInterception(true);
  broken.on('request', (r) => (/\.pf_meta$|\/fragment\//.test(r.url()) ? r.abort() : r.continue()));
  await broken.goto(`${base}${lang}/search/?q=${encodeURIComponent(mine[0].query)}`, { waitUntil: 'load' });
  const failed = await broken
    .waitForFunction(() => {
      const box = document.querySelector('#search');
      return box && document.querySelector('.search-status').textContent === box.dataset.failed;
    }, { timeout: 30000 })
    .then(() => true, () => false);
  if (!failed) problems.push(`${lang}: with the index unreachable the status line does not say the search could not start`);
  await broken.close();
}

await cleanup();
server.close();

for (const p of new Set(problems)) console.log(`PROBLEM ${p}`);
if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 1));
const transfer = Object.entries(report.transfer).map(([l, b]) => `${l} ${(b / 1024).toFixed(0)} KB`).join(', ');
const pa11yErrors = (report.pa11y ?? []).reduce((n, r) => n + r.errors, 0);
const line = `queries=${queries.length} passed=${passed} failed=${failures.length}; problems=${new Set(problems).size}; ` +
  `axe and pa11y with results: ${report.axe.reduce((n, r) => n + r.violations, 0)} violations, ${pa11yErrors} errors; ` +
  `first query transfers (compressed as served): ${transfer}`;
const ok = failures.length === 0 && problems.length === 0;
console.log(`search: ${ok ? 'PASS' : 'FAIL'} ${line}`);
writeSummary(line);
process.exit(ok ? 0 : 1);
