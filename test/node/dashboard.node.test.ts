/**
 * `saltline/dashboard`: the page and its scripts over HTTP, the `$sys.Metrics.watch` stream and
 * its authorization, and the page itself in Chromium (puppeteer-core, Debian's chromium or
 * CHROME_PATH) showing live calls, errors, a rate-limited burst and an alert that fires and
 * resolves. The page imports the BUILT package (dist/): `npm test` builds before this step.
 * `SALTLINE_SCREENSHOT=FILE` saves a screenshot of the page once it has shown all that.
 */
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { fromWebSocket } from '../../adapters/websocket.js';
import { type Dashboard, type DashboardFrame, serveDashboard } from '../../src/dashboard/index.js';
import { createPeer, RpcError } from '../../src/index.js';
import { rateLimit } from '../../src/limits/index.js';
import { createMetrics, type Metrics } from '../../src/observe/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';
import { checkLeaks, connectors, track } from '../support/connect.js';
import { client } from '../support/ws-node.js';

const gates: (() => void)[] = [];
const api = {
  add: (a: number, b: number) => a + b,
  fail: () => {
    throw new RpcError('INTERNAL', 'broken');
  },
  hold: () => new Promise<void>((resolve) => gates.push(resolve)),
};

/** A service with metrics (outermost, so it sees refusals) and a rate limit on `add` that never refills. */
function service(metrics: Metrics) {
  const limit = rateLimit({ perMethod: { add: { rate: 1, burst: 20 } }, clock: () => 0 });
  return connectors[0]!.connect({ expose: api, plugins: [metrics, limit] }).client;
}

async function viewer(dashboard: Dashboard) {
  const socket = client(dashboard.url.replace(/^http/, 'ws') + '/ws');
  return track(createPeer(fromWebSocket(socket)));
}

describe('saltline/dashboard', () => {
  checkLeaks();
  let dashboard: Dashboard | undefined;
  after(() => dashboard?.close());

  it('serves the page and the scripts it imports, and nothing outside them', async () => {
    dashboard = await serveDashboard({ metrics: createMetrics() });
    const get = async (path: string) => (await fetch(new URL(path, dashboard!.url))).status;
    equal(await get('/dashboard'), 200);
    equal(await get('/dashboard/lib/index.js'), 200);
    equal(await get('/dashboard/vendor/msgpack/index.mjs'), 200);
    equal(await get('/dashboard/lib/%2e%2e/package.json'), 404);
    equal(await get('/dashboard/lib/index.js.map'), 404);
    equal(await get('/elsewhere'), 404);
    await dashboard.close();
    dashboard = undefined;
  });

  it('refuses the stream to a viewer that authorize turns away, with PERMISSION_DENIED', async () => {
    dashboard = await serveDashboard({ metrics: createMetrics(), authorize: () => false });
    const peer = await viewer(dashboard);
    await rejectsWith(peer.remote().$sys.Metrics.watch(), 'PERMISSION_DENIED');
    await dashboard.close();
    dashboard = undefined;
  });

  it("streams frames of the service's calls, and leaves its own traffic out of them", async () => {
    const metrics = createMetrics();
    dashboard = await serveDashboard({ metrics, interval: 5 });
    const app = service(metrics);
    await app.call('add', [1, 2]);
    await rejectsWith(app.call('fail'), 'INTERNAL');
    const peer = await viewer(dashboard);
    const frames: DashboardFrame[] = [];
    for await (const frame of peer.remote().$sys.Metrics.watch() as AsyncIterable<DashboardFrame>) {
      frames.push(frame);
      if (frames.length === 3) break;
    }
    const last = frames.at(-1)!;
    deepEqual(last.byCode, { OK: 1, INTERNAL: 1 });
    deepEqual(last.methods.map((m) => m.method).sort(), ['add', 'fail']);
    ok(metrics.snapshot().methods.every((m) => !m.method.startsWith('$sys')));
    await dashboard.close();
    dashboard = undefined;
  });
});

describe('the dashboard page in Chromium', () => {
  checkLeaks();
  let browser: Browser;
  let dashboard: Dashboard;
  const metrics = createMetrics({ alerts: [{ name: 'busy', kind: 'inFlight', above: 2 }] });

  before(async () => {
    dashboard = await serveDashboard({ metrics, interval: 50 });
    browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, args: [...localChromeFlags] });
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  it('shows live calls, errors, a rate-limited burst and an alert that fires and resolves', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 820 });
    await page.goto(dashboard.url);
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'live');
    const app = service(metrics);
    for (let i = 0; i < 10; i++) await app.call('add', [i, i]);
    for (let i = 0; i < 3; i++) await rejectsWith(app.call('fail'), 'INTERNAL');
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => app.call('add', [1, 1])));
    ok(burst.some((r) => r.status === 'rejected' && (r.reason as RpcError).code === 'RESOURCE_EXHAUSTED'));
    const cells = (id: string) =>
      page.$$eval(`#${id} tr`, (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent).join(' ')));
    await page.waitForFunction(() => document.querySelector('#errors')?.textContent?.includes('RESOURCE_EXHAUSTED'));
    const errors = await cells('errors');
    ok(errors.includes('INTERNAL 3'), `errors table: ${errors}`);
    ok(errors.includes('OK 20'), `errors table: ${errors}`);
    const methods = await cells('methods');
    ok(
      methods.some((row) => row.startsWith('add 30 10')),
      `methods table: ${methods}`,
    );
    const points = await page.$eval('#chart-calls polyline', (line) => line.getAttribute('points') ?? '');
    ok(
      points.split(' ').some((point) => Number(point.split(',')[1]) < 100),
      'the calls chart rose above zero',
    );

    const held = Array.from({ length: 3 }, () => app.call('hold'));
    await page.waitForFunction(() => document.querySelector('#alerts li[data-rule=busy]')?.getAttribute('data-state') === 'firing');
    if (process.env.SALTLINE_SCREENSHOT) await page.screenshot({ path: process.env.SALTLINE_SCREENSHOT });
    for (const release of gates.splice(0)) release();
    await Promise.all(held);
    await page.waitForFunction(() => document.querySelector('#alerts li[data-rule=busy]')?.getAttribute('data-state') === 'resolved');
    await page.close();
  });
});
