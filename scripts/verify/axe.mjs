#!/usr/bin/env node
// Accessibility check: axe-core in Debian's Chromium (via puppeteer-core) on
// every .html page of a built site, served over HTTP on 127.0.0.1.
//
//   node axe.mjs SITE_DIR [--prefix /sub/path/] [--jobs N] [--mobile home|all|none]
//                [--report FILE.json] [--verbose]
//
// Fails (exit 1) on any axe violation (tags wcag2a, wcag2aa, wcag21a, wcag21aa,
// best-practice), any console error / uncaught page error / failed request,
// any page that does not load with HTTP 200, and, at the 375px viewport,
// any horizontal scrolling (reflow).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';
import {
  parseArgs, listHtml, pageUrlPath, isHomePage, serveStatic, launchChromium, pool, writeSummary, EXTERNAL_SERVER,
} from './common.mjs';

const require = createRequire(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const site = args._[0];
if (!site || !fs.existsSync(site)) {
  console.error('usage: node axe.mjs SITE_DIR [--prefix /p/] [--jobs N] [--mobile home|all|none] [--report F] [--verbose]');
  process.exit(2);
}
const JOBS = Math.max(1, parseInt(args.jobs || '3', 10));
const MOBILE = args.mobile || 'home';
const VERBOSE = !!args.verbose;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const MOBILE_VIEWPORT = { width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeVersion = require('axe-core/package.json').version;

const t0 = Date.now();
const pages = listHtml(site);
const AXE_PATH = '/__verify-site__/axe.min.js';
const { server, base, origin } = await serveStatic(site, args.prefix || '/', {
  [AXE_PATH]: { type: 'text/javascript; charset=utf-8', body: axeSource },
});
const { browser, cleanup } = await launchChromium(puppeteer);

async function audit(rel, viewport, label) {
  const url = base + encodeURI(pageUrlPath(rel));
  const out = { page: rel, viewport: label, url, violations: [], incomplete: 0, problems: [] };
  const page = await browser.newPage();
  try {
    if (viewport) await page.setViewport(viewport);
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes(AXE_PATH)) {
        const loc = m.location();
        out.problems.push(`console error: ${m.text()}${loc && loc.url ? ` (${loc.url}${loc.lineNumber != null ? ':' + (loc.lineNumber + 1) : ''})` : ''}`);
      }
    });
    page.on('pageerror', (e) => out.problems.push(`uncaught page error: ${e && e.message ? e.message : e}`));
    page.on('requestfailed', (r) => {
      if (r.url().includes(AXE_PATH)) return; // refused by the page's CSP: axe is evaluated instead
      const err = r.failure() && r.failure().errorText;
      // a request to anything outside 127.0.0.1 cannot succeed here (no network)
      if (!r.url().startsWith(origin + '/')) out.problems.push(`request to outside host (not allowed offline): ${r.url()} ${err || ''}`);
      else out.problems.push(`request failed: ${r.url()} ${err || ''}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) out.problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    if (!resp) out.problems.push('no response');
    // 304: a real web server confirming the copy the browser has (pages are
    // revalidated, and home pages are audited twice)
    else if (resp.status() !== 200 && resp.status() !== 304) out.problems.push(`page answered HTTP ${resp.status()}`);
    // Load axe as a same-origin script (cached and compiled once by the browser);
    // fall back to evaluating its source if the page's CSP refuses the script.
    if (!EXTERNAL_SERVER) await page.addScriptTag({ url: origin + AXE_PATH }).catch(() => {});
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const res = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
      TAGS,
    );
    out.incomplete = res.incomplete.length;
    out.incompleteRules = res.incomplete.map((r) => r.id);
    for (const v of res.violations) {
      for (const n of v.nodes) {
        out.violations.push({
          rule: v.id, impact: n.impact || v.impact, target: n.target.join(' '), help: v.help,
          helpUrl: v.helpUrl, summary: n.failureSummary, html: n.html,
        });
      }
    }
    if (label === '375px') {
      // WCAG 1.4.10 reflow: no horizontal scrolling at a narrow viewport.
      const overflow = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const sw = document.documentElement.scrollWidth;
        if (sw <= vw + 1) return null;
        const sel = (el) => {
          let s = el.tagName.toLowerCase();
          if (el.id) s += '#' + el.id;
          else if (el.classList.length) s += '.' + [...el.classList].join('.');
          return s;
        };
        const wide = [];
        for (const el of document.body.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.right > vw + 1 && r.width > 0 && ![...el.children].some((c) => c.getBoundingClientRect().right > vw + 1)) {
            wide.push(`${sel(el.parentElement)} > ${sel(el)} (right edge ${Math.round(r.right)}px)`);
            if (wide.length >= 5) break;
          }
        }
        return { vw, sw, wide };
      });
      if (overflow) {
        out.violations.push({
          rule: 'reflow-horizontal-scroll', impact: 'serious',
          target: overflow.wide.join('; ') || 'document',
          help: `Content must reflow without horizontal scrolling at 375px (page is ${overflow.sw}px wide, viewport ${overflow.vw}px; WCAG 1.4.10)`,
        });
      }
    }
  } catch (e) {
    out.problems.push(`audit failed: ${e && e.message ? e.message.split('\n')[0] : e}`);
  } finally {
    await page.close().catch(() => {});
  }
  return out;
}

const jobs = pages.map((rel) => ({ rel, viewport: null, label: 'desktop' }));
for (const rel of pages) {
  if (MOBILE === 'all' || (MOBILE === 'home' && isHomePage(rel))) jobs.push({ rel, viewport: MOBILE_VIEWPORT, label: '375px' });
}
console.log(`axe-core ${axeVersion}, tags ${TAGS.join(',')}; ${pages.length} pages at 1280px, ` +
  `${jobs.length - pages.length} at 375px (${MOBILE === 'all' ? 'all pages' : MOBILE === 'home' ? 'home pages' : 'none'}); ${JOBS} in parallel; served at ${base}`);
const results = await pool(jobs, JOBS, (j) => audit(j.rel, j.viewport, j.label));
await cleanup();
server.close();

// Report. A violation also found on the desktop pass is not repeated for 375px.
const seen = new Set();
let violations = 0;
let problems = 0;
let incomplete = 0;
const byRule = new Map();
const pagesWithViolations = new Set();
for (const r of results) {
  incomplete += r.incomplete;
  for (const v of r.violations) {
    const key = `${r.page}|${v.rule}|${v.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations++;
    pagesWithViolations.add(r.page);
    byRule.set(v.rule, (byRule.get(v.rule) || 0) + 1);
    console.log(`VIOLATION ${r.page} [${r.viewport}] ${v.rule} (${v.impact}) ${v.target} — ${v.help}${v.helpUrl ? ` <${v.helpUrl}>` : ''}`);
    if (VERBOSE && v.summary) console.log('    ' + v.summary.replace(/\n/g, '\n    '));
  }
  for (const p of new Set(r.problems)) {
    problems++;
    pagesWithViolations.add(r.page);
    console.log(`PAGE-ERROR ${r.page} [${r.viewport}] ${p}`);
  }
  if (VERBOSE && r.incomplete) console.log(`  needs review ${r.page} [${r.viewport}]: ${r.incompleteRules.join(', ')}`);
}
if (byRule.size) console.log('violations by rule: ' + [...byRule].map(([k, v]) => `${k}=${v}`).join(', '));
if (args.report) fs.writeFileSync(args.report, JSON.stringify({ axeVersion, tags: TAGS, results }, null, 1));
const secs = ((Date.now() - t0) / 1000).toFixed(1);
const ok = violations === 0 && problems === 0;
const line = `pages audited=${pages.length} (+${jobs.length - pages.length} at 375px), violations=${violations}, ` +
  `console/load errors=${problems}, pages failing=${pagesWithViolations.size}, needs-review (not failing)=${incomplete}`;
console.log(`axe: ${ok ? 'PASS' : 'FAIL'} ${line} in ${secs}s`);
writeSummary(line);
process.exit(ok ? 0 : 1);
