// saltline/secure over a `ws` WebSocket (peer-bench adapter): the same calls as ./saltline.mjs, but
// through the secure channel (handshake when the client is made, then msgpack in
// XSalsa20-Poly1305 records, one binary frame each). Both ends pin each other's key
// (../_saltline.mjs). Imports the BUILT package (dist/).
import { createPeer } from '../../../dist/secure.js';
import { fromWebSocket } from '../../../dist/websocket.js';
import { clientOf, secureOptions } from '../_saltline.mjs';
import { acceptOn, dial } from './_ws.mjs';

export default {
  name: 'saltline (secure)',
  binary: true,
  serve(server, service) {
    // A socket the server accepted: `initiator: false`, so it answers the client's hello.
    acceptOn(server, (socket) =>
      createPeer(fromWebSocket(socket, { initiator: false }), { expose: service, secure: secureOptions.server }),
    );
  },
  client: async (url) => clientOf(createPeer(fromWebSocket(await dial(url)), { secure: secureOptions.client })),
};
