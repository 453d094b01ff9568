// saltline over a `ws` WebSocket (peer-bench adapter): `fromWebSocket` with its defaults (msgpack,
// binary frames, 30 s per-call timeout, 15 s keep-alive). Imports the BUILT package (dist/).
import { createPeer } from '../../../dist/index.js';
import { fromWebSocket } from '../../../dist/websocket.js';
import { clientOf } from '../_saltline.mjs';
import { acceptOn, dial } from './_ws.mjs';

export default {
  name: 'saltline',
  binary: true,
  serve(server, service) {
    // A socket the server accepted: `initiator: false`, as serveWebSocket does.
    acceptOn(server, (socket) => createPeer(fromWebSocket(socket, { initiator: false }), { expose: service }));
  },
  client: async (url) => clientOf(createPeer(fromWebSocket(await dial(url)))),
};
