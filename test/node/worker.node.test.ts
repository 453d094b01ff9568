import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { fromWorker } from '../../adapters/worker.js';
import { createPeer, RpcError } from '../../src/index.js';
import type { WorkerApi } from '../fixtures/service.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';
import { workerSpec } from '../support/worker-spec.js';

function startWorker() {
  const worker = new Worker(new URL('../fixtures/node-worker.mjs', import.meta.url));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  listenerCheck('the worker', worker);
  const peer = track(createPeer(fromWorker(worker), { expose: { double: (x: number) => 2 * x } }));
  return { worker, peer, exited, api: peer.remote<WorkerApi>() };
}

describe('a Node worker_threads Worker', () => {
  checkLeaks();

  workerSpec(startWorker);

  // Closing says goodbye; the worker's peer then stops listening and nothing keeps the thread alive.
  it('lets the worker thread exit once the peer closes', async () => {
    const { peer, exited } = startWorker();
    equal(await peer.call('add', [2, 2]), 4);
    peer.close();
    equal(await exited, 0);
  });

  it('rejects pending calls with UNAVAILABLE when the worker exits', async () => {
    const { worker, peer } = startWorker();
    equal(await peer.call('add', [1, 1]), 2);
    const call = peer.call('wait');
    await worker.terminate();
    const error = await rejectsWith(call, 'UNAVAILABLE');
    ok(error.cause instanceof RpcError);
  });
});
