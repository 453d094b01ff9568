/**
 * The three-message handshake (SIGMA-I, docs/protocol.md "Secure channel"):
 *
 *   1. I→R  e_I ‖ time ‖ HMAC(K, "saltline/1 hello" ‖ e_I ‖ time)[0:32]      time: ms since 1970, u64 BE
 *   2. R→I  e_R ‖ secretbox_k1(R ‖ sig_R(label_R ‖ h) ‖ token_R)     k1 from X25519(e_I, e_R)
 *   3. I→R        secretbox_k2(I ‖ sig_I(label_I ‖ h) ‖ token_I)     k2 = k1's chain + psk
 *
 * Pure state: it makes and checks messages and throws a `HandshakeError` whose detail stays
 * local. Who answers what, authorization and timing are the channel's (channel.ts).
 */
import { type SecretboxBackend, tweetnaclBackend } from './backend.js';
import { concat, isZero, sameBytes, utf8, wipe } from './bytes.js';
import { hmac } from './hmac.js';
import { type Identity, signatureFault } from './keys.js';
import type { KeyPair } from './primitives.js';
import { Transcript } from './transcript.js';

export const KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
const TAG_SIZE = 16;
/** Largest token either side may carry in its identity message. */
export const MAX_TOKEN = 1024;
/** Bytes of the hello's timestamp: milliseconds since the Unix epoch, big-endian. */
const TIME_SIZE = 8;
const MAC_SIZE = 32;
export const HELLO_SIZE = KEY_SIZE + TIME_SIZE + MAC_SIZE;
const IDENTITY_SIZE = TAG_SIZE + KEY_SIZE + SIGNATURE_SIZE; // sealed key ‖ signature, no token
const MIN_REPLY = KEY_SIZE + IDENTITY_SIZE;
export const MAX_REPLY = MIN_REPLY + MAX_TOKEN;
const MIN_AUTH = IDENTITY_SIZE;
const MAX_AUTH = MIN_AUTH + MAX_TOKEN;

export const HELLO_LABEL = utf8('saltline/1 hello');
export const RESPONDER_LABEL = utf8('saltline/1 R');
const INITIATOR_LABEL = utf8('saltline/1 I');
/** Each handshake key seals exactly one message, so the nonce can be fixed. */
const ZERO_NONCE = new Uint8Array(24);
const EMPTY = new Uint8Array(0);

/** A handshake check failed; `message` says which, for the local logger only. */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
}

export interface HandshakeConfig {
  readonly identity: Identity;
  /** 32 bytes. */
  readonly networkKey: Uint8Array;
  readonly psk?: Uint8Array;
  readonly token?: Uint8Array;
  /** Tests only: a fixed ephemeral key pair (test vectors). */
  readonly ephemeral?: KeyPair;
  /** The primitives and secretbox of this handshake (`secure.crypto`'s backend); default tweetnacl. */
  readonly backend?: SecretboxBackend;
}

/** Message 1, its MAC checked: what the responder's freshness checks need. */
export interface Hello {
  readonly ephemeral: Uint8Array;
  /** The initiator's clock when it sent the hello, in milliseconds since the Unix epoch. */
  readonly time: number;
  readonly mac: Uint8Array;
}

/** What one side proved about itself in its identity message. */
export interface RemoteIdentity {
  readonly remoteKey: Uint8Array;
  /** Undefined when the far side sent none. */
  readonly token: Uint8Array | undefined;
}

export interface SessionKeys {
  readonly send: Uint8Array;
  readonly receive: Uint8Array;
  /** The final transcript hash: equal on both ends of one session, different across sessions. */
  readonly binding: Uint8Array;
}

// ---- building blocks (exported for the test vectors and the attack tests; tweetnacl by default) --

/** The MAC of message 1 over `e_I ‖ time`: proves knowledge of the network key without revealing it. */
export function helloMac(networkKey: Uint8Array, body: Uint8Array, backend = tweetnaclBackend): Uint8Array {
  return hmac(networkKey, [HELLO_LABEL, body], backend.hash).subarray(0, MAC_SIZE);
}

/** Message 1's body: the ephemeral key and the time, as 8 bytes big-endian. */
export function helloBody(ephemeral: Uint8Array, time: number): Uint8Array {
  const body = new Uint8Array(KEY_SIZE + TIME_SIZE);
  body.set(ephemeral);
  const view = new DataView(body.buffer, KEY_SIZE, TIME_SIZE);
  view.setUint32(0, Math.floor(time / 2 ** 32));
  view.setUint32(4, time >>> 0);
  return body;
}

/**
 * X25519, refusing the all-zero result that a low-order or zero public key yields: libsodium
 * refuses it itself, tweetnacl returns it, and both end here with the same error.
 */
export function diffieHellman(secretKey: Uint8Array, publicKey: Uint8Array, backend = tweetnaclBackend): Uint8Array {
  const shared = backend.scalarMult(secretKey, publicKey);
  if (!shared || isZero(shared)) throw new HandshakeError('a low-order ephemeral key');
  return shared;
}

/** The sealed body of messages 2 and 3: identity key ‖ signature ‖ token. */
export function sealIdentity(
  key: Uint8Array,
  publicKey: Uint8Array,
  signature: Uint8Array,
  token: Uint8Array = EMPTY,
  backend = tweetnaclBackend,
): Uint8Array {
  return backend.seal(publicKey[0]!, concat(publicKey.subarray(1), signature, token), ZERO_NONCE, key);
}

/** Opens and checks the body of message 2 or 3 against the transcript hash it was signed over. */
function openIdentity(backend: SecretboxBackend, key: Uint8Array, sealed: Uint8Array, label: Uint8Array, h: Uint8Array): RemoteIdentity {
  const body = backend.open(sealed, ZERO_NONCE, key, false);
  if (!body) throw new HandshakeError('an identity message that did not open');
  const remoteKey = body.slice(0, KEY_SIZE);
  const signature = body.subarray(KEY_SIZE, KEY_SIZE + SIGNATURE_SIZE);
  const fault = signatureFault(backend, concat(label, h), signature, remoteKey);
  if (fault) throw new HandshakeError(fault);
  const token = body.byteLength > KEY_SIZE + SIGNATURE_SIZE ? body.slice(KEY_SIZE + SIGNATURE_SIZE) : undefined;
  return { remoteKey, token };
}

/** Signs the transcript hash under a role label, so one role's signature cannot pass as the other's. */
export function signTranscript(label: Uint8Array, h: Uint8Array, secretKey: Uint8Array, backend = tweetnaclBackend): Uint8Array {
  return backend.sign(concat(label, h), secretKey);
}

/** Checks message 1's length and MAC, and nothing else (freshness is the channel's: freshness.ts). */
export function checkHello(networkKey: Uint8Array, hello: Uint8Array, backend = tweetnaclBackend): Hello {
  if (hello.byteLength !== HELLO_SIZE) throw new HandshakeError('a hello of the wrong length');
  const body = hello.subarray(0, KEY_SIZE + TIME_SIZE);
  const mac = hello.subarray(KEY_SIZE + TIME_SIZE);
  if (!sameBytes(mac, helloMac(networkKey, body, backend))) throw new HandshakeError('a hello under another network key');
  const view = new DataView(hello.buffer, hello.byteOffset + KEY_SIZE, TIME_SIZE);
  const time = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  return { ephemeral: hello.slice(0, KEY_SIZE), time, mac: mac.slice() };
}

// ---- the state machine ------------------------------------------------------------------------

/** One side's handshake. Call the steps of its role in order; any throw ends the handshake. */
export class Handshake {
  readonly transcript: Transcript;
  readonly ephemeral: KeyPair;
  #remoteEphemeral: Uint8Array | undefined;
  readonly #config: HandshakeConfig;
  readonly #backend: SecretboxBackend;

  constructor(
    readonly initiator: boolean,
    config: HandshakeConfig,
  ) {
    this.#config = config;
    this.#backend = config.backend ?? tweetnaclBackend;
    this.transcript = new Transcript(this.#backend.hash);
    this.ephemeral = config.ephemeral ?? this.#backend.boxKeyPair();
    // Bind every later key to the network key as well as the hello's MAC.
    wipe(this.transcript.mixKey(config.networkKey));
  }

  /** Initiator, message 1, stamped with `time` (our clock, ms since the Unix epoch). */
  writeHello(time: number): Uint8Array {
    const body = helloBody(this.ephemeral.publicKey, time);
    const hello = concat(body, helloMac(this.#config.networkKey, body, this.#backend));
    this.transcript.mixHash(hello);
    return hello;
  }

  /**
   * Responder, message 1: a wrong length or MAC throws, and the responder must stay silent.
   * `checked` is what `checkHello` returned for it, when the caller checked it already.
   */
  readHello(hello: Uint8Array, checked = checkHello(this.#config.networkKey, hello, this.#backend)): Hello {
    this.#remoteEphemeral = checked.ephemeral;
    this.transcript.mixHash(hello);
    return checked;
  }

  /** Responder, message 2. */
  writeIdentity(): Uint8Array {
    const t = this.transcript;
    t.mixHash(this.ephemeral.publicKey);
    const key = this.#mixShared();
    const signature = signTranscript(RESPONDER_LABEL, t.h, this.#config.identity.secretKey, this.#backend);
    const sealed = sealIdentity(key, this.#config.identity.publicKey, signature, this.#config.token, this.#backend);
    wipe(key);
    t.mixHash(sealed);
    return concat(this.ephemeral.publicKey, sealed);
  }

  /** Initiator, message 2: authenticates the responder (its key still needs authorizing). */
  readIdentity(reply: Uint8Array): RemoteIdentity {
    if (reply.byteLength < MIN_REPLY || reply.byteLength > MAX_REPLY) throw new HandshakeError('a reply of the wrong length');
    const t = this.transcript;
    this.#remoteEphemeral = reply.slice(0, KEY_SIZE);
    t.mixHash(this.#remoteEphemeral);
    const key = this.#mixShared();
    const sealed = reply.subarray(KEY_SIZE);
    try {
      return openIdentity(this.#backend, key, sealed, RESPONDER_LABEL, t.h);
    } finally {
      wipe(key);
      t.mixHash(sealed);
    }
  }

  /** Initiator, message 3: sent only once the responder is authorized. */
  writeAuth(): Uint8Array {
    const t = this.transcript;
    const key = t.mixKey(this.#config.psk);
    const signature = signTranscript(INITIATOR_LABEL, t.h, this.#config.identity.secretKey, this.#backend);
    const sealed = sealIdentity(key, this.#config.identity.publicKey, signature, this.#config.token, this.#backend);
    wipe(key);
    t.mixHash(sealed);
    return sealed;
  }

  /** Responder, message 3. */
  readAuth(auth: Uint8Array): RemoteIdentity {
    if (auth.byteLength < MIN_AUTH || auth.byteLength > MAX_AUTH) throw new HandshakeError('a final message of the wrong length');
    const t = this.transcript;
    const key = t.mixKey(this.#config.psk);
    try {
      return openIdentity(this.#backend, key, auth, INITIATOR_LABEL, t.h);
    } finally {
      wipe(key);
      t.mixHash(auth);
    }
  }

  /** The traffic keys and channel binding; the handshake's secrets are wiped. */
  finish(): SessionKeys {
    const [initiatorToResponder, responderToInitiator] = this.transcript.split();
    const binding = this.transcript.h.slice();
    this.wipe();
    return this.initiator
      ? { send: initiatorToResponder, receive: responderToInitiator, binding }
      : { send: responderToInitiator, receive: initiatorToResponder, binding };
  }

  wipe(): void {
    this.transcript.wipe();
    wipe(this.ephemeral.secretKey);
  }

  #mixShared(): Uint8Array {
    if (!this.#remoteEphemeral) throw new HandshakeError('a message out of order');
    const shared = diffieHellman(this.ephemeral.secretKey, this.#remoteEphemeral, this.#backend);
    const key = this.transcript.mixKey(shared);
    wipe(shared);
    return key;
  }
}
