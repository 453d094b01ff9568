#!/usr/bin/env node
// What the result cache (saltline/cache) saves and costs, in one run:
//
//   node --expose-gc bench/cache.bench.mjs [--json=FILE]
//
// The far side runs in a worker_threads Worker (its own core): it serves saltline on ports the
// main thread transfers to it and on a WebSocket server on 127.0.0.1, the same api behind a
// server-side cache plugin. The main thread calls `product(42)` (a 100-byte object under
// `cached({ maxAge: 1 h })`) one call at a time, interleaved (bench/lib/measure.mjs): from a peer
// without a cache (the network call), from a peer whose cache holds it (a memory hit), and from
// one whose memory tier is too small to hold it, so each call is read from IndexedDB
// (fake-indexeddb here: Node has no IndexedDB; see the note in the report). Then: 100 identical
// concurrent calls, counted at the far side; and `add(1, 2)` (no policy) from peers with and
// without a cache configured. Runs the TypeScript sources through tsx (no build needed).
// Markdown on stdout, progress on stderr. Knobs: BENCH_ROUNDS, BENCH_SLICE_MS, BENCH_WARMUP_MS.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { isMainThread, MessageChannel, parentPort, Worker } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import { config, fmt, fmtRatio, interleave, ratio, seq, table } from './lib/measure.mjs';

register();
const { createPeer } = await import('../src/index.ts');
const { cached, createCache, indexedDbStore } = await import('../src/cache/index.ts');
const { fromPort } = await import('../adapters/worker.ts');
const { fromWebSocket, serveWebSocket } = await import('../adapters/websocket.ts');

// ---- the far side -----------------------------------------------------------------------------

if (!isMainThread) {
  let runs = 0;
  const product = { id: 42, name: 'Cast-iron teapot', price: 19.5, currency: 'EUR', tags: ['kitchen', 'tea'], stock: 7 };
  const api = {
    add: (a, b) => a + b,
    product: cached({ maxAge: 3_600_000, persist: true, private: false }, (id) => ({ ...product, id })),
    /** Coalescing only (maxAge 0): answers on the next turn, so concurrent calls overlap. */
    burst: cached({ maxAge: 0 }, async (id) => {
      runs++;
      await new Promise((resolve) => setImmediate(resolve));
      return id;
    }),
    runs: () => runs,
  };
  const cache = createCache();
  const service = await serveWebSocket({ port: 0, peer: { expose: api, cache } }, () => undefined);
  parentPort.on('message', ({ port, close }) => {
    if (close) return void service.close().then(() => process.exit(0));
    createPeer(fromPort(port), { expose: api, cache });
  });
  parentPort.postMessage({ url: service.url });
} else {
  await import('fake-indexeddb/auto');
  const { default: WebSocket } = await import('ws');
  const say = (...a) => console.error('[cache-bench]', ...a);
  const worker = new Worker(new URL(import.meta.url));
  const [{ url }] = await once(worker, 'message');

  const overPort = (options) => {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ port: port2 }, [port2]);
    return createPeer(fromPort(port1), options);
  };
  const overWs = (options) => createPeer(fromWebSocket(new WebSocket(url)), options);
  const idbCache = (name) => createCache({ store: indexedDbStore({ name }), maxBytes: 1, scope: name });

  const peers = {
    port: { plain: overPort(), cached: overPort({ cache: createCache() }), idb: overPort({ cache: idbCache('bench-port') }) },
    ws: { plain: overWs(), cached: overWs({ cache: createCache() }), idb: overWs({ cache: idbCache('bench-ws') }) },
  };
  for (const side of Object.values(peers)) for (const peer of Object.values(side)) await peer.call('product', [42]);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the IndexedDB writes are queued: let them land

  const call = (peer, method, args) => () => peer.call(method, args);
  say('hit against network, one call at a time');
  const cases = [
    ['worker: network call', call(peers.port.plain, 'product', [42])],
    ['worker: memory hit', call(peers.port.cached, 'product', [42])],
    ['worker: IndexedDB hit', call(peers.port.idb, 'product', [42])],
    ['WebSocket: network call', call(peers.ws.plain, 'product', [42])],
    ['WebSocket: memory hit', call(peers.ws.cached, 'product', [42])],
    ['WebSocket: IndexedDB hit', call(peers.ws.idb, 'product', [42])],
    ['worker: add(1, 2), no cache', call(peers.port.plain, 'add', [1, 2])],
    ['worker: add(1, 2), cache configured', call(peers.port.cached, 'add', [1, 2])],
  ];
  const stats = await interleave(cases.map(([name, fn]) => ({ name, run: (ms) => seq(fn, ms) })));
  const by = Object.fromEntries(stats.map((s) => [s.name, s]));

  say('coalescing');
  const burst = peers.port.cached;
  await burst.call('burst', [0]); // the caller learns that burst is cacheable
  const runsBefore = await peers.port.plain.call('runs');
  const sentBefore = burst.stats().messagesSent;
  await Promise.all(Array.from({ length: 100 }, () => burst.call('burst', [1])));
  const requests = burst.stats().messagesSent - sentBefore;
  const handlerRuns = (await peers.port.plain.call('runs')) - runsBefore;

  const us = (s) => `${(1e6 / s.median).toFixed(1)} µs`;
  const rows = stats.map((s) => [s.name, fmt(s.median), us(s), `${fmt(s.min)}–${fmt(s.max)}`]);
  const speedup = (hit, net) => ratio(by[hit], by[net]);
  const goals = [
    ['memory hit ≥ 20× a worker call', speedup('worker: memory hit', 'worker: network call'), 20],
    ['memory hit ≥ 20× a WebSocket call', speedup('WebSocket: memory hit', 'WebSocket: network call'), 20],
    ['IndexedDB hit faster than a loopback WebSocket call', speedup('WebSocket: IndexedDB hit', 'WebSocket: network call'), 1],
  ];
  const overhead = 1 - ratio(by['worker: add(1, 2), cache configured'], by['worker: add(1, 2), no cache']);
  const markdown = [
    '| goal | measured | met |',
    '| --- | ---: | :---: |',
    ...goals.map(([goal, r, min]) => `| ${goal} | ${fmtRatio(r)} | ${r >= min ? 'yes' : 'no'} |`),
    `| 100 identical concurrent calls → 1 request | ${requests} request(s), ${handlerRuns} handler run(s) | ${requests === 1 ? 'yes' : 'no'} |`,
    `| an uncached call with a cache configured costs ≤ 5 % | ${(overhead * 100).toFixed(1)} % | ${overhead <= 0.05 ? 'yes' : 'no'} |`,
    '',
    table(['case (one call at a time)', 'calls/s', 'per call', 'min–max'], rows),
    '',
    "The IndexedDB rows use fake-indexeddb (Node has no IndexedDB): they show the store path, not a browser's disk; " +
      "the specs run that path against Chromium's real IndexedDB.",
  ].join('\n');
  console.log(markdown);
  const json = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
  if (json)
    writeFileSync(
      json,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, config, stats, requests, handlerRuns, markdown }, null, 1),
    );
  for (const side of Object.values(peers)) for (const peer of Object.values(side)) peer.close();
  worker.postMessage({ close: true });
  await once(worker, 'exit');
}
