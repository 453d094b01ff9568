// Helpers for the WebSocket adapters (files starting with "_" are not adapters).
//
// `ws`: when the peer-bench harness runs us, its working directory is the harness copy, and we
// load the very same `ws` module the raw baseline uses (with the harness's native `bufferutil`
// for frame masking), so the comparison is like for like. Elsewhere, the project's own `ws`.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';

function loadWs() {
  for (const from of [process.cwd(), new URL('.', import.meta.url).pathname]) {
    try {
      return createRequire(join(from, 'noop.js'))('ws');
    } catch {}
  }
  throw new Error('saltline ws adapter: cannot find the "ws" package');
}
const ws = loadWs();

/** A `ws` server on the far end's (unstarted) HTTP server; `onSocket(socket)` per connection. */
export const acceptOn = (server, onSocket) => new ws.WebSocketServer({ server }).on('connection', (socket) => onSocket(socket));

/** Opens a `ws` client socket and waits until it is connected. */
export async function dial(url) {
  const socket = new ws.WebSocket(url);
  await once(socket, 'open');
  return socket;
}
