/**
 * `createPool`: one API served by several members (workers, WebSocket servers, any transport), each
 * a peer of its own. A call goes to one member, chosen by the strategy; a member whose link fails
 * is replaced after a backoff, and only calls to methods marked idempotent are retried elsewhere
 * (running one twice must be harmless). A call's streams and callbacks live on the member that
 * took it, so they stay there: such calls are never retried.
 */

import { DEFAULT_TIMEOUT, finiteTimeout } from '../deadlines.js';
import { RpcError } from '../errors.js';
import { createPeer as createPlainPeer, iterable } from '../peer.js';
import { createRemoteProxy } from '../proxy.js';
import { hasRefs } from '../ref-markers.js';
import type { Transport } from '../transport.js';
import type { CallOptions, Peer, PeerOptions, Remote } from '../types.js';
import { Slot } from './slot.js';
import { Waiters } from './waiters.js';

/** How a member is chosen: fewest calls pending (ties in turn), or each in turn. */
export type PoolStrategy = 'least-pending' | 'round-robin';

/** Makes the transport of member `index` (0 to `size − 1`), again each time that member is replaced. */
export type PoolFactory = (index: number) => Transport | PromiseLike<Transport>;

/** What `createPool` takes: how many members, how calls pick one, and which calls may be retried. */
export interface PoolOptions {
  /** Members kept, each from one `factory` call. Default 4. */
  readonly size?: number;
  /** How each call picks its member. Default `'least-pending'`. */
  readonly strategy?: PoolStrategy;
  /**
   * Methods safe to run twice: a call to one whose member fails mid-call (its link closed) is
   * retried once on another member, within the call's own timeout. Names or a predicate. Calls
   * that carry callbacks or streams are never retried. Default: none.
   */
  readonly idempotent?: readonly string[] | ((method: string) => boolean);
  /** Options of each member's peer (`timeout` is also the pool's default per call). Default `{}`. */
  readonly peer?: PeerOptions;
  /** Makes each member's peer, e.g. `createPeer` from `saltline/secure`. Default `createPeer` from `saltline`. */
  readonly createPeer?: (transport: Transport, options: PeerOptions) => Peer;
  /**
   * Delay before a failed member is replaced, in ms: `initial` after a member that had worked,
   * doubled after each one that failed before its first message, up to `max`. Default `{ initial: 100, max: 10_000 }`.
   */
  readonly backoff?: { readonly initial?: number; readonly max?: number };
  /** Calls waiting while no member is up; more reject at once with `RESOURCE_EXHAUSTED`. Default 1,000. */
  readonly maxWaiting?: number;
}

/** One member as `stats()` reports it. */
export interface PoolMemberStats {
  readonly index: number;
  /** `up`: a peer that may take calls; `ready`: it has said hello; `down`: waiting to be replaced, or dialling. */
  readonly state: 'ready' | 'up' | 'down';
  /** Calls pending on its current peer. */
  readonly pendingCalls: number;
  /** Calls sent to this slot, over all its peers. */
  readonly calls: number;
  /** Peers of this slot that have failed. */
  readonly failures: number;
}

/** A pool's counters at one moment, per member and overall. */
export interface PoolStats {
  readonly members: readonly PoolMemberStats[];
  /** Calls waiting for a member to come up. */
  readonly waiting: number;
  /** Idempotent calls retried on another member. */
  readonly retries: number;
  /** Members made to replace failed ones. */
  readonly replacements: number;
}

/** Several members serving one API, seen as one callee: calls go to one member each. */
export interface Pool {
  /** A typed proxy whose every call goes to one member; with `options`, each call uses them. */
  // biome-ignore lint/suspicious/noExplicitAny: without a type argument the proxy is untyped
  remote<T = any>(options?: CallOptions): Remote<T>;
  /** Calls `method` on one member. */
  call<R = unknown>(method: string, args?: readonly unknown[], options?: CallOptions): Promise<R>;
  stats(): PoolStats;
  /** Closes every member and stops replacing them; pending and waiting calls reject with `UNAVAILABLE`. */
  close(reason?: unknown): void;
  /** Settles once every member has closed after `close()`. */
  readonly closed: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default `size`. */
export const DEFAULT_POOL_SIZE = 4;
/** Default `maxWaiting`. */
export const DEFAULT_MAX_WAITING = 1000;

const idempotence = (option: PoolOptions['idempotent']): ((method: string) => boolean) => {
  if (typeof option === 'function') return option;
  const names = new Set(option ?? []);
  return (method) => names.has(method);
};

/**
 * Starts `size` members from `factory` and spreads calls over them; a failed member is replaced
 * after a backoff, and only idempotent calls are retried elsewhere (running one twice must be harmless).
 */
export function createPool(factory: PoolFactory, options: PoolOptions = {}): Pool {
  const size = options.size ?? DEFAULT_POOL_SIZE;
  if (!(Number.isInteger(size) && size >= 1)) throw new TypeError(`size must be a whole number of 1 or more, not ${size}`);
  const strategy = options.strategy ?? 'least-pending';
  if (strategy !== 'least-pending' && strategy !== 'round-robin') throw new TypeError(`unknown strategy ${String(strategy)}`);
  const isIdempotent = idempotence(options.idempotent);
  const peerOptions = options.peer ?? {};
  const make = options.createPeer ?? createPlainPeer;
  const defaultTimeout = finiteTimeout(peerOptions.timeout, DEFAULT_TIMEOUT);
  const waiters = new Waiters(options.maxWaiting ?? DEFAULT_MAX_WAITING);
  const backoff = { initial: options.backoff?.initial ?? 100, max: options.backoff?.max ?? 10_000 };
  const counts = { retries: 0, replacements: 0 };
  const slots: Slot[] = [];
  for (let index = 0; index < size; index++) {
    slots.push(new Slot(index, { factory, make, peerOptions, backoff, up: () => waiters.wake(), replaced: () => counts.replacements++ }));
  }
  let cursor = 0;
  let closeReason: unknown;

  /** The member for the next call: ready ones first (a member still dialling may be a dead server), then any that is up. */
  const pick = (except?: Slot): Slot | undefined => {
    let best: Slot | undefined;
    let bestPending = Infinity;
    let bestReady = false;
    for (let i = 0; i < size; i++) {
      const slot = slots[(cursor + i) % size]!;
      const peer = slot.peer;
      if (!peer || slot === except) continue;
      const ready = peer.stats().ready;
      if (bestReady && !ready) continue;
      const pending = strategy === 'least-pending' ? peer.stats().pendingCalls : 0;
      if ((ready && !bestReady) || pending < bestPending) [best, bestPending, bestReady] = [slot, pending, ready];
      if (strategy === 'round-robin' && ready) break;
    }
    if (best) cursor = (best.index + 1) % size;
    return best;
  };

  /** A slot with a peer up, waiting (bounded) while there is none; `except` (a retry's first member) only as a replacement. */
  const member = async (deadline: number, signal: AbortSignal | undefined, except?: Slot): Promise<Slot> => {
    const failedPeer = except?.peer;
    for (;;) {
      if (closeReason !== undefined) throw new RpcError('UNAVAILABLE', 'the pool is closed', { cause: closeReason });
      const slot = pick(except) ?? (except?.peer && except.peer !== failedPeer ? except : undefined);
      if (slot) return slot;
      await waiters.wait(deadline, signal);
    }
  };

  const call = async (method: string, args: readonly unknown[], callOptions: CallOptions | undefined): Promise<unknown> => {
    const timeout = finiteTimeout(callOptions?.timeout, defaultTimeout);
    const deadline = Date.now() + timeout;
    const signal = callOptions?.signal;
    const remaining = () => (timeout === Infinity ? Infinity : deadline - Date.now());
    const first = await member(deadline, signal);
    const peer = first.peer!;
    try {
      return await first.call(peer, method, args, callOptions, remaining());
    } catch (error) {
      // Only a failed link is retried (a handler's own UNAVAILABLE is its answer), once, elsewhere.
      const linkFailed = peer.stats().closed && (error as RpcError).code === 'UNAVAILABLE';
      const retry = linkFailed && isIdempotent(method) && !hasRefs(args);
      if (!retry || signal?.aborted || remaining() <= 0 || closeReason !== undefined) throw error;
      counts.retries++;
      const second = await member(deadline, signal, first);
      return second.call(second.peer!, method, args, callOptions, remaining());
    }
  };

  const callPromise = <R>(method: string, args: readonly unknown[] = [], callOptions?: CallOptions): Promise<R> => {
    const result = typeof method === 'string' ? call(method, args, callOptions) : Promise.reject(new TypeError('method must be a string'));
    return iterable(result) as Promise<R>;
  };

  let proxy: unknown;
  let settle: () => void;
  const closed = new Promise<void>((resolve) => (settle = resolve));
  const close = (reason: unknown = new RpcError('UNAVAILABLE', 'the pool closed')) => {
    if (closeReason !== undefined) return;
    closeReason = reason;
    waiters.rejectAll(new RpcError('UNAVAILABLE', 'the pool closed', { cause: reason }));
    void Promise.all(slots.map((slot) => slot.close(reason))).then(() => settle());
  };

  return {
    remote<T>(remoteOptions?: CallOptions) {
      if (remoteOptions) return createRemoteProxy((method, args) => callPromise(method, args, remoteOptions)) as Remote<T>;
      proxy ??= createRemoteProxy((method, args) => callPromise(method, args));
      return proxy as Remote<T>;
    },
    call: callPromise,
    stats: () => ({ members: slots.map((slot) => slot.stats()), waiting: waiters.size, ...counts }),
    close,
    closed,
    async [Symbol.asyncDispose]() {
      close(new RpcError('CANCELLED', 'disposed'));
      await closed;
    },
  };
}
