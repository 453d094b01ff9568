/** `secure` options: what they mean, their defaults, and their checks. */
import type { Transport } from '../transport.js';
import { type BackendSource, backendSource, type CryptoChoice } from './backend.js';
import { utf8 } from './bytes.js';
import { HelloGuard } from './freshness.js';
import { MAX_TOKEN } from './handshake.js';
import { checkIdentity, decodeKey, type Identity } from './keys.js';

/** What `authorize` is asked about: the far side's verified key and the token it sent. */
export interface AuthorizeRequest {
  /** The far side's Ed25519 public key, already verified by its signature over this session. */
  readonly remoteKey: Uint8Array;
  /** The token the far side sent in its encrypted identity message; undefined when none. */
  readonly token: Uint8Array | undefined;
  /** The transport underneath the secure channel (say, to read where a WebSocket came from). */
  readonly transport: Transport;
}

/**
 * Says whether the authenticated far side may use this channel. Whatever it returns (or
 * resolves to) becomes the principal handlers see as `ctx.principal`; `false`, `null` and
 * `undefined` refuse, as does a throw or a rejection. Return `true` to accept without a principal.
 */
export type Authorize = (request: AuthorizeRequest) => unknown;

/** The secure channel's keys and checks (`secure` in `createPeer` from `saltline/secure`). */
export interface SecureOptions {
  /** This end's long-term Ed25519 key pair (`generateIdentity()`). Required. */
  readonly identity: Identity;
  /**
   * The application ("network") key, 32 bytes that every legitimate end shares. A hello under
   * another key gets no answer at all. Default: 32 zero bytes, which anyone knows, so strangers
   * get a reply (but still cannot authenticate).
   */
  readonly networkKey?: Uint8Array;
  /**
   * The far side's public key, pinned out of band (32 bytes or base64url). Any other key fails
   * the handshake; the initiator checks it before revealing its own identity. Default: none.
   */
  readonly expectedRemoteKey?: Uint8Array | string;
  /** Decides on the far side's key and token, and names its principal. Default: none. */
  readonly authorize?: Authorize;
  /** Sent to the far side inside the encrypted handshake for its `authorize`; ≤ 1 KiB. Default: none. */
  readonly token?: Uint8Array | string;
  /** A pre-shared key, 32 bytes, mixed into the handshake keys; both ends need the same one or none. Default: none. */
  readonly psk?: Uint8Array;
  /** Milliseconds the handshake may take before the channel fails. Default 10,000. */
  readonly handshakeTimeout?: number;
  /**
   * Where this end, as responder, checks hellos for freshness and counts its handshakes: a
   * `handshakeGuard({ window, rate, burst, maxEntries })` shared by a server's peers. Default: the
   * realm's own, shared by every responder in it (2 minutes, 40/s, burst 100, 16,384 hellos).
   */
  readonly handshakes?: HelloGuard;
  /**
   * This end's part in the handshake: the side that dialled the link is the `initiator`, the side
   * that accepted it the `responder`. Default: what the transport says (`initiator`), and when it
   * cannot say, the tie-break (both speak; the lower hello initiates). `createPeer` over
   * `reconnecting()` defaults to `initiator`.
   */
  readonly role?: 'initiator' | 'responder';
  /**
   * Which crypto backend seals and opens records and runs the handshake (all give the same
   * bytes, so the two ends need not agree): `'sodium-native'` (native libsodium, Node only, the
   * optional `sodium-native` package), `'libsodium'` (libsodium's WebAssembly build from
   * `libsodium-wrappers`, loaded lazily; records and handshakes use tweetnacl until it is ready),
   * `'tweetnacl'`. Default `'auto'`: sodium-native when it can be loaded, else tweetnacl.
   */
  readonly crypto?: CryptoChoice;
}

export interface ResolvedSecureOptions {
  readonly identity: Identity;
  readonly networkKey: Uint8Array;
  readonly expectedRemoteKey: Uint8Array | undefined;
  readonly authorize: Authorize | undefined;
  readonly token: Uint8Array | undefined;
  readonly psk: Uint8Array | undefined;
  readonly role: 'initiator' | 'responder' | undefined;
  readonly handshakeTimeout: number;
  readonly handshakes: HelloGuard | undefined;
  readonly backend: BackendSource;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
const CHOICES: readonly CryptoChoice[] = ['auto', 'tweetnacl', 'sodium-native', 'libsodium'];

function key32(name: string, value: Uint8Array | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array) || value.byteLength !== 32) throw new TypeError(`secure.${name} must be 32 bytes`);
  return value.slice();
}

/** Checks and copies the options; throws a TypeError naming the first bad one. */
export function resolveSecureOptions(options: SecureOptions): ResolvedSecureOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('secure options must be an object');
  const identity = checkIdentity(options.identity);
  const expected = options.expectedRemoteKey;
  const expectedRemoteKey = typeof expected === 'string' ? decodeKey(expected) : key32('expectedRemoteKey', expected);
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw new TypeError('secure.authorize must be a function');
  if (!expectedRemoteKey && !options.authorize) {
    // Without either, any key passes and an active attacker can sit in the middle unnoticed.
    throw new TypeError('secure needs expectedRemoteKey or authorize; pass authorize: () => true to accept any key on purpose');
  }
  const token = typeof options.token === 'string' ? utf8(options.token) : options.token?.slice();
  if (token !== undefined && !(token instanceof Uint8Array)) throw new TypeError('secure.token must be a string or a Uint8Array');
  if (token && token.byteLength > MAX_TOKEN) throw new TypeError(`secure.token is over ${MAX_TOKEN} bytes`);
  const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (!(timeout > 0 && timeout < 2 ** 31)) throw new TypeError('secure.handshakeTimeout must be a positive number of milliseconds');
  if (options.role !== undefined && options.role !== 'initiator' && options.role !== 'responder') {
    throw new TypeError("secure.role must be 'initiator' or 'responder'");
  }
  if (options.handshakes !== undefined && !(options.handshakes instanceof HelloGuard)) {
    throw new TypeError('secure.handshakes must come from handshakeGuard()');
  }
  const crypto = options.crypto ?? 'auto';
  if (!CHOICES.includes(crypto)) throw new TypeError(`secure.crypto must be one of ${CHOICES.join(', ')}`);
  return {
    identity: { publicKey: identity.publicKey.slice(), secretKey: identity.secretKey.slice() },
    networkKey: key32('networkKey', options.networkKey) ?? new Uint8Array(32),
    expectedRemoteKey,
    authorize: options.authorize,
    token: token?.byteLength ? token : undefined,
    psk: key32('psk', options.psk),
    handshakeTimeout: timeout,
    handshakes: options.handshakes,
    role: options.role,
    backend: backendSource(crypto),
  };
}
