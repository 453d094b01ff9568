/**
 * Cache invalidations across the processes of a cluster: one raised on any process reaches the
 * caching clients of every process. It publishes on the bus; each process, on receipt, calls the
 * cache's own `invalidate(target, match)` on its local peers, which pushes it to their callers and
 * logs it for those that reconnect. `invalidate` is passed in rather than imported, so that
 * `saltline/cluster` never makes an app without a cache bundle `saltline/cache`.
 */
import type { Bus } from '../../adapters/bus.js';
import type { InvalidationMatch } from '../cache/store.js';
import type { Logger, Peer } from '../types.js';

/** Default `channel`. */
const DEFAULT_CHANNEL = 'cache:invalidate';
/** Tags or method prefixes in one invalidation, as `saltline/cache` allows. */
const MAX_ITEMS = 1024;

/** What `clusterInvalidations` takes. */
export interface ClusterInvalidationsOptions {
  /** The cluster's bus (`redisBus` from this entry). Required. */
  readonly bus: Bus;
  /** This process's peers that serve cached results: a `serveWebSocket` service (or anything with `peers`). Required. */
  readonly target: { readonly peers: Iterable<Peer> };
  /** `invalidate` from `saltline/cache`, passed in so this entry does not bundle the cache. Required. */
  readonly invalidate: (target: { readonly peers: Iterable<Peer> }, match: InvalidationMatch) => void;
  /** The bus channel; processes that share one invalidate each other. Default `'cache:invalidate'`. */
  readonly channel?: string;
  /** Where an invalidation that could not be applied here is reported. Default: silent. */
  readonly logger?: Logger;
}

/** Invalidations shared by the processes of a cluster. */
export interface ClusterInvalidations {
  /** Invalidates `match` for the caching clients of every process, this one included (checked here first). */
  invalidate(match: InvalidationMatch): void;
  /** Stops applying the other processes' invalidations here. */
  close(): void;
}

const strings = (value: unknown): value is string[] | undefined =>
  value === undefined || (Array.isArray(value) && value.length <= MAX_ITEMS && value.every((item) => typeof item === 'string'));

/** The invalidation a bus message carries, or `undefined` when it is not one. */
function readMatch(message: unknown): InvalidationMatch | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const { tags, methods, all } = message as Record<string, unknown>;
  if (!strings(tags) || !strings(methods) || (all !== undefined && all !== true)) return undefined;
  if (!tags && !methods && !all) return undefined;
  return { ...(tags ? { tags } : {}), ...(methods ? { methods } : {}), ...(all ? { all } : {}) };
}

/**
 * Shares cache invalidations among the processes on `bus`; resolves once this process hears the
 * others. Give each process's service the same channel:
 *
 * ```ts
 * const invalidations = await clusterInvalidations({ bus, target: service, invalidate });
 * invalidations.invalidate({ tags: ['product:42'] }); // every process's caching clients
 * ```
 */
export async function clusterInvalidations(options: ClusterInvalidationsOptions): Promise<ClusterInvalidations> {
  const { bus, target, invalidate, logger } = options;
  const channel = options.channel ?? DEFAULT_CHANNEL;
  const apply = (match: InvalidationMatch) => {
    // No peer here yet: nothing cached to invalidate (and the cache's invalidate would refuse).
    if (target.peers[Symbol.iterator]().next().done) return;
    invalidate(target, match);
  };
  const stop = await bus.subscribe(channel, (message, from) => {
    const match = readMatch(message);
    if (!match) return logger?.warn?.(`clusterInvalidations: a malformed invalidation from ${from} dropped`);
    try {
      apply(match);
    } catch (error) {
      logger?.warn?.('clusterInvalidations: an invalidation could not be applied', error);
    }
  });
  return {
    invalidate(match) {
      const checked = readMatch(match);
      if (!checked) throw new TypeError(`invalidate() needs tags or methods (at most ${MAX_ITEMS}, as strings) or all: true`);
      bus.publish(channel, checked);
    },
    close: stop,
  };
}
