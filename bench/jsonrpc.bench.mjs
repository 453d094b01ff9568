#!/usr/bin/env node
// JSON-RPC over WebSocket, in one run: saltline's jsonRpcPeer (client and serveJsonRpc server)
// against saltline's own protocol (createPeer + serveWebSocket) and, when it is installed, the
// `json-rpc-2.0` package (its JSONRPCServerAndClient over a plain `ws` server). Each case keeps
// IN_FLIGHT calls of `add(i, 1)` in flight on one loopback connection for SECONDS, ROUNDS times,
// alternating; it reports the median calls/s. Imports the BUILT package (dist/), as a user would.
//
//   npx rollup -c && node bench/jsonrpc.bench.mjs [--in-flight=50] [--seconds=2] [--rounds=3]
import { pathToFileURL } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { createPeer } from '../dist/index.js';
import { jsonRpcPeer, serveJsonRpc } from '../dist/jsonrpc.js';
import { fromWebSocket, serveWebSocket } from '../dist/websocket.js';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
};
const IN_FLIGHT = arg('in-flight', 50);
const SECONDS = arg('seconds', 2);
const ROUNDS = arg('rounds', 3);
const api = { add: (a, b) => a + b };

/** Keeps IN_FLIGHT calls going for SECONDS; returns calls/s. */
async function drive(call) {
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const lane = async () => {
    for (let i = 0; performance.now() < end; i++) {
      if ((await call(i)) !== i + 1) throw new Error('wrong answer');
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return done / ((performance.now() - start) / 1000);
}

const open = (url) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });

const cases = {
  async 'saltline jsonRpcPeer'() {
    const service = await serveJsonRpc({ peer: { expose: api } });
    const peer = jsonRpcPeer(fromWebSocket(await open(service.url)));
    const remote = peer.remote();
    return { call: (i) => remote.add(i, 1), close: async () => (peer.close(), await service.close()) };
  },
  async 'saltline jsonRpcPeer, batch: true'() {
    const service = await serveJsonRpc({ peer: { expose: api } });
    const peer = jsonRpcPeer(fromWebSocket(await open(service.url)), { batch: true });
    const remote = peer.remote();
    return { call: (i) => remote.add(i, 1), close: async () => (peer.close(), await service.close()) };
  },
  async 'saltline protocol (createPeer)'() {
    const service = await serveWebSocket({ peer: { expose: api } }, () => {});
    const peer = createPeer(fromWebSocket(await open(service.url)));
    const remote = peer.remote();
    return { call: (i) => remote.add(i, 1), close: async () => (peer.close(), await service.close()) };
  },
};

try {
  // JSON_RPC_2_0: a path to another copy of the package (a dev dependency here) to measure instead.
  const where = process.env.JSON_RPC_2_0 ? pathToFileURL(process.env.JSON_RPC_2_0).href : 'json-rpc-2.0';
  const module = await import(where);
  const { JSONRPCServer, JSONRPCClient, JSONRPCServerAndClient } = module.default ?? module;
  cases['json-rpc-2.0 package'] = async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (socket) => {
      const server = new JSONRPCServerAndClient(new JSONRPCServer(), new JSONRPCClient((r) => socket.send(JSON.stringify(r))));
      server.addMethod('add', ([a, b]) => a + b);
      socket.on('message', (data) => server.receiveAndSend(JSON.parse(data.toString())));
    });
    const socket = await open(`ws://127.0.0.1:${wss.address().port}`);
    const client = new JSONRPCServerAndClient(new JSONRPCServer(), new JSONRPCClient((r) => socket.send(JSON.stringify(r))));
    socket.on('message', (data) => client.receiveAndSend(JSON.parse(data.toString())));
    return {
      call: (i) => client.request('add', [i, 1]),
      close: async () => (socket.close(), await new Promise((resolve) => wss.close(resolve))),
    };
  };
} catch {
  console.error(
    '[bench] json-rpc-2.0 is not installed: its case is skipped (install it anywhere, then JSON_RPC_2_0=path/to/its/index.js)',
  );
}

const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(cases)) {
    const { call, close } = await make();
    await drive(call); // warm-up
    results[name].push(await drive(call));
    await close();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`JSON-RPC over WebSocket, ${IN_FLIGHT} calls in flight, ${SECONDS} s × ${ROUNDS} rounds (median calls/s):`);
for (const [name, runs] of Object.entries(results)) console.log(`  ${name.padEnd(32)} ${Math.round(median(runs)).toLocaleString('en')}`);
