/**
 * `createCache()`: the cache plugin. Calling side: serves stored results, coalesces identical
 * calls in flight, revalidates, applies pushed invalidations. Exposing side: sends each `cached`
 * handler's policy with its result, answers "not modified", keeps the invalidation log that a
 * reconnecting caller replays. One object may serve many peers (every peer of a server).
 */
import type { CallContext } from '../context.js';
import { RpcError } from '../errors.js';
import type { Plugin } from '../plugins.js';
import type { CacheInfo, CacheRequest, Call, CallHandler, Interceptor, Peer } from '../types.js';
import { IF_NONE_MATCH, type SharedMemo, serving } from './cached.js';
import { cacheKey, canonicalBytes, cloneValue, NotCacheable } from './canonical.js';
import { type Flight, Flights } from './flights.js';
import { type Invalidation, InvalidationLog, readInvalidation } from './invalidation.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { readWirePolicy, type WirePolicy } from './policy.js';
import { type CacheEntry, expiresAt, type InvalidationMatch, matches, type PersistentStore } from './store.js';

/** Reserved methods the plugins of both sides answer between themselves. */
const INVALIDATE_METHOD = '$cache.invalidate';
const REPLAY_METHOD = '$cache.replay';
/** Keys remembered for calls with primitive arguments; the memo starts over when full. */
const MAX_KEY_MEMO = 4096;
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

/** What one peer of this cache knows of the far side, as a caller. */
interface Link {
  readonly peer: Peer;
  scope: string;
  stable: boolean;
  ep: string | undefined;
  lastSeq: number;
  /** Entries ordered before this are treated as invalidated: stored by an earlier page, or before a resync. */
  staleBefore: number;
  syncing: Promise<void> | undefined;
  readonly flights: Flights;
  /** Methods whose results came back without a policy: their calls skip the cache entirely. */
  readonly uncacheable: Set<string>;
  /** Methods whose results came back with one: their identical calls may be coalesced. */
  readonly cacheable: Set<string>;
}

const UNREACHABLE = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);
const cacheMiss = (method: string) => new RpcError('NOT_FOUND', `no cached result for ${method}`, { data: { cacheMiss: true } });
const isUnreachable = (error: unknown) => error instanceof RpcError && UNREACHABLE.has(error.code);
const copy = <T>(value: T): T => {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
};
const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

let lastOrder = 0;
/** A start order that grows across reloads (entries persisted by an earlier page compare right). */
const nextOrder = () => (lastOrder = Math.max(lastOrder + 1, Date.now() * 1000));

class CacheImpl implements Cache {
  readonly name = 'cache';
  readonly interceptors: { readonly outgoing: readonly Interceptor[]; readonly incoming: readonly Interceptor[] };
  readonly #options: CacheOptions;
  readonly #memory: MemoryStore;
  readonly #persistent: PersistentStore | undefined;
  readonly #maxTtl: number;
  readonly #now: () => number;
  readonly #links = new WeakMap<Peer, Link>();
  readonly #counts = { hits: 0, misses: 0, staleServed: 0, revalidations: 0, coalesced: 0 };
  readonly #pending = new Set<Promise<unknown>>();
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
    this.#maxTtl = options.maxTtl ?? 7 * 24 * 3600_000;
    this.#now = options.now ?? Date.now;
    this.#log = new InvalidationLog(this.#ep, options.replayLog ?? 256);
    this.#shared = new MemoryStore(memoryOptions);
    this.#sharedMemo = this.#memo();
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
    return (call) => (slot.link ? this.#outgoing(call, next, slot.link) : next(call));
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
    return { ...this.#counts, entries: this.#memory.entries, bytes: this.#memory.bytes };
  }

  async clear(options: { readonly principal?: string } = {}): Promise<void> {
    this.#memory.clear(options.principal);
    this.#shared.clear();
    await this.#persistent?.clear(options.principal);
  }

  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  /** Exposing side: pushes an invalidation to every caching caller and logs it for replay. */
  push(match: InvalidationMatch): void {
    const invalidation = this.#log.append(match);
    this.#shared.invalidate(this.#ep, match);
    for (const peer of this.#callers) peer.notify(INVALIDATE_METHOD, invalidation);
  }

  // ---- calling side ------------------------------------------------------------------------

  #outgoing(call: Call, next: CallHandler, link: Link): Promise<unknown> {
    const request = call.cache;
    const mode = typeof request === 'object' ? (request.policy ?? 'default') : (request ?? 'default');
    if (call.notification || mode === 'no-store' || link.uncacheable.has(call.method) || call.method.startsWith('$cache.')) {
      if (mode === 'cache-only' && !call.notification) return Promise.reject(cacheMiss(call.method));
      return next(call);
    }
    let key: string;
    try {
      key = this.#keyOf(link, call.method, call.args);
    } catch (error) {
      if (error instanceof NotCacheable) return next(call);
      throw error;
    }
    if (typeof request !== 'object' && mode !== 'network-only' && !link.syncing) {
      // The common hit, answered without an await: a fresh entry in memory.
      const now = this.#now();
      const entry = this.#memory.get(key, now);
      if (entry && !entry.invalidated && entry.order >= link.staleBefore && now - entry.storedAt < entry.policy.a) {
        this.#counts.hits++;
        return Promise.resolve(cloneValue(entry.value));
      }
    }
    return this.#lookup(link, key, call, next, mode, typeof request === 'object' ? request : undefined);
  }

  /** Hashed keys of calls whose arguments are all primitives, by a cheap string of them: a hit hashes nothing. */
  readonly #keys = new Map<string, string>();

  #keyOf(link: Link, method: string, args: readonly unknown[]): string {
    const principal = this.#options.principal?.() ?? '';
    let memo = `${link.scope}\u0000${principal}\u0000${method}`;
    for (const arg of args) {
      const type = typeof arg;
      if (type === 'string') memo += `\u0000s${(arg as string).length}:${arg}`;
      else if (type === 'number' || type === 'boolean' || arg === null || arg === undefined) memo += `\u0000${type[0]}${String(arg)}`;
      else return cacheKey(link.scope, principal, method, args);
    }
    let key = this.#keys.get(memo);
    if (key === undefined) {
      key = cacheKey(link.scope, principal, method, args);
      if (this.#keys.size >= MAX_KEY_MEMO) this.#keys.clear();
      this.#keys.set(memo, key);
    }
    return key;
  }

  async #lookup(
    link: Link,
    key: string,
    call: Call,
    next: CallHandler,
    mode: Exclude<CacheRequest, object>,
    request: Exclude<CacheRequest, string> | undefined,
  ): Promise<unknown> {
    if (link.syncing) await link.syncing;
    const now = this.#now();
    let source: CacheInfo['source'] = 'memory';
    let entry = this.#memory.get(key, now);
    if (!entry && this.#persistent && link.stable && !this.#persistent.failed) {
      const stored = await this.#persistent.get(key).catch(() => undefined);
      if (stored && stored.scope === link.scope && stored.method === call.method && expiresAt(stored) > now) {
        // Stored before this link synced with the far side (an earlier page), it is stale until revalidated:
        // invalidations may have been missed meanwhile. The order check below says so.
        entry = stored;
        this.#memory.put(entry);
        source = 'indexeddb';
      }
    }
    if (entry && (entry.invalidated || entry.order < link.staleBefore)) entry = { ...entry, invalidated: true };
    const age = entry ? Math.max(0, now - entry.storedAt) : 0;
    const fresh = !!entry && !entry.invalidated && age < Math.min(entry.policy.a, request?.maxAge ?? Infinity);
    const info = (stale: boolean): CacheInfo => ({ source, age, stale, invalidated: false });
    const serve = (stale: boolean) => {
      this.#counts.hits++;
      if (stale) this.#counts.staleServed++;
      request?.onInfo?.(info(stale));
      return cloneValue(entry!.value);
    };
    const usableStale = (window: number) => !!entry && !entry.policy.m && age < entry.policy.a + window;
    if (mode === 'network-only') return this.#fetch(link, key, call, next, undefined, request);
    if (mode === 'cache-only') {
      if (
        entry &&
        !entry.invalidated &&
        (fresh || usableStale(Math.max(entry.policy.w ?? 0, entry.policy.e ?? 0, request?.maxStale ?? 0)))
      ) {
        return serve(!fresh);
      }
      throw cacheMiss(call.method);
    }
    if (mode === 'cache-first' && entry && !entry.invalidated) return serve(!fresh);
    if (mode === 'default' && entry && !entry.invalidated) {
      if (fresh) return serve(false);
      if (usableStale(Math.max(entry.policy.w ?? 0, request?.maxStale ?? 0))) {
        if (!link.flights.has(key)) this.#background(link, key, call, next, entry);
        return serve(true);
      }
    }
    this.#counts.misses++;
    try {
      return await this.#fetch(link, key, call, next, entry, request);
    } catch (error) {
      // Stale-if-error: the far side is unreachable; a stored result within its window stands.
      if (entry && isUnreachable(error) && usableStale(Math.max(entry.policy.e ?? 0, request?.maxStale ?? 0))) return serve(true);
      throw error;
    }
  }

  /** One revalidation in the background (stale-while-revalidate); its failure only leaves the entry stale. */
  #background(link: Link, key: string, call: Call, next: CallHandler, held: CacheEntry): void {
    this.#counts.revalidations++;
    const quiet: Call = { ...call, signal: undefined, cache: undefined };
    this.#fetch(link, key, quiet, next, held, undefined).catch(() => undefined);
  }

  /** Joins the call in flight for `key`, or starts one; each waiter gets its own copy. */
  #fetch(
    link: Link,
    key: string,
    call: Call,
    next: CallHandler,
    held: CacheEntry | undefined,
    request: Exclude<CacheRequest, string> | undefined,
  ): Promise<unknown> {
    const coalesce = link.cacheable.has(call.method);
    let flight = coalesce ? link.flights.get(key) : undefined;
    if (flight) this.#counts.coalesced++;
    else flight = this.#start(link, key, call, next, held, coalesce);
    return link.flights.wait(flight, call.signal).then(({ value, policy, invalidated, first }) => {
      request?.onInfo?.({ source: 'network', age: 0, stale: false, invalidated });
      return first || !policy ? value : copy(value);
    });
  }

  #start(link: Link, key: string, call: Call, next: CallHandler, held: CacheEntry | undefined, coalesce: boolean): Flight {
    if (held?.policy.g !== undefined) this.#counts.revalidations++;
    const order = nextOrder();
    return link.flights.start(key, coalesce, (signal, flight) => {
      const meta = held?.policy.g !== undefined ? { ...call.meta, [IF_NONE_MATCH]: held.policy.g } : call.meta;
      const network: Call = { ...call, meta, signal, resultMeta: undefined };
      const done = next(network).then(async (value) => {
        const policy = readWirePolicy(network.resultMeta?.c, this.#maxTtl);
        if (!policy) {
          link.uncacheable.add(call.method);
          return { value, policy, invalidated: false };
        }
        link.cacheable.add(call.method);
        if (policy.n) {
          // Not modified: the held entry stands, refreshed. Without one (it was never sent), ask again in full.
          if (!held) return this.#fetchFull(link, key, call, next);
          const tags = policy.t ?? held.policy.t;
          const refreshed: WirePolicy = { ...policy, ...(tags ? { t: tags } : {}), g: policy.g ?? held.policy.g };
          delete refreshed.n;
          value = cloneValue(held.value);
          return this.#settle(link, key, call, flight, order, value, refreshed);
        }
        return this.#settle(link, key, call, flight, order, value, policy);
      });
      this.#track(done);
      return done;
    });
  }

  async #fetchFull(link: Link, key: string, call: Call, next: CallHandler) {
    const value = await this.#fetch(link, key, { ...call, cache: 'network-only' }, next, undefined, undefined);
    return { value, policy: undefined, invalidated: false };
  }

  /** A result came: store it unless an invalidation raced it, it cannot be stored, or a newer one is there. */
  #settle(link: Link, key: string, call: Call, flight: Flight, order: number, value: unknown, policy: WirePolicy) {
    const invalidated = flight.missed.some(
      (invalidation) => (policy.is === undefined || policy.is < invalidation.seq) && matches(invalidation, call.method, policy.t),
    );
    const mode = typeof call.cache === 'object' ? call.cache.policy : call.cache;
    const keeps = policy.a + Math.max(policy.w ?? 0, policy.e ?? 0) > 0 || policy.g !== undefined;
    if (invalidated || !keeps || mode === 'no-store') return { value, policy, invalidated };
    let bytes: number;
    try {
      bytes = canonicalBytes(value, this.#memory.maxEntryBytes).length;
    } catch {
      return { value, policy, invalidated }; // callbacks, streams, class instances, too big: delivered, not stored
    }
    const entry: CacheEntry = {
      key,
      scope: link.scope,
      principal: this.#options.principal?.() ?? '',
      method: call.method,
      value: cloneValue(value),
      bytes,
      storedAt: this.#now(),
      policy,
      invalidated: false,
      order,
    };
    this.#memory.put(entry);
    if (this.#persistent && link.stable && policy.p && (!policy.v || this.#options.persistPrivate)) this.#persistent.put(entry);
    return { value, policy, invalidated };
  }

  #track(promise: Promise<unknown>): void {
    const settled = () => this.#pending.delete(promise);
    this.#pending.add(promise);
    promise.then(settled, settled);
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

  /** The exposing side's memo of `shared` results: keyed by principal when private. */
  #memo(): SharedMemo {
    const keyOf = (ctx: CallContext, args: readonly unknown[], isPrivate: boolean) => {
      const principal = !isPrivate
        ? ''
        : ctx.principal !== undefined
          ? `p:${String(ctx.principal)}`
          : ctx.remoteIdentity
            ? `k:${hex(ctx.remoteIdentity)}`
            : undefined;
      if (principal === undefined) return undefined; // private, and no identity to keep it apart by
      try {
        return cacheKey(this.#ep, principal, ctx.method, args);
      } catch {
        return undefined;
      }
    };
    return {
      get: (ctx, args, policy) => {
        const key = keyOf(ctx, args, policy.private !== false);
        const entry = key && this.#shared.get(key, this.#now());
        if (!entry || entry.invalidated || this.#now() - entry.storedAt >= entry.policy.a) return undefined;
        return { value: cloneValue(entry.value), wire: { ...entry.policy, is: this.#log.seq } };
      },
      put: (ctx, args, value, wire) => {
        const key = keyOf(ctx, args, wire.v === 1);
        if (!key || !(wire.a > 0)) return;
        let bytes: number;
        try {
          bytes = canonicalBytes(value, this.#shared.maxEntryBytes).length;
        } catch {
          return;
        }
        const now = this.#now();
        const policy = { ...wire, a: Math.min(wire.a, this.#maxTtl), w: 0, e: 0 };
        this.#shared.put({
          key,
          scope: this.#ep,
          principal: '',
          method: ctx.method,
          value: cloneValue(value),
          bytes,
          storedAt: now,
          policy,
          invalidated: false,
          order: nextOrder(),
        });
      },
    };
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
