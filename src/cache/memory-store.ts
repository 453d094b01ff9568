/**
 * The memory tier: a least-recently-used map bounded by bytes. Every cache has one; it answers
 * hits synchronously and hands out clones, so no caller shares an object with another.
 */
import { type CacheEntry, expiresAt, type InvalidationMatch, matches } from './store.js';

/** What `memoryStore` takes: its byte budget and the largest result it keeps. */
export interface MemoryStoreOptions {
  /** Byte budget (canonical encoding sizes); least recently used entries go first. Default 8 MiB. */
  readonly maxBytes?: number;
  /** Largest result kept; larger ones are delivered and not stored. Default 1 MiB. */
  readonly maxEntryBytes?: number;
}

export class MemoryStore {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly #entries = new Map<string, CacheEntry>();
  #bytes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? 8 << 20;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? 1 << 20, this.maxBytes);
  }

  get entries(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The entry, now most recently used; expired entries are dropped on the way. */
  get(key: string, now: number): CacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#remove(key, entry);
    if (expiresAt(entry) <= now) return undefined;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    return entry;
  }

  /** Stores unless too big, or an entry from a later request is already there. */
  put(entry: CacheEntry): boolean {
    if (entry.bytes > this.maxEntryBytes) return false;
    const old = this.#entries.get(entry.key);
    if (old) {
      if (old.order > entry.order) return false;
      this.#remove(entry.key, old);
    }
    this.#entries.set(entry.key, entry);
    this.#bytes += entry.bytes;
    for (const [key, victim] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(key, victim);
    }
    return true;
  }

  invalidate(scope: string, match: InvalidationMatch): void {
    for (const [key, entry] of this.#entries) {
      if (entry.scope === scope && !entry.invalidated && matches(match, entry.method, entry.policy.t)) {
        this.#entries.set(key, { ...entry, invalidated: true });
      }
    }
  }

  clear(principal?: string): void {
    for (const [key, entry] of this.#entries) if (principal === undefined || entry.principal === principal) this.#remove(key, entry);
  }

  #remove(key: string, entry: CacheEntry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** The default store: memory only, bounded by bytes. */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
