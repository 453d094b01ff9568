/**
 * Attack 1 through the secure channel: an authenticated client whose HELLO, inside the encrypted
 * records, announces `maxMessageSize: 1`. The library's own secure client is used, with a codec
 * that rewrites the HELLO before encryption: the attack needs a key the server accepts, and
 * nothing else of the wire changes.
 */
import WebSocket from 'ws';
import { fromWebSocket } from '../../../adapters/websocket.js';
import type { Codec } from '../../../src/codec/codec.js';
import { RpcError } from '../../../src/index.js';
import { msgpackCodec } from '../../../src/msgpack.js';
import { createPeer } from '../../../src/secure/index.js';
import { clientIdentity, serverIdentity } from '../keys.js';
import { HANG_MS } from '../wire.js';
import type { AttackResult } from './types.js';

/** msgpack, except that every HELLO it encodes claims a one-byte limit. */
function shrinkingHellos(): Codec {
  const inner = msgpackCodec();
  const shrink = (message: unknown) =>
    Array.isArray(message) && message[0] === 0 ? [0, message[1], message[2], { ...(message[3] as object), maxMessageSize: 1 }] : message;
  return {
    name: 'msgpack with a one-byte hello',
    kind: 'bytes',
    encode: (frame) => inner.encode(Array.isArray(frame) && typeof frame[0] !== 'number' ? frame.map(shrink) : shrink(frame)),
    decode: (data) => inner.decode(data),
  };
}

export async function tinyLimitSecure(base: string): Promise<AttackResult> {
  const transport = fromWebSocket(new WebSocket(`${base}/secure`, { perMessageDeflate: false }));
  const peer = createPeer(transport, {
    codec: shrinkingHellos(),
    secure: { identity: clientIdentity(), expectedRemoteKey: serverIdentity().publicKey },
  });
  let outcome: string;
  try {
    await peer.call('ping', [], { timeout: HANG_MS });
    outcome = 'answered';
  } catch (error) {
    const code = error instanceof RpcError ? error.code : String(error);
    outcome = code === 'DEADLINE_EXCEEDED' ? 'hang' : code === 'UNAVAILABLE' ? 'closed' : `error ${code}`;
  }
  peer.close('attack over');
  await peer.closed;
  return { outcome };
}
