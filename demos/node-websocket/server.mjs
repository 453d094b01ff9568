#!/usr/bin/env node
/**
 * The Node service of the demo: one saltline peer per WebSocket connection (`serveWebSocket`).
 *
 * - `npm start` mounts it on the demo server at /demos/node-websocket/ws (see demos/serve.mjs,
 *   which calls `attach`).
 * - `node demos/node-websocket/server.mjs` runs it alone on ws://127.0.0.1:8081/ (PORT to change).
 *
 * Browser pages may connect only from the origins given (`allowOrigins`: the demo server's own);
 * Node clients send no Origin and are let in. Run alone, it serves Node clients only.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RpcError, withContext } from 'saltline';
import { serveWebSocket } from 'saltline/websocket';

const started = Date.now();

/** Serves the demo at `path`ws on `server` (or on its own server on 127.0.0.1:`port`), to pages from `origins`. */
export async function attach({ server, path = '/', port, origins = [] } = {}) {
  let next = 1;
  let calls = 0;
  const clients = new Map(); // peer → name

  const service = await serveWebSocket(
    {
      server,
      port,
      path: `${path}ws`,
      maxMessageSize: 64 * 1024 * 1024,
      allowOrigins: origins,
    },
    async (peer, request) => {
      const id = next++;
      clients.set(peer, `client ${id}`);
      peer.closed.then(() => clients.delete(peer));
      const client = peer.remote();
      const counted =
        (fn) =>
        (...args) => (calls++, fn(...args));
      peer.expose({
        hello: counted((name) => {
          clients.set(peer, `${String(name).slice(0, 40)} (#${id})`);
          return { id, clients: clients.size };
        }),
        say: counted((text) => {
          for (const other of clients.keys()) other.notify('said', clients.get(peer), String(text).slice(0, 500));
        }),
        time: counted(() => new Date().toISOString()),
        sha256: counted((bytes) => {
          if (!(bytes instanceof Uint8Array)) throw new RpcError('INVALID_ARGUMENT', 'sha256 takes bytes');
          return createHash('sha256').update(bytes).digest('hex');
        }),
        count: withContext(async (ctx, n, ms) => {
          calls++;
          for (let step = 1; step <= n; step++) {
            await new Promise((resolve, reject) => {
              const timer = setTimeout(resolve, ms);
              ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
            });
            peer.notify('progress', step, n);
          }
          return n;
        }),
        stats: counted(() => ({ clients: clients.size, calls, uptimeSeconds: Math.round((Date.now() - started) / 1000) })),
        drop: () => request.socket.destroy(),
      });
      // The service can call its clients too.
      const who = await client.whoAreYou().catch(() => undefined);
      if (who) console.log(`[node-websocket] ${clients.get(peer)} is ${who} from ${request.socket.remoteAddress}`);
    },
  );
  return service;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const service = await attach({ port: Number(process.env.PORT ?? 8081), path: '/' });
  console.log(`node-websocket service: ${service.url}  (Ctrl+C to stop)`);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
