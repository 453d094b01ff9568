import { describe, it, runtime } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { type CacheOptions, cached, createCache, indexedDbStore } from '../../src/cache/index.js';
import type { CacheEntry, InvalidationMatch } from '../../src/cache/store.js';
import { type CacheInfo, createPeer, type Peer, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

// Node has no IndexedDB: fake-indexeddb stands in; Chromium runs these against the real one.
if (runtime === 'node') await import('fake-indexeddb/auto' as string);

let databases = 0;
/** A database name no other test uses. */
const freshName = () => `saltline-test-${Date.now()}-${databases++}`;

type Store = ReturnType<typeof indexedDbStore>;

/** A store closed after the test. */
function openStore(name: string, options: { openTimeout?: number; maxBytes?: number } = {}): Store {
  const store = indexedDbStore({ name, ...options });
  afterClose(() => store.close());
  return store;
}

const counter = () => ({ n: 0 });

/** A caching client on `store`, connected to a server exposing `api` (or to nobody: the server is down). */
function client(store: Store, api: object | undefined, options: CacheOptions = {}): Peer {
  const cache = createCache({ store, scope: 'shop', ...options });
  const [near, far] = createMemoryPair();
  if (api) track(createPeer(far, { expose: api, cache: createCache() }));
  const peer = track(createPeer(near, { cache }));
  if (!api) far.close();
  return peer;
}

const catalogue = (runs: { n: number }, policy: Parameters<typeof cached>[0] = {}) => ({
  product: cached({ maxAge: 1000, staleIfError: 86_400_000, persist: true, private: false, ...policy }, (id: string) => {
    runs.n++;
    return { id, run: runs.n };
  }),
});

describe('the IndexedDB store', () => {
  checkLeaks();

  it('serves a persisted result, flagged stale, to a new cache on the same database while the far side is down', async () => {
    const name = freshName();
    const first = openStore(name);
    deepEqual(await client(first, catalogue(counter())).call('product', ['42']), { id: '42', run: 1 });
    await first.flush();
    first.close();
    const infos: CacheInfo[] = [];
    const offline = client(openStore(name), undefined);
    deepEqual(await offline.call('product', ['42'], { cache: { onInfo: (info) => infos.push(info) } }), { id: '42', run: 1 });
    deepEqual(
      infos.map((info) => [info.source, info.stale]),
      [['indexeddb', true]],
    );
  });

  it('revalidates a persisted result first when the far side is up again', async () => {
    const name = freshName();
    const runs = counter();
    const first = openStore(name);
    await client(first, catalogue(runs)).call('product', ['42']);
    await first.flush();
    first.close();
    deepEqual(await client(openStore(name), catalogue(runs)).call('product', ['42']), { id: '42', run: 2 });
  });

  it('does not persist results whose policy does not say persist', async () => {
    const name = freshName();
    const first = openStore(name);
    await client(first, catalogue(counter(), { persist: false })).call('product', ['1']);
    await first.flush();
    equal(await first.get((await keysOf(name))[0] ?? 'none'), undefined);
  });

  it('persists nothing for a call whose handler throws', async () => {
    const name = freshName();
    const store = openStore(name);
    const api = {
      product: cached({ maxAge: 1000, persist: true, private: false }, () => {
        throw new RpcError('INTERNAL', 'broken');
      }),
    };
    await rejectsWith(client(store, api).call('product', ['1']), 'INTERNAL');
    await store.flush();
    equal((await keysOf(name)).length, 0);
  });

  it('does not persist private results unless the cache says persistPrivate', async () => {
    const name = freshName();
    const store = openStore(name);
    await client(store, catalogue(counter(), { private: true })).call('product', ['1']);
    await store.flush();
    equal((await keysOf(name)).length, 0);
    await client(store, catalogue(counter(), { private: true }), { persistPrivate: true, principal: () => 'u1' }).call('product', ['1']);
    await store.flush();
    equal((await keysOf(name)).length, 1);
  });

  it("empties only the principal's entries from IndexedDB on clear({ principal })", async () => {
    const name = freshName();
    const store = openStore(name);
    let user = 'u1';
    const cache = createCache({ store, scope: 'shop', persistPrivate: true, principal: () => user });
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: catalogue(counter(), { private: true }), cache: createCache() }));
    const peer = track(createPeer(near, { cache }));
    await peer.call('product', ['1']);
    user = 'u2';
    await peer.call('product', ['1']);
    await store.flush();
    equal((await keysOf(name)).length, 2);
    await cache.clear({ principal: 'u1' });
    equal((await keysOf(name)).length, 1);
  });

  it("drops another instance's memory entry when one invalidates (BroadcastChannel)", async () => {
    const name = freshName();
    const runs = counter();
    const storeA = openStore(name);
    const storeB = openStore(name);
    const api = catalogue(runs, { tags: (args) => [`product:${args[0]}`] });
    const a = createCache({ store: storeA, scope: 'shop' });
    const b = createCache({ store: storeB, scope: 'shop' });
    const [nearB, farB] = createMemoryPair();
    const server = track(createPeer(farB, { expose: api, cache: createCache() }));
    const peerB = track(createPeer(nearB, { cache: b }));
    await peerB.call('product', ['7']);
    const heard = new Promise<InvalidationMatch>((resolve) => storeB.onRemoteInvalidate((_scope, match) => resolve(match)));
    storeA.invalidate('shop', { tags: ['product:7'] });
    await heard;
    await peerB.call('product', ['7']);
    equal(runs.n, 2);
    void a;
    void server;
  });

  it("refuses a write from a request that started before another instance's invalidation (the epoch check)", async () => {
    const name = freshName();
    const storeA = openStore(name);
    const storeB = openStore(name);
    const started = Date.now() * 1000 - 1_000_000;
    storeA.invalidate('shop', { all: true });
    await storeA.flush();
    storeB.put(entry('k', started));
    await storeB.flush();
    equal(await storeB.get('k'), undefined);
  });

  it('never replaces a newer entry with an older one', async () => {
    const store = openStore(freshName());
    store.put({ ...entry('k', 2_000), value: 'newer' });
    store.put({ ...entry('k', 1_000), value: 'older' });
    await store.flush();
    equal((await store.get('k'))?.value, 'newer');
  });

  it('evicts the least recently used entries past its byte budget', async () => {
    const store = openStore(freshName(), { maxBytes: 1000 });
    for (let i = 0; i < 5; i++) store.put({ ...entry(`k${i}`, i + 1), bytes: 400 });
    await store.flush();
    equal(await store.get('k0'), undefined);
    ok(await store.get('k4'));
  });

  it('runs memory-only, without an error, where there is no IndexedDB (Node)', async () => {
    const real = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')!;
    Object.defineProperty(globalThis, 'indexedDB', { configurable: true, value: undefined });
    let store: Store;
    try {
      store = openStore(freshName());
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', real);
    }
    const runs = counter();
    const peer = client(store, catalogue(runs));
    await peer.call('product', ['1']);
    await peer.call('product', ['1']);
    equal(runs.n, 1);
    equal(store.failed, true);
  });

  it('falls back to memory-only when opening hangs, and the calls still succeed', async () => {
    const real = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')!;
    // An open request that never succeeds nor fails (Safari's hang, a blocked upgrade).
    Object.defineProperty(globalThis, 'indexedDB', { configurable: true, value: { open: () => new EventTarget() } });
    let store: Store;
    try {
      store = openStore(freshName(), { openTimeout: 20 });
      const peer = client(store, catalogue(counter()));
      deepEqual(await peer.call('product', ['1']), { id: '1', run: 1 });
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', real);
    }
    equal(store.failed, true);
  });

  it('falls back to memory-only after a QuotaExceededError that eviction does not cure, and the calls still succeed', async () => {
    const proto = globalThis.IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = () => {
      throw new DOMException('full', 'QuotaExceededError');
    };
    const store = openStore(freshName());
    try {
      const runs = counter();
      const peer = client(store, catalogue(runs));
      await peer.call('product', ['1']);
      await store.flush();
      equal(await peer.call('product', ['1'], { cache: 'cache-only' }).then(() => 'memory'), 'memory');
    } finally {
      proto.put = put;
    }
    equal(store.failed, true);
  });

  it('reopens a connection closed under it once (InvalidStateError), and still serves the persisted result', async () => {
    const name = freshName();
    const store = openStore(name);
    const [connection] = await connectionsOpenedBy(async () => {
      await client(store, catalogue(counter())).call('product', ['42']);
      await store.flush();
    });
    connection!.close(); // as Safari does to a page in the background
    const infos: CacheInfo[] = [];
    const offline = client(store, undefined);
    deepEqual(await offline.call('product', ['42'], { cache: { onInfo: (info) => infos.push(info) } }), { id: '42', run: 1 });
    deepEqual([infos[0]?.source, store.failed], ['indexeddb', false]);
  });

  it('falls back to memory-only when the reopened connection is closed too, and the calls still succeed', async () => {
    const store = openStore(freshName());
    const runs = counter();
    const connections = await connectionsOpenedBy(async (opened) => {
      await client(store, catalogue(runs)).call('product', ['1']);
      await store.flush();
      opened[0]!.close();
      await store.get('none'); // the one reopening
    });
    connections[1]!.close();
    deepEqual(await client(store, catalogue(runs)).call('product', ['2']), { id: '2', run: 2 });
    equal(store.failed, true);
  });
});

/** The connections `indexedDB.open` made while `run` ran, in order (a test closes them under the store). */
async function connectionsOpenedBy(run: (opened: IDBDatabase[]) => Promise<void>): Promise<IDBDatabase[]> {
  const proto = IDBFactory.prototype;
  const open = proto.open;
  const connections: IDBDatabase[] = [];
  proto.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    const request = open.apply(this, args);
    request.addEventListener('success', () => connections.push(request.result));
    return request;
  };
  try {
    await run(connections);
  } finally {
    proto.open = open;
  }
  return connections;
}

/** An entry of scope `shop` ordered `order`. */
function entry(key: string, order: number): CacheEntry {
  return {
    key,
    scope: 'shop',
    principal: '',
    method: 'm',
    value: key,
    bytes: 10,
    storedAt: Date.now(),
    policy: { a: 60_000 },
    invalidated: false,
    order,
  };
}

/** The keys stored in database `name`, read directly. */
async function keysOf(name: string): Promise<string[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction('entries').objectStore('entries').getAllKeys();
      request.onsuccess = () => resolve(request.result as string[]);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}
