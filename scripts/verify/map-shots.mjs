// Screenshots of the maps of a built site, as a reader sees them: the
// `section.map` of each page given, at one viewport width, in Chromium.
//
//   node map-shots.mjs SITE_DIR OUT_DIR WIDTH PAGE...
//   e.g. node map-shots.mjs public /tmp/maps 375 sv/partners/index.html fi/index.html
//
// Writes OUT_DIR/<page path with _>WIDTH.png; says which pages have no map.
import puppeteer from 'puppeteer-core';
import { serveStatic, launchChromium } from './common.mjs';
const [site, out, width, ...paths] = process.argv.slice(2);
const { server, base } = await serveStatic(site, '/');
const { browser, cleanup } = await launchChromium(puppeteer);
for (const p of paths) {
  const page = await browser.newPage();
  await page.setViewport({ width: Number(width), height: 900 });
  await page.goto(`${base}${p}`);
  const el = await page.$('section.map');
  const name = p.replace(/\//g, '_').replace('index.html', '');
  if (el) await el.screenshot({ path: `${out}/${name}${width}.png` });
  else console.log('no map on', p);
  await page.close();
}
await browser.close();
cleanup?.();
server.close();
