import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { createPeer, RpcError } from '../../src/index.js';
import { fromWorker } from '../../adapters/worker.js';
import { equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';
import type { WorkerApi } from '../fixtures/service.js';

function startWorker() {
  const worker = new Worker(new URL('../fixtures/node-worker.mjs', import.meta.url));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  listenerCheck('the worker', worker);
  const peer = track(createPeer(fromWorker(worker), { expose: { double: (x: number) => 2 * x } }));
  return { worker, peer, exited, api: peer.remote<WorkerApi>() };
}

describe('a Node worker_threads Worker', () => {
  checkLeaks();

  it('answers calls, in namespaces too', async () => {
    const { api } = startWorker();
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(9), 81);
  });

  it('calls back into the thread that created it', async () => {
    const { api } = startWorker();
    equal(await api.askParent(21), 42);
  });

  it('sends handler errors across the thread with their class and cause', async () => {
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
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
  });

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
