#!/usr/bin/env node
// Second, independent accessibility engine: pa11y with the HTML_CodeSniffer
// runner (standard WCAG2AA) in Debian's Chromium, over the site served on 127.0.0.1.
//
//   node pa11y.mjs SITE_DIR [--prefix /sub/path/] [--jobs N] [--scope auto|all|sample]
//                  [--budget SECONDS] [--report FILE.json] [--verbose]
//
// Scope: "all" = every page; "sample" = one page of every page type per language
// (page type = language + section + depth + <body class>) plus every 5th page;
// "auto" (default) = the sample first, then the remaining pages too when the
// measured time per page says they fit in --budget seconds (default 150).
// Fails (exit 1) on any pa11y error; warnings and notices are counted, never fail.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';
import pa11y from 'pa11y';
import { parseArgs, listHtml, pageUrlPath, serveStatic, launchChromium, pool, writeSummary, chromiumPath, CHROMIUM_ARGS } from './common.mjs';

const require = createRequire(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const site = args._[0];
if (!site || !fs.existsSync(site)) {
  console.error('usage: node pa11y.mjs SITE_DIR [--prefix /p/] [--jobs N] [--scope auto|all|sample] [--budget S] [--report F] [--verbose]');
  process.exit(2);
}
const JOBS = Math.max(1, parseInt(args.jobs || '3', 10));
const SCOPE = args.scope || 'auto';
const BUDGET = parseFloat(args.budget || '150');
const VERBOSE = !!args.verbose;
const pa11yVersion = require('pa11y/package.json').version;

const t0 = Date.now();
const pages = listHtml(site);

// ---- page types for the sample ----
function pageType(rel) {
  const segs = rel.split('/');
  if (segs[segs.length - 1] === 'index.html') segs.pop();
  let html = '';
  try { html = fs.readFileSync(path.join(site, rel), 'utf8').slice(0, 200000); } catch { /* unreadable: vnu reports it */ }
  const body = /<body\b[^>]*\bclass\s*=\s*["']?([^"'>]*)/i.exec(html);
  const main = /<main\b[^>]*\bclass\s*=\s*["']?([^"'>]*)/i.exec(html);
  return `${segs[0] || ''}/${segs[1] || ''}:${segs.length}|${body ? body[1].trim() : ''}|${main ? main[1].trim() : ''}`;
}
const sampleSet = new Set();
const typeSeen = new Set();
pages.forEach((rel, i) => {
  const t = pageType(rel);
  if (!typeSeen.has(t)) { typeSeen.add(t); sampleSet.add(rel); }
  if (i % 5 === 0) sampleSet.add(rel);
});
const sample = pages.filter((p) => sampleSet.has(p));
const rest = pages.filter((p) => !sampleSet.has(p));

const { server, base } = await serveStatic(site, args.prefix || '/');
// One browser for all pages (pa11y's `browser` option); launched exactly like
// pa11y's own chromeLaunchConfig would: Debian's chromium with the offline flags.
const { browser, cleanup } = await launchChromium(puppeteer);
const options = {
  runners: ['htmlcs'],
  standard: 'WCAG2AA',
  includeWarnings: true,
  includeNotices: true,
  timeout: 60000,
  browser,
  chromeLaunchConfig: { executablePath: chromiumPath(), args: CHROMIUM_ARGS }, // ignored when browser is given
  log: { debug() {}, info() {}, error(m) { console.error('pa11y: ' + m); } },
};

async function check(rel) {
  const url = base + encodeURI(pageUrlPath(rel));
  try {
    const r = await pa11y(url, { ...options, browser });
    return { page: rel, issues: r.issues };
  } catch (e) {
    return { page: rel, failure: String(e && e.message ? e.message.split('\n')[0] : e), issues: [] };
  }
}

const label = SCOPE === 'all' ? 'every page' : SCOPE === 'sample' ? 'sample' : 'auto';
console.log(`pa11y ${pa11yVersion} runner htmlcs, standard WCAG2AA; ${pages.length} pages, ${typeSeen.size} page types; ${JOBS} in parallel; scope ${label}`);
let results;
let scopeText;
if (SCOPE === 'all') {
  results = await pool(pages, JOBS, check);
  scopeText = `every page (${pages.length})`;
} else {
  const ts = Date.now();
  results = await pool(sample, JOBS, check);
  const perPage = (Date.now() - ts) / 1000 / Math.max(1, sample.length);
  const estimate = perPage * rest.length;
  if (SCOPE === 'auto' && (rest.length === 0 || estimate <= BUDGET)) {
    results = results.concat(await pool(rest, JOBS, check));
    scopeText = `every page (${pages.length})`;
  } else {
    scopeText = `SAMPLE of ${sample.length}/${pages.length} pages: one per page type per language (${typeSeen.size} types) + every 5th page` +
      (SCOPE === 'auto' ? ` (all pages would take ~${Math.round(estimate)}s more, over the ${BUDGET}s budget; use --pa11y-scope all)` : '');
  }
}
await cleanup();
server.close();

let errors = 0;
let failures = 0;
const warnings = new Map();
const notices = new Map();
let nWarn = 0;
let nNotice = 0;
for (const r of results) {
  if (r.failure) {
    failures++;
    console.log(`PAGE-ERROR ${r.page} pa11y could not test the page: ${r.failure}`);
  }
  for (const i of r.issues) {
    if (i.type === 'error') {
      errors++;
      console.log(`ERROR ${r.page} ${i.code} ${i.selector || ''} — ${i.message}`);
      if (VERBOSE && i.context) console.log('    ' + i.context);
    } else if (i.type === 'warning') {
      nWarn++;
      warnings.set(i.code, (warnings.get(i.code) || 0) + 1);
      if (VERBOSE) console.log(`warning ${r.page} ${i.code} ${i.selector || ''} — ${i.message}`);
    } else {
      nNotice++;
      notices.set(i.code, (notices.get(i.code) || 0) + 1);
    }
  }
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${v}× ${k}`).join('\n');
if (warnings.size) console.log(`warnings (not failing), by code:\n${top(warnings)}`);
if (notices.size) console.log(`notices (not failing): ${nNotice} in ${notices.size} codes${VERBOSE ? '\n' + top(notices) : ' (--verbose lists them)'}`);
if (args.report) fs.writeFileSync(args.report, JSON.stringify({ pa11yVersion, scope: scopeText, results }, null, 1));
const ok = errors === 0 && failures === 0;
const secs = ((Date.now() - t0) / 1000).toFixed(1);
const line = `scope: ${scopeText}; pages tested=${results.length}, errors=${errors}, pages not testable=${failures}, warnings=${nWarn}, notices=${nNotice}`;
console.log(`pa11y: ${ok ? 'PASS' : 'FAIL'} ${line} in ${secs}s`);
writeSummary(line);
process.exit(ok ? 0 : 1);
