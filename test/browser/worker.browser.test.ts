import { describe, it } from '#harness';
import { fromWorker } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import type { WorkerApi } from '../fixtures/service.js';
import { rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';
import { workerSpec } from '../support/worker-spec.js';

function startWorker() {
  const worker = new Worker(new URL('../fixtures/browser-worker.ts', import.meta.url), { type: 'module' });
  listenerCheck('the worker', worker);
  const peer = track(createPeer(fromWorker(worker, { terminate: true }), { expose: { double: (x: number) => 2 * x } }));
  return { worker, peer, api: peer.remote<WorkerApi>() };
}

describe('a web Worker', () => {
  checkLeaks();
  workerSpec(startWorker);
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
