import { describe, it } from '#harness';
import { createPeer } from '../../src/index.js';
import { fromWorker } from '../../adapters/worker.js';
import { equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';
import type { WorkerApi } from '../fixtures/service.js';

function startWorker() {
  const worker = new Worker(new URL('../fixtures/browser-worker.ts', import.meta.url), { type: 'module' });
  listenerCheck('the worker', worker);
  const peer = track(createPeer(fromWorker(worker, { terminate: true }), { expose: { double: (x: number) => 2 * x } }));
  return { worker, peer, api: peer.remote<WorkerApi>() };
}

describe('a web Worker', () => {
  checkLeaks();

  it('answers calls made before its script has loaded', async () => {
    const { api } = startWorker();
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(9), 81);
  });

  it('calls back into the page that created it', async () => {
    const { api } = startWorker();
    equal(await api.askParent(21), 42);
  });

  it('sends handler errors to the page with their class and cause', async () => {
    const { api } = startWorker();
    const error = await rejects(api.fail());
    ok(error instanceof RangeError);
    ok((error as Error).cause instanceof Error);
    await rejectsWith(api.denied(), 'PERMISSION_DENIED');
  });

  it('cancels a call inside the worker', async () => {
    const { peer } = startWorker();
    const controller = new AbortController();
    const call = peer.call('wait', [], { signal: controller.signal });
    equal(await peer.call('add', [1, 1]), 2);
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
  });

  it('carries binary and bigint values by structured clone', async () => {
    const { api } = startWorker();
    const bytes = new Uint8Array([1, 2, 3]);
    const back = (await api.echo({ bytes, big: 10n ** 30n })) as { bytes: Uint8Array; big: bigint };
    equal(back.big, 10n ** 30n);
    equal(back.bytes[2], 3);
  });
});

describe('a web Worker that fails to load', () => {
  checkLeaks();

  it('closes the peer and rejects its calls with UNAVAILABLE instead of waiting for a timeout', async () => {
    const worker = new Worker(new URL('../fixtures/does-not-exist.js', import.meta.url), { type: 'module' });
    listenerCheck('the worker', worker);
    const peer = track(createPeer(fromWorker(worker, { terminate: true }), { timeout: 0 }));
    await rejectsWith(peer.call('add', [1, 2]), 'UNAVAILABLE');
  });
});
