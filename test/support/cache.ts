/**
 * What the cache specs share: a clock the test moves, a gate a handler waits on, a counted
 * handler, a caching pair of peers, and a caller whose network is down.
 */
import { createMemoryPair } from '../../adapters/memory.js';
import { type Cache, createCache } from '../../src/cache/index.js';
import { createPeer, type Peer } from '../../src/index.js';
import { type Connector, track } from './connect.js';

/** A clock the test moves: no sleeping. */
export function clock() {
  const time = { now: 1_000_000 };
  return { time, now: () => time.now };
}

/** A promise and its resolver: a handler that answers when the test says so. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

export interface Setup {
  readonly client: Peer;
  readonly server: Peer;
  readonly cache: Cache;
}

/** A server exposing `api` through a cache plugin, and a caching client. */
export function connect(connector: Connector, api: object, options: Parameters<typeof createCache>[0] = {}): Setup {
  const cache = createCache(options);
  const { client, server } = connector.connect({ expose: api, cache: createCache() }, { cache });
  return { client, server, cache };
}

/** `handler`, counting its runs in `runs.n`. */
export function counted<A extends unknown[], R>(runs: { n: number }, handler: (...args: A) => R) {
  return (...args: A) => {
    runs.n++;
    return handler(...args);
  };
}

/**
 * A second peer on the same cache (and scope) whose far side is gone: its calls fail
 * `UNAVAILABLE` beneath the cache, as the client's would with the network down.
 */
export function failingNetwork(cache: Cache): Peer {
  const [near, far] = createMemoryPair();
  const down = track(createPeer(near, { cache, timeout: 1 }));
  far.close();
  return down;
}
