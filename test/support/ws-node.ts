/**
 * Node helpers for the WebSocket and WebRTC tests: a saltline ws server on 127.0.0.1 (port 0),
 * `ws` clients, and leak checks for sockets. Everything here stays on loopback.
 */
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { type ServeWebSocketOptions, serveWebSocket, type UpgradeRequest, type WebSocketService } from '../../adapters/websocket.js';
import type { Peer } from '../../src/index.js';
import { AssertionError } from '../harness/assert.js';
import { afterClose, track } from './connect.js';

export { WebSocket, WebSocketServer };

export interface Served {
  readonly service: WebSocketService;
  /** Server-side peers in order of connection. */
  readonly peers: Peer[];
  /** Upgrade requests in order of connection. */
  readonly requests: UpgradeRequest[];
  /** Resolves with the n-th server peer (0-based) once it exists. */
  peer(index: number): Promise<Peer>;
}

/** A saltline ws server on 127.0.0.1, port 0, closed and leak-checked after the test. */
export async function serve(options: ServeWebSocketOptions = {}, onPeer?: (peer: Peer, request: UpgradeRequest) => void): Promise<Served> {
  const peers: Peer[] = [];
  const requests: UpgradeRequest[] = [];
  const waiters: (() => void)[] = [];
  const service = await serveWebSocket({ host: '127.0.0.1', port: 0, ...options }, (peer, request) => {
    track(peer);
    peers.push(peer);
    requests.push(request);
    onPeer?.(peer, request);
    for (const wake of waiters.splice(0)) wake();
  });
  afterClose(() => service.close());
  return {
    service,
    peers,
    requests,
    async peer(index) {
      while (!peers[index]) await new Promise<void>((resolve) => waiters.push(resolve));
      return peers[index]!;
    },
  };
}

const socketEvents = ['open', 'message', 'close', 'error', 'pong'];

/** After the peers close and the socket has closed, the socket has no listener the adapter added. */
export function socketCheck(socket: WebSocket): WebSocket {
  const baseline = socketEvents.map((type) => socket.listenerCount(type));
  afterClose(async () => {
    if (socket.readyState !== WebSocket.CLOSED) await once(socket, 'close');
    const left = socketEvents.filter((type, i) => socket.listenerCount(type) !== baseline[i]);
    if (left.length) throw new AssertionError(`listeners left on a ws socket: ${left.join(', ')}`);
  });
  return socket;
}

/** A `ws` client socket to `url`, leak-checked. */
export function client(url: string, options?: ConstructorParameters<typeof WebSocket>[2]): WebSocket {
  return socketCheck(new WebSocket(url, options));
}

/** A plain `ws` server on 127.0.0.1 (no saltline), closed after the test. */
export async function rawServer(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  afterClose(async () => {
    for (const socket of server.clients) socket.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, url: `ws://127.0.0.1:${port}/` };
}

/** The transport's close reason, which a peer closed by its transport settles `closed` with. */
export async function closeCause(
  peer: Peer,
): Promise<{ code?: string; message?: string; data?: { code?: number; reason?: string }; cause?: unknown }> {
  return ((await peer.closed) ?? {}) as never;
}
