// saltline/secure over a MessagePort (peer-bench adapter): the same calls as ./saltline.mjs, but
// through the secure channel: a handshake when the client is made (the first call waits for it),
// then msgpack in XSalsa20-Poly1305 records, each a transferred Uint8Array. Imports the BUILT
// package (dist/), resolved relative to this file (`npm run build` first).
// Both ends pin each other's key. The far end may run in a worker, so neither end can hand the
// other a key at run time: each identity is rebuilt from a fixed seed (benchmark keys, not
// secrets), and each side expects the other's public key.
import { createPeer, importIdentity } from '../../../dist/secure.js';
import { fromPort } from '../../../dist/worker.js';

const server = importIdentity(new Uint8Array(32).fill(0x53)); // 'S'
const client = importIdentity(new Uint8Array(32).fill(0x43)); // 'C'
const networkKey = new Uint8Array(32).fill(0x4e); // 'N'

export default {
  name: 'saltline (secure)',
  binary: true,
  serve(port, service) {
    createPeer(fromPort(port), { expose: service, secure: { identity: server, networkKey, expectedRemoteKey: client.publicKey } });
  },
  client(port) {
    const peer = createPeer(fromPort(port), { secure: { identity: client, networkKey, expectedRemoteKey: server.publicKey } });
    const api = peer.remote();
    return {
      add: (a, b) => api.add(a, b),
      bytes: (u8) => api.bytes(u8),
      obj: (o) => api.obj(o),
      close: () => peer.close(),
    };
  },
};
