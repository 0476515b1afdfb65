// Shared helpers for the browser-based checks (axe.mjs, pa11y.mjs):
// listing the site's pages, a tiny static HTTP server on 127.0.0.1,
// launching Debian's Chromium, and a small concurrency pool.
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--mute-audio',
];

/** The origin of a web server serving the site, when the checks are to use it. */
export const EXTERNAL_SERVER = process.env.VERIFY_SERVER || '';

export function chromiumPath() {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

/** Parses `--key value` / `--flag` arguments; positional args go to `_`. */
export function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
      else out[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

/** All .html files under root, as sorted '/'-separated relative paths. */
export function listHtml(root) {
  const out = [];
  const walk = (dir) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.name === 'node_modules' || ent.name.startsWith('.')) continue;
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && ent.name.endsWith('.html')) out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** URL path (under prefix) of a page file: dir/index.html -> dir/ */
export function pageUrlPath(rel) {
  if (rel === 'index.html') return '';
  if (rel.endsWith('/index.html')) return rel.slice(0, -'index.html'.length);
  return rel;
}

/** Home pages: the root index.html and every <top-level dir>/index.html. */
export function isHomePage(rel) {
  return rel === 'index.html' || /^[^/]+\/index\.html$/.test(rel);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf',
  '.pdf': 'application/pdf', '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `root` read-only on 127.0.0.1 under URL path `prefix` (e.g. '/lulea/'),
 * like a plain static host: directories -> index.html (with a redirect when the
 * trailing slash is missing), unknown paths -> 404.html with status 404.
 * `extra` maps absolute URL paths to { type, body } served before the site
 * (used to serve axe-core same-origin, so the browser can cache its compiled code).
 * Resolves to { server, origin, base } where base = origin + prefix.
 */
export async function serveStatic(root, prefix = '/', extra = {}) {
  if (!prefix.startsWith('/')) prefix = '/' + prefix;
  if (!prefix.endsWith('/')) prefix += '/';
  // a web server already serving the site (scripts/verify-hosting): pages
  // come from it, and `extra` is not served
  if (EXTERNAL_SERVER) {
    const origin = EXTERNAL_SERVER.replace(/\/+$/, '');
    return { server: { close() {} }, origin, base: origin + prefix };
  }
  const absRoot = fs.realpathSync(root);
  const send404 = async (res) => {
    const p = path.join(absRoot, '404.html');
    res.statusCode = 404;
    if (fs.existsSync(p)) {
      res.setHeader('Content-Type', TYPES['.html']);
      res.end(await fsp.readFile(p));
    } else res.end('not found');
  };
  const server = http.createServer(async (req, res) => {
    try {
      let urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (Object.hasOwn(extra, urlPath)) {
        res.setHeader('Content-Type', extra[urlPath].type);
        res.setHeader('Cache-Control', 'max-age=86400, immutable');
        return res.end(extra[urlPath].body);
      }
      if (!urlPath.startsWith(prefix)) {
        if (urlPath + '/' === prefix) { res.writeHead(301, { Location: prefix }); return res.end(); }
        return send404(res);
      }
      let p = path.resolve(absRoot, '.' + path.posix.normalize('/' + urlPath.slice(prefix.length)));
      if (p !== absRoot && !p.startsWith(absRoot + path.sep)) return send404(res);
      let st = await fsp.stat(p).catch(() => null);
      if (st && st.isDirectory()) {
        if (!urlPath.endsWith('/')) { res.writeHead(301, { Location: req.url.replace(/(\?|$)/, '/$1') }); return res.end(); }
        p = path.join(p, 'index.html');
        st = await fsp.stat(p).catch(() => null);
      }
      if (!st || !st.isFile()) return send404(res);
      res.setHeader('Content-Type', TYPES[path.extname(p).toLowerCase()] || 'application/octet-stream');
      res.setHeader('Cache-Control', 'no-store');
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(p).pipe(res);
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  await new Promise((ok, fail) => server.listen(0, '127.0.0.1', ok).on('error', fail));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { server, origin, base: origin + prefix };
}

/** Launches Chromium with a fresh temporary profile. Returns { browser, cleanup }. */
export async function launchChromium(puppeteer) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
      defaultViewport: { width: 1280, height: 900 },
      protocolTimeout: 120000,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw new Error(`cannot start ${chromiumPath()}: ${e && e.message ? e.message.split('\n')[0] : e}`);
  }
  const cleanup = async () => {
    await browser.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { browser, cleanup, profile };
}

/** Runs fn over items with at most `limit` in flight; keeps result order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Appends one summary line for verify-site to collect. */
export function writeSummary(line) {
  if (process.env.VERIFY_SUMMARY_FILE) fs.appendFileSync(process.env.VERIFY_SUMMARY_FILE, line + '\n');
}
