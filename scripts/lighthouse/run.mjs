// Lighthouse (performance: Cumulative Layout Shift and the score) on a built
// site served the way a web server serves it: under the base URL's path,
// text compressed with gzip, fingerprinted assets cached for a year. One
// page of each kind in each language, mobile and desktop; prints a table
// and exits 1 when a page's CLS or score misses the bar.
//
//   node scripts/lighthouse/run.mjs [SITE_DIR] [--prefix /internationellt/]
//        [--max-cls 0.02] [--min-score 95] [--runs 1] [--pages kind:path,...]
//        [--server ORIGIN]   (a web server already serving the site there,
//                             e.g. nginx from scripts/verify-hosting)
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';

const args = { _: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a.startsWith('--')) args[a.slice(2)] = process.argv[++i];
  else args._.push(a);
}
const root = fs.realpathSync(args._[0] || 'public');
const prefix = args.prefix || '/internationellt/';
const maxCls = Number(args['max-cls'] ?? 0.02);
const minScore = Number(args['min-score'] ?? 95);
const runs = Number(args.runs ?? 1);

// one page of each kind: home, section, partner, plan chapter, news, print
const KINDS = {
  home: (l) => `${l}/`,
  section: (l) => `${l}/partners/`,
  partner: (l) => `${l}/partners/oulu/`,
  chapter: (l) => `${l}/plan/inledning/`,
  news: (l) => `${l}/news/nytt-fokus-internationellt-arbete/`,
  print: (l) => `${l}/plan/print/`,
};
const languages = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'index.html')));
const pages = args.pages
  ? args.pages.split(',')
  : languages.flatMap((l) => Object.entries(KINDS).map(([kind, at]) => `${kind}:${at(l)}`));

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.json': 'application/json', '.xml': 'application/xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.webp': 'image/webp', '.pdf': 'application/pdf', '.wasm': 'application/wasm',
};
const COMPRESSED = new Set(['.html', '.css', '.js', '.svg', '.json', '.xml']);

const server = http.createServer(async (req, res) => {
  let urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (!urlPath.startsWith(prefix)) { res.statusCode = 404; return res.end(); }
  let file = path.resolve(root, '.' + path.posix.normalize('/' + urlPath.slice(prefix.length)));
  if (file !== root && !file.startsWith(root + path.sep)) { res.statusCode = 404; return res.end(); }
  let st = await fsp.stat(file).catch(() => null);
  if (st?.isDirectory()) { file = path.join(file, 'index.html'); st = await fsp.stat(file).catch(() => null); }
  if (!st?.isFile()) { res.statusCode = 404; return res.end(); }
  const ext = path.extname(file).toLowerCase();
  res.setHeader('Content-Type', TYPES[ext] || 'application/octet-stream');
  // a name with a content hash never changes: cache it; pages are revalidated
  res.setHeader('Cache-Control', /\.[0-9a-f]{10}\.\w+$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
  let body = await fsp.readFile(file);
  if (COMPRESSED.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
    body = zlib.gzipSync(body);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
  }
  res.end(body);
});
let base;
if (args.server) {
  base = args.server.replace(/\/+$/, '') + prefix;
} else {
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}${prefix}`;
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
});
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let failed = 0;
console.log(`Lighthouse, ${runs} run(s) per page (median), served ${args.server ? 'by' : 'with gzip at'} ${base}`);
console.log('page'.padEnd(60) + 'form     CLS     score  LCP ms');
try {
  for (const entry of pages) {
    const [kind, at] = entry.includes(':') ? entry.split(/:(.*)/s) : ['page', entry];
    for (const form of ['mobile', 'desktop']) {
      const cls = [], score = [], lcp = [];
      for (let r = 0; r < runs; r++) {
        const flags = { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] };
        const result = await lighthouse(base + at, flags, form === 'desktop' ? desktopConfig : undefined);
        const lhr = result.lhr;
        cls.push(lhr.audits['cumulative-layout-shift'].numericValue);
        score.push(Math.round(lhr.categories.performance.score * 100));
        lcp.push(lhr.audits['largest-contentful-paint'].numericValue);
      }
      const [c, s, l] = [median(cls), median(score), median(lcp)];
      const bad = c > maxCls || s < minScore;
      failed += bad;
      console.log(`${(kind + ' ' + at).padEnd(60)}${form.padEnd(9)}${c.toFixed(3).padEnd(8)}${String(s).padEnd(7)}${Math.round(l)}${bad ? '  FAIL' : ''}`);
    }
  }
} finally {
  await chrome.kill();
  if (server.listening) server.close();
}
console.log(failed ? `${failed} measurement(s) over CLS ${maxCls} or under score ${minScore}` : `all pages: CLS <= ${maxCls}, score >= ${minScore}`);
process.exit(failed ? 1 : 0);
