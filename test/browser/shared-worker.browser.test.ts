import { describe, it } from '#harness';
import { fromSharedWorker } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import type { Service } from '../fixtures/service.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, listenerCheck, track } from '../support/connect.js';

type SharedApi = Service & { peers(): number; peersBecome(n: number): number; askPage(x: number): number };

const script = new URL('../fixtures/browser-shared-worker.ts', import.meta.url);

/** A page-side peer on the SharedWorker `name` (a fresh worker per test: each test uses its own name). */
function connect(name: string) {
  const worker = new SharedWorker(script, { type: 'module', name });
  listenerCheck('the shared worker port', worker.port);
  listenerCheck('the shared worker', worker);
  const peer = track(createPeer(fromSharedWorker(worker), { expose: { double: (x: number) => 2 * x } }));
  return { worker, peer, api: peer.remote<SharedApi>() };
}

describe('saltline/worker with a SharedWorker', () => {
  checkLeaks();

  it('answers calls made before the shared worker has loaded, and calls back into the page', async () => {
    listenerCheck('window', window);
    const { api } = connect(crypto.randomUUID());
    equal(await api.add(40, 2), 42);
    equal(await api.askPage(21), 42);
  });

  it('serves each connection with its own peer', async () => {
    listenerCheck('window', window);
    const name = crypto.randomUUID();
    const first = connect(name);
    const second = connect(name);
    equal(await first.api.peersBecome(2), 2);
    equal(await second.api.add(1, 2), 3);
    second.peer.close();
    equal(await first.api.peersBecome(1), 1);
  });

  it("closes the worker's peer for a page that goes away", async () => {
    listenerCheck('window', window);
    const name = crypto.randomUUID();
    const { api } = connect(name);
    const frame = document.createElement('iframe');
    const connected = new Promise<{ sum: number }>((resolve) => {
      const listener = (event: MessageEvent) => {
        if (event.source !== frame.contentWindow) return;
        removeEventListener('message', listener);
        resolve(event.data as { sum: number });
      };
      addEventListener('message', listener);
    });
    frame.src = `/test/browser/fixtures/shared-worker-page.html?name=${name}`;
    document.body.append(frame);
    afterClose(() => frame.remove());
    equal((await connected).sum, 5);
    equal(await api.peersBecome(2), 2);
    frame.remove();
    equal(await api.peersBecome(1), 1);
  });

  it('closes the peer with UNAVAILABLE when the shared worker script fails to load', async () => {
    listenerCheck('window', window);
    const worker = new SharedWorker(new URL('../fixtures/does-not-exist.js', import.meta.url), {
      type: 'module',
      name: crypto.randomUUID(),
    });
    listenerCheck('the shared worker', worker);
    const peer = track(createPeer(fromSharedWorker(worker), { timeout: 0 }));
    await rejectsWith(peer.call('add', [1, 2]), 'UNAVAILABLE');
    ok(peer.stats().closed, 'the peer closed');
  });
});
