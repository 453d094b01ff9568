/**
 * The documentation is tested like code: the API reference has a comment for every public export,
 * every ```ts block of the README and docs/ compiles against the package, the built site has no
 * broken internal link, and in Chromium its search leads to the reference with no console error.
 * (Kept out of the Chromium suite: this builds the site once, in a temporary folder, and drives
 * Chromium itself.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildSite, type SiteReport } from '../../docs-site/build.js';
import { brokenLinks } from '../../docs-site/check-site.js';
import { type PublicApi, publicApi, undocumentedExports } from '../../docs-site/exports.js';
import { allSnippets, checkSnippets, snippetsOf } from '../../docs-site/snippets.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';
import { type StaticServer, serveFolder } from '../support/static-server.js';

describe('the docs checks', () => {
  // One program over the public entry points serves every check here (it takes seconds to make).
  let api: PublicApi;
  before(() => {
    api = publicApi();
  });

  it('every public export has a doc comment, and every field of its options types says its default', () => {
    deepEqual(undocumentedExports(api), []);
  });

  it('every TypeScript block of the README and docs/ compiles against the package', () => {
    deepEqual(checkSnippets(allSnippets(), api), []);
  });

  it('reports a snippet that no longer compiles with its page and line', () => {
    const page = ['# A page', '', '```ts', "import { createPeer } from 'saltline';", 'createPeer(42);', '```', ''].join('\n');
    const [error = ''] = checkSnippets(snippetsOf('docs/x.md', page), api);
    ok(error.startsWith('docs/x.md:5: TS2769'), error);
  });

  it('does not compile a block marked partial', () => {
    const page = ['```ts partial', 'peer.call(', '```'].join('\n');
    deepEqual(checkSnippets(snippetsOf('docs/x.md', page), api), []);
  });

  it('reports a link to a missing page and a missing anchor', () => {
    const out = mkdtempSync(join(tmpdir(), 'saltline-links-'));
    try {
      writeFileSync(join(out, 'a.html'), '<h1 id="top">A</h1><a href="b.html">b</a><a href="a.html#nowhere">x</a><a href="#top">t</a>');
      deepEqual(brokenLinks(out), ['a.html: b.html (no such file)', 'a.html: a.html#nowhere (no such anchor)']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('the documentation site', () => {
  const out = mkdtempSync(join(tmpdir(), 'saltline-site-'));
  let report: SiteReport;
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
    report = await buildSite(out);
    server = await serveFolder(out);
    browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, args: [...localChromeFlags] });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('builds every page and the API reference with no broken internal link', () => {
    ok(report.pages > 10 && report.symbols > 100, `${report.pages} pages, ${report.symbols} API names`);
    deepEqual(report.broken, []);
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
