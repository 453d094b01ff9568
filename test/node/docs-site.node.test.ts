/**
 * The documentation site as a reader gets it: built by `npm run docs`'s builder (into a temporary
 * folder), served, and driven in Chromium: no broken internal link, search leads to the reference,
 * no page logs a console error. Kept out of the Chromium suite: it builds the site and drives
 * Chromium itself.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildSite } from '../../docs-site/build.js';
import { brokenLinks } from '../../docs-site/check-site.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';
import { type StaticServer, serveFolder } from '../support/static-server.js';

const root = resolve(import.meta.dirname, '../..');
/** The site npm test's docs step built, when there is one; else this file builds its own. */
const built = join(root, 'site');

describe('the documentation site', () => {
  const out = existsSync(join(built, 'index.html')) ? built : mkdtempSync(join(tmpdir(), 'saltline-site-'));
  let broken: readonly string[];
  let pages = 0;
  let server: StaticServer;
  let browser: Browser;
  const errors: string[] = [];

  /** A tab that records every console error and failed request into `errors`. */
  async function open(url: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${String(error)}`));
    page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.goto(url, { waitUntil: 'load' });
    return page;
  }

  before(async () => {
    if (out === built) {
      broken = brokenLinks(out);
      pages = readdirSync(out, { recursive: true }).filter((name) => String(name).endsWith('.html')).length;
    } else {
      const report = await buildSite(out);
      broken = report.broken;
      pages = report.pages + report.symbols;
    }
    server = await serveFolder(out);
    browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, args: [...localChromeFlags] });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (out !== built) rmSync(out, { recursive: true, force: true });
  });

  it('has every page and the API reference, with no broken internal link', () => {
    ok(pages > 100, `${pages} pages`);
    deepEqual(broken, []);
  });

  it('finds connectWebSocket by search and follows the result to its reference page', async () => {
    const page = await open(server.url);
    try {
      await page.type('#search', 'connectWebSocket');
      const first = await page.waitForSelector('#search-results a');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), first!.click()]);
      ok(page.url().includes('/api/functions/saltline_websocket.connectWebSocket.html'), page.url());
      const heading = await page.$eval('h1', (element) => element.textContent ?? '');
      ok(heading.includes('connectWebSocket'), heading);
    } finally {
      await page.close();
    }
  });

  it('opens every page of the site without a console error', async () => {
    const page = await open(server.url);
    try {
      const links = await page.$$eval('nav.side a', (anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href));
      for (const link of links.filter((href) => !href.includes('/demos/'))) {
        await page.goto(link, { waitUntil: 'load' });
        equal(await page.title().then((title) => title.length > 0), true, link);
      }
      deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
