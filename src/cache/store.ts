/** What the stores keep: one result of one call, with the policy it came with. */
import type { WirePolicy } from './policy.js';

/** One stored result of one call, with the policy it came with, as a store keeps it. */
export interface CacheEntry {
  /** The call's key (`cacheKey`): scope, principal, method and arguments, hashed. */
  readonly key: string;
  /** Whose results: the far side's identity, or the cache's `scope` option. */
  readonly scope: string;
  /** The local principal the entry belongs to; `''` for none. */
  readonly principal: string;
  readonly method: string;
  /** The result, as a structured-clone copy that no caller holds. */
  readonly value: unknown;
  /** Size of the result's canonical encoding: what the byte budgets count. */
  readonly bytes: number;
  /** `Date.now()` when the result arrived (or was last revalidated). */
  readonly storedAt: number;
  readonly policy: WirePolicy;
  /** An invalidation matched it: it is revalidated before use, served stale only on error. */
  readonly invalidated: boolean;
  /** Start order of the request it answered: an older request never replaces a newer entry. */
  readonly order: number;
}

/** How long past its windows an entry with an etag is kept (LRU-bounded), to be revalidated cheaply. */
const ETAG_RETENTION = 86_400_000;

/** Last moment an entry may be used at all: one retention rule for fresh, SWR, SIE and validators. */
export function expiresAt(entry: CacheEntry): number {
  const { a, w = 0, e = 0, m, g } = entry.policy;
  return entry.storedAt + a + Math.max(m ? 0 : Math.max(w, e), g === undefined ? 0 : ETAG_RETENTION);
}

/** Whether an invalidation of `tags` or method prefixes `methods` (or `all`) covers an entry. */
export interface InvalidationMatch {
  readonly tags?: readonly string[];
  readonly methods?: readonly string[];
  readonly all?: boolean;
}

export function matches(match: InvalidationMatch, method: string, tags: readonly string[] | undefined): boolean {
  if (match.all) return true;
  if (match.methods?.some((prefix) => method === prefix || method.startsWith(prefix.endsWith('.') ? prefix : `${prefix}.`))) return true;
  return !!tags && !!match.tags?.some((tag) => tags.includes(tag));
}

/** A store that outlives the page (IndexedDB): asynchronous, and allowed to fail into memory-only. */
export interface PersistentStore {
  readonly kind: 'indexeddb';
  get(key: string): Promise<CacheEntry | undefined>;
  /** Queued: never delays a call; an older entry never replaces a newer one. */
  put(entry: CacheEntry): void;
  delete(key: string): void;
  /** Marks the scope's matching entries invalidated, here and in other tabs on the same database. */
  invalidate(scope: string, match: InvalidationMatch): void;
  /** Removes every entry, or the principal's. */
  clear(principal?: string): Promise<void>;
  /** Told when another tab invalidated entries of the database. */
  onRemoteInvalidate(listener: (scope: string, match: InvalidationMatch) => void): void;
  /** Whether it has fallen back to memory-only (quota, blocked or hanging open, closed connection). */
  readonly failed: boolean;
  close(): void;
}
