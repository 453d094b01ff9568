/**
 * `saltline/secure`: end-to-end encrypted, mutually authenticated peers over any transport.
 *
 *   import { createPeer, generateIdentity } from 'saltline/secure';
 *   const peer = createPeer(transport, { secure: { identity, expectedRemoteKey, networkKey } });
 *
 * See docs/security.md for the threat model and key handling, and docs/protocol.md
 * ("Secure channel") for the bytes.
 */
import { msgpackCodec } from '../codec/msgpack.js';
import { isReconnecting, type Reconnecting, type ReconnectingPeer, reconnecting } from '../dialer.js';
import { createPeer as createPlainPeer } from '../peer.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';
import { REMOTE_PARTY, type SessionOptions } from '../session.js';
import type { Transport } from '../transport.js';
import type { Peer, PeerOptions } from '../types.js';
import { wipe } from './bytes.js';
import { SecureTransport } from './channel.js';
import { seamsOf } from './internal.js';
import { type ResolvedSecureOptions, resolveSecureOptions, type SecureOptions } from './options.js';

export { type CryptoChoice, loadLibsodium } from './backend.js';
export { DEFAULT_FRESHNESS, type FreshnessLimits, type HelloGuard, handshakeGuard } from './freshness.js';
export { decodeKey, encodeKey, exportIdentity, fingerprint, generateIdentity, type Identity, importIdentity } from './keys.js';
export type { Authorize, AuthorizeRequest, SecureOptions } from './options.js';

/** Options of `createPeer` from `saltline/secure`: the peer's options with `secure` required. */
export interface SecurePeerOptions extends Omit<PeerOptions, 'secure'> {
  /** The secure channel's keys and checks. Required: this entry never makes a plaintext peer. */
  readonly secure: SecureOptions;
}

const channels = new WeakMap<Peer, SecureTransport>();

/**
 * Creates a peer whose every message travels through the secure channel over `transport`, or
 * across the links of `reconnecting(dial, policy)` with a fresh handshake on each.
 * Calls made before the handshake completes wait for it; if it fails, the peer closes with one
 * `RpcError` `UNAUTHENTICATED` as its reason, and those calls reject with it. Throws a
 * `TypeError` at once for malformed keys or options.
 */
export function createPeer(target: Reconnecting, options: SecurePeerOptions): ReconnectingPeer;
export function createPeer(target: Transport, options: SecurePeerOptions): Peer;
export function createPeer(target: Transport | Reconnecting, options: SecurePeerOptions): Peer | ReconnectingPeer {
  const { secure, ...rest } = options ?? ({} as SecurePeerOptions);
  if (!secure) throw new TypeError("createPeer from 'saltline/secure' needs the secure option");
  const resolved = resolveSecureOptions(secure);
  const maxMessageSize = rest.limits?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  // The channel carries bytes: msgpack unless the app names a byte codec of its own.
  const plain = { ...rest, codec: rest.codec ?? msgpackCodec({ maxMessageSize }) };
  if (!isReconnecting(target)) {
    const channel = new SecureTransport(target, resolved, maxMessageSize, rest.logger, seamsOf(secure));
    // The session learns who the far side is from the channel, not from the transport contract.
    const peer = createPlainPeer(channel, { ...plain, [REMOTE_PARTY]: () => channel } as SessionOptions);
    channels.set(peer, channel);
    return peer;
  }
  // A fresh channel, and so a fresh handshake, on every link. Each channel wipes the secrets it
  // holds when it closes: each link resolves its own copies from the app's options.
  wipeResolved(resolved);
  let current: SecureTransport | undefined;
  const peer = createPlainPeer(
    reconnecting(async (context) => {
      const link = await target.dial(context);
      const channel = new SecureTransport(
        link,
        resolveSecureOptions({ role: 'initiator', ...secure }),
        maxMessageSize,
        rest.logger,
        seamsOf(secure),
      );
      channels.set(peer, channel);
      current = channel;
      return channel;
    }, target.policy),
    // Each link's session asks while its channel is the current one.
    { ...plain, [REMOTE_PARTY]: () => current ?? {} } as SessionOptions,
  );
  return peer;
}

/** Wipes the copies of the secrets that `resolveSecureOptions` made. */
function wipeResolved({ identity, networkKey, psk, token }: ResolvedSecureOptions): void {
  wipe(identity.secretKey, networkKey, psk, token);
}

/**
 * The channel binding of a secure peer's session (64 bytes, the final handshake hash), once the
 * handshake is done: equal on both ends, different in every session. Bind tokens or a higher
 * protocol to it. `undefined` before then and for other peers.
 */
export function channelBinding(peer: Peer): Uint8Array | undefined {
  return channels.get(peer)?.channelBinding?.slice();
}
