import { describe, it } from '#harness';
import { type Callback, RpcError, release, retain } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

function callbackService() {
  let kept: ((n: number) => Promise<number>) | undefined;
  let signalArrived!: (signal: AbortSignal) => void;
  const signalSeen = new Promise<AbortSignal>((resolve) => (signalArrived = resolve));
  const api = {
    ping: () => true,
    /** Calls back twice and combines the answers. */
    async twice(fn: (n: number) => Promise<number>) {
      return (await fn(1)) + (await fn(2));
    },
    async nested(options: { label: string; hooks: { format(n: number): Promise<string> } }) {
      return `${options.label}: ${await options.hooks.format(42)}`;
    },
    async relayError(fn: () => Promise<void>) {
      try {
        await fn();
        return 'no error';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    },
    keepWithoutRetain(fn: (n: number) => Promise<number>) {
      kept = fn;
    },
    keepRetained(fn: (n: number) => Promise<number>) {
      kept = retain(fn);
    },
    callKept: (n: number) => kept!(n),
    releaseKept() {
      release(kept!);
    },
    adder(base: number) {
      return (n: number) => base + n;
    },
    waitForAbort(signal: AbortSignal) {
      signalArrived(signal);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(String(signal.reason?.message ?? signal.reason))));
    },
    isAborted: (signal: AbortSignal) => signal.aborted,
  };
  return { api, signalSeen };
}

for (const connector of connectors) {
  describe(`callbacks over ${connector.name}`, () => {
    checkLeaks();

    it('calls a function passed as an argument back across the channel', async () => {
      const { api } = callbackService();
      const { client } = connector.connect({ expose: api });
      equal(await client.remote<typeof api>().twice(async (n) => n * 10), 30);
    });

    it('calls functions nested inside objects', async () => {
      const { api } = callbackService();
      const { client } = connector.connect({ expose: api });
      const result = await client.remote<typeof api>().nested({ label: 'answer', hooks: { format: async (n) => `#${n}` } });
      equal(result, 'answer: #42');
    });

    it('carries an error thrown by a callback back to the handler with its class', async () => {
      const { api } = callbackService();
      const { client } = connector.connect({ expose: api });
      const result = await client.remote<typeof api>().relayError(async () => {
        throw new TypeError('bad callback');
      });
      equal(result, 'TypeError: bad callback');
    });

    it('releases a callback when its call settles, so later calls to it fail with NOT_FOUND', async () => {
      const { api } = callbackService();
      const { client, server } = connector.connect({ expose: api });
      await client.remote<typeof api>().keepWithoutRetain(async (n) => n);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
      await rejectsWith(client.remote<typeof api>().callKept(1), 'NOT_FOUND');
    });

    it('keeps a retained callback callable until it is released', async () => {
      const { api } = callbackService();
      const { client, server } = connector.connect({ expose: api });
      const remote = client.remote<typeof api>();
      await remote.keepRetained(async (n) => n + 100);
      equal(await remote.callKept(1), 101);
      equal(await remote.callKept(2), 102);
      equal(client.stats().references, 1);
      equal(server.stats().references, 1);
      await remote.releaseKept(); // its RELEASE travels ahead of its reply
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
      await rejectsWith(remote.callKept(3), 'NOT_FOUND');
    });

    it('returns a function that stays callable until the caller releases it', async () => {
      const { api } = callbackService();
      const { client, server } = connector.connect({ expose: api });
      const add5 = (await client.remote<typeof api>().adder(5)) as unknown as (n: number) => Promise<number>;
      equal(await add5(1), 6);
      equal(await add5(10), 15);
      release(add5);
      await rejectsWith(add5(1), 'NOT_FOUND');
      equal(client.stats().references, 0);
      await client.remote<typeof api>().ping(); // the RELEASE went ahead of this call
      equal(server.stats().references, 0);
    });

    it('delivers an AbortSignal argument as a live signal that aborts with the caller’s reason', async () => {
      const { api, signalSeen } = callbackService();
      const { client } = connector.connect({ expose: api });
      const controller = new AbortController();
      const result = client.remote<typeof api>().waitForAbort(controller.signal);
      const received = await signalSeen;
      ok(received instanceof AbortSignal);
      equal(received.aborted, false);
      controller.abort(new Error('stop now'));
      equal(await result, 'stop now');
    });

    it('delivers an already aborted signal as aborted', async () => {
      const { api } = callbackService();
      const { client } = connector.connect({ expose: api });
      equal(await client.remote<typeof api>().isAborted(AbortSignal.abort()), true);
      equal(await client.remote<typeof api>().isAborted(new AbortController().signal), false);
    });

    it('refuses a notification that carries a callback', () => {
      const { api } = callbackService();
      const { client } = connector.connect({ expose: api });
      let error: unknown;
      try {
        client.notify('twice', () => 1);
      } catch (e) {
        error = e;
      }
      ok(error instanceof RpcError && error.code === 'INVALID_ARGUMENT');
    });

    it('rejects calls to a callback once the peer has closed', async () => {
      const { api } = callbackService();
      const { client, server } = connector.connect({ expose: api });
      const remote = client.remote<typeof api>();
      await remote.keepRetained(async (n) => n);
      client.close();
      await server.closed;
      await rejectsWith(api.callKept(1), 'UNAVAILABLE');
    });

    it('keeps an object that owns the marker key intact', async () => {
      const { client } = connector.connect({ expose: { echo: (value: unknown, fn: () => void) => (void fn, value) } });
      const value = { '~ref': [0, 1], inner: { '~ref': 'x' } };
      deepEqual(await client.call('echo', [value, () => {}]), value);
    });
  });
}

describe('callback soak', () => {
  checkLeaks();

  for (const connector of connectors.slice(0, 2)) {
    it(`ends 100,000 calls passing callbacks over ${connector.name} with no live references`, async () => {
      const api = { applyTo: (fn: Callback<(n: number) => number>, n: number) => fn(n) };
      const { client, server } = connector.connect({ expose: api });
      const remote = client.remote<typeof api>();
      let total = 0;
      for (let round = 0; round < 100; round++) {
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => remote.applyTo((n) => n + 1, i)));
        total += results.length;
      }
      equal(total, 100_000);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
    });
  }
});
