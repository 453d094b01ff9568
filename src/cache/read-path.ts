/**
 * The cache's calling side: the read path (keys, memory and persistent lookups, the fetch policy
 * modes), coalescing of identical calls and revalidation (stale-while-revalidate, `If-None-Match`),
 * and storing what comes back. Apart from `cache.ts`, which wires it into the plugin and owns
 * the invalidation half.
 */
import { RpcError } from '../errors.js';
import type { CacheInfo, CacheRequest, Call, CallHandler } from '../types.js';
import type { CacheOptions } from './cache.js';
import { IF_NONE_MATCH } from './cached.js';
import { cacheKey, canonicalBytes, cloneValue, NotCacheable } from './canonical.js';
import type { Flight } from './flights.js';
import { type Link, nextOrder } from './link.js';
import type { MemoryStore } from './memory-store.js';
import { readWirePolicy, type WirePolicy } from './policy.js';
import { type CacheEntry, expiresAt, matches, type PersistentStore } from './store.js';

/** Keys remembered for calls with primitive arguments; the memo starts over when full. */
const MAX_KEY_MEMO = 4096;

const UNREACHABLE = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);
export const cacheMiss = (method: string) => new RpcError('NOT_FOUND', `no cached result for ${method}`, { data: { cacheMiss: true } });
const isUnreachable = (error: unknown) => error instanceof RpcError && UNREACHABLE.has(error.code);
const copy = <T>(value: T): T => {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
};

export class ReadPath {
  readonly #options: CacheOptions;
  readonly #memory: MemoryStore;
  readonly #persistent: PersistentStore | undefined;
  readonly #maxTtl: number;
  readonly #now: () => number;
  /** The counters of `cache.stats()`. */
  readonly counts = { hits: 0, misses: 0, staleServed: 0, revalidations: 0, coalesced: 0 };
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: CacheOptions, memory: MemoryStore, persistent: PersistentStore | undefined, maxTtl: number, now: () => number) {
    this.#options = options;
    this.#memory = memory;
    this.#persistent = persistent;
    this.#maxTtl = maxTtl;
    this.#now = now;
  }

  /** Fulfils once no fetch this side started (revalidations included) is still running. */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  /** The outgoing interceptor of one peer's calls: a hit, a coalesced call, or the network. */
  outgoing(call: Call, next: CallHandler, link: Link): Promise<unknown> {
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
        this.counts.hits++;
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
    const minFresh = Math.max(0, request?.minFresh ?? 0);
    const fresh = !!entry && !entry.invalidated && age + minFresh < Math.min(entry.policy.a, request?.maxAge ?? Infinity);
    const info = (stale: boolean): CacheInfo => ({ source, age, stale, invalidated: false });
    const serve = (stale: boolean) => {
      this.counts.hits++;
      if (stale) this.counts.staleServed++;
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
    // cache-first takes a stale entry at any age, unless its policy says it must be revalidated first.
    if (mode === 'cache-first' && entry && !entry.invalidated && (fresh || !entry.policy.m)) return serve(!fresh);
    if (mode === 'default' && entry && !entry.invalidated) {
      if (fresh) return serve(false);
      // A caller asking for minFresh wants a result fresh for a while: not a stale one now.
      if (!minFresh && usableStale(Math.max(entry.policy.w ?? 0, request?.maxStale ?? 0))) {
        if (!link.flights.has(key)) this.#background(link, key, call, next, entry);
        return serve(true);
      }
    }
    this.counts.misses++;
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
    this.counts.revalidations++;
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
    const coalesce = link.cacheable.has(call.method) && request?.dedupe !== false;
    let flight = coalesce ? link.flights.get(key) : undefined;
    if (flight) this.counts.coalesced++;
    else flight = this.#start(link, key, call, next, held, coalesce);
    // A shared request goes without a deadline (see `#start`): each waiter keeps its own here.
    return link.flights.wait(flight, call.signal, coalesce ? call.timeout : Infinity).then(({ value, policy, invalidated, first }) => {
      request?.onInfo?.({ source: 'network', age: 0, stale: false, invalidated });
      return first || !policy ? value : copy(value);
    });
  }

  #start(link: Link, key: string, call: Call, next: CallHandler, held: CacheEntry | undefined, coalesce: boolean): Flight {
    if (held?.policy.g !== undefined) this.counts.revalidations++;
    const order = nextOrder();
    return link.flights.start(key, coalesce, (signal, flight) => {
      const meta = held?.policy.g !== undefined ? { ...call.meta, [IF_NONE_MATCH]: held.policy.g } : call.meta;
      // Later callers may join a shared request, each with a deadline of its own: it has none.
      const network: Call = { ...call, meta, signal, timeout: coalesce ? Infinity : call.timeout, resultMeta: undefined };
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
}
