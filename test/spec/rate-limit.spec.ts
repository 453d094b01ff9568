import { describe, it } from '#harness';
import { type Plugin, RpcError } from '../../src/index.js';
import { rateLimit, retryRateLimited } from '../../src/limits/index.js';
import { createMetrics } from '../../src/observe/index.js';
import { equal, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

/** A clock the tests move by hand: rates are exact, no sleeping. */
function fakeClock() {
  const clock = { now: 0, read: () => clock.now };
  return clock;
}

const api = {
  get: (n: number) => n,
  put: (n: number) => n,
  fail: () => {
    throw new RpcError('INTERNAL', 'broken');
  },
  crash: () => {
    throw new Error('bug');
  },
  async *items(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
  hold: (name: string) => gates.get(name)!.promise,
};

/** Calls parked until the test releases them. */
const gates = new Map<string, { promise: Promise<string>; release: () => void }>();
function gate(name: string): () => void {
  let release!: () => void;
  const promise = new Promise<string>((resolve) => (release = () => resolve(name)));
  gates.set(name, { promise, release });
  return release;
}

for (const connector of connectors) {
  describe(`rate limits over ${connector.name}`, () => {
    checkLeaks();

    it('refuses the sixth call of a burst at 10/s with burst 5, saying to retry in 100 ms', async () => {
      const clock = fakeClock();
      const { client } = connector.connect({ expose: api, plugins: [rateLimit({ perPeer: { rate: 10, burst: 5 }, clock: clock.read })] });
      for (let i = 0; i < 5; i++) equal(await client.call('get', [i]), i);
      const refused = await rejectsWith(client.call('get', [5]), 'RESOURCE_EXHAUSTED');
      equal((refused.data as { retryAfterMs: number }).retryAfterMs, 100);
    });

    it('allows the call again once retryAfterMs has passed', async () => {
      const clock = fakeClock();
      const { client } = connector.connect({ expose: api, plugins: [rateLimit({ perPeer: { rate: 10, burst: 1 }, clock: clock.read })] });
      await client.call('get', [1]);
      const refused = await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      clock.now += (refused.data as { retryAfterMs: number }).retryAfterMs;
      equal(await client.call('get', [3]), 3);
    });

    it('limits each peer of a shared plugin on its own', async () => {
      const clock = fakeClock();
      const limit = rateLimit({ perPeer: { rate: 1, burst: 2 }, clock: clock.read });
      const first = connector.connect({ expose: api, plugins: [limit] }).client;
      const second = connector.connect({ expose: api, plugins: [limit] }).client;
      await first.call('get', [1]);
      await first.call('get', [2]);
      await rejectsWith(first.call('get', [3]), 'RESOURCE_EXHAUSTED');
      equal(await second.call('get', [1]), 1);
    });

    it('shares one limit among peers with the same key', async () => {
      const clock = fakeClock();
      const limit = rateLimit({ perPeer: { rate: 1, burst: 2 }, key: () => 'one tenant', clock: clock.read });
      const first = connector.connect({ expose: api, plugins: [limit] }).client;
      const second = connector.connect({ expose: api, plugins: [limit] }).client;
      await first.call('get', [1]);
      await second.call('get', [2]);
      await rejectsWith(first.call('get', [3]), 'RESOURCE_EXHAUSTED');
    });

    it('applies a per-method limit to its method only', async () => {
      const clock = fakeClock();
      const limit = rateLimit({ perPeer: { rate: 100, burst: 100 }, perMethod: { put: { rate: 1 } }, clock: clock.read });
      const { client } = connector.connect({ expose: api, plugins: [limit] });
      await client.call('put', [1]);
      const refused = await rejectsWith(client.call('put', [2]), 'RESOURCE_EXHAUSTED');
      equal((refused.data as { retryAfterMs: number }).retryAfterMs, 1000);
      equal(await client.call('get', [3]), 3);
    });

    it('refuses a fifth call while four run, with maxInFlight 4', async () => {
      const limit = rateLimit({ maxInFlight: 4 });
      const { client } = connector.connect({ expose: api, plugins: [limit] });
      const release = gate('four');
      const running = Array.from({ length: 4 }, () => client.call('hold', ['four']));
      const refused = await rejectsWith(client.call('hold', ['four']), 'RESOURCE_EXHAUSTED');
      equal(refused.data, undefined);
      release();
      await Promise.all(running);
      equal(await client.call('get', [1]), 1);
    });

    it('releases every slot over 10,000 calls of mixed outcomes', async () => {
      const limit = rateLimit({ maxInFlight: 4 });
      const { client } = connector.connect({ expose: api, plugins: [limit] });
      const remote = client.remote<typeof api>();
      for (let i = 0; i < 2_500; i++) {
        await Promise.all([
          client.call('get', [i]),
          rejectsWith(client.call('fail'), 'INTERNAL'),
          rejects(client.call('crash')),
          (async () => {
            for await (const item of remote.items(3)) if (item === 1 && i % 2) break;
          })(),
        ]);
      }
      await client.call('get', [0]); // a round trip: the server has seen every stream cancel
      const release = gate('after');
      const running = Array.from({ length: 4 }, () => client.call('hold', ['after']));
      await rejectsWith(client.call('get', [1]), 'RESOURCE_EXHAUSTED');
      release();
      await Promise.all(running);
    });

    it('is counted by metrics placed before it as rate-limited', async () => {
      const clock = fakeClock();
      const metrics = createMetrics();
      const limit = rateLimit({ perPeer: { rate: 1 }, clock: clock.read });
      const { client } = connector.connect({ expose: api, plugins: [metrics, limit] });
      await client.call('get', [1]);
      await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      const get = metrics.snapshot().methods.find((m) => m.method === 'get')!;
      equal(get.rateLimited, 1);
      equal(get.calls.RESOURCE_EXHAUSTED, 1);
    });
  });

  describe(`retrying rate-limited calls over ${connector.name}`, () => {
    checkLeaks();

    /** A wait that moves the fake clock instead of sleeping. */
    const setup = (timeout?: number) => {
      const clock = fakeClock();
      const waits: number[] = [];
      const wait = async (ms: number) => {
        waits.push(ms);
        clock.now += ms;
      };
      const limit = rateLimit({ perPeer: { rate: 10 }, clock: clock.read });
      const retry = retryRateLimited({ idempotent: ['get'], clock: clock.read, wait });
      const { client } = connector.connect({ expose: api, plugins: [limit] }, { plugins: [retry], ...(timeout ? { timeout } : {}) });
      return { client, waits };
    };

    it('retries an idempotent call once after retryAfterMs', async () => {
      const { client, waits } = setup();
      await client.call('get', [1]);
      equal(await client.call('get', [2]), 2);
      equal(waits.join(), '100');
    });

    it('does not retry a method not marked idempotent', async () => {
      const { client, waits } = setup();
      await client.call('put', [1]);
      await rejectsWith(client.call('put', [2]), 'RESOURCE_EXHAUSTED');
      equal(waits.length, 0);
    });

    it('does not retry when the wait would outlast the deadline', async () => {
      const { client, waits } = setup();
      await client.call('get', [1]);
      await rejectsWith(client.call('get', [2], { timeout: 50 }), 'RESOURCE_EXHAUSTED');
      equal(waits.length, 0);
    });

    it('retries only once', async () => {
      const clock = fakeClock();
      let attempts = 0;
      const wait = async () => undefined; // the clock stands still: the retry is refused again
      const limit = rateLimit({ perPeer: { rate: 10 }, clock: clock.read });
      const retry = retryRateLimited({ idempotent: () => true, clock: clock.read, wait });
      // Refused calls never reach an interceptor: the attempts are counted where they are admitted.
      const counting: Plugin = { name: 'counting', admit: () => void attempts++ };
      const { client } = connector.connect({ expose: api, plugins: [counting, limit] }, { plugins: [retry] });
      await client.call('get', [1]);
      await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      equal(attempts, 3);
    });
  });
}
