/* biome-ignore-all lint/suspicious/noExplicitAny: node-redis's own client, loaded at run time */
/**
 * `redisBus`: the processes serving one API share broadcasts, signaling rooms and presence through
 * an existing engine, Redis pub/sub, rather than clustering of our own. node-redis (`redis`, an
 * optional peer dependency) is loaded only when called.
 *
 * Everything a process writes is sealed with the cluster's shared key (envelope.ts): messages,
 * its heartbeat, its entries in shared sets. A stranger who can reach the Redis server can still
 * delete things (availability is Redis's to guard: a password, a private network) but cannot inject
 * a message, keep a dead process alive, or add a member. A process is alive while its heartbeat
 * key is; when it lapses, the others drop its set entries and tell their listeners (`onNodeDown`),
 * so no ghost members stay. Publishing never waits on Redis: a message published while Redis is
 * unreachable is counted and reported (`onLoss`), and so is a gap in another process's sequence
 * numbers, so nothing is lost silently.
 */
import { randomUUID } from 'node:crypto';
import { RpcError } from '../errors.js';
import type { Logger } from '../types.js';
import {
  type BusLoss,
  DEFAULT_BUS_MESSAGE_SIZE,
  DEFAULT_HEARTBEAT,
  type RedisBus,
  type RedisBusOptions,
  type RedisBusStats,
} from './bus-options.js';
import { mac, open, Receipts, sameMac, seal } from './envelope.js';

const CONTROL = '~nodes';

// Held in a variable so bundlers leave it alone: only Node apps that call redisBus load it.
const redisModule = 'redis';

async function loadCreateClient(): Promise<(options: any) => any> {
  try {
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ redisModule)).createClient;
  } catch (error) {
    throw new Error("redisBus needs the 'redis' package: npm install redis", { cause: error });
  }
}

function keyBytes(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 32) throw new TypeError('redisBus needs a shared key of at least 32 bytes');
  return bytes;
}

/** Connects to Redis and joins the cluster on it. */
export async function redisBus(options: RedisBusOptions): Promise<RedisBus> {
  const key = keyBytes(options.key);
  const createClient = options.createClient ?? (await loadCreateClient());
  // No offline queue: a publish while Redis is down fails at once and is reported, never sent late.
  const client = createClient({
    url: options.url ?? 'redis://127.0.0.1:6379',
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) },
  });
  const subscriber = client.duplicate({ disableOfflineQueue: false });
  const bus = new RedisClusterBus(client, subscriber, key, options);
  try {
    await Promise.all([client.connect(), subscriber.connect()]);
    await bus.start();
  } catch (error) {
    await bus.close().catch(() => {});
    throw new RpcError('UNAVAILABLE', 'could not reach Redis', { cause: error });
  }
  return bus;
}

class RedisClusterBus implements RedisBus {
  readonly node = randomUUID();
  readonly #client: any;
  readonly #subscriber: any;
  readonly #key: Uint8Array;
  readonly #prefix: string;
  readonly #heartbeat: number;
  readonly #maxMessageSize: number;
  readonly #maxSkew: number;
  readonly #maxSetSize: number;
  readonly #maxNodes: number;
  readonly #logger: Logger | undefined;
  readonly #onLoss: (loss: BusLoss) => void;
  readonly #receipts: Receipts;
  readonly #listeners = new Map<string, Set<(message: unknown, from: string) => void>>();
  /** Each channel's SUBSCRIBE, settled once Redis has confirmed it. */
  readonly #active = new Map<string, Promise<unknown>>();
  readonly #downListeners = new Set<(node: string) => void>();
  readonly #sequence = new Map<string, number>();
  /** This process's entries in shared sets: put back after Redis restarts empty. */
  readonly #owned = new Map<string, Set<string>>();
  /** Other processes heard of, checked for liveness each beat. */
  readonly #known = new Set<string>();
  readonly #counts = { published: 0, received: 0, refused: 0, unsent: 0, missed: 0 };
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** When Redis last became ready: the others get one heartbeat to put theirs back before they count as down. */
  #readySince = 0;

  constructor(client: any, subscriber: any, key: Uint8Array, options: RedisBusOptions) {
    this.#client = client;
    this.#subscriber = subscriber;
    this.#key = key;
    this.#prefix = options.prefix ?? 'saltline:';
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.#maxMessageSize = options.maxMessageSize ?? DEFAULT_BUS_MESSAGE_SIZE;
    this.#maxSkew = options.maxSkew ?? 30_000;
    this.#maxSetSize = options.maxSetSize ?? 10_000;
    this.#maxNodes = options.maxNodes ?? 10_000;
    this.#logger = options.logger;
    this.#onLoss = options.onLoss ?? ((loss) => this.#logger?.warn?.('redisBus: messages lost', loss));
    this.#receipts = new Receipts(this.#maxNodes);
    for (const [name, value] of Object.entries({ heartbeat: this.#heartbeat, maxMessageSize: this.#maxMessageSize })) {
      if (!(value > 0)) throw new TypeError(`${name} must be more than 0, not ${value}`);
    }
    const report = (error: unknown) => this.#logger?.warn?.('redisBus: Redis connection error', error);
    client.on('error', report);
    subscriber.on('error', report);
    // Redis came back (maybe restarted empty): beat and put this process's entries back at once.
    client.on('ready', () => {
      this.#readySince = Date.now();
      void this.#restore();
    });
  }

  async start(): Promise<void> {
    await this.subscribe(CONTROL, (message) => {
      const gone = (message as { down?: unknown } | null)?.down;
      if (typeof gone === 'string' && gone !== this.node) this.#down(gone);
    });
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeat / 3);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  publish(channel: string, message: unknown): void {
    if (this.#closed) throw new RpcError('UNAVAILABLE', 'the bus is closed');
    const seq = (this.#sequence.get(channel) ?? 0) + 1;
    const sealed = seal(this.#key, channel, this.node, seq, message);
    if (sealed.byteLength > this.#maxMessageSize) {
      throw new RpcError(
        'RESOURCE_EXHAUSTED',
        `a bus message of ${sealed.byteLength} bytes is over maxMessageSize (${this.#maxMessageSize})`,
      );
    }
    this.#sequence.set(channel, seq);
    this.#counts.published++;
    const local = this.#listeners.get(channel);
    if (local) queueMicrotask(() => this.#deliver(channel, message, this.node));
    const unsent = (error?: unknown) => {
      this.#counts.unsent++;
      if (error) this.#logger?.warn?.('redisBus: publish failed', error);
      this.#onLoss({ channel, unsent: 1 });
    };
    if (!this.#client.isReady) return unsent();
    this.#client.sendCommand(['PUBLISH', this.#prefix + channel, sealed]).catch(unsent);
  }

  async subscribe(channel: string, listener: (message: unknown, from: string) => void): Promise<() => void> {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      const onMessage = (sealed: Uint8Array) => this.#take(channel, sealed);
      this.#active.set(channel, this.#subscriber.subscribe(this.#prefix + channel, onMessage, true));
    }
    listeners.add(listener);
    const held = listeners;
    const stop = () => {
      if (!held.delete(listener) || held.size || this.#listeners.get(channel) !== held) return;
      this.#listeners.delete(channel);
      this.#active.delete(channel);
      if (!this.#closed) this.#subscriber.unsubscribe(this.#prefix + channel).catch(() => {});
    };
    try {
      await this.#active.get(channel);
    } catch (error) {
      stop();
      throw new RpcError('UNAVAILABLE', `could not subscribe to ${JSON.stringify(channel)}`, { cause: error });
    }
    return stop;
  }

  async add(set: string, key: string): Promise<void> {
    const owned = this.#owned.get(set) ?? new Set();
    this.#owned.set(set, owned);
    owned.add(key);
    await this.#command(['HSET', this.#setKey(set), key, this.#entry(set, key)]);
  }

  async remove(set: string, key: string): Promise<void> {
    const owned = this.#owned.get(set);
    if (owned?.delete(key) && owned.size === 0) this.#owned.delete(set);
    await this.#command(['HDEL', this.#setKey(set), key]);
  }

  async members(set: string): Promise<Map<string, string>> {
    const name = this.#setKey(set);
    const size = Number(await this.#command(['HLEN', name]));
    if (size > this.#maxSetSize) throw new RpcError('RESOURCE_EXHAUSTED', `shared set ${JSON.stringify(set)} is over maxSetSize`);
    const flat = (await this.#command(['HGETALL', name])) as string[] | Record<string, string>;
    const pairs = Array.isArray(flat) ? flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]!] as const])) : Object.entries(flat);
    const claimed = new Map<string, string>();
    const forged: string[] = [];
    for (const [key, value] of pairs) {
      const node = this.#verifyEntry(set, key, String(value));
      if (node) claimed.set(key, node);
      else forged.push(key);
    }
    const nodes = [...new Set(claimed.values())].filter((node) => node !== this.node);
    const alive = await this.#alive(nodes);
    const members = new Map<string, string>();
    for (const [key, node] of claimed) {
      if (node === this.node || alive.has(node)) members.set(key, node);
      else forged.push(key); // a dead process's entry: no ghost members
    }
    for (const node of alive) this.#know(node);
    if (forged.length) this.#command(['HDEL', name, ...forged]).catch(() => {});
    return members;
  }

  onNodeDown(listener: (node: string) => void): () => void {
    this.#downListeners.add(listener);
    return () => this.#downListeners.delete(listener);
  }

  stats(): RedisBusStats {
    const state = this.#closed ? 'closed' : this.#client.isReady && this.#subscriber.isReady ? 'ready' : 'reconnecting';
    return { state, ...this.#counts, nodes: this.#known.size };
  }

  ready(): Promise<void> {
    if (this.#client.isReady && this.#subscriber.isReady) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!this.#client.isReady || !this.#subscriber.isReady) return;
        this.#client.off('ready', check);
        this.#subscriber.off('ready', check);
        resolve();
      };
      this.#client.on('ready', check);
      this.#subscriber.on('ready', check);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    if (this.#client.isReady) {
      // Leave at once rather than when the heartbeat lapses.
      this.publish(CONTROL, { down: this.node });
      const sets = [...this.#owned].map(([set, keys]) => ['HDEL', this.#setKey(set), ...keys]);
      await Promise.all([this.#command(['DEL', this.#nodeKey(this.node)]), ...sets.map((args) => this.#command(args))]).catch(() => {});
    }
    this.#closed = true;
    this.#listeners.clear();
    this.#active.clear();
    this.#owned.clear();
    for (const client of [this.#client, this.#subscriber]) {
      if (!client.isOpen) continue;
      await (client.close ?? client.quit).call(client).catch(() => client.destroy?.());
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #command(args: (string | Uint8Array)[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new RpcError('UNAVAILABLE', 'the bus is closed'));
    if (!this.#client.isReady) return Promise.reject(new RpcError('UNAVAILABLE', 'Redis is unreachable'));
    return this.#client.sendCommand(args);
  }

  #setKey = (set: string) => `${this.#prefix}set:${set}`;
  #nodeKey = (node: string) => `${this.#prefix}node:${node}`;
  #entry = (set: string, key: string) => `${this.node}.${mac(this.#key, 'set', set, key, this.node).toString('base64url')}`;

  /** The owner of a set entry, if the entry is sealed with the cluster key. */
  #verifyEntry(set: string, key: string, value: string): string | undefined {
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const node = value.slice(0, dot);
    return sameMac(Buffer.from(value.slice(dot + 1), 'base64url'), mac(this.#key, 'set', set, key, node)) ? node : undefined;
  }

  /** Which of `nodes` have a sealed, unexpired heartbeat. */
  async #alive(nodes: string[]): Promise<Set<string>> {
    if (!nodes.length) return new Set();
    const values = (await this.#command(['MGET', ...nodes.map(this.#nodeKey)])) as (string | null)[];
    const now = Date.now();
    return new Set(
      nodes.filter((node, i) => {
        const [until, seal] = String(values[i] ?? '').split('.');
        return Number(until) > now && !!seal && sameMac(Buffer.from(seal, 'base64url'), mac(this.#key, 'node', node, String(until)));
      }),
    );
  }

  async #beat(): Promise<void> {
    if (this.#closed || !this.#client.isReady) return;
    try {
      // The expiry time is sealed into the value, so an old heartbeat put back cannot keep a dead process alive.
      const until = String(Date.now() + this.#heartbeat);
      const value = `${until}.${mac(this.#key, 'node', this.node, until).toString('base64url')}`;
      await this.#command(['SET', this.#nodeKey(this.node), value, 'PX', String(this.#heartbeat)]);
      // Redis restarted empty: a live process whose client reconnects a moment later than ours is not down.
      if (Date.now() - this.#readySince < this.#heartbeat) return;
      const others = [...this.#known];
      const alive = await this.#alive(others);
      for (const node of others) if (!alive.has(node)) this.#down(node);
    } catch (error) {
      this.#logger?.warn?.('redisBus: heartbeat failed', error);
    }
  }

  async #restore(): Promise<void> {
    await this.#beat();
    for (const [set, keys] of this.#owned) {
      for (const key of keys) await this.#command(['HSET', this.#setKey(set), key, this.#entry(set, key)]).catch(() => {});
    }
  }

  #know(node: string): void {
    if (node === this.node || this.#known.has(node)) return;
    this.#known.add(node);
    if (this.#known.size > this.#maxNodes) this.#known.delete(this.#known.values().next().value as string);
  }

  #down(node: string): void {
    if (!this.#known.delete(node)) return;
    this.#receipts.forget(node);
    for (const listener of [...this.#downListeners]) {
      try {
        listener(node);
      } catch (error) {
        this.#logger?.error?.('redisBus: an onNodeDown listener threw', error);
      }
    }
  }

  #take(channel: string, sealed: Uint8Array): void {
    if (this.#closed) return;
    const opened = sealed.byteLength > this.#maxMessageSize ? 'too large' : this.#open(channel, sealed);
    if (typeof opened === 'string') {
      this.#counts.refused++;
      this.#logger?.warn?.(`redisBus: message on ${JSON.stringify(channel)} refused: ${opened}`);
      return;
    }
    if (opened.node === this.node) return; // delivered here when published
    const missed = this.#receipts.take(opened.node, channel, opened.seq);
    if (missed < 0) {
      this.#counts.refused++;
      this.#logger?.warn?.(`redisBus: message on ${JSON.stringify(channel)} refused: replayed`);
      return;
    }
    if (missed > 0) {
      this.#counts.missed += missed;
      this.#onLoss({ channel, missed, node: opened.node });
    }
    this.#counts.received++;
    this.#know(opened.node);
    this.#deliver(channel, opened.data, opened.node);
  }

  #open(channel: string, sealed: Uint8Array) {
    try {
      return open(this.#key, channel, sealed, this.#maxSkew);
    } catch {
      return 'malformed';
    }
  }

  #deliver(channel: string, message: unknown, from: string): void {
    for (const listener of [...(this.#listeners.get(channel) ?? [])]) {
      try {
        listener(message, from);
      } catch (error) {
        this.#logger?.error?.(`redisBus: a listener of ${JSON.stringify(channel)} threw`, error);
      }
    }
  }
}
