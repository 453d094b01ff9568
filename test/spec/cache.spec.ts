import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { cached, createCache, ifNoneMatch, invalidate, notModified } from '../../src/cache/index.js';
import { type CacheInfo, type CallContext, createPeer, RpcError, withContext } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith, throws } from '../harness/assert.js';
import { clock, connect, counted, failingNetwork, gate } from '../support/cache.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

for (const connector of connectors) {
  describe(`cached results over ${connector.name}`, () => {
    checkLeaks();

    it('runs the handler once for two calls within maxAge, and sends no frame for the second', async () => {
      const runs = { n: 0 };
      const t = clock();
      const api = {
        product: cached(
          { maxAge: 10_000 },
          counted(runs, (id: string) => ({ id, price: 3 })),
        ),
      };
      const { client, server } = connect(connector, api, { now: t.now });
      deepEqual(await client.call('product', ['42']), { id: '42', price: 3 });
      t.time.now += 1000;
      const received = server.stats().messagesReceived;
      deepEqual(await client.call('product', ['42']), { id: '42', price: 3 });
      equal(runs.n, 1);
      equal(server.stats().messagesReceived, received);
    });

    it('hands each hit its own copy: mutating one result changes no later one', async () => {
      const { client } = connect(connector, { list: cached({ maxAge: 60_000 }, () => ({ items: [1, 2], at: new Date(5) })) });
      const first = await client.call<{ items: number[] }>('list');
      first.items.push(3);
      const second = await client.call<{ items: number[] }>('list');
      second.items.push(4);
      deepEqual(await client.call('list'), { items: [1, 2], at: new Date(5) });
    });

    it("keeps calls with '1' and 1 as arguments apart", async () => {
      const { client } = connect(connector, { echo: cached({ maxAge: 60_000 }, (x: unknown) => typeof x) });
      equal(await client.call('echo', ['1']), 'string');
      equal(await client.call('echo', [1]), 'number');
      equal(await client.call('echo', ['1']), 'string');
    });

    it('calls again once maxAge has passed', async () => {
      const runs = { n: 0 };
      const t = clock();
      const { client } = connect(
        connector,
        {
          get: cached(
            { maxAge: 1000 },
            counted(runs, () => 'v'),
          ),
        },
        { now: t.now },
      );
      await client.call('get');
      t.time.now += 1001;
      await client.call('get');
      equal(runs.n, 2);
    });

    it('runs the handler once for objects with the same keys in another order', async () => {
      const runs = { n: 0 };
      const { client } = connect(connector, {
        f: cached(
          { maxAge: 10_000 },
          counted(runs, (o: object) => Object.keys(o).length),
        ),
      });
      await client.call('f', [{ a: 1, b: 2 }]);
      await client.call('f', [{ b: 2, a: 1 }]);
      equal(runs.n, 1);
    });

    it('treats f(x) and f(x, undefined) as one call', async () => {
      const runs = { n: 0 };
      const { client } = connect(connector, {
        f: cached(
          { maxAge: 10_000 },
          counted(runs, (x: number) => x),
        ),
      });
      await client.call('f', [1]);
      await client.call('f', [1, undefined]);
      equal(runs.n, 1);
    });

    it('sends calls with a callback argument to the network, uncached, without an error', async () => {
      const runs = { n: 0 };
      const api = {
        each: cached(
          { maxAge: 10_000 },
          counted(runs, async (cb: (x: number) => Promise<number>) => cb(2)),
        ),
      };
      const { client } = connect(connector, api);
      equal(await client.call('each', [(x: number) => x * 2]), 4);
      equal(await client.call('each', [(x: number) => x * 2]), 4);
      equal(runs.n, 2);
    });

    it('coalesces 10 concurrent identical calls into one run, each caller getting its own object', async () => {
      const runs = { n: 0 };
      const answer = gate();
      const api = {
        item: cached(
          { maxAge: 0 },
          counted(runs, async (id: number) => (id === 0 ? { id } : (await answer.promise, { id }))),
        ),
      };
      const { client, cache } = connect(connector, api);
      await client.call('item', [0]); // the caller learns that item is cacheable
      const calls = Array.from({ length: 10 }, () => client.call<{ id: number }>('item', [1]));
      answer.open();
      const results = await Promise.all(calls);
      equal(runs.n, 2);
      equal(cache.stats().coalesced, 9);
      results[0]!.id = 99;
      ok(results.slice(1).every((result) => result.id === 1));
    });

    it('rejects every coalesced waiter when the handler throws, stores nothing, and runs it again next time', async () => {
      const runs = { n: 0 };
      const answer = gate();
      const api = {
        item: cached(
          { maxAge: 10_000 },
          counted(runs, async (id: number) => {
            if (id === 0) return 0;
            await answer.promise;
            if (runs.n === 2) throw new RpcError('INTERNAL', 'broken');
            return id;
          }),
        ),
      };
      const { client } = connect(connector, api);
      await client.call('item', [0]);
      const waiters = [1, 2, 3].map(() => rejectsWith(client.call('item', [1]), 'INTERNAL'));
      answer.open();
      await Promise.all(waiters);
      equal(await client.call('item', [1]), 1);
      equal(runs.n, 3);
    });

    it('rejects only the waiter that aborts, and the far side sees a cancel only when both have', async () => {
      const answer = gate();
      let cancelled: unknown;
      let started = gate();
      const api = {
        slow: cached(
          { maxAge: 10_000 },
          withContext(async (ctx: CallContext, id: number) => {
            if (id === 0) return 0;
            ctx.signal.addEventListener('abort', () => (cancelled = ctx.signal.reason));
            started.open();
            const aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
            await Promise.race([id === 1 ? answer.promise : aborted, aborted]);
            return id;
          }),
        ),
      };
      const { client } = connect(connector, api);
      await client.call('slow', [0]);
      const a = new AbortController();
      const b = new AbortController();
      const first = client.call('slow', [1], { signal: a.signal });
      const second = client.call('slow', [1], { signal: b.signal });
      await started.promise;
      a.abort();
      await rejectsWith(first, 'CANCELLED');
      equal(cancelled, undefined);
      answer.open();
      equal(await second, 1);
      // Both abort: the handler is cancelled.
      started = gate();
      const c = new AbortController();
      const d = new AbortController();
      const third = client.call('slow', [2], { signal: c.signal });
      const fourth = client.call('slow', [2], { signal: d.signal });
      await started.promise;
      c.abort();
      d.abort();
      await rejectsWith(third, 'CANCELLED');
      await rejectsWith(fourth, 'CANCELLED');
      await client.call('slow', [0], { cache: 'network-only' }); // a round trip: the cancel has arrived
      ok(cancelled instanceof RpcError);
    });

    it('revalidates with the etag, and a handler that answers notModified skips its expensive step', async () => {
      const t = clock();
      let expensive = 0;
      const api = {
        doc: cached(
          { maxAge: 1000, etag: () => 'v1' },
          withContext((ctx: CallContext, id: string) => {
            if (ifNoneMatch(ctx) === 'v1') return notModified(ctx);
            expensive++;
            return { id, body: 'long' };
          }),
        ),
      };
      const { client, cache } = connect(connector, api, { now: t.now });
      deepEqual(await client.call('doc', ['a']), { id: 'a', body: 'long' });
      t.time.now += 2000;
      deepEqual(await client.call('doc', ['a']), { id: 'a', body: 'long' });
      equal(expensive, 1);
      equal(cache.stats().revalidations, 1);
    });

    it('answers not modified by comparing etags after the handler when it does not check itself', async () => {
      const t = clock();
      const infos: CacheInfo[] = [];
      const api = { doc: cached({ maxAge: 1000, etag: (_args, result: string) => result }, () => 'same') };
      const { client } = connect(connector, api, { now: t.now });
      await client.call('doc');
      t.time.now += 2000;
      equal(await client.call('doc', [], { cache: { onInfo: (info) => infos.push(info) } }), 'same');
      equal(infos[0]?.source, 'network');
    });

    it('still returns the right result when the entry is evicted during a conditional request', async () => {
      const t = clock();
      const answer = gate();
      let calls = 0;
      const api = {
        doc: cached(
          { maxAge: 1000, etag: () => 'v1' },
          withContext(async (ctx: CallContext) => {
            if (calls++ > 0) await answer.promise;
            return ifNoneMatch(ctx) === 'v1' ? notModified(ctx) : 'body';
          }),
        ),
      };
      const { client, cache } = connect(connector, api, { now: t.now });
      await client.call('doc');
      t.time.now += 2000;
      const revalidating = client.call('doc');
      await cache.clear();
      answer.open();
      equal(await revalidating, 'body');
    });

    it('serves a stale result at once under staleWhileRevalidate, with exactly one background revalidation', async () => {
      const runs = { n: 0 };
      const t = clock();
      const api = {
        v: cached(
          { maxAge: 1000, staleWhileRevalidate: 10_000 },
          counted(runs, () => runs.n),
        ),
      };
      const { client, cache } = connect(connector, api, { now: t.now });
      equal(await client.call('v'), 1);
      t.time.now += 5000;
      const stale: CacheInfo[] = [];
      const results = await Promise.all([1, 2, 3].map(() => client.call('v', [], { cache: { onInfo: (info) => stale.push(info) } })));
      deepEqual(results, [1, 1, 1]);
      ok(stale.every((info) => info.stale && info.source === 'memory'));
      await cache.settled();
      equal(runs.n, 2);
      equal(await client.call('v'), 2);
    });

    it('serves a stale result flagged stale when the far side is unreachable, within staleIfError', async () => {
      const t = clock();
      const api = { v: cached({ maxAge: 1000, staleIfError: 3600_000 }, () => 'kept') };
      const cache = createCache({ now: t.now, scope: 'srv' });
      const { client, server } = connector.connect({ expose: api, cache: createCache() }, { cache });
      await client.call('v');
      t.time.now += 5000;
      const infos: CacheInfo[] = [];
      const failing = failingNetwork(cache);
      equal(await failing.call('v', [], { cache: { onInfo: (info) => infos.push(info) } }), 'kept');
      equal(infos[0]?.stale, true);
      void server;
    });

    it('serves no stale result when the policy says mustRevalidate', async () => {
      const t = clock();
      const api = { v: cached({ maxAge: 1000, staleIfError: 3600_000, mustRevalidate: true }, () => 'kept') };
      const cache = createCache({ now: t.now, scope: 'srv' });
      const { client } = connector.connect({ expose: api, cache: createCache() }, { cache });
      await client.call('v');
      t.time.now += 5000;
      await rejectsWith(failingNetwork(cache).call('v'), 'UNAVAILABLE');
    });

    it('invalidates by tag: the next user:42 call goes to the network while user:43 is still served', async () => {
      const runs = { n: 0 };
      const api = {
        user: cached(
          { maxAge: 60_000, tags: ([id]: [number]) => [`user:${id}`] },
          counted(runs, (id: number) => ({ id })),
        ),
      };
      const { client, server } = connect(connector, api);
      await client.call('user', [42]);
      await client.call('user', [43]);
      invalidate(server, { tags: ['user:42'] });
      await client.call('user', [0], { cache: 'no-store' }); // a round trip: the invalidation has arrived
      await client.call('user', [42]);
      await client.call('user', [43]);
      equal(runs.n, 4);
    });

    it('invalidates by method prefix', async () => {
      const runs = { n: 0 };
      const api = {
        catalog: {
          list: cached(
            { maxAge: 60_000 },
            counted(runs, () => [1]),
          ),
        },
      };
      const { client, server } = connect(connector, api);
      await client.call('catalog.list');
      invalidate(server, { methods: ['catalog'] });
      await client.call('catalog.list', [], { cache: 'no-store' });
      await client.call('catalog.list');
      equal(runs.n, 3);
    });

    it('delivers a response that raced a matching invalidation flagged invalidated, and does not store it', async () => {
      const runs = { n: 0 };
      const answer = gate();
      const started = gate();
      const api = {
        user: cached(
          { maxAge: 60_000, tags: () => ['user'] },
          counted(runs, async () => {
            if (runs.n === 1) {
              started.open();
              await answer.promise;
            }
            return runs.n;
          }),
        ),
      };
      const { client, server } = connect(connector, api);
      const infos: CacheInfo[] = [];
      const racing = client.call('user', [], { cache: { onInfo: (info) => infos.push(info) } });
      await started.promise;
      invalidate(server, { tags: ['user'] });
      answer.open();
      equal(await racing, 1);
      equal(infos[0]?.invalidated, true);
      equal(await client.call('user'), 2);
    });

    it('starts a new request for a call made after an invalidation instead of joining the older one', async () => {
      const runs = { n: 0 };
      const first = gate();
      const started = gate();
      const api = {
        v: cached(
          { maxAge: 60_000, tags: () => ['t'] },
          counted(runs, async (x: number) => {
            if (x === 1 && runs.n === 2) {
              started.open();
              await first.promise;
              return 'old';
            }
            return 'new';
          }),
        ),
      };
      const { client, server } = connect(connector, api);
      await client.call('v', [0]);
      const older = client.call('v', [1]);
      await started.promise;
      invalidate(server, { tags: ['t'] });
      await client.call('v', [0], { cache: 'no-store' });
      equal(await client.call('v', [1]), 'new');
      first.open();
      equal(await older, 'old');
      equal(await client.call('v', [1]), 'new'); // the older response did not overwrite the newer entry
      equal(runs.n, 4);
    });

    it('rejects a cache-only miss with NOT_FOUND and serves a cache-only hit', async () => {
      const { client } = connect(connector, { v: cached({ maxAge: 60_000 }, () => 'x') });
      await rejectsWith(client.call('v', [], { cache: 'cache-only' }), 'NOT_FOUND');
      await client.call('v');
      equal(await client.call('v', [], { cache: 'cache-only' }), 'x');
    });

    it('rejects a cache-only call of a method without a policy with NOT_FOUND, sending nothing', async () => {
      const { client, server } = connect(connector, { add: (a: number) => a });
      await client.call('add', [1]);
      const received = server.stats().messagesReceived;
      await rejectsWith(client.call('add', [1], { cache: 'cache-only' }), 'NOT_FOUND');
      equal(server.stats().messagesReceived, received);
    });

    it('goes to the network for network-only calls and stores what comes back', async () => {
      const runs = { n: 0 };
      const { client } = connect(connector, {
        v: cached(
          { maxAge: 60_000 },
          counted(runs, () => runs.n),
        ),
      });
      await client.call('v');
      equal(await client.call('v', [], { cache: 'network-only' }), 2);
      equal(await client.call('v'), 2);
    });

    it('neither reads nor writes the cache for no-store calls', async () => {
      const runs = { n: 0 };
      const { client } = connect(connector, {
        v: cached(
          { maxAge: 60_000 },
          counted(runs, () => runs.n),
        ),
      });
      equal(await client.call('v', [], { cache: 'no-store' }), 1);
      equal(await client.call('v'), 2);
      equal(await client.call('v', [], { cache: 'no-store' }), 3);
      equal(await client.call('v'), 2);
    });

    it('tells the caller where a result came from and how old it is', async () => {
      const t = clock();
      const infos: CacheInfo[] = [];
      const onInfo = (info: CacheInfo) => infos.push(info);
      const { client } = connect(connector, { v: cached({ maxAge: 60_000 }, () => 1) }, { now: t.now });
      await client.call('v', [], { cache: { onInfo } });
      t.time.now += 250;
      await client.remote({ cache: { onInfo } }).v();
      deepEqual(
        infos.map((info) => [info.source, info.age, info.stale]),
        [
          ['network', 0, false],
          ['memory', 250, false],
        ],
      );
    });

    it('never serves user 1 a private result stored for user 2, and clear({ principal }) drops only theirs', async () => {
      const runs = { n: 0 };
      let user = 'u1';
      const { client, cache } = connect(
        connector,
        {
          me: cached(
            { maxAge: 60_000 },
            counted(runs, () => runs.n),
          ),
        },
        { principal: () => user },
      );
      equal(await client.call('me'), 1);
      user = 'u2';
      equal(await client.call('me'), 2);
      await cache.clear({ principal: 'u2' });
      equal(await client.call('me'), 3);
      user = 'u1';
      equal(await client.call('me'), 1);
    });

    it('does not cache a method without a policy, nor coalesce its calls', async () => {
      const runs = { n: 0 };
      const { client } = connect(connector, { add: counted(runs, (a: number) => a) });
      await Promise.all([client.call('add', [1]), client.call('add', [1]), client.call('add', [1])]);
      await client.call('add', [1]);
      equal(runs.n, 4);
    });

    it("caps a ten-year maxAge at the caller's maxTtl", async () => {
      const runs = { n: 0 };
      const t = clock();
      const api = {
        v: cached(
          { maxAge: 10 * 365 * 86_400_000 },
          counted(runs, () => 1),
        ),
      };
      const { client } = connect(connector, api, { now: t.now, maxTtl: 60_000 });
      await client.call('v');
      t.time.now += 60_001;
      await client.call('v');
      equal(runs.n, 2);
    });

    it('delivers and does not store a result over maxEntryBytes', async () => {
      const runs = { n: 0 };
      const { client, cache } = connect(
        connector,
        {
          big: cached(
            { maxAge: 60_000 },
            counted(runs, () => 'x'.repeat(5000)),
          ),
        },
        { maxEntryBytes: 1024 },
      );
      equal((await client.call<string>('big')).length, 5000);
      await client.call('big');
      equal(runs.n, 2);
      equal(cache.stats().entries, 0);
    });

    it('refuses to store a result whose hostile policy carries 10,000 tags, and still delivers it', async () => {
      const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
      const hostile = {
        name: 'hostile',
        interceptors: {
          incoming: [
            (next: (call: import('../../src/index.js').Call) => Promise<unknown>) => async (call: import('../../src/index.js').Call) => {
              const value = await next(call);
              call.resultMeta = { c: { a: 60_000, t: tags } };
              return value;
            },
          ],
        },
      };
      const runs = { n: 0 };
      const cache = createCache();
      const { client } = connector.connect({ expose: { v: counted(runs, () => 'ok') }, plugins: [hostile] }, { cache });
      equal(await client.call('v'), 'ok');
      equal(await client.call('v'), 'ok');
      equal(runs.n, 2);
    });

    it("keeps the results of two far sides apart: B never receives A's result", async () => {
      const cache = createCache();
      const a = connector.connect({ expose: { who: cached({ maxAge: 60_000 }, () => 'A') }, cache: createCache() }, { cache });
      const b = connector.connect({ expose: { who: cached({ maxAge: 60_000 }, () => 'B') }, cache: createCache() }, { cache });
      equal(await a.client.call('who'), 'A');
      equal(await b.client.call('who'), 'B');
      invalidate(b.server, { all: true });
      await b.client.call('who', [], { cache: 'no-store' });
      equal(await a.client.call('who', [], { cache: 'cache-only' }), 'A');
    });

    it("never sends B the etag of A's result for the same call", async () => {
      const cache = createCache();
      const seen: (string | undefined)[] = [];
      const doc = (who: string) =>
        cached(
          { maxAge: 0, etag: () => who },
          withContext((ctx: CallContext) => (seen.push(ifNoneMatch(ctx)), who)),
        );
      const a = connector.connect({ expose: { doc: doc('A') }, cache: createCache() }, { cache });
      const b = connector.connect({ expose: { doc: doc('B') }, cache: createCache() }, { cache });
      await a.client.call('doc', ['x']);
      await a.client.call('doc', ['x']); // A's entry is held and revalidated with its etag
      equal(await b.client.call('doc', ['x']), 'B');
      deepEqual(seen, [undefined, 'A', undefined]);
    });
  });
}

describe('cached() on the exposing side', () => {
  checkLeaks();

  it('throws for a streaming handler, before expose', () => {
    ok(throws(() => cached({ maxAge: 1 }, async function* ticks() {})) instanceof TypeError);
  });

  it('neither stores nor coalesces a stream that a cached handler returns', async () => {
    const runs = { n: 0 };
    async function* ticks() {
      yield 1;
      yield 2;
    }
    const api = { ticks: cached({ maxAge: 60_000 }, () => (runs.n++, ticks())) };
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: api, cache: createCache() }));
    const client = track(createPeer(near, { cache: createCache() }));
    const read = async () => {
      const items: number[] = [];
      for await (const item of await client.call<AsyncIterable<number>>('ticks')) items.push(item);
      return items;
    };
    const [a, b] = await Promise.all([read(), read()]);
    deepEqual(
      [a, b, await read()],
      [
        [1, 2],
        [1, 2],
        [1, 2],
      ],
    );
    equal(runs.n, 3);
  });

  it('runs the handler plainly on a peer without a cache plugin', async () => {
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: { v: cached({ maxAge: 1000 }, () => 7) } }));
    const client = track(createPeer(near, { cache: createCache() }));
    equal(await client.call('v'), 7);
  });

  it('answers identical calls of different callers from one run when shared', async () => {
    const runs = { n: 0 };
    const server = createCache();
    const api = {
      list: cached(
        { maxAge: 60_000, shared: true, private: false },
        counted(runs, () => [1, 2]),
      ),
    };
    for (let i = 0; i < 3; i++) {
      const [near, far] = createMemoryPair();
      track(createPeer(far, { expose: api, cache: server }));
      const client = track(createPeer(near));
      deepEqual(await client.call('list'), [1, 2]);
    }
    equal(runs.n, 1);
  });

  it('refuses invalidate() on a peer made without a cache', () => {
    const [near, far] = createMemoryPair();
    const peer = track(createPeer(near));
    ok(throws(() => invalidate(peer, { tags: ['x'] })) instanceof TypeError);
    far.close();
  });
});
