#!/usr/bin/env node
// WebSocket load: one saltline `ws` server holds CLIENTS client peers, each keeping
// IN_FLIGHT calls in flight, on loopback. Reports calls/s, latency, and memory per peer on each
// side; checks that no reply is lost, duplicated or crossed.
//
//   npx rollup -c && node --expose-gc bench/ws-load.mjs [--clients=200] [--in-flight=50] [--seconds=10] [--json]
//
// The server runs in this process and the clients in a forked child, so each side's memory is its
// own (and each gets a core). Memory per peer = (after connecting − before) / CLIENTS, after a GC:
// V8 heap (heapUsed), ArrayBuffers (arrayBuffers) and the process's RSS. It imports the BUILT
// package (dist/), as a user would. Everything stays on 127.0.0.1.
import { fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { createPeer } from '../dist/index.js';
import { fromWebSocket, serveWebSocket } from '../dist/websocket.js';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
};
const CLIENTS = arg('clients', 200);
const IN_FLIGHT = arg('in-flight', 50);
const SECONDS = arg('seconds', 10);
const WARMUP_MS = 1000;
const json = process.argv.includes('--json');

function gc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) globalThis.gc();
}

function memory() {
  gc();
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, arrayBuffers, rss };
}

const perPeer = (before, after) => ({
  heapUsed: Math.round((after.heapUsed - before.heapUsed) / CLIENTS),
  arrayBuffers: Math.round((after.arrayBuffers - before.arrayBuffers) / CLIENTS),
  rss: Math.round((after.rss - before.rss) / CLIENTS),
});

// ---- the clients (child process) ------------------------------------------------------------

/** Memory per bare `ws` connection (no saltline), the baseline the peer figures are read against. */
async function rawBaseline(url) {
  const before = memory();
  const sockets = [];
  for (let i = 0; i < CLIENTS; i++) sockets.push(new WebSocket(url));
  await Promise.all(sockets.map((socket) => new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))));
  const after = memory();
  process.send({ type: 'raw-connected' });
  await new Promise((resolve) => process.once('message', resolve));
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve).close())));
  return perPeer(before, after);
}

async function clients(url, rawUrl) {
  const memoryPerRawClient = await rawBaseline(rawUrl);
  const before = memory();
  const peers = [];
  for (let i = 0; i < CLIENTS; i++) peers.push(createPeer(fromWebSocket(new WebSocket(url)), { timeout: 0 }));
  await Promise.all(peers.map((peer, client) => peer.call('hello', [client])));
  const after = memory();
  process.send({ type: 'connected' });

  let running = true;
  let measuring = false;
  let completed = 0;
  let crossed = 0;
  const latencies = [];
  const sent = new Array(CLIENTS).fill(0);
  const loop = async (peer, client) => {
    while (running) {
      const seq = sent[client]++;
      const started = performance.now();
      const reply = await peer.call('work', [client, seq]);
      if (reply[0] !== client || reply[1] !== seq) crossed++;
      if (measuring) {
        completed++;
        latencies.push(performance.now() - started);
      }
    }
  };
  const loops = [];
  for (const [client, peer] of peers.entries()) for (let j = 0; j < IN_FLIGHT; j++) loops.push(loop(peer, client));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  measuring = false;
  running = false;
  await Promise.all(loops); // every call in flight gets its reply before we count
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const totalSent = sent.reduce((a, b) => a + b, 0);
  for (const peer of peers) peer.close();
  await Promise.all(peers.map((peer) => peer.closed));
  process.send({
    type: 'done',
    callsPerSecond: completed / elapsed,
    completed,
    elapsed,
    totalSent,
    crossed,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) ?? 0 },
    memoryPerClientPeer: perPeer(before, after),
    memoryPerRawClient,
  });
}

// ---- the server (this process) ----------------------------------------------------------------

async function server() {
  const raw = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => raw.once('listening', resolve));
  const rawUrl = `ws://127.0.0.1:${raw.address().port}/`;
  const rawSockets = new Set();
  raw.on('connection', (socket) => rawSockets.add(socket).size && socket.once('close', () => rawSockets.delete(socket)));
  const rawBefore = memory();
  let rawAfter;
  const before = memory();
  let handled = 0;
  let duplicates = 0;
  const seen = [];
  const service = await serveWebSocket({ host: '127.0.0.1', port: 0 }, (peer) => {
    peer.expose({
      hello: (client) => {
        seen[client] = new Set();
        return client;
      },
      work: (client, seq) => {
        handled++;
        const mine = seen[client];
        if (mine.has(seq)) duplicates++;
        else mine.add(seq);
        return [client, seq];
      },
    });
  });
  const child = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), `--child=${service.url}`, `--raw=${rawUrl}`], {
    execArgv: ['--expose-gc'],
  });
  let afterConnect;
  const result = await new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'raw-connected') {
        rawAfter = memory();
        child.send({ type: 'go' });
      }
      if (message.type === 'connected') afterConnect = memory();
      if (message.type === 'done') resolve(message);
    });
    child.on('exit', (code) => code && reject(new Error(`the client process exited with ${code}`)));
  });
  const memoryPerServerPeer = perPeer(before, afterConnect);
  const memoryPerRawServerConnection = perPeer(rawBefore, rawAfter);
  await service.close();
  await new Promise((resolve) => raw.close(resolve));
  const lost = result.totalSent - handled;
  const report = {
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    command: `node --expose-gc bench/ws-load.mjs --clients=${CLIENTS} --in-flight=${IN_FLIGHT} --seconds=${SECONDS}`,
    clients: CLIENTS,
    inFlightPerClient: IN_FLIGHT,
    seconds: SECONDS,
    callsPerSecond: Math.round(result.callsPerSecond),
    latencyMs: Object.fromEntries(Object.entries(result.latencyMs).map(([k, v]) => [k, Number(v.toFixed(2))])),
    calls: { sent: result.totalSent, handled, lost, duplicated: duplicates, crossed: result.crossed },
    memoryPerClientPeer: result.memoryPerClientPeer,
    memoryPerServerPeer,
    memoryPerRawClient: result.memoryPerRawClient,
    memoryPerRawServerConnection,
  };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    const m = (x) => `heap ${kib(x.heapUsed)}, ArrayBuffers ${kib(x.arrayBuffers)}, RSS ${kib(x.rss)}`;
    console.log(`${report.command}`);
    console.log(
      `machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}`,
    );
    console.log(`${CLIENTS} clients × ${IN_FLIGHT} calls in flight, ${SECONDS} s: ${report.callsPerSecond.toLocaleString('en')} calls/s`);
    console.log(
      `latency ms: p50 ${report.latencyMs.p50}, p90 ${report.latencyMs.p90}, p99 ${report.latencyMs.p99}, max ${report.latencyMs.max}`,
    );
    console.log(`calls: ${report.calls.sent} sent, ${handled} handled, ${lost} lost, ${duplicates} duplicated, ${result.crossed} crossed`);
    console.log(`memory per client peer: ${m(report.memoryPerClientPeer)}`);
    console.log(`memory per server peer: ${m(report.memoryPerServerPeer)}`);
    console.log(
      `baseline, bare ws (no saltline): per client socket ${m(report.memoryPerRawClient)}; per server connection ` +
        `${m(report.memoryPerRawServerConnection)}`,
    );
  }
  if (lost || duplicates || result.crossed) process.exitCode = 1;
}

const child = process.argv.find((a) => a.startsWith('--child='));
const rawUrl = process.argv.find((a) => a.startsWith('--raw='));
if (child) await clients(child.slice('--child='.length), rawUrl.slice('--raw='.length));
else await server();
