/**
 * `saltline/cache`: cached results. The exposing side declares a policy with `cached()` and
 * pushes invalidations; the calling side's `createCache()` serves, coalesces and revalidates.
 * See docs/guide/cache.md.
 */
export { type Cache, type CacheOptions, type CacheStats, createCache, invalidate } from './cache.js';
export { cached, ifNoneMatch, notModified } from './cached.js';
export { NotCacheable } from './canonical.js';
export { type IndexedDbStoreOptions, indexedDbStore } from './indexeddb-store.js';
export { type MemoryStoreOptions, memoryStore } from './memory-store.js';
export type { CachePolicy } from './policy.js';
export type { CacheEntry, InvalidationMatch, PersistentStore } from './store.js';
