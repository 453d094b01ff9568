/**
 * The persistent tier, on IndexedDB through `idb`: survives a reload, keeps a byte budget with
 * least-recently-used eviction, and shares invalidations between tabs. Every failure (no
 * IndexedDB, quota, a blocked or hanging open, a closed connection) turns it off: the cache goes
 * on in memory and calls still succeed. Writes are queued and never delay a call.
 */
import { type IDBPDatabase, openDB } from 'idb';
import { type CacheEntry, type InvalidationMatch, matches, type PersistentStore } from './store.js';

/** What `indexedDbStore` takes: the database's name, its byte budget and how long opening may take. */
export interface IndexedDbStoreOptions {
  /** The database's name; tabs that use one name share it. Required. */
  readonly name: string;
  /** Byte budget; past it the least recently used entries go, down to 80 %. Default 50 MiB. */
  readonly maxBytes?: number;
  /** How long opening may take before the store gives up (a blocked upgrade, Safari's hang). Default 2,000 ms. */
  readonly openTimeout?: number;
}

/** Bumped when the record layout changes: an older database is cleared, never misread. */
const SCHEMA = 1;

interface Row extends CacheEntry {
  /** `scope|tag`, for the tag index. */
  readonly st: string[];
  /** Last access, ms. */
  la: number;
}

/** How an entry's tags are indexed: per scope, so one far side's tag never matches another's. */
const scopedTags = (entry: CacheEntry) => (entry.policy.t ?? []).map((tag) => `${entry.scope}|${tag}`);

class IndexedDbStore implements PersistentStore {
  readonly kind = 'indexeddb';
  readonly #options: IndexedDbStoreOptions;
  readonly #maxBytes: number;
  #db: Promise<IDBPDatabase | undefined> | undefined;
  #failed = typeof indexedDB === 'undefined';
  #reopened = false;
  #writes: Promise<void> = Promise.resolve();
  readonly #channel: BroadcastChannel | undefined;
  readonly #listeners: ((scope: string, match: InvalidationMatch) => void)[] = [];

  constructor(options: IndexedDbStoreOptions) {
    this.#options = options;
    this.#maxBytes = options.maxBytes ?? 50 << 20;
    if (this.#failed || typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`saltline-cache:${options.name}`);
    (this.#channel as { unref?: () => void }).unref?.();
    this.#channel.onmessage = (event: MessageEvent) => {
      const { scope, match } = (event.data ?? {}) as { scope?: unknown; match?: InvalidationMatch };
      if (typeof scope === 'string' && match) for (const listener of this.#listeners) listener(scope, match);
    };
  }

  get failed(): boolean {
    return this.#failed;
  }

  onRemoteInvalidate(listener: (scope: string, match: InvalidationMatch) => void): void {
    this.#listeners.push(listener);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const db = await this.#open();
    if (!db) return undefined;
    try {
      const row = (await db.get('entries', key)) as Row | undefined;
      if (row && Date.now() - row.la > 60_000) this.#queue(async (db) => void (await db.put('entries', { ...row, la: Date.now() })));
      return row;
    } catch (error) {
      return this.#retry(error, () => this.get(key));
    }
  }

  put(entry: CacheEntry): void {
    this.#queue((db) => this.#write(db, entry, 1));
  }

  delete(key: string): void {
    this.#queue(async (db) => {
      const tx = db.transaction(['entries', 'meta'], 'readwrite');
      const old = (await tx.objectStore('entries').get(key)) as Row | undefined;
      if (old) {
        await tx.objectStore('entries').delete(key);
        await this.#addBytes(tx.objectStore('meta'), -old.bytes);
      }
      await tx.done;
    });
  }

  invalidate(scope: string, match: InvalidationMatch): void {
    this.#channel?.postMessage({ scope, match });
    this.#queue(async (db) => {
      const tx = db.transaction(['entries', 'meta'], 'readwrite');
      // Writes of requests that started before this moment are refused, in every tab (the epoch check).
      await tx.objectStore('meta').put(Date.now() * 1000, `epoch:${scope}`);
      let cursor = await tx.objectStore('entries').index('byScope').openCursor(scope);
      while (cursor) {
        const row = cursor.value as Row;
        if (!row.invalidated && matches(match, row.method, row.policy.t)) await cursor.update({ ...row, invalidated: true });
        cursor = await cursor.continue();
      }
      await tx.done;
    });
  }

  async clear(principal?: string): Promise<void> {
    this.#queue(async (db) => {
      const tx = db.transaction(['entries', 'meta'], 'readwrite');
      let cursor = await tx.objectStore('entries').openCursor();
      let freed = 0;
      while (cursor) {
        const row = cursor.value as Row;
        if (principal === undefined || row.principal === principal) {
          freed += row.bytes;
          await cursor.delete();
        }
        cursor = await cursor.continue();
      }
      await this.#addBytes(tx.objectStore('meta'), -freed);
      await tx.done;
    });
    await this.#writes;
  }

  /** Settles when every queued write has been tried. */
  flush(): Promise<void> {
    return this.#writes;
  }

  close(): void {
    this.#channel?.close();
    const db = this.#db;
    this.#db = Promise.resolve(undefined);
    this.#failed = true;
    void db?.then((open) => open?.close());
  }

  #queue(write: (db: IDBPDatabase) => Promise<void>): void {
    this.#writes = this.#writes.then(async () => {
      const db = await this.#open();
      if (!db) return;
      try {
        await write(db);
      } catch (error) {
        await this.#retry(error, async () => {
          const again = await this.#open();
          if (again) await write(again);
        }).catch(() => this.#fail());
      }
    });
  }

  /** A closed connection is reopened once; anything else (or a second failure) means memory-only. */
  async #retry<T>(error: unknown, again: () => Promise<T>): Promise<T | undefined> {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'InvalidStateError' && !this.#reopened) {
      this.#reopened = true;
      this.#db = undefined;
      return again();
    }
    this.#fail();
    return undefined;
  }

  async #write(db: IDBPDatabase, entry: CacheEntry, attempts: number): Promise<void> {
    try {
      const tx = db.transaction(['entries', 'meta'], 'readwrite');
      const entries = tx.objectStore('entries');
      const meta = tx.objectStore('meta');
      const old = (await entries.get(entry.key)) as Row | undefined;
      const epoch = ((await meta.get(`epoch:${entry.scope}`)) as number | undefined) ?? 0;
      // Never replace a newer entry, nor store what started before another tab's invalidation.
      if ((old && old.order > entry.order) || entry.order < epoch) return void (await tx.done);
      await entries.put({ ...entry, st: scopedTags(entry), la: Date.now() } satisfies Row);
      const total = await this.#addBytes(meta, entry.bytes - (old?.bytes ?? 0));
      if (total > this.#maxBytes) await this.#evict(entries, meta, total, this.#maxBytes * 0.8);
      await tx.done;
    } catch (error) {
      if ((error as { name?: string } | null)?.name !== 'QuotaExceededError' || attempts === 0) throw error;
      // Over quota: make room (down to half the budget) and try once more; a second failure turns the store off.
      const tx = db.transaction(['entries', 'meta'], 'readwrite');
      const total = ((await tx.objectStore('meta').get('totals')) as number | undefined) ?? 0;
      await this.#evict(tx.objectStore('entries'), tx.objectStore('meta'), total, this.#maxBytes * 0.5);
      await tx.done;
      await this.#write(db, entry, attempts - 1);
    }
  }

  /** Deletes least recently used entries until the total is at most `target`. */
  // biome-ignore lint/suspicious/noExplicitAny: idb's store types for an untyped schema
  async #evict(entries: any, meta: any, total: number, target: number): Promise<void> {
    let cursor = await entries.index('byAccess').openCursor();
    while (cursor && total > target) {
      total -= (cursor.value as Row).bytes;
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await meta.put(Math.max(0, total), 'totals');
  }

  // biome-ignore lint/suspicious/noExplicitAny: idb's store types for an untyped schema
  async #addBytes(meta: any, delta: number): Promise<number> {
    const total = Math.max(0, (((await meta.get('totals')) as number | undefined) ?? 0) + delta);
    await meta.put(total, 'totals');
    return total;
  }

  #fail(): void {
    this.#failed = true;
    this.#db = Promise.resolve(undefined);
  }

  #open(): Promise<IDBPDatabase | undefined> {
    if (this.#failed) return Promise.resolve(undefined);
    this.#db ??= this.#connect();
    return this.#db;
  }

  async #connect(): Promise<IDBPDatabase | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.#options.openTimeout ?? 2000, undefined);
    });
    const opening = Promise.resolve()
      .then(() =>
        openDB(this.#options.name, SCHEMA, {
          upgrade(db) {
            for (const name of [...db.objectStoreNames]) db.deleteObjectStore(name);
            const entries = db.createObjectStore('entries', { keyPath: 'key' });
            entries.createIndex('byTag', 'st', { multiEntry: true });
            entries.createIndex('byScope', 'scope');
            entries.createIndex('byAccess', 'la');
            db.createObjectStore('meta');
          },
          blocked: () => this.#fail(),
          blocking: () => void this.#db?.then((db) => db?.close()).then(() => (this.#db = undefined)),
          terminated: () => (this.#db = undefined),
        }),
      )
      .catch(() => undefined); // VersionError (a newer tab owns it) and the rest: memory-only, nothing deleted
    const db = await Promise.race([opening, giveUp]);
    clearTimeout(timer);
    if (!db) {
      this.#fail();
      void opening.then((late) => late?.close());
    }
    return db;
  }
}

/**
 * A persistent store for `createCache({ store })`. In a runtime without IndexedDB (Node) it
 * stays off and the cache runs memory-only, without errors.
 */
export function indexedDbStore(options: IndexedDbStoreOptions): PersistentStore & { flush(): Promise<void> } {
  if (typeof options?.name !== 'string' || options.name === '') throw new TypeError('indexedDbStore() needs a database name');
  return new IndexedDbStore(options);
}
