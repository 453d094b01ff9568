#!/usr/bin/env node
// Python ↔ Node over WebSocket on loopback: calls/s and MB/s of saltline echo calls, next to a raw
// WebSocket echo of the same payloads measured in the same run (Python `websockets` server for the
// Node client; Node `ws` server for the Python client). 32 requests in flight on one connection.
//
//   npx rollup -c && node bench/python.mjs [--seconds=3] [--json]
//
// Needs /usr/bin/python3 with python3-msgpack, python3-nacl, python3-websockets (PYTHON overrides).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { createPeer } from '../dist/index.js';
import { msgpackCodec } from '../dist/msgpack.js';
import { fromWebSocket, serveWebSocket } from '../dist/websocket.js';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);
const json = process.argv.includes('--json');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./python_peer.py', import.meta.url));
const IN_FLIGHT = 32;
const SMALL = new Uint8Array(16).fill(120);
const LARGE = new Uint8Array(1 << 20);

/** Completed `one()`s with IN_FLIGHT at once for SECONDS. */
async function rate(one) {
  let done = 0;
  const started = performance.now();
  const stop = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < stop) {
        await one();
        done++;
      }
    }),
  );
  return { calls: done, seconds: (performance.now() - started) / 1000 };
}

/** A raw echo over one socket with IN_FLIGHT messages outstanding. */
async function pipelined(socket, payload) {
  const started = performance.now();
  const stop = started + SECONDS * 1000;
  let outstanding = IN_FLIGHT;
  let done = 0;
  await new Promise((resolve) => {
    socket.on('message', () => {
      outstanding--;
      done++;
      if (performance.now() < stop) {
        socket.send(payload);
        outstanding++;
      } else if (outstanding === 0) resolve();
    });
    for (let i = 0; i < IN_FLIGHT; i++) socket.send(payload);
  });
  socket.removeAllListeners('message');
  return { calls: done, seconds: (performance.now() - started) / 1000 };
}

const opened = (socket) => once(socket, 'open');

// ---- Node client → Python server ----------------------------------------------------------------
const python = spawn(PYTHON, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = JSON.parse((await createInterface({ input: python.stdout })[Symbol.asyncIterator]().next()).value);
const nodeToPython = {};
{
  const socket = new WebSocket(`ws://127.0.0.1:${ports.port}`, { maxPayload: 64 << 20 });
  const peer = createPeer(fromWebSocket(socket), { codec: msgpackCodec() });
  const remote = peer.remote();
  await remote.echo(SMALL);
  nodeToPython['saltline small'] = await rate(() => remote.echo(SMALL));
  nodeToPython['saltline 1 MiB'] = await rate(() => remote.echo(LARGE));
  peer.close();
  await peer.closed;
  const raw = new WebSocket(`ws://127.0.0.1:${ports.raw}`, { maxPayload: 64 << 20 });
  await opened(raw);
  nodeToPython['raw small'] = await pipelined(raw, SMALL);
  nodeToPython['raw 1 MiB'] = await pipelined(raw, LARGE);
  raw.close();
}
python.stdin.end();
await once(python, 'exit');

// ---- Python client → Node server ----------------------------------------------------------------
const service = await serveWebSocket(
  { host: '127.0.0.1', port: 0, maxMessageSize: 64 << 20, peer: { expose: { echo: (v) => v } } },
  () => {},
);
const rawServer = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 << 20 });
rawServer.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
await once(rawServer, 'listening');
const client = spawn(PYTHON, [script, 'client', String(service.address().port), String(rawServer.address().port), String(SECONDS)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
client.stdout.on('data', (chunk) => (out += chunk));
await once(client, 'exit');
const pythonToNode = JSON.parse(out);
await service.close();
rawServer.close();

// ---- report -------------------------------------------------------------------------------------
const rows = [];
for (const [direction, results] of [
  ['Node → Python', nodeToPython],
  ['Python → Node', pythonToNode],
]) {
  for (const size of ['small', '1 MiB']) {
    const ours = results[`saltline ${size}`];
    const raw = results[`raw ${size}`];
    const perSecond = (r) => r.calls / r.seconds;
    const bytes = size === 'small' ? 16 : 1 << 20;
    rows.push({
      direction,
      payload: size === 'small' ? '16 B' : '1 MiB',
      saltline: `${Math.round(perSecond(ours))} calls/s, ${((perSecond(ours) * bytes * 2) / 1e6).toFixed(1)} MB/s`,
      raw: `${Math.round(perSecond(raw))} echoes/s, ${((perSecond(raw) * bytes * 2) / 1e6).toFixed(1)} MB/s`,
      ratio: (perSecond(ours) / perSecond(raw)).toFixed(2),
    });
  }
}
if (json) console.log(JSON.stringify(rows));
else console.table(rows);
