/**
 * `createCache()`: the cache plugin. Calling side: serves stored results, coalesces identical
 * calls in flight, revalidates, applies pushed invalidations. Exposing side: sends each `cached`
 * handler's policy with its result, answers "not modified", keeps the invalidation log that a
 * reconnecting caller replays. One object may serve many peers (every peer of a server).
 *
 * This file wires the plugin and keeps each link in sync with the far side's invalidations; the
 * read path is in `read-path.ts`, the exposing side's shared memo in `shared-memo.ts`.
 */
import type { Plugin } from '../plugins.js';
import type { Call, CallHandler, Interceptor, Peer } from '../types.js';
import { type SharedMemo, serving } from './cached.js';
import { Flights } from './flights.js';
import { type Invalidation, InvalidationLog, readInvalidation } from './invalidation.js';
import { hex, type Link, nextOrder } from './link.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { ReadPath } from './read-path.js';
import { sharedMemo } from './shared-memo.js';
import type { InvalidationMatch, PersistentStore } from './store.js';

/** Reserved methods the plugins of both sides answer between themselves. */
const INVALIDATE_METHOD = '$cache.invalidate';
const REPLAY_METHOD = '$cache.replay';
/** Most invalidations a replay may carry; a longer answer makes the scope stale instead. */
const MAX_REPLAY = 4096;

/** What `createCache` takes: where results are kept, their bounds, and whose results they are. */
export interface CacheOptions {
  /** Where results are kept: `memoryStore()`, or `indexedDbStore({ name })` behind a memory tier. Default `memoryStore()`. */
  readonly store?: MemoryStore | PersistentStore;
  /** Byte budget of the memory tier (when `store` is not a `memoryStore`). Default 8 MiB. */
  readonly maxBytes?: number;
  /** Largest result stored, in bytes of its canonical encoding. Default 1 MiB. */
  readonly maxEntryBytes?: number;
  /** Longest any stored result is used, whatever the far side's policy says, in ms. Default 7 days. */
  readonly maxTtl?: number;
  /**
   * Names the far side for stored results (`'shop-api'`). Default: its verified key after a secure
   * handshake; without either, results live in memory for the life of the connection only.
   */
  readonly scope?: string;
  /** The local user: results are keyed by it, and `clear({ principal })` drops theirs. Default: none. */
  readonly principal?: () => string | undefined;
  /** Let `private` results be persisted too (they are keyed by `principal`). Default false. */
  readonly persistPrivate?: boolean;
  /** Exposing side: invalidations kept for callers that reconnect; older ones make them resync. Default 256. */
  readonly replayLog?: number;
  /**
   * Told after an invalidation from a far side took effect here (`all: true` when a whole scope
   * went stale): the moment to refetch what a page shows. Default: nobody told.
   */
  readonly onInvalidate?: (match: InvalidationMatch) => void;
  /** The clock ages are measured by, in ms. Default `Date.now` (tests pass their own). */
  readonly now?: () => number;
}

/** A cache's counters since it was made, and what it holds now (`entries`, `bytes`). */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly staleServed: number;
  readonly revalidations: number;
  readonly coalesced: number;
  readonly entries: number;
  readonly bytes: number;
}

/** The cache plugin: give it to `createPeer` in `plugins`; it also reports and clears what it holds. */
export interface Cache extends Plugin {
  stats(): CacheStats;
  /** Drops every stored result, or only `principal`'s (on logout), from memory and IndexedDB. */
  clear(options?: { readonly principal?: string }): Promise<void>;
  /** Settles once no request of this cache is in flight (background revalidations included). */
  settled(): Promise<void>;
}

class CacheImpl implements Cache {
  readonly name = 'cache';
  readonly interceptors: { readonly outgoing: readonly Interceptor[]; readonly incoming: readonly Interceptor[] };
  readonly #options: CacheOptions;
  readonly #memory: MemoryStore;
  readonly #persistent: PersistentStore | undefined;
  readonly #links = new WeakMap<Peer, Link>();
  readonly #read: ReadPath;
  // Exposing side.
  readonly #ep = hex(crypto.getRandomValues(new Uint8Array(8)));
  readonly #log: InvalidationLog;
  readonly #callers = new Set<Peer>();
  readonly #shared: MemoryStore;
  readonly #sharedMemo: SharedMemo;

  constructor(options: CacheOptions) {
    this.#options = options;
    const memoryOptions: MemoryStoreOptions = { maxBytes: options.maxBytes, maxEntryBytes: options.maxEntryBytes };
    this.#memory = options.store instanceof MemoryStore ? options.store : new MemoryStore(memoryOptions);
    this.#persistent = options.store instanceof MemoryStore ? undefined : options.store;
    this.#persistent?.onRemoteInvalidate((scope, match) => this.#invalidateScope(scope, match));
    const maxTtl = options.maxTtl ?? 7 * 24 * 3600_000;
    const now = options.now ?? Date.now;
    this.#read = new ReadPath(options, this.#memory, this.#persistent, maxTtl, now);
    this.#log = new InvalidationLog(this.#ep, options.replayLog ?? 256);
    this.#shared = new MemoryStore(memoryOptions);
    this.#sharedMemo = sharedMemo(this.#ep, this.#shared, () => this.#log.seq, maxTtl, now);
    this.interceptors = { outgoing: [(next) => this.#chain(next)], incoming: [(next) => (call) => this.#incoming(call, next)] };
  }

  /** Announced in each HELLO: this side caches, and where its invalidation log stands. */
  get features(): unknown {
    return { v: 1, ep: this.#ep, seq: this.#log.seq };
  }

  /**
   * The outgoing chain of one peer. `createPeer` composes it just before it calls `setup`, so the
   * chain made last is the one `setup` claims: each peer's calls then find its own link.
   */
  #chain(next: CallHandler): CallHandler {
    const slot: { link?: Link } = {};
    this.#unclaimed = slot;
    return (call) => (slot.link ? this.#read.outgoing(call, next, slot.link) : next(call));
  }

  #unclaimed: { link?: Link } | undefined;

  setup(peer: Peer): void {
    caches.set(peer, this);
    const scope = this.#options.scope;
    const link: Link = {
      peer,
      scope: scope ?? `peer:${hex(crypto.getRandomValues(new Uint8Array(8)))}`,
      stable: scope !== undefined,
      ep: undefined,
      lastSeq: 0,
      staleBefore: nextOrder(),
      syncing: undefined,
      flights: new Flights(),
      uncacheable: new Set(),
      cacheable: new Set(),
    };
    this.#links.set(peer, link);
    if (this.#unclaimed) this.#unclaimed.link = link;
    this.#unclaimed = undefined;
  }

  ready(peer: Peer, features: unknown): void {
    const far = features as { v?: unknown; ep?: unknown; seq?: unknown } | undefined;
    if (far?.v !== 1 || typeof far.ep !== 'string' || typeof far.seq !== 'number') {
      this.#callers.delete(peer);
      return;
    }
    this.#callers.add(peer);
    // Where the log stands now: an invalidation logged after this link's hello was built reaches the caller this way.
    peer.notify(INVALIDATE_METHOD, { ep: this.#ep, seq: this.#log.seq });
    const link = this.#links.get(peer)!;
    if (!link.stable && peer.remoteIdentity) {
      link.scope = `key:${hex(peer.remoteIdentity)}`;
      link.stable = true;
    }
    if (link.ep === undefined) {
      link.ep = far.ep;
      link.lastSeq = far.seq;
    } else if (link.ep !== far.ep) {
      this.#resync(link, far.ep, far.seq); // the far side restarted: its log is gone
    } else if (far.seq > link.lastSeq) {
      link.syncing ??= this.#replay(link, far.seq);
    }
  }

  teardown(peer: Peer): void {
    this.#callers.delete(peer);
  }

  stats(): CacheStats {
    return { ...this.#read.counts, entries: this.#memory.entries, bytes: this.#memory.bytes };
  }

  async clear(options: { readonly principal?: string } = {}): Promise<void> {
    this.#memory.clear(options.principal);
    this.#shared.clear();
    await this.#persistent?.clear(options.principal);
  }

  async settled(): Promise<void> {
    await this.#read.settled();
  }

  /** Exposing side: pushes an invalidation to every caching caller and logs it for replay. */
  push(match: InvalidationMatch): void {
    const invalidation = this.#log.append(match);
    this.#shared.invalidate(this.#ep, match);
    for (const peer of this.#callers) peer.notify(INVALIDATE_METHOD, invalidation);
  }

  // ---- invalidation --------------------------------------------------------------------------

  /** An invalidation pushed by the far side: matching entries go stale; calls in flight are detached. */
  #onInvalidate(link: Link, invalidation: Invalidation): void {
    if (link.ep === undefined) return; // before the far side's hello: nothing stored to invalidate yet
    if (invalidation.ep !== link.ep) return this.#resync(link, invalidation.ep, invalidation.seq);
    if (invalidation.seq <= link.lastSeq) return;
    const isSync = !invalidation.tags && !invalidation.methods && !invalidation.all;
    if (isSync || invalidation.seq > link.lastSeq + 1) {
      // Some went missing (or the far side says where its log stands): fetch them in order.
      link.syncing ??= this.#replay(link, invalidation.seq);
      return;
    }
    this.#apply(link, invalidation);
  }

  #apply(link: Link, invalidation: Invalidation): void {
    link.lastSeq = invalidation.seq;
    this.#invalidateScope(link.scope, invalidation, link);
    this.#persistent?.invalidate(link.scope, invalidation);
  }

  #invalidateScope(scope: string, match: InvalidationMatch & { seq?: number }, link?: Link): void {
    this.#memory.invalidate(scope, match);
    link?.flights.detachAll({ ...match, seq: match.seq ?? Infinity });
    try {
      this.#options.onInvalidate?.({
        ...(match.tags ? { tags: match.tags } : {}),
        ...(match.methods ? { methods: match.methods } : {}),
        ...(match.all ? { all: true } : {}),
      });
    } catch {
      // The application's listener failing is no reason to keep a stale entry.
    }
  }

  /** Invalidations were missed and cannot be replayed: everything stored for the scope goes stale. */
  #resync(link: Link, ep: string, seq: number): void {
    link.ep = ep;
    link.lastSeq = seq;
    link.staleBefore = nextOrder();
    this.#invalidateScope(link.scope, { all: true, seq }, link);
    this.#persistent?.invalidate(link.scope, { all: true });
  }

  /** Asks the far side for the invalidations since `link.lastSeq`; calls wait meanwhile. */
  async #replay(link: Link, seq: number): Promise<void> {
    try {
      const answer = (await link.peer.call(REPLAY_METHOD, [link.lastSeq], { cache: 'no-store' })) as { entries?: unknown[] };
      const raw = Array.isArray(answer?.entries) && answer.entries.length <= MAX_REPLAY ? answer.entries : undefined;
      const entries = raw?.map(readInvalidation).filter((entry) => !entry || entry.seq > link.lastSeq);
      // In order and complete from where this side stopped, or nothing is trusted: the scope goes stale.
      if (!entries?.every((entry, i) => entry && entry.ep === link.ep && entry.seq === link.lastSeq + 1 + i)) {
        this.#resync(link, link.ep!, seq);
      } else {
        for (const entry of entries) this.#apply(link, entry!);
      }
      if (link.lastSeq < seq) this.#resync(link, link.ep!, seq);
    } catch {
      this.#resync(link, link.ep!, seq);
    } finally {
      link.syncing = undefined;
    }
  }

  // ---- exposing side -------------------------------------------------------------------------

  #incoming(call: Call, next: CallHandler): Promise<unknown> {
    const peer = call.context?.peer;
    if (call.method === INVALIDATE_METHOD) {
      const link = peer && this.#links.get(peer);
      const invalidation = readInvalidation(call.args[0]);
      if (link && invalidation) this.#onInvalidate(link, invalidation);
      return Promise.resolve(undefined);
    }
    if (call.method === REPLAY_METHOD) return Promise.resolve(this.#log.since(call.args[0]));
    if (call.context) serving.set(call.context, { call, ep: this.#ep, seq: () => this.#log.seq, shared: this.#sharedMemo });
    return next(call);
  }
}

/** The cache plugin each peer was made with, for `invalidate(peer)`. */
const caches = new WeakMap<Peer, CacheImpl>();

/** Makes a cache to pass as `createPeer(t, { cache })` on either side (or in `serveWebSocket`'s peer options). */
export function createCache(options: CacheOptions = {}): Cache {
  return new CacheImpl(options);
}

/**
 * Pushes an invalidation by tag or method prefix to every caching caller served through the
 * cache of `target` (a peer, or a server with `peers`), and logs it for callers that reconnect.
 */
export function invalidate(target: Peer | Cache | { readonly peers: Iterable<Peer> }, match: InvalidationMatch): void {
  const found = new Set<CacheImpl>();
  if (target instanceof CacheImpl) found.add(target);
  else if ('peers' in target) for (const peer of target.peers) caches.has(peer) && found.add(caches.get(peer)!);
  else if (caches.has(target as Peer)) found.add(caches.get(target as Peer)!);
  if (!found.size) throw new TypeError('invalidate() needs a peer (or server) made with a cache: createPeer(t, { cache: createCache() })');
  for (const cache of found) cache.push(match);
}
