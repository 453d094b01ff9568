import { describe, it } from '#harness';
import { fromWorker } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import { createPool } from '../../src/pool/index.js';
import { equal, ok } from '../harness/assert.js';
import { afterClose, checkLeaks, listenerCheck, track } from '../support/connect.js';

interface Api {
  fib(n: number): { value: number; id: string };
}

describe('a pool of 4 web Workers', () => {
  checkLeaks();

  it('spreads concurrent CPU-bound calls over all 4 workers', async () => {
    const pool = createPool(
      () => {
        const worker = new Worker(new URL('../fixtures/browser-pool-worker.ts', import.meta.url), { type: 'module' });
        listenerCheck('a pool worker', worker);
        return fromWorker(worker, { terminate: true });
      },
      { size: 4, createPeer: (t, o) => track(createPeer(t, o)) },
    );
    afterClose(async () => {
      pool.close('test over');
      await pool.closed;
    });
    const results = await Promise.all(Array.from({ length: 8 }, () => pool.remote<Api>().fib(22)));
    ok(results.every((r) => r.value === 17711));
    equal(new Set(results.map((r) => r.id)).size, 4);
  });
});
