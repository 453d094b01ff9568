/** saltline/comlink with real web workers and the real comlink package, both ways, in Chromium. */

import * as Comlink from 'comlink';
import { describe, it } from '#harness';
import { fromWorker } from '../../adapters/worker.js';
import { comlinkPeer } from '../../src/comlink/index.js';
import { transfer } from '../../src/index.js';
import type { ComlinkApi } from '../fixtures/comlink-api.js';
import { deepEqual, equal, rejects } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

function start(serves: 'comlink' | 'saltline'): Worker {
  const url = new URL('./fixtures/comlink-worker.ts', import.meta.url);
  url.searchParams.set('serves', serves);
  const worker = new Worker(url, { type: 'module' });
  afterClose(() => worker.terminate());
  return worker;
}

describe('comlinkPeer calling a web worker that runs Comlink.expose', () => {
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

describe('Comlink.wrap calling a web worker that runs comlinkPeer', () => {
  checkLeaks();

  it('calls methods and nested paths, passes Comlink.proxy callbacks, and gets thrown errors', async () => {
    const api = Comlink.wrap<ComlinkApi>(start('saltline'));
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
  });
});
