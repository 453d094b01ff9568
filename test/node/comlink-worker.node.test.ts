/** saltline/comlink with real worker_threads workers and the real comlink package, both ways. */
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { fromWorker } from '../../adapters/worker.js';
import { comlinkPeer } from '../../src/comlink/index.js';
import { transfer } from '../../src/index.js';
import type { ComlinkApi } from '../fixtures/comlink-api.js';
import { deepEqual, equal, rejects } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

function start(serves: 'comlink' | 'saltline'): Worker {
  const worker = new Worker(new URL('../fixtures/comlink-node-worker.mjs', import.meta.url), { workerData: serves });
  afterClose(async () => {
    await worker.terminate();
  });
  return worker;
}

/** comlink's own node adapter, in a few lines: a worker_threads Worker as the endpoint comlink wants. */
function endpointOf(worker: Worker): Comlink.Endpoint {
  const listeners = new Map<unknown, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => worker.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: EventListenerOrEventListenerObject) => {
      const wrapped = (data: unknown) => (listener as unknown as (event: { data: unknown }) => void)({ data });
      listeners.set(listener, wrapped);
      worker.on('message', wrapped);
    },
    removeEventListener: (_type: string, listener: EventListenerOrEventListenerObject) => {
      const wrapped = listeners.get(listener);
      if (wrapped) worker.off('message', wrapped);
    },
  };
}

describe('comlinkPeer calling a worker_threads worker that runs Comlink.expose', () => {
  checkLeaks();

  it('calls methods and nested paths, passes callbacks and transfers, and gets thrown errors', async () => {
    const peer = track(comlinkPeer(fromWorker(start('comlink'))));
    const api = peer.remote<ComlinkApi>();
    equal(await api.add(1, 2), 3);
    equal(await api.math.mul(3, 4), 12);
    const seen: number[] = [];
    equal(await api.each([1, 2], async (item) => seen.push(item)), 2);
    deepEqual(seen, [1, 2]);
    const bytes = new Uint8Array(16);
    equal(await api.size(transfer(bytes, [bytes.buffer])), 16);
    equal(bytes.byteLength, 0);
    const error = (await rejects(api.fail())) as Error;
    equal(error.name, 'RangeError');
  });
});

describe('Comlink.wrap calling a worker_threads worker that runs comlinkPeer', () => {
  checkLeaks();

  it('calls methods and nested paths, passes Comlink.proxy callbacks, and gets thrown errors', async () => {
    const worker = start('saltline');
    const api = Comlink.wrap<ComlinkApi>(endpointOf(worker));
    equal(await api.add(1, 2), 3);
    equal(await (api as unknown as { math: { mul(a: number, b: number): Promise<number> } }).math.mul(3, 4), 12);
    const seen: number[] = [];
    equal(
      await api.each(
        [5, 6],
        Comlink.proxy(async (item: number) => seen.push(item)),
      ),
      2,
    );
    deepEqual(seen, [5, 6]);
    const error = (await rejects(api.fail())) as Error;
    equal(error.message, 'out of range');
    api[Comlink.releaseProxy]();
  });
});
