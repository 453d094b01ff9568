/** clusterInvalidations on a real Redis bus: two buses in one process standing for two processes. */
import { after, afterEach, before, describe, it } from 'node:test';
import type { InvalidationMatch } from '../../src/cache/index.js';
import { clusterInvalidations, type RedisBus, redisBus } from '../../src/cluster/index.js';
import type { Peer } from '../../src/index.js';
import { deepEqual, equal, throws } from '../harness/assert.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const KEY = 'a shared key of at least 32 bytes, for tests only';

describe('clusterInvalidations({ bus, target, invalidate })', () => {
  let redis: RedisServer;
  const buses: RedisBus[] = [];
  const stops: (() => void)[] = [];

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  async function bus(): Promise<RedisBus> {
    const made = await redisBus({ url: redis.url, key: KEY });
    buses.push(made);
    return made;
  }

  /** A process's invalidations, with a stand-in for the cache's `invalidate` that records what it is given. */
  async function process(on: RedisBus, peers: Peer[] = [{} as Peer]) {
    const applied: InvalidationMatch[] = [];
    const warnings: string[] = [];
    let wake = () => {};
    const invalidations = await clusterInvalidations({
      bus: on,
      target: { peers },
      invalidate: (_, match) => {
        applied.push(match);
        wake();
      },
      logger: { warn: (message) => warnings.push(message) },
    });
    stops.push(invalidations.close);
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    return { invalidations, applied, warnings, next };
  }

  it('applies an invalidation raised on one process on every process, itself included', async () => {
    const [a, b] = [await process(await bus()), await process(await bus())];
    const both = Promise.all([a.next(), b.next()]);
    a.invalidations.invalidate({ tags: ['product:42'] });
    await both;
    deepEqual([a.applied, b.applied], [[{ tags: ['product:42'] }], [{ tags: ['product:42'] }]]);
  });

  it('drops malformed invalidations from the bus, past 1,024 tags included, and applies the next good one', async () => {
    const sender = await bus();
    const b = await process(await bus());
    const applied = b.next();
    for (const bad of [{ tags: 'product:1' }, { tags: Array(1025).fill('t') }, { all: 1 }, {}, ['tags'], null]) {
      sender.publish('cache:invalidate', bad);
    }
    sender.publish('cache:invalidate', { methods: ['catalog.'] });
    await applied; // one publisher's messages on one channel arrive in order
    deepEqual(b.applied, [{ methods: ['catalog.'] }]);
    equal(b.warnings.length, 6);
  });

  it('refuses to publish an invalidation with neither tags, methods nor all: true', async () => {
    const a = await process(await bus());
    equal(throws(() => a.invalidations.invalidate({})) instanceof TypeError, true);
  });

  it('does not call invalidate on a process with no peers', async () => {
    const a = await process(await bus());
    const idleBus = await bus();
    const idle = await process(idleBus, []);
    // Subscribed after idle's own listener, so called after it with the same message.
    let heard!: () => void;
    const received = new Promise<void>((resolve) => (heard = resolve));
    stops.push(await idleBus.subscribe('cache:invalidate', () => heard()));
    a.invalidations.invalidate({ all: true });
    await received;
    deepEqual([idle.applied, idle.warnings], [[], []]);
  });
});
