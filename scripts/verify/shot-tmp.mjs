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
await browser.close(); cleanup?.(); server.close();
