/**
 * saltline/extension in real Chromium: an unpacked MV3 extension (test/fixtures/extension, bundled
 * by esbuild into a temporary directory) loaded by puppeteer-core into Debian's Chromium (or
 * CHROME_PATH), headless, over a pipe. Pages come from a Node server on 127.0.0.1; host-resolver
 * rules keep Chromium from resolving anything else.
 *
 * The content script's isolated world is reached through CDP (`Runtime.evaluate` in the execution
 * context whose origin is the extension's); the service worker through puppeteer's worker handle,
 * which can also stop it (`WebWorker.close()`), as Chrome does to an idle MV3 service worker.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type Browser, type CDPSession, type Page, type Target, type WebWorker } from 'puppeteer-core';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { afterClose, checkLeaks } from '../support/connect.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';

const fixture = fileURLToPath(new URL('../fixtures/extension/', import.meta.url));
const TIMEOUT = { timeout: 60_000 };
/**
 * Stopping the service worker through CDP (puppeteer's WebWorker.close: Target.closeTarget) does
 * not always stop it: in about half of the runs on a loaded 2-core machine the content script's
 * port never disconnects and the call in flight waits out the protocol timeout. Skipped until the
 * stop is made reliable (e.g. CDP ServiceWorker.stopWorker, or waiting for the target to go);
 * the same logic runs against stand-in ports in extension-port.node.test.ts. SALTLINE_SW_STOP=1
 * runs them anyway.
 */
const STOPS_WORKER = process.env.SALTLINE_SW_STOP
  ? TIMEOUT
  : { ...TIMEOUT, skip: 'stopping an MV3 service worker through CDP is not reliable yet (see the comment above)' };

/** Bundles the fixture extension into a temporary directory, ready to load unpacked. */
async function buildExtension(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'saltline-extension-'));
  const common = { bundle: true, platform: 'browser', target: 'es2022', outdir: dir, logLevel: 'error' } as const;
  await build({ ...common, format: 'esm', entryPoints: ['background', 'popup', 'external'].map((name) => join(fixture, `${name}.ts`)) });
  // Content scripts are classic scripts.
  await build({ ...common, format: 'iife', entryPoints: [join(fixture, 'content.ts')] });
  for (const file of ['manifest.json', 'popup.html']) copyFileSync(join(fixture, file), join(dir, file));
  return dir;
}

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;
let extensionId: string;
let workerUrl: string;
/** The service worker's newest target, kept current as Chrome stops and restarts it. */
let workerTarget: Target | undefined;
const workerStarts = new Set<(target: Target) => void>();

before(async () => {
  dir = await buildExtension();
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/external.js') {
      response.setHeader('content-type', 'text/javascript');
      return response.end(readFileSync(join(dir, 'external.js')));
    }
    response.setHeader('content-type', 'text/html');
    if (path === '/external.html') return response.end('<!doctype html><title>external</title><script type="module" src="/external.js"></script>');
    response.end('<!doctype html><title>a page</title><p>a page with the content script');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, enableExtensions: [dir], args: [...localChromeFlags], protocolTimeout: 30_000 });
  const isWorker = (target: Target) => target.type() === 'service_worker' && target.url().startsWith('chrome-extension://');
  browser.on('targetcreated', (target: Target) => {
    if (!isWorker(target)) return;
    workerTarget = target;
    for (const wake of [...workerStarts]) wake(target);
  });
  const target = await browser.waitForTarget(isWorker);
  workerTarget ??= target;
  workerUrl = target.url();
  extensionId = new URL(workerUrl).host;
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The service worker, as puppeteer's handle to evaluate in it. */
async function serviceWorker(): Promise<WebWorker> {
  const worker = await workerTarget!.worker();
  if (!worker) throw new Error('no service worker');
  return worker;
}

/** Resolves with the next start of the service worker. */
function nextWorkerStart(): Promise<Target> {
  return new Promise((resolve) => {
    const wake = (target: Target) => {
      workerStarts.delete(wake);
      resolve(target);
    };
    workerStarts.add(wake);
  });
}

/** Evaluates `expression` in an execution context, awaiting a promise; returns its JSON value. */
async function evaluate(cdp: CDPSession, contextId: number, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { contextId, expression, awaitPromise: true, returnByValue: true });
  if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value;
}

/**
 * Opens `url` in a new tab and returns a function that evaluates in the world where the test's
 * client runs: the content script's isolated world (`world: 'content'`) or the page itself.
 * After the test, it checks that the client has nothing pending, closes the tab, and waits for the
 * service worker to have closed every peer.
 */
async function open(url: string, world: 'content' | 'page'): Promise<{ page: Page; run: (expression: string) => Promise<unknown> }> {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  // (Node's URL gives no origin for chrome-extension: URLs.)
  const wanted = world === 'content' || url.startsWith('chrome-extension:') ? `chrome-extension://${extensionId}` : new URL(url).origin;
  let found!: (id: number) => void;
  const context = new Promise<number>((resolve) => (found = resolve));
  cdp.on('Runtime.executionContextCreated', ({ context }) => {
    if (context.origin === wanted && (world === 'content' || context.auxData?.isDefault)) found(context.id);
  });
  await cdp.send('Runtime.enable');
  await page.goto(url, { waitUntil: 'load' });
  const contextId = await context;
  // The client is installed by then: a page's module scripts run before its load event, and a
  // content script runs in the task that created its world.
  const run = (expression: string) => evaluate(cdp, contextId, expression);
  afterClose(async () => {
    if (!page.isClosed()) {
      const leaks = await run('test.leaks()');
      await page.close();
      equal(leaks, 0, `${String(leaks)} calls, handlers or timers left in the ${world}`);
    }
    const worker = await serviceWorker();
    await worker.evaluate(() => (globalThis as unknown as { test: { peersBecome(n: number): Promise<number> } }).test.peersBecome(0));
  });
  return { page, run };
}

const page = () => `${origin}/`;

describe('saltline/extension between a content script and the MV3 service worker', () => {
  checkLeaks();

  it('calls the service worker from a content script, and the service worker calls back', TIMEOUT, async () => {
    const { run } = await open(page(), 'content');
    equal(await run('test.api.add(40, 2)'), 42);
    equal(await run('test.api.askCaller(21)'), 42);
    equal(await run('test.api.sender()'), origin);
  });

  it('carries bytes, bigint, Map and Date across the JSON-only port', TIMEOUT, async () => {
    const { run } = await open(page(), 'content');
    const back = await run(`test.api.echo({ bytes: new Uint8Array([0, 1, 255]), big: 2n ** 70n, map: new Map([[1, 'one']]), date: new Date(0) })
      .then((v) => [v.bytes instanceof Uint8Array, Array.from(v.bytes), v.big === 2n ** 70n, v.map.get(1), v.date instanceof Date])`);
    deepEqual(back, [true, [0, 1, 255], true, 'one', true]);
  });

  it('fails a call in flight with UNAVAILABLE when the service worker is stopped, then redials a new one', STOPS_WORKER, async () => {
    const { run } = await open(page(), 'content');
    const before = await run('test.api.instance()');
    await run("test.begin('wait', test.peer, 'wait')");
    equal(await run('test.api.add(1, 1)'), 2); // replied after 'wait' arrived
    const restarted = nextWorkerStart();
    await (await serviceWorker()).close();
    deepEqual(await run("test.settle('wait')"), { error: 'UNAVAILABLE' });
    // Held while the port is down, sent once the new service worker has answered.
    equal(await run('test.api.add(2, 3)'), 5);
    await restarted;
    const now = await run('test.api.instance()');
    ok(now !== before, 'a new service worker instance answers');
    equal(await run('test.transport.state'), 'open');
  });

  it('closes a single-port peer with UNAVAILABLE when the service worker is stopped', STOPS_WORKER, async () => {
    const { run } = await open(page(), 'content');
    await run("globalThis.single = test.single(); test.begin('single', single, 'wait')");
    equal(await run("single.call('add', [1, 2])"), 3);
    const restarted = nextWorkerStart();
    await (await serviceWorker()).close();
    deepEqual(await run("test.settle('single')"), { error: 'UNAVAILABLE' });
    equal(await run('single.stats().closed'), true);
    deepEqual(await run("test.outcome(single.call('add', [1, 2]))"), { error: 'UNAVAILABLE' });
    equal(await run('test.api.add(1, 2)'), 3); // the redialling peer wakes the worker again
    await restarted;
  });

  it("closes the service worker's peer when the tab goes away", TIMEOUT, async () => {
    const first = await open(page(), 'content');
    const second = await open(page(), 'content');
    equal(await first.run('test.api.add(1, 1)'), 2);
    equal(await second.run('test.api.add(1, 1)'), 2);
    const worker = await serviceWorker();
    equal(await worker.evaluate(() => (globalThis as unknown as { test: { peersBecome(n: number): Promise<number> } }).test.peersBecome(2)), 2);
    await second.page.close();
    equal(await worker.evaluate(() => (globalThis as unknown as { test: { peersBecome(n: number): Promise<number> } }).test.peersBecome(1)), 1);
    equal(await first.run('test.api.add(2, 2)'), 4);
  });
});

describe('saltline/extension from extension pages and web pages', () => {
  checkLeaks();

  it('calls the service worker from the popup page', TIMEOUT, async () => {
    const { run } = await open(`chrome-extension://${extensionId}/popup.html`, 'page');
    equal(await run('test.api.add(2, 3)'), 5);
    equal(await run('test.api.askCaller(4)'), 8);
  });

  it('calls the service worker from a web page allowed by externally_connectable', TIMEOUT, async () => {
    const { run } = await open(`${origin}/external.html?id=${extensionId}`, 'page');
    equal(await run('test.api.add(20, 22)'), 42);
    equal(await run('test.api.sender()'), origin);
  });
});
