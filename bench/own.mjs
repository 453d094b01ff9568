#!/usr/bin/env node
// saltline's own benchmarks, against the BUILT package (dist/):
//
//   node --expose-gc bench/own.mjs [--json=FILE]
//     [--only=memory,worker-calls,worker-payload,worker-streams,net-streams,handshake,chromium-ws,plugins,cpu]
//
// `--only=ws-streams` runs net-streams' WebSocket table alone (what issue 20's goals table needs;
// bench/run.mjs --only=issue20); it is not part of a run without --only.
//
// Markdown on stdout, progress on stderr. `npm run bench` runs it (bench/run.mjs) and writes the
// tables into docs/benchmarks.md. Knobs as in the peer-bench: BENCH_ROUNDS (7), BENCH_SLICE_MS
// (150), BENCH_WARMUP_MS (100), BENCH_DEPTH (100), plus BENCH_PEERS (1000, the memory suite),
// BENCH_STREAM_CHUNKS (256 chunks of 64 KiB per stream, net-streams) and BENCH_HANDSHAKES (40).
// The network suites (WebSocket, WebRTC data channel, secure channel, handshakes) are in
// bench/lib/net-streams.mjs, their far end in a child process (bench/lib/far-net.mjs).
//
// Suites still to come are listed in `suites` with the feature they wait for; each one is a
// function returning { markdown, data } — add it there when its feature lands.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import { createPeer } from '../dist/index.js';
import { fromPort } from '../dist/worker.js';
import { chromiumWs } from './lib/chromium-ws.mjs';
import { cpuSuite } from './lib/cpu.mjs';
import { MiB1, makeBytes, service } from './lib/fixtures.mjs';
import { config, fmt, fmtRatio, gc, inflight, interleave, log, ratio, seq, table } from './lib/measure.mjs';
import { handshakes, netStreams } from './lib/net-streams.mjs';
import { pluginCost } from './lib/plugins.mjs';

const MB = 1e6;

// ---- transports -------------------------------------------------------------------------------

/** A worker_threads Worker serving raw or saltline on ports we transfer to it. */
async function farWorker() {
  const worker = new Worker(new URL('./lib/far-worker.mjs', import.meta.url));
  await once(worker, 'online');
  let next = 0;
  const pending = new Map();
  worker.on('message', ({ id, error }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (error) p.reject(new Error(`far worker: ${error}`));
    else p.resolve();
  });
  const ports = [];
  return {
    /** Opens a channel whose far end the worker serves with `kind` ('raw' | 'saltline'). */
    async open(kind, options) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port2);
      const id = next++;
      const served = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.postMessage({ id, kind, port: port1, options }, [port1]);
      await served;
      return port2;
    },
    async close() {
      for (const port of ports) {
        port.removeAllListeners();
        port.close();
      }
      await worker.terminate();
    },
  };
}

/** The peer-bench's raw baseline: postMessage [method, ...args], replies matched FIFO. */
function rawClient(port) {
  const waiting = [];
  port.on('message', (result) => waiting.shift()(result));
  const call = (m, args) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage([m, ...args]);
    });
  return { add: (a, b) => call('add', [a, b]), bytes: (u8) => call('bytes', [u8]) };
}

function saltlineClient(port, options) {
  const api = createPeer(fromPort(port), options).remote();
  return { add: (a, b) => api.add(a, b), bytes: (u8) => api.bytes(u8) };
}

/** Checks a client answers correctly before it is timed. */
async function checked(client) {
  if ((await client.add(2, 3)) !== 5) throw new Error('add(2, 3) !== 5');
  if ((await client.bytes(MiB1)) !== MiB1.byteLength) throw new Error('bytes(1 MiB) wrong');
  return client;
}

/** The cases compared over a worker: the raw port first (the baseline), then saltline. */
async function workerCases(far, { withoutTimeout = true } = {}) {
  const cases = [{ name: 'raw postMessage', client: await checked(rawClient(await far.open('raw'))) }];
  cases.push({ name: 'saltline (defaults: 30 s timeout)', client: await checked(saltlineClient(await far.open('saltline'))) });
  if (withoutTimeout) {
    const options = { timeout: 0 };
    cases.push({ name: 'saltline (timeout: 0)', client: await checked(saltlineClient(await far.open('saltline', options), options)) });
  }
  return cases;
}

/** Raw streaming baseline: one request, then `count` chunks and an end marker, one way. */
function rawStreamClient(port) {
  let current;
  port.on('message', (data) => {
    if (typeof data === 'number') current.resolve(current.bytes);
    else current.bytes += data.byteLength;
  });
  return {
    stream: (count, size) =>
      new Promise((resolve) => {
        current = { resolve, bytes: 0 };
        port.postMessage(['chunks', count, size]);
      }),
  };
}

/** Consumes a saltline stream with for await, counting bytes. */
function saltlineStreamClient(port, options) {
  const api = createPeer(fromPort(port), options).remote();
  return {
    async stream(count, size) {
      let bytes = 0;
      for await (const chunk of api.chunks(count, size)) bytes += chunk.byteLength;
      return bytes;
    },
  };
}

// ---- suites -----------------------------------------------------------------------------------

/** Heap bytes per idle peer: 1,000 MessageChannel pairs, a peer on each end, after one call each. */
async function memory() {
  const n = Number(process.env.BENCH_PEERS ?? 1000);
  const heap = () => {
    for (let i = 0; i < 4; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const channels = [];
  const h0 = heap();
  for (let i = 0; i < n; i++) channels.push(new MessageChannel());
  const h1 = heap();
  const peers = [];
  for (const { port1, port2 } of channels) {
    peers.push(createPeer(fromPort(port1), { expose: service }));
    peers.push(createPeer(fromPort(port2)));
  }
  // One call on each pair: hellos exchanged, proxy made, nothing pending — an idle, used peer.
  const results = await Promise.all(peers.filter((_, i) => i % 2).map((p) => p.remote().add(1, 2)));
  if (results.some((r) => r !== 3)) throw new Error('memory: a call failed');
  const h2 = heap();
  const busy = peers.filter((p) => p.stats().pendingCalls || p.stats().activeHandlers || p.stats().timers).length;
  for (const p of peers) p.close('done');
  await Promise.all(peers.map((p) => p.closed));
  peers.length = 0;
  for (const { port1, port2 } of channels) {
    port1.close();
    port2.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  const h3 = heap();
  channels.length = 0;
  const perPeer = (h2 - h1) / (2 * n);
  const rows = [
    [`${n} MessageChannel pairs, no peers (baseline)`, `${((h1 - h0) / 1e6).toFixed(2)} MB`, `${fmt((h1 - h0) / n)} B per pair`],
    [
      `+ ${2 * n} peers (one caller, one exposing per pair), after one call each, idle`,
      `${((h2 - h1) / 1e6).toFixed(2)} MB`,
      `**${fmt(perPeer)} B per peer**`,
    ],
    [`after closing every peer and port`, `${((h3 - h1) / 1e6).toFixed(2)} MB vs baseline`, `${fmt((h3 - h1) / (2 * n))} B per peer left`],
  ];
  const markdown =
    table(['heap (after full GC)', 'heap delta', 'per unit'], rows) +
    `\n\nPeers still busy when measured: ${busy} (expected 0; idle = no pending call, handler or timer).`;
  return { markdown, data: { peers: 2 * n, bytesPerPeer: perPeer, baseline: h1 - h0, afterClose: h3 - h1 } };
}

/** add(2, 3) over a worker: sequential and 100 in flight, raw vs saltline. */
async function workerCalls() {
  const far = await farWorker();
  const cases = await workerCases(far);
  const s = await interleave(cases.map(({ name, client }) => ({ name, run: (ms) => seq(() => client.add(2, 3), ms) })));
  const p = await interleave(cases.map(({ name, client }) => ({ name, run: (ms) => inflight(() => client.add(2, 3), ms) })));
  await far.close();
  const rows = cases.map((c, i) => [
    c.name,
    `**${fmt(s[i].median)}**`,
    `${fmt(s[i].min)}–${fmt(s[i].max)}`,
    fmtRatio(ratio(s[i], s[0])),
    (1e6 / s[i].median).toFixed(1),
    `**${fmt(p[i].median)}**`,
    `${fmt(p[i].min)}–${fmt(p[i].max)}`,
    fmtRatio(ratio(p[i], p[0])),
  ]);
  const markdown = table(
    ['case', 'sequential calls/s', 'min–max', 'vs raw', 'µs/call', `${config.depth} in flight calls/s`, 'min–max', 'vs raw'],
    rows,
  );
  const data = Object.fromEntries(
    cases.map((c, i) => [c.name, { sequential: s[i], inflight: p[i], seqRatio: ratio(s[i], s[0]), inflightRatio: ratio(p[i], p[0]) }]),
  );
  return { markdown, data };
}

/** One-way payloads over a worker (copied, not transferred), sequential: MB/s, raw vs saltline. */
async function workerPayload() {
  const far = await farWorker();
  const cases = await workerCases(far, { withoutTimeout: false });
  const KiB64 = makeBytes(64 * 1024);
  const run = (payload) => interleave(cases.map(({ name, client }) => ({ name, run: (ms) => seq(() => client.bytes(payload), ms) })));
  const k = await run(KiB64);
  const m = await run(MiB1);
  await far.close();
  const rows = cases.map((c, i) => [
    c.name,
    `**${fmt((k[i].median * KiB64.byteLength) / MB)}**`,
    `${fmt((k[i].min * KiB64.byteLength) / MB)}–${fmt((k[i].max * KiB64.byteLength) / MB)}`,
    fmtRatio(ratio(k[i], k[0])),
    `**${fmt((m[i].median * MiB1.byteLength) / MB)}**`,
    `${fmt((m[i].min * MiB1.byteLength) / MB)}–${fmt((m[i].max * MiB1.byteLength) / MB)}`,
    fmtRatio(ratio(m[i], m[0])),
  ]);
  const markdown =
    table(['case', '64 KiB MB/s', 'min–max', 'vs raw', '1 MiB MB/s', 'min–max', 'vs raw'], rows) +
    '\n\nBoth copy the payload (structured clone); `transfer()` would move it instead.';
  const data = Object.fromEntries(
    cases.map((c, i) => [c.name, { bytes64k: k[i], bytes1m: m[i], ratio64k: ratio(k[i], k[0]), ratio1m: ratio(m[i], m[0]) }]),
  );
  return { markdown, data };
}

/** Stream throughput over a worker: a handler streams 64 chunks of 64 KiB (4 MiB a call), consumed with for await. */
async function workerStreams() {
  const far = await farWorker();
  const count = 64;
  const size = 64 * 1024;
  const cases = [
    { name: 'raw postMessage (one-way firehose, no flow control)', client: rawStreamClient(await far.open('rawStream')) },
    { name: 'saltline (streamWindow 16, the default)', client: saltlineStreamClient(await far.open('saltline')) },
    {
      name: 'saltline (streamWindow 64)',
      client: saltlineStreamClient(await far.open('saltline', { streamWindow: 64 }), { streamWindow: 64 }),
    },
  ];
  for (const c of cases) if ((await c.client.stream(count, size)) !== count * size) throw new Error(`${c.name}: wrong byte count`);
  const s = await interleave(cases.map(({ name, client }) => ({ name, run: (ms) => seq(() => client.stream(count, size), ms) })));
  await far.close();
  const bytes = count * size;
  const rows = cases.map((c, i) => [
    c.name,
    `**${fmt((s[i].median * bytes) / MB)}**`,
    `${fmt((s[i].min * bytes) / MB)}–${fmt((s[i].max * bytes) / MB)}`,
    fmtRatio(ratio(s[i], s[0])),
  ]);
  const markdown =
    table(['case', `MB/s (${count} × 64 KiB per call)`, 'min–max', 'vs raw'], rows) +
    '\n\nThe raw baseline posts every chunk at once, without flow control; saltline pulls with credits. WebSocket and data channels: ' +
    'next table.';
  const data = Object.fromEntries(
    cases.map((c, i) => [c.name, { stats: s[i], ratio: ratio(s[i], s[0]), mbps: (s[i].median * bytes) / MB }]),
  );
  return { markdown, data };
}

/**
 * Every suite, in report order. `pending` ones wait for a feature; add their function when it lands.
 * `onRequest` ones run only when --only names them (a subset of another suite, for a quick run).
 */
export const suites = [
  { id: 'memory', title: 'Memory per idle peer', run: memory },
  { id: 'worker-calls', title: 'add(a,b) over a worker_threads Worker', run: workerCalls },
  { id: 'worker-payload', title: 'Payloads over a worker_threads Worker (one-way, sequential)', run: workerPayload },
  { id: 'worker-streams', title: 'Stream throughput over a worker_threads Worker', run: workerStreams },
  { id: 'net-streams', title: 'Stream throughput over WebSocket and a WebRTC data channel, plain and encrypted', run: netStreams },
  {
    id: 'ws-streams',
    title: 'Stream throughput over WebSocket, plain and encrypted',
    run: () => netStreams({ dataChannel: false }),
    onRequest: true,
  },
  { id: 'handshake', title: 'Connection and handshake time over WebSocket', run: handshakes },
  { id: 'chromium-ws', title: '1 MiB over WebSocket from Chromium, plain and encrypted', run: chromiumWs },
  { id: 'plugins', title: 'Per-call cost of logging, metrics and tracing (MessageChannel, same thread)', run: pluginCost },
  { id: 'cpu', title: 'CPU of both ends per MiB and per call (issue 20)', run: cpuSuite },
];

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const jsonOut = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
  const out = [];
  const data = {};
  for (const suite of suites) {
    if (only ? !only.includes(suite.id) : suite.onRequest) continue;
    if (suite.pending) {
      out.push(`### ${suite.title}`, '', `_Pending: ${suite.pending}._`, '');
      data[suite.id] = { pending: suite.pending };
      continue;
    }
    log(suite.title);
    const t0 = Date.now();
    const { markdown, data: d } = await suite.run();
    out.push(`### ${suite.title}`, '', markdown, '');
    data[suite.id] = { title: suite.title, data: d, seconds: (Date.now() - t0) / 1000 };
  }
  const markdown = out.join('\n');
  console.log(markdown);
  if (jsonOut)
    writeFileSync(
      jsonOut,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, config, suites: data, markdown }, null, 1),
    );
}

await main();
process.exit(0);
