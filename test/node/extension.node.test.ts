/**
 * saltline/extension in real Chromium: an unpacked MV3 extension (test/fixtures/extension, bundled
 * by esbuild into a temporary directory) loaded by puppeteer-core into Debian's Chromium (or
 * CHROME_PATH), headless, over a pipe. Pages come from a Node server on 127.0.0.1; host-resolver
 * rules keep Chromium from resolving anything else.
 *
 * The content script's isolated world is reached through CDP (`Runtime.evaluate` in the execution
 * context whose origin is the extension's), and so is the service worker, over a session attached
 * for one evaluation and detached right after. The service worker is stopped as Chrome stops an
 * idle MV3 service worker, with CDP's `ServiceWorker.stopWorker` (what "Stop" in
 * chrome://serviceworker-internals does), and the test waits for its target to be destroyed.
 *
 * Two things made this hang before (a call waiting out the 30 s protocol timeout): puppeteer's
 * `WebWorker.close()` (`Target.closeTarget`) did not always stop the worker, and a session left
 * attached to the worker (puppeteer's `target.worker()` keeps one) keeps its target alive across
 * the stop, so the next start of the worker never got past `starting` and no port was answered.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type Browser, type CDPSession, type Page, type Target } from 'puppeteer-core';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';
import { afterClose, checkLeaks } from '../support/connect.js';

const fixture = fileURLToPath(new URL('../fixtures/extension/', import.meta.url));
const TIMEOUT = { timeout: 60_000 };

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
/** A session with the CDP ServiceWorker domain enabled (on a tab: the browser target has no such domain). */
let control: CDPSession;
/** The service worker's version (it keeps its id across stops and restarts). */
let workerVersion: string;

before(async () => {
  dir = await buildExtension();
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/external.js') {
      response.setHeader('content-type', 'text/javascript');
      return response.end(readFileSync(join(dir, 'external.js')));
    }
    response.setHeader('content-type', 'text/html');
    if (path === '/external.html')
      return response.end('<!doctype html><title>external</title><script type="module" src="/external.js"></script>');
    response.end('<!doctype html><title>a page</title><p>a page with the content script');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await puppeteer.launch({
    executablePath: findChrome(),
    headless: true,
    pipe: true,
    enableExtensions: [dir],
    args: [...localChromeFlags],
    protocolTimeout: 30_000,
  });
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
  const [tab = await browser.newPage()] = await browser.pages();
  control = await tab.createCDPSession();
  const version = new Promise<string>((resolve) => {
    control.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      const ours = versions.find((v) => v.scriptURL === workerUrl);
      if (ours) resolve(ours.versionId);
    });
  });
  await control.send('ServiceWorker.enable');
  workerVersion = await version;
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Evaluates `expression` in the service worker (its newest instance), over a session that is
 * detached at once: a session left attached would keep the worker's target alive when it stops.
 */
async function inServiceWorker(expression: string): Promise<unknown> {
  const session = await workerTarget!.createCDPSession();
  try {
    return await evaluate(session, undefined, expression);
  } finally {
    await session.detach();
  }
}

/**
 * Stops the service worker as Chrome stops an idle one (its ports disconnect); resolves once its
 * target is gone.
 */
async function stopServiceWorker(): Promise<void> {
  const target = workerTarget;
  const gone = new Promise<void>((resolve) => {
    const destroyed = (t: Target) => {
      if (t !== target) return;
      browser.off('targetdestroyed', destroyed);
      resolve();
    };
    browser.on('targetdestroyed', destroyed);
  });
  await control.send('ServiceWorker.stopWorker', { versionId: workerVersion });
  await gone;
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

/** Evaluates `expression` in an execution context (default: the session's), awaiting a promise; returns its JSON value. */
async function evaluate(cdp: CDPSession, contextId: number | undefined, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    contextId,
    expression,
    awaitPromise: true,
    returnByValue: true,
  });
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
    await inServiceWorker('test.peersBecome(0)');
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
    const back =
      await run(`test.api.echo({ bytes: new Uint8Array([0, 1, 255]), big: 2n ** 70n, map: new Map([[1, 'one']]), date: new Date(0) })
      .then((v) => [v.bytes instanceof Uint8Array, Array.from(v.bytes), v.big === 2n ** 70n, v.map.get(1), v.date instanceof Date])`);
    deepEqual(back, [true, [0, 1, 255], true, 'one', true]);
  });

  it('fails a call in flight with UNAVAILABLE when the service worker is stopped, then redials a new one', TIMEOUT, async () => {
    const { run } = await open(page(), 'content');
    const before = await run('test.api.instance()');
    await run("test.begin('wait', test.peer, 'wait')");
    equal(await run('test.api.add(1, 1)'), 2); // replied after 'wait' arrived
    const restarted = nextWorkerStart();
    await stopServiceWorker();
    deepEqual(await run("test.settle('wait')"), { error: 'UNAVAILABLE' });
    // Held while the port is down, sent once the new service worker has answered.
    equal(await run('test.api.add(2, 3)'), 5);
    await restarted;
    const now = await run('test.api.instance()');
    ok(now !== before, 'a new service worker instance answers');
    equal(await run('test.peer.state'), 'open');
    // open, down (a port that worked is redialled at once), maybe ports the stopping worker refused, open.
    const changes = (await run('test.changes')) as [string, number, string | null][];
    deepEqual(changes[0], ['open', 0, null]);
    equal(changes[1]?.[0], 'reconnecting');
    equal(changes[1]?.[1], 1); // the dropped port is the first failed link
    ok(typeof changes[1]?.[2] === 'string', 'reconnecting says why');
    deepEqual(changes.at(-1), ['open', 0, null]);
    ok(
      changes.slice(1, -1).every(([state]) => state === 'reconnecting'),
      JSON.stringify(changes),
    );
  });

  it('closes a single-port peer with UNAVAILABLE when the service worker is stopped', TIMEOUT, async () => {
    const { run } = await open(page(), 'content');
    await run("globalThis.single = test.single(); test.begin('single', single, 'wait')");
    equal(await run("single.call('add', [1, 2])"), 3);
    const restarted = nextWorkerStart();
    await stopServiceWorker();
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
    equal(await inServiceWorker('test.peersBecome(2)'), 2);
    await second.page.close();
    equal(await inServiceWorker('test.peersBecome(1)'), 1);
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
