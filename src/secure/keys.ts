/**
 * Long-term identities (Ed25519 signing keys), their encodings for storage and for people, and
 * the checks every public key and signature from the wire must pass before a backend sees them.
 */
import nacl from 'tweetnacl';
import { autoBackend } from './backend.js';
import { concat, sameBytes, utf8, wipe } from './bytes.js';
import { fromBase64url, toBase32, toBase64url } from './encoding.js';
import type { HandshakePrimitives } from './primitives.js';

/** An Ed25519 key pair: `publicKey` 32 bytes, `secretKey` 64 bytes (seed ‖ public key), as tweetnacl makes them. */
export interface Identity {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** A new random identity. Keep `secretKey` private; give `publicKey` (or its fingerprint) to peers. */
export function generateIdentity(): Identity {
  const seed = nacl.randomBytes(32);
  const identity = autoBackend().signKeyPair(seed);
  wipe(seed);
  return identity;
}

/** The identity as text for storage: base64url of its 32-byte seed (all it takes to rebuild it). */
export function exportIdentity(identity: Identity): string {
  return toBase64url(identity.secretKey.subarray(0, 32));
}

/** Rebuilds an identity from `exportIdentity`'s text or a 32-byte seed. */
export function importIdentity(seed: string | Uint8Array): Identity {
  const bytes = typeof seed === 'string' ? fromBase64url(seed) : seed;
  if (bytes.byteLength !== 32) throw new TypeError('an identity seed is 32 bytes');
  return autoBackend().signKeyPair(bytes);
}

/** A public key as base64url text (43 characters). */
export function encodeKey(key: Uint8Array): string {
  return toBase64url(key);
}

/** A 32-byte key from base64url text; throws a TypeError on anything else. */
export function decodeKey(text: string): Uint8Array {
  const key = fromBase64url(text);
  if (key.byteLength !== 32) throw new TypeError('a key is 32 bytes (43 base64url characters)');
  return key;
}

const FINGERPRINT_LABEL = utf8('saltline/1 fingerprint');

/**
 * A short form of a public key for people to compare aloud or side by side, e.g.
 * `k7qm 2xpa h4rt w9ze`: 80 bits of SHA-512("saltline/1 fingerprint" ‖ key), base32 in groups of
 * four. Enough to notice a swapped key by eye; pin the full key in code and storage.
 */
export function fingerprint(publicKey: Uint8Array): string {
  const digest = autoBackend().hash(concat(FINGERPRINT_LABEL, publicKey)).subarray(0, 10);
  return toBase32(digest).replace(/(.{4})(?=.)/g, '$1 ');
}

// The encodings of Ed25519's eight small-order points (and the non-canonical y = p, p + 1), with
// the sign bit cleared; libsodium's blocklist. With such a key one signature verifies for every
// message under tweetnacl, which does not check.
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from(hex.match(/../g)!, (byte) => parseInt(byte, 16)));

/** True for an Ed25519 public key of small order, whatever its sign bit; such keys are refused. */
export function isSmallOrderKey(key: Uint8Array): boolean {
  let found = 0;
  for (const bad of SMALL_ORDER) {
    let diff = (key[31]! & 0x7f) ^ bad[31]!;
    for (let i = 0; i < 31; i++) diff |= key[i]! ^ bad[i]!;
    found |= diff === 0 ? 1 : 0;
  }
  return found === 1;
}

// L, the order of Ed25519's base point, little-endian.
const L = Uint8Array.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'.match(/../g)!, (b) => parseInt(b, 16));

/** True when the signature's S (its last 32 bytes, little-endian) is below L; tweetnacl accepts S + L too. */
export function isCanonicalSignature(signature: Uint8Array): boolean {
  if (signature.byteLength !== 64) return false;
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L[i]!;
    if (s !== l) return s < l;
  }
  return false; // S == L
}

/** False for an Ed25519 key whose y (sign bit aside) is p or above: libsodium refuses it, tweetnacl reduces it. */
export function isCanonicalKey(key: Uint8Array): boolean {
  let high = (key[31]! & 0x7f) ^ 0x7f; // libsodium's ge25519_is_canonical: y ≥ p = 2^255 - 19
  for (let i = 30; i > 0; i--) high |= key[i]! ^ 0xff;
  return high !== 0 || key[0]! < 0xed;
}

/**
 * Why a signature from the wire is refused, or undefined when it verifies. The checks ahead of
 * `verify` are libsodium's own, done here so that every backend refuses the same inputs with the
 * same reason: tweetnacl alone accepts all four.
 */
export function signatureFault(
  backend: HandshakePrimitives,
  message: Uint8Array,
  signature: Uint8Array,
  key: Uint8Array,
): string | undefined {
  if (isSmallOrderKey(key)) return 'a small-order identity key';
  if (!isCanonicalKey(key)) return 'a non-canonical identity key';
  if (!isCanonicalSignature(signature)) return 'a non-canonical signature (S ≥ L)';
  // R of small order: under a key of mixed order, tweetnacl can accept such a signature, libsodium never does
  if (isSmallOrderKey(signature.subarray(0, 32))) return 'a signature whose R is of small order';
  return backend.verify(message, signature, key) ? undefined : 'a bad signature';
}

/** Checks an identity given in options: lengths, and that the public key belongs to the secret key. */
export function checkIdentity(identity: Identity | undefined): Identity {
  if (!identity || !(identity.publicKey instanceof Uint8Array) || !(identity.secretKey instanceof Uint8Array)) {
    throw new TypeError('secure.identity must be an Ed25519 key pair from generateIdentity()');
  }
  if (identity.publicKey.byteLength !== 32 || identity.secretKey.byteLength !== 64) {
    throw new TypeError('secure.identity: publicKey is 32 bytes and secretKey 64');
  }
  if (!sameBytes(identity.secretKey.subarray(32), identity.publicKey)) {
    throw new TypeError('secure.identity: publicKey does not belong to secretKey');
  }
  return identity;
}
