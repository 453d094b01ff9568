// Helpers for the WebSocket adapters (files starting with "_" are not adapters).
//
// `ws`: when the peer-bench harness runs us, its working directory is the harness copy, and we
// load the very same `ws` module the raw baseline uses (with the harness's native `bufferutil`
// for frame masking), so the comparison is like for like. Elsewhere, the project's own `ws`.
//
// `fromWebSocket`: saltline's adapter from dist/websocket.js once it exists; until then a minimal
// byte transport over a `ws` socket, defined here.
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
export const WebSocket = ws.WebSocket;
export const WebSocketServer = ws.WebSocketServer;

/** Minimal byte transport over a `ws` socket: what the bench used before adapters/websocket.ts. */
function wsTransport(socket, { initiator = true } = {}) {
  let receiver;
  const onMessage = (data) => receiver.message(data);
  const onClose = (code, reason) => {
    stop();
    receiver.closed(`the WebSocket closed (${code} ${String(reason)})`);
  };
  const onError = (error) => {
    stop();
    receiver.closed(error);
  };
  const stop = () => {
    socket.off('message', onMessage);
    socket.off('close', onClose);
    socket.off('error', onError);
  };
  return {
    kind: 'bytes',
    initiator,
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    start(r) {
      receiver = r;
      socket.on('message', onMessage);
      socket.on('close', onClose);
      socket.on('error', onError);
    },
    send(bytes) {
      socket.send(bytes);
    },
    close() {
      stop();
      socket.close();
    },
  };
}

async function loadFromWebSocket() {
  try {
    const mod = await import('../../../dist/websocket.js');
    if (typeof mod.fromWebSocket === 'function') return { fromWebSocket: mod.fromWebSocket, which: 'dist/websocket.js' };
  } catch {}
  return { fromWebSocket: wsTransport, which: 'bench wrapper (no fromWebSocket in dist/websocket.js yet)' };
}
export const { fromWebSocket, which: transportSource } = await loadFromWebSocket();

/** A `ws` server on the far end's (unstarted) HTTP server; `onSocket(socket)` per connection. */
export const acceptOn = (server, onSocket) => new WebSocketServer({ server }).on('connection', (socket) => onSocket(socket));

/** Opens a `ws` client socket and waits until it is connected. */
export async function dial(url) {
  const socket = new WebSocket(url);
  await once(socket, 'open');
  return socket;
}
