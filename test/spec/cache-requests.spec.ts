import { describe, it } from '#harness';
import { type CachePolicy, cached, createCache, ifNoneMatch, invalidate } from '../../src/cache/index.js';
import { type CacheInfo, type CallContext, type CallOptions, withContext } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith, throws } from '../harness/assert.js';
import { clock, connect, counted, failingNetwork, gate } from '../support/cache.js';
import { type Connector, checkLeaks, connectors } from '../support/connect.js';

/** A method whose call with id 0 answers at once and with any other id when `answer` opens (or it is cancelled). */
function slowApi(answer: Promise<void>, seen: { cancelled?: unknown }) {
  return {
    slow: cached(
      { maxAge: 10_000 },
      withContext(async (ctx: CallContext, id: number) => {
        if (id === 0) return 0;
        const aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        void aborted.then(() => (seen.cancelled = ctx.signal.reason));
        await Promise.race([answer, aborted]);
        return id;
      }),
    ),
  };
}

/**
 * Which run of a counted cached handler under `policy` answers a call with `options`, made 5 s
 * after a first call stored its result (1: the stored one, 2: the network).
 */
async function laterRun(connector: Connector, policy: CachePolicy, options?: CallOptions): Promise<unknown> {
  const runs = { n: 0 };
  const t = clock();
  const { client } = connect(
    connector,
    {
      v: cached(
        policy,
        counted(runs, () => runs.n),
      ),
    },
    { now: t.now },
  );
  await client.call('v');
  t.time.now += 5000;
  return client.call('v', [], options);
}

for (const connector of connectors) {
  describe(`per-call deadlines of coalesced calls over ${connector.name}`, () => {
    checkLeaks();

    it("gives a coalesced call with a longer timeout its result after the first caller's timeout has passed", async () => {
      const answer = gate();
      const { client } = connect(connector, slowApi(answer.promise, {}));
      await client.call('slow', [0]); // the caller learns that slow is cacheable
      const short = client.call('slow', [1], { timeout: 5 });
      const long = client.call('slow', [1], { timeout: 60_000 });
      await rejectsWith(short, 'DEADLINE_EXCEEDED');
      answer.open();
      equal(await long, 1);
    });

    it('times out a coalesced call with a shorter timeout on its own, leaving the shared request running', async () => {
      const answer = gate();
      const seen: { cancelled?: unknown } = {};
      const { client } = connect(connector, slowApi(answer.promise, seen));
      await client.call('slow', [0]);
      const long = client.call('slow', [1], { timeout: 60_000 });
      await rejectsWith(client.call('slow', [1], { timeout: 5 }), 'DEADLINE_EXCEEDED');
      await client.call('slow', [0], { cache: 'network-only' }); // a round trip: a cancel would have arrived
      equal(seen.cancelled, undefined);
      answer.open();
      equal(await long, 1);
    });

    it("keeps a coalesced call whose timeout is past setTimeout's limit (about 24.8 days) waiting", async () => {
      const answer = gate();
      const { client } = connect(connector, slowApi(answer.promise, {}));
      await client.call('slow', [0]);
      const month = 30 * 86_400_000;
      const waiting = client.call('slow', [1], { timeout: month }).then(
        (value) => value,
        (error: unknown) => error,
      );
      await client.call('slow', [0], { cache: 'network-only' }); // a round trip while it waits
      answer.open();
      equal(await waiting, 1);
    });

    it('cancels the shared request on the far side when every waiter has timed out', async () => {
      const seen: { cancelled?: unknown } = {};
      const { client } = connect(connector, slowApi(new Promise(() => {}), seen));
      await client.call('slow', [0]);
      await Promise.all([1, 2].map(() => rejectsWith(client.call('slow', [1], { timeout: 5 }), 'DEADLINE_EXCEEDED')));
      await client.call('slow', [0], { cache: 'network-only' });
      equal(seen.cancelled !== undefined, true);
    });
  });

  describe(`the minFresh and dedupe directives over ${connector.name}`, () => {
    checkLeaks();

    const policy = { maxAge: 10_000, staleWhileRevalidate: 60_000 };

    it('goes to the network when a stored result would not stay fresh for minFresh more ms', async () => {
      equal(await laterRun(connector, policy, { cache: { minFresh: 6000 } }), 2);
    });

    it('serves a stored result that stays fresh for minFresh more ms', async () => {
      equal(await laterRun(connector, policy, { cache: { minFresh: 4000 } }), 1);
    });

    it('starts its own request for a call with dedupe: false instead of joining an identical one in flight', async () => {
      const runs = { n: 0 };
      const answer = gate();
      const api = {
        v: cached(
          { maxAge: 0 },
          counted(runs, async (id: number) => (id === 0 ? 0 : (await answer.promise, runs.n))),
        ),
      };
      const { client } = connect(connector, api);
      await client.call('v', [0]); // the caller learns that v is cacheable
      const shared = client.call('v', [1]);
      const own = client.call('v', [1], { cache: { dedupe: false } });
      answer.open();
      deepEqual(await Promise.all([shared, own]), [3, 3]);
      equal(runs.n, 3);
    });

    it('lets no later call join a call made with dedupe: false', async () => {
      const runs = { n: 0 };
      const answer = gate();
      const api = {
        v: cached(
          { maxAge: 0 },
          counted(runs, async (id: number) => (id === 0 ? 0 : (await answer.promise, runs.n))),
        ),
      };
      const { client } = connect(connector, api);
      await client.call('v', [0]);
      const own = client.call('v', [1], { cache: { dedupe: false } });
      const later = client.call('v', [1]);
      answer.open();
      await Promise.all([own, later]);
      equal(runs.n, 3);
    });
  });

  describe(`a policy's version over ${connector.name}`, () => {
    checkLeaks();

    /** A cache on scope `srv` (shared by every link to it) and a far side whose `doc` has `version` and a constant etag. */
    function versions() {
      const t = clock();
      const cache = createCache({ now: t.now, scope: 'srv' });
      const seen: (string | undefined)[] = [];
      const serve = (version: string) => {
        const doc = cached(
          { maxAge: 1000, etag: () => 'same', version },
          withContext((ctx: CallContext) => (seen.push(ifNoneMatch(ctx)), version)),
        );
        return connector.connect({ expose: { doc }, cache: createCache() }, { cache }).client;
      };
      return { t, seen, serve };
    }

    it("answers in full, not 'not modified', after the version changed though the etag did not", async () => {
      const { t, seen, serve } = versions();
      await serve('1').call('doc');
      t.time.now += 2000;
      equal(await serve('2').call('doc'), '2');
      deepEqual(seen, [undefined, undefined]);
    });

    it("answers 'not modified' while the version is unchanged, showing the handler the etag without it", async () => {
      const { t, seen, serve } = versions();
      await serve('1').call('doc');
      t.time.now += 2000;
      equal(await serve('1').call('doc'), '1');
      deepEqual(seen, [undefined, 'same']);
    });
  });

  describe(`mustRevalidate over ${connector.name}`, () => {
    checkLeaks();

    // The etag keeps a stale entry stored (to be revalidated cheaply): it is there, and still not served.
    const policy = {
      maxAge: 1000,
      staleWhileRevalidate: 3600_000,
      staleIfError: 3600_000,
      mustRevalidate: true,
      etag: (_args: unknown[], result: unknown) => String(result),
    };

    it('revalidates a stale result before use instead of serving it under staleWhileRevalidate', async () => {
      equal(await laterRun(connector, policy), 2);
    });

    it("serves no stale result under the caller's maxStale", async () => {
      const t = clock();
      const cache = createCache({ now: t.now, scope: 'srv' });
      const { client } = connector.connect({ expose: { v: cached(policy, () => 'kept') }, cache: createCache() }, { cache });
      await client.call('v');
      t.time.now += 5000;
      await rejectsWith(failingNetwork(cache).call('v', [], { cache: { maxStale: 3600_000 } }), 'UNAVAILABLE');
    });

    it('revalidates a stale result before use even for cache-first calls', async () => {
      equal(await laterRun(connector, policy, { cache: 'cache-first' }), 2);
    });

    it('rejects a cache-only call for a stale result', async () => {
      const t = clock();
      const { client } = connect(connector, { v: cached(policy, () => 'kept') }, { now: t.now });
      await client.call('v');
      t.time.now += 5000;
      await rejectsWith(client.call('v', [], { cache: 'cache-only' }), 'NOT_FOUND');
    });
  });

  describe(`staleIfError windows over ${connector.name}`, () => {
    checkLeaks();

    it('rejects with the network error once a stored result is past its staleIfError window', async () => {
      const t = clock();
      const cache = createCache({ now: t.now, scope: 'srv' });
      const api = { v: cached({ maxAge: 1000, staleIfError: 60_000 }, () => 'kept') };
      const { client } = connector.connect({ expose: api, cache: createCache() }, { cache });
      await client.call('v');
      t.time.now += 1000 + 60_000;
      await rejectsWith(failingNetwork(cache).call('v'), 'UNAVAILABLE');
    });

    it('serves an invalidated result flagged stale when the far side is unreachable, within staleIfError', async () => {
      const t = clock();
      const cache = createCache({ now: t.now, scope: 'srv' });
      const api = { v: cached({ maxAge: 60_000, staleIfError: 3600_000, tags: () => ['t'] }, () => 'kept') };
      const { client, server } = connector.connect({ expose: api, cache: createCache() }, { cache });
      await client.call('v');
      invalidate(server, { tags: ['t'] });
      await client.call('v', [], { cache: 'no-store' });
      const infos: CacheInfo[] = [];
      equal(await failingNetwork(cache).call('v', [], { cache: { onInfo: (info) => infos.push(info) } }), 'kept');
      deepEqual(
        infos.map((info) => info.stale),
        [true],
      );
    });
  });
}

describe('cached() checks a version', () => {
  it('throws for a version over 64 characters', () => {
    ok(throws(() => cached({ version: 'v'.repeat(65) }, () => 1)) instanceof TypeError);
  });
});
