// saltline/secure over a `ws` WebSocket (peer-bench adapter): the same calls as ./saltline.mjs, but
// through the secure channel (handshake when the client is made, then msgpack in
// XSalsa20-Poly1305 records, one binary frame each). Imports the BUILT package (dist/).
// Both ends pin each other's key. The server runs in a child process, so each identity is
// rebuilt from a fixed seed (benchmark keys, not secrets), and each side expects the other's
// public key.
import { createPeer, importIdentity } from '../../../dist/secure.js';
import { acceptOn, dial, fromWebSocket } from './_ws.mjs';

const server = importIdentity(new Uint8Array(32).fill(0x53)); // 'S'
const client = importIdentity(new Uint8Array(32).fill(0x43)); // 'C'
const networkKey = new Uint8Array(32).fill(0x4e); // 'N'

export default {
  name: 'saltline (secure)',
  binary: true,
  serve(httpServer, service) {
    // A socket the server accepted: `initiator: false`, so it answers the client's hello.
    acceptOn(httpServer, (socket) =>
      createPeer(fromWebSocket(socket, { initiator: false }), {
        expose: service,
        secure: { identity: server, networkKey, expectedRemoteKey: client.publicKey },
      }),
    );
  },
  async client(url) {
    const socket = await dial(url);
    const peer = createPeer(fromWebSocket(socket), { secure: { identity: client, networkKey, expectedRemoteKey: server.publicKey } });
    const api = peer.remote();
    return {
      add: (a, b) => api.add(a, b),
      bytes: (u8) => api.bytes(u8),
      obj: (o) => api.obj(o),
      close: () => peer.close(),
    };
  },
};
