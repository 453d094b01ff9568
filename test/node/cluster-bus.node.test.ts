import { after, afterEach, before, describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { createClient } from 'redis';
import { mac, seal } from '../../src/cluster/envelope.js';
import { type BusLoss, type RedisBus, type RedisBusOptions, redisBus } from '../../src/cluster/index.js';
import { deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const KEY = 'a shared key of at least 32 bytes, for tests only';

describe('redisBus({ url, key })', () => {
  let redis: RedisServer;
  const buses: RedisBus[] = [];
  const raws: { close(): Promise<unknown> }[] = [];

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await Promise.all(raws.splice(0).map((raw) => raw.close()));
  });

  async function bus(options: Partial<RedisBusOptions> = {}): Promise<RedisBus> {
    const made = await redisBus({ url: redis.url, key: KEY, ...options });
    buses.push(made);
    return made;
  }

  /** A plain Redis client: what a stranger with access to the server has. */
  async function stranger() {
    const raw = createClient({ url: redis.url });
    raw.on('error', () => {}); // Redis restarts in one test
    raws.push(raw);
    await raw.connect();
    return raw;
  }

  /** The next message on `channel` of `bus`. */
  const next = async (on: RedisBus, channel: string) => {
    let got!: (heard: { message: unknown; from: string }) => void;
    const heard = new Promise<{ message: unknown; from: string }>((resolve) => (got = resolve));
    const stop = await on.subscribe(channel, (message, from) => got({ message, from }));
    return heard.finally(stop);
  };

  /** Resolves once `on` has a subscription to `channel` on the Redis server. */
  async function subscribed(channel: string): Promise<void> {
    const raw = await stranger();
    while (Number(((await raw.sendCommand(['PUBSUB', 'NUMSUB', `saltline:${channel}`])) as unknown[])[1]) < 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('delivers a message published by one process to a subscriber on another', async () => {
    const [a, b] = [await bus(), await bus()];
    const got = next(b, 'news');
    await subscribed('news');
    a.publish('news', { text: 'hello', bytes: new Uint8Array([1, 2]) });
    const { message, from } = await got;
    deepEqual(message, { text: 'hello', bytes: new Uint8Array([1, 2]) });
    equal(from, a.node);
  });

  it('delivers a message to the subscribers of the publishing process itself', async () => {
    const a = await bus();
    const got = next(a, 'news');
    a.publish('news', 42);
    equal((await got).message, 42);
  });

  it('drops messages a stranger on the Redis server publishes, unsealed or sealed with another key', async () => {
    const [a, b] = [await bus(), await bus()];
    const seen: unknown[] = [];
    b.subscribe('news', (message) => seen.push(message));
    await subscribed('news');
    const raw = await stranger();
    await raw.publish('saltline:news', 'forged');
    await raw.publish(
      'saltline:news',
      seal(new TextEncoder().encode('another key of at least 32 bytes!'), 'news', a.node, 9, 'wrong key'),
    );
    // Redis delivers in the order it took the publishes: the forged ones reach b before the genuine one.
    const genuine = next(b, 'news');
    a.publish('news', 'genuine');
    await genuine;
    deepEqual(seen, ['genuine']);
    equal(b.stats().refused, 2);
  });

  it('refuses a replayed message', async () => {
    const [a, b] = [await bus(), await bus()];
    const raw = await stranger();
    const captured = new Promise<Buffer>((resolve) => void raw.subscribe('saltline:news', (m) => resolve(m), true));
    const seen: unknown[] = [];
    b.subscribe('news', (message) => seen.push(message));
    await subscribed('news');
    a.publish('news', 'once');
    const sealed = await captured;
    const replayer = await stranger();
    await replayer.publish('saltline:news', sealed);
    const genuine = next(b, 'news');
    a.publish('news', 'twice');
    await genuine;
    deepEqual(seen, ['once', 'twice']);
    equal(b.stats().refused, 1);
  });

  it('drops a message sealed with the cluster key but older than maxSkew', async () => {
    const [a, b] = [await bus(), await bus({ maxSkew: 1000 })];
    const seen: unknown[] = [];
    b.subscribe('news', (message) => seen.push(message));
    await subscribed('news');
    const body = encode([a.node, 1, Date.now() - 60_000, 'news', 'from the past']);
    await (await stranger()).publish('saltline:news', Buffer.concat([mac(new TextEncoder().encode(KEY), body), body]));
    const genuine = next(b, 'news');
    a.publish('news', 'now');
    await genuine;
    deepEqual(seen, ['now']);
    equal(b.stats().refused, 1);
  });

  it('drops an incoming message over maxMessageSize before checking it', async () => {
    const [a, b] = [await bus(), await bus({ maxMessageSize: 256 })];
    const seen: unknown[] = [];
    b.subscribe('news', (message) => seen.push(message));
    await subscribed('news');
    a.publish('news', 'x'.repeat(1000));
    const genuine = next(b, 'news');
    a.publish('news', 'small');
    await genuine;
    deepEqual(seen, ['small']);
    equal(b.stats().refused, 1);
  });

  it('lists the members of a shared set with the process that owns each', async () => {
    const [a, b] = [await bus(), await bus()];
    await a.add('room', 'alice');
    await b.add('room', 'bob');
    deepEqual(
      await a.members('room'),
      new Map([
        ['alice', a.node],
        ['bob', b.node],
      ]),
    );
  });

  it('leaves out and deletes a set entry a stranger wrote', async () => {
    const a = await bus();
    const raw = await stranger();
    await raw.hSet('saltline:set:room', 'mallory', `${a.node}.AAAA`);
    await a.add('room', 'alice');
    deepEqual([...(await a.members('room')).keys()], ['alice']);
    equal(await raw.hExists('saltline:set:room', 'mallory'), 0);
  });

  it('drops the entries of a process that closed, and reports it down', async () => {
    const [a, b] = [await bus(), await bus()];
    await b.add('room', 'bob');
    equal((await a.members('room')).size, 1);
    const down = new Promise<string>((resolve) => a.onNodeDown(resolve));
    await b.close();
    equal(await down, b.node);
    equal((await a.members('room')).size, 0);
  });

  it('fails members() with RESOURCE_EXHAUSTED on a set larger than maxSetSize', async () => {
    const a = await bus({ maxSetSize: 2 });
    const raw = await stranger();
    await raw.hSet('saltline:set:big', { x: '1', y: '2', z: '3' });
    const error = await rejects(a.members('big'));
    equal((error as { code?: string }).code, 'RESOURCE_EXHAUSTED');
  });

  it('refuses to publish a message over maxMessageSize with RESOURCE_EXHAUSTED', async () => {
    const a = await bus({ maxMessageSize: 1024 });
    const error = throws(() => a.publish('news', new Uint8Array(2048)));
    equal((error as { code?: string }).code, 'RESOURCE_EXHAUSTED');
  });

  it('refuses a key shorter than 32 bytes', async () => {
    await rejects(redisBus({ url: redis.url, key: 'short' }));
  });

  it('reconnects after Redis restarts and reports what was published during the gap on both sides', async () => {
    const losses: BusLoss[] = [];
    const a = await bus({ onLoss: (loss) => losses.push(loss) });
    const b = await bus({ onLoss: (loss) => losses.push(loss) });
    const downs: string[] = [];
    b.onNodeDown((node) => downs.push(node));
    b.subscribe('news', () => {});
    await subscribed('news');
    a.publish('news', 1);
    await next(b, 'news');
    await redis.kill();
    while (a.stats().state === 'ready') await new Promise((resolve) => setTimeout(resolve, 5));
    a.publish('news', 2);
    await redis.restart();
    await Promise.all([a.ready(), b.ready()]);
    await subscribed('news');
    const got = next(b, 'news');
    a.publish('news', 3);
    equal((await got).message, 3);
    deepEqual(losses, [
      { channel: 'news', unsent: 1 },
      { channel: 'news', missed: 1, node: a.node },
    ]);
    ok(b.stats().missed === 1 && a.stats().unsent === 1);
    deepEqual(downs, [], 'a process whose client reconnected after ours is not reported down');
  });
});
