#!/usr/bin/env node
/**
 * The Node client of the demo: a redialling WebSocket client (`connectWebSocket`) with `ws`.
 *
 *   node demos/node-websocket/client.mjs [url] [--stay]
 *
 * `url` defaults to the `npm start` endpoint, ws://127.0.0.1:8080/demos/node-websocket/ws (the
 * standalone server.mjs listens on ws://127.0.0.1:8081/ws). It calls each method once, prints
 * what it gets, and exits 0 when all went well; with `--stay` it keeps listening to the chat,
 * redialling whenever the server goes away (stop and restart the server to watch it).
 */
import { randomBytes } from 'node:crypto';
import { createPeer, RpcError } from 'saltline';
import { connectWebSocket } from 'saltline/websocket';
import { WebSocket } from 'ws';

const args = process.argv.slice(2);
const url = args.find((a) => !a.startsWith('--')) ?? 'ws://127.0.0.1:8080/demos/node-websocket/ws';
const stay = args.includes('--stay');

const peer = createPeer(
  connectWebSocket(url, {
    WebSocket, // Node 20 has no global WebSocket
    reconnect: { initialDelay: 250, maxDelay: 5_000, maxAttempts: stay ? Infinity : 5, whileDown: 'hold' },
  }),
  {
    timeout: 10_000,
    expose: {
      said: (from, text) => console.log(`[chat] ${from}: ${text}`),
      progress: (step, of) => console.log(`[progress] ${step}/${of}`),
      whoAreYou: () => `a Node ${process.version} client`,
    },
  },
);
peer.onStateChange(({ state, attempt, delay, reason }) => {
  const why = reason instanceof Error ? ` (${reason.message})` : '';
  const when = delay === undefined ? '' : `, next dial in ${Math.round(delay)} ms (attempt ${attempt})`;
  console.log(`[state] ${state}${when}${why}`);
});

const api = peer.remote();

try {
  const me = await api.hello('node');
  console.log(`hello: I am #${me.id}; ${me.clients} client(s) connected`);
  console.log(`time: ${await api.time()}`);
  const bytes = randomBytes(1 << 20);
  console.log(`sha256 of 1 MiB: ${(await api.sha256(bytes)).slice(0, 16)}…`);
  console.log(`count: ${await api.count(3, 100)}`);
  const controller = new AbortController();
  const cancelled = peer.call('count', [100, 100], { signal: controller.signal });
  setTimeout(() => controller.abort(), 250);
  await cancelled.catch((error) => console.log(`cancelled: ${error instanceof RpcError ? error.code : error}`));
  await api.say('hello from Node');
  console.log('stats:', await api.stats());
} catch (error) {
  console.error('failed:', error);
  process.exitCode = 1;
}

if (!stay) {
  peer.close();
  await peer.closed;
} else {
  console.log('listening (Ctrl+C to stop)');
  process.on('SIGINT', () => peer.close());
  await peer.closed;
}
