// saltline over a `ws` WebSocket (peer-bench adapter): msgpack codec (the default on byte
// transports), binary frames, default 30 s per-call timeout and 15 s keep-alive. Imports the BUILT
// package (dist/).
// The transport is `fromWebSocket` from dist/websocket.js when it exists, else the small wrapper
// in ./_ws.mjs (see `transportSource`).
import { createPeer } from '../../../dist/index.js';
import { acceptOn, dial, fromWebSocket } from './_ws.mjs';

export default {
  name: 'saltline',
  binary: true,
  serve(server, service) {
    // A socket the server accepted: `initiator: false`, as serveWebSocket does.
    acceptOn(server, (socket) => createPeer(fromWebSocket(socket, { initiator: false }), { expose: service }));
  },
  async client(url) {
    const socket = await dial(url);
    const peer = createPeer(fromWebSocket(socket));
    const api = peer.remote();
    return {
      add: (a, b) => api.add(a, b),
      bytes: (u8) => api.bytes(u8),
      obj: (o) => api.obj(o),
      close: () => peer.close(),
    };
  },
};
