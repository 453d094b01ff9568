import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer } from '../../src/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

interface Calculator {
  add(a: number, b: number): number;
  slowAdd(a: number, b: number): Promise<number>;
  math: { mul(a: number, b: number): number; deep: { neg(a: number): number } };
  echo<T>(value: T): T;
}

const calculator: Calculator = {
  add: (a, b) => a + b,
  slowAdd: async (a, b) => a + b,
  math: { mul: (a, b) => a * b, deep: { neg: (a) => -a } },
  echo: (value) => value,
};

for (const connector of connectors) {
  describe(`calls over ${connector.name}`, () => {
    checkLeaks();

    it('returns the result of a remote function', async () => {
      const { client } = connector.connect({ expose: calculator });
      equal(await client.remote<Calculator>().add(1, 2), 3);
    });

    it('awaits a handler that returns a promise', async () => {
      const { client } = connector.connect({ expose: calculator });
      equal(await client.remote<Calculator>().slowAdd(20, 22), 42);
    });

    it('reaches functions in nested namespaces', async () => {
      const { client } = connector.connect({ expose: calculator });
      const api = client.remote<Calculator>();
      equal(await api.math.mul(6, 7), 42);
      equal(await api.math.deep.neg(5), -5);
    });

    it('calls by dotted name through peer.call', async () => {
      const { client } = connector.connect({ expose: calculator });
      equal(await client.call('math.mul', [3, 3]), 9);
    });

    it('lets both sides expose methods and call each other', async () => {
      const { client, server } = connector.connect({ expose: { whoAmI: () => 'server' } }, { expose: { whoAmI: () => 'client' } });
      equal(await client.remote<{ whoAmI(): string }>().whoAmI(), 'server');
      equal(await server.remote<{ whoAmI(): string }>().whoAmI(), 'client');
    });

    it('answers many calls in flight, each with its own result', async () => {
      const { client } = connector.connect({ expose: calculator });
      const api = client.remote<Calculator>();
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => api.add(i, i)));
      deepEqual(
        results,
        Array.from({ length: 500 }, (_, i) => 2 * i),
      );
    });

    it('carries strings, arrays, nested objects, binary, bigint, null and dates', async () => {
      const { client } = connector.connect({ expose: calculator });
      const api = client.remote<Calculator>();
      const value = {
        text: 'héllo ✓',
        list: [1, 2.5, -3, true, false, null],
        nested: { a: { b: { c: 'deep' } } },
        bytes: new Uint8Array([0, 1, 254, 255]),
        big: 2n ** 100n,
        when: new Date(1_700_000_000_000),
      };
      deepEqual(await api.echo(value), value);
    });

    it('carries Map, Set, ArrayBuffer and typed arrays as themselves', async () => {
      const { client } = connector.connect({ expose: calculator });
      const api = client.remote<Calculator>();
      const value = {
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, { b: true }],
        ]),
        set: new Set(['x', 'y']),
        buffer: new Uint8Array([1, 2, 3]).buffer,
        floats: new Float64Array([1.5, -2.25]),
        ints: new Int32Array([-1, 2 ** 30]),
        bigs: new BigInt64Array([-(2n ** 60n)]),
      };
      const back = (await api.echo(value)) as typeof value;
      ok(back.map instanceof Map && back.map.get('a') === 1);
      deepEqual(back.map.get(2), { b: true });
      ok(back.set instanceof Set && back.set.has('y') && back.set.size === 2);
      ok(back.buffer instanceof ArrayBuffer);
      deepEqual([...new Uint8Array(back.buffer)], [1, 2, 3]);
      ok(back.floats instanceof Float64Array);
      deepEqual([...back.floats], [1.5, -2.25]);
      ok(back.ints instanceof Int32Array);
      deepEqual([...back.ints], [-1, 2 ** 30]);
      ok(back.bigs instanceof BigInt64Array);
      equal(back.bigs[0], -(2n ** 60n));
    });

    it('returns undefined from a handler that returns nothing', async () => {
      const { client } = connector.connect({ expose: { nothing() {} } });
      equal(await client.call('nothing'), undefined);
    });

    it('calls a handler with this bound to its namespace', async () => {
      const api = {
        counter: {
          value: 41,
          next() {
            return ++this.value;
          },
        },
      };
      const { client } = connector.connect({ expose: api });
      equal(await client.call('counter.next'), 42);
    });

    it('serves what expose() installs after the peer was created', async () => {
      const { client, server } = connector.connect();
      server.expose({ late: () => 'here' });
      equal(await client.call('late'), 'here');
    });

    it('runs a notification on the far side without a reply', async () => {
      let received: unknown[] = [];
      const arrived = new Promise<void>((resolve) => {
        connector
          .connect({
            expose: {
              log: (...args: unknown[]) => {
                received = args;
                resolve();
              },
            },
          })
          .client.notify('log', 'a', 1);
      });
      await arrived;
      deepEqual(received, ['a', 1]);
    });

    it('is not mistaken for a promise when awaited', async () => {
      const { client } = connector.connect({ expose: calculator });
      const api = await Promise.resolve(client.remote<Calculator>());
      equal(await api.add(2, 2), 4);
    });
  });
}

describe('the session start', () => {
  checkLeaks();

  it('holds calls made before the far side listens and sends them once it does', async () => {
    const [a, b] = createMemoryPair('clone');
    const client = track(createPeer(a));
    const result = client.remote<Calculator>().add(2, 3);
    equal(client.stats().heldCalls, 1);
    // The client's hello is lost, as a message to a worker that is not listening yet would be.
    await new Promise<void>((resolve) => (b.onDrop = resolve));
    track(createPeer(b, { expose: calculator }));
    equal(await result, 5);
    equal(client.stats().heldCalls, 0);
  });

  it('becomes ready on both sides after the hello exchange', async () => {
    const [a, b] = createMemoryPair('bytes');
    const client = track(createPeer(a, { expose: calculator }));
    const server = track(createPeer(b, { expose: calculator }));
    await client.call('add', [1, 1]);
    await server.call('add', [1, 1]);
    ok(client.stats().ready && server.stats().ready);
  });
});
