#!/usr/bin/env node
/**
 * The saltline hub: the WebRTC signaling service (`/signal`) and a blind relay for secure peers
 * (`/relay?pair=ID`), with a health endpoint (`/healthz`). Several hubs behind a load balancer
 * share rooms and relay pairs through Redis when REDIS_URL is set (saltline/cluster).
 *
 * Environment:
 *   PORT             port to listen on (default 8080)
 *   HOST             interface (default 0.0.0.0 in the image; 127.0.0.1 otherwise)
 *   REDIS_URL        redis://host:port of the shared bus; unset: one hub on its own
 *   BUS_KEY          the key every hub shares, 32 bytes or more (or BUS_KEY_FILE: a file holding it)
 *   ALLOW_ORIGINS    comma-separated browser origins that may connect (default: none; Node clients always may)
 *   MAX_CONNECTIONS  connections per path (default 1000)
 *   HUB_NAME         a name for logs and /healthz (default the host name)
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { WebSocketServer } from 'ws';
import { redisBus } from 'saltline/cluster';
import { signalingService } from 'saltline/webrtc';
import { serveWebSocket } from 'saltline/websocket';
import { relayService } from './relay.mjs';

const env = process.env;
const name = env.HUB_NAME || hostname();
const key = env.BUS_KEY_FILE ? readFileSync(env.BUS_KEY_FILE, 'utf8').trim() : env.BUS_KEY;
if (env.REDIS_URL && !key) throw new Error('REDIS_URL needs BUS_KEY (or BUS_KEY_FILE): the key every hub shares');
const log = {
  warn: (message, detail) => console.warn(`${name}: ${message}`, detail ?? ''),
  error: (message, detail) => console.error(`${name}: ${message}`, detail ?? ''),
};
const bus = env.REDIS_URL ? await redisBus({ url: env.REDIS_URL, key, logger: log }) : undefined;
const allowOrigins = (env.ALLOW_ORIGINS ?? '').split(',').filter(Boolean);
const maxConnections = Number(env.MAX_CONNECTIONS ?? 1000);

const server = createServer((request, response) => {
  if (new URL(request.url ?? '/', 'http://x').pathname !== '/healthz') return response.writeHead(404).end('Not Found\n');
  const state = bus ? bus.stats().state : 'ready';
  const body = { ok: state === 'ready', name, node: bus?.node, bus: bus ? state : 'none', connections: signal.stats().connections };
  response.writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
});

const signaling = signalingService({ bus });
const signal = await serveWebSocket({ server, path: '/signal', allowOrigins, maxConnections }, (peer) => signaling.accept(peer));

// The relay forwards frames without decoding them: a plain ws server on its own path.
const relay = relayService({ bus });
const relaySockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, perMessageDeflate: false });
server.on('upgrade', (request, socket, head) => {
  const url = new URL(request.url ?? '/', 'http://x');
  if (url.pathname !== '/relay') return;
  const pair = url.searchParams.get('pair') ?? '';
  if (!/^[\w-]{8,128}$/.test(pair)) return socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  relaySockets.handleUpgrade(request, socket, head, (ws) => relay.accept(ws, pair).catch(() => ws.close(1011, 'relay unavailable')));
});

await new Promise((resolve) => server.listen(Number(env.PORT ?? 8080), env.HOST ?? '127.0.0.1', resolve));
console.log(`${name}: listening on ${env.HOST ?? '127.0.0.1'}:${server.address().port}${bus ? `, bus ${bus.node}` : ''}`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  signaling.close();
  for (const ws of relaySockets.clients) ws.close(1001, 'hub shutting down');
  await signal.close();
  await bus?.close();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
