/**
 * Node-side servers the browser tests talk to, mounted on the test runner's own dev server (so on
 * 127.0.0.1) by test/browser/plugins.mjs:
 *
 * - `/__saltline/ws`         the test service over saltline/websocket; `drop` and `closeWith` are
 *                            notifications that end the connection the way a network or server would
 * - `/__saltline/ws-refuse`  an endpoint whose accept hook refuses everyone (403)
 * - `/__saltline/ws-foreign` an endpoint that lists another origin than the pages' (`refusedOrigins()`
 *                            on `/__saltline/ws` tells how many it refused)
 * - `/__saltline/ws-silent`  a plain ws endpoint that accepts, then never answers anything (not even pings)
 * - `/__saltline/signal`     the WebRTC signaling service
 * - `/__saltline/ws-json`    the test service offering the JSON codec (`codecs()`); `frames()` tells
 *                            how many text and binary frames this connection has received
 *
 * Each saltline endpoint admits the test pages' own origin (`allowOrigins`), and no other.
 */
import { WebSocketServer } from 'ws';
import { signalingService } from '../../adapters/webrtc.js';
import { type HttpServerLike, serveWebSocket, type WebSocketService, type WebSocketTransport } from '../../adapters/websocket.js';
import { codecs } from '../../src/codecs/index.js';
import { createPeer, type Peer } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { service } from '../fixtures/service.js';

export const paths = {
  ws: '/__saltline/ws',
  refuse: '/__saltline/ws-refuse',
  silent: '/__saltline/ws-silent',
  foreign: '/__saltline/ws-foreign',
  signal: '/__saltline/signal',
  json: '/__saltline/ws-json',
} as const;

// biome-ignore lint/suspicious/noExplicitAny: Node's own listener signatures
type Server = HttpServerLike & { on(event: string, listener: (...args: any[]) => void): unknown };

export async function start(server: Server): Promise<() => Promise<void>> {
  const transports = new WeakMap<Peer, WebSocketTransport>();
  const services: WebSocketService[] = [];
  // The runner's server listens before plugins start, so the pages' origin is known here.
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test server is not listening on a TCP port');
  const allowOrigins = [`http://127.0.0.1:${address.port}`];

  const foreign = await serveWebSocket({ server, path: paths.foreign, allowOrigins: ['https://app.example'] }, () => {});
  services.push(foreign);
  services.push(
    await serveWebSocket(
      {
        server,
        path: paths.ws,
        allowOrigins,
        createPeer: (transport, options) => {
          const peer = createPeer(transport, options);
          transports.set(peer, transport as WebSocketTransport);
          return peer;
        },
      },
      (peer, request) => {
        peer.expose({
          ...service,
          askPage: (x: number) => peer.call('double', [x]),
          refusedOrigins: () => foreign.stats().refused.origin,
          drop: () => request.socket.destroy(),
          closeWith: (code: number, reason: string) => transports.get(peer)?.socket.close(code, reason),
        });
      },
    ),
  );
  const frames = new WeakMap<Peer, { text: number; binary: number }>();
  const json = { server, path: paths.json, allowOrigins, peer: { plugins: [codecs([jsonCodec()])] } };
  services.push(
    await serveWebSocket(
      {
        ...json,
        createPeer: (transport, options) => {
          const peer = createPeer(transport, options);
          const counts = { text: 0, binary: 0 };
          frames.set(peer, counts);
          const socket = (transport as WebSocketTransport).socket;
          socket.addEventListener('message', ({ data }) => counts[typeof data === 'string' ? 'text' : 'binary']++);
          return peer;
        },
      },
      (peer) => peer.expose({ ...service, frames: () => frames.get(peer) }),
    ),
  );
  const refuseAll = () => ({ status: 403, message: 'not you' });
  services.push(await serveWebSocket({ server, path: paths.refuse, allowOrigins, accept: refuseAll }, () => {}));

  const rooms = signalingService();
  const signal = { server, path: paths.signal, allowOrigins, maxMessageSize: 64 * 1024 };
  services.push(await serveWebSocket(signal, (peer) => rooms.accept(peer)));

  const silent = new WebSocketServer({ noServer: true, autoPong: false });
  const onUpgrade = (request: { url?: string }, socket: unknown, head: unknown) => {
    if (request.url !== paths.silent) return;
    silent.handleUpgrade(request as never, socket as never, head as never, () => {});
  };
  server.on('upgrade', onUpgrade);

  return async () => {
    server.off('upgrade', onUpgrade);
    for (const socket of silent.clients) socket.terminate();
    silent.close();
    await Promise.all(services.map((s) => s.close()));
  };
}
