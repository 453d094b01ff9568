import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { fromWebSocket } from '../../adapters/websocket.js';
import { fromWorker } from '../../adapters/worker.js';
import { createPeer, type Peer, withContext } from '../../src/index.js';
import { createPool, type Pool, type PoolOptions } from '../../src/pool/index.js';
import type { poolWorkerApi } from '../fixtures/pool-worker.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { client, type Served, serve } from '../support/ws-node.js';

type WorkerApi = typeof poolWorkerApi;

/** Tracks the pool's member peers for the leak check, and closes the pool after the test. */
function pooled(factory: Parameters<typeof createPool>[0], options: PoolOptions): Pool {
  const pool = createPool(factory, { createPeer: (t, o) => track(createPeer(t, o)), ...options });
  afterClose(async () => {
    pool.close('test over');
    await pool.closed;
  });
  return pool;
}

/** A pool of `size` worker threads; every thread it started has exited once the test is over. */
function workerPool(size: number, options: PoolOptions = {}) {
  const exits: Promise<unknown>[] = [];
  const pool = pooled(
    () => {
      const worker = new Worker(new URL('../fixtures/pool-worker.mjs', import.meta.url));
      exits.push(once(worker, 'exit'));
      return fromWorker(worker, { terminate: true });
    },
    { size, backoff: { initial: 0 }, ...options },
  );
  afterClose(async () => {
    await Promise.all(exits);
  });
  return { pool, api: pool.remote<WorkerApi>(), started: () => exits.length };
}

describe('a pool of 4 worker threads', () => {
  checkLeaks();

  it('spreads concurrent CPU-bound calls over all 4 threads', async () => {
    const { api } = workerPool(4);
    const results = await Promise.all(Array.from({ length: 8 }, () => api.fib(22)));
    ok(results.every((r) => r.value === 17711));
    equal(new Set(results.map((r) => r.threadId)).size, 4);
  });

  it('replaces a worker that crashes and keeps serving on 4 threads', async () => {
    const { pool, api, started } = workerPool(4);
    await Promise.all(Array.from({ length: 4 }, () => api.threadId()));
    await rejectsWith(api.crash(), 'UNAVAILABLE');
    while (started() < 5 || pool.stats().members.some((m) => m.state !== 'ready')) {
      await Promise.all(Array.from({ length: 4 }, () => api.threadId()));
    }
    const threads = await Promise.all(Array.from({ length: 8 }, () => api.fib(20)));
    equal(new Set(threads.map((r) => r.threadId)).size, 4);
    equal(pool.stats().replacements, 1);
  });
});

describe('a client pool over 3 WebSocket servers', () => {
  checkLeaks();

  /**
   * Three servers on 127.0.0.1, each answering with its number. The first `hang` call waits until
   * its server closes (`entered` tells which server took it); later ones answer at once.
   */
  async function servers(): Promise<{ served: Served[]; entered: Promise<number> }> {
    let enter: ((index: number) => void) | undefined;
    const entered = new Promise<number>((resolve) => (enter = resolve));
    const served = await Promise.all(
      [0, 1, 2].map((index) =>
        serve({}, (peer: Peer) =>
          peer.expose({
            whoami: () => index,
            hang: withContext((ctx) => {
              if (!enter) return 'answered';
              enter(index);
              enter = undefined;
              return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
            }),
          }),
        ),
      ),
    );
    return { served, entered };
  }

  const dialling = (served: Served[]) => (index: number) => fromWebSocket(client(served[index]!.service.url));

  it('balances calls over the 3 servers', async () => {
    const { served } = await servers();
    const pool = pooled(dialling(served), { size: 3 });
    const seen = await Promise.all(Array.from({ length: 30 }, () => pool.call<number>('whoami')));
    equal(new Set(seen).size, 3);
  });

  it('keeps answering on the other 2 servers when one is killed', async () => {
    const { served } = await servers();
    const pool = pooled(dialling(served), { size: 3, strategy: 'round-robin', backoff: { initial: 10, max: 50 } });
    await Promise.all([0, 1, 2].map(() => pool.call('whoami')));
    await served[1]!.service.close();
    const seen = await Promise.all(Array.from({ length: 12 }, () => pool.call<number>('whoami')));
    equal(new Set(seen).has(1), false);
    equal(new Set(seen).size, 2);
  });

  it('retries an idempotent call that was in flight on the killed server on another one', async () => {
    const { served, entered } = await servers();
    const pool = pooled(dialling(served), { size: 3, idempotent: ['hang', 'whoami'] });
    await Promise.all([0, 1, 2].map(() => pool.call('whoami')));
    const call = pool.call('hang');
    await served[await entered]!.service.close();
    equal(await call, 'answered');
    equal(pool.stats().retries, 1);
  });

  it('rejects a call in flight on the killed server with UNAVAILABLE when its method is not idempotent', async () => {
    const { served, entered } = await servers();
    const pool = pooled(dialling(served), { size: 3 });
    await Promise.all([0, 1, 2].map(() => pool.call('whoami')));
    const call = rejectsWith(pool.call('hang'), 'UNAVAILABLE');
    await served[await entered]!.service.close();
    await call;
    equal(pool.stats().retries, 0);
  });
});
