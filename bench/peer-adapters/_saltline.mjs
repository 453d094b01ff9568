// Helpers shared by saltline's peer-bench adapters (port/ and ws/; the harness reads only those
// folders, and skips files starting with "_"). Imports the BUILT package (dist/).
import { importIdentity } from '../../dist/secure.js';

/** The near end the harness drives, `{ add, bytes, obj, close }`, from a saltline peer. */
export function clientOf(peer) {
  const api = peer.remote();
  return {
    add: (a, b) => api.add(a, b),
    bytes: (u8) => api.bytes(u8),
    obj: (o) => api.obj(o),
    close: () => peer.close(),
  };
}

// The far end may run in a worker or a child process, so neither end can hand the other a key at
// run time: each identity is rebuilt from a fixed seed (benchmark keys, not secrets).
const server = importIdentity(new Uint8Array(32).fill(0x53)); // 'S'
const client = importIdentity(new Uint8Array(32).fill(0x43)); // 'C'
const networkKey = new Uint8Array(32).fill(0x4e); // 'N'

/** The `secure` option of each end: its identity, pinned to the other's public key. */
export const secureOptions = {
  server: { identity: server, networkKey, expectedRemoteKey: client.publicKey },
  client: { identity: client, networkKey, expectedRemoteKey: server.publicKey },
};
