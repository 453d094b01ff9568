/**
 * HMAC-SHA-512 (RFC 2104) and the two-output HKDF of the Noise framework (RFC 5869 extract +
 * expand, info empty), written on a backend's SHA-512 since that is all tweetnacl offers.
 */
import nacl from 'tweetnacl';
import { concat } from './bytes.js';

const BLOCK = 128; // SHA-512 block size in bytes

/** SHA-512 of one backend (primitives.ts); tweetnacl's by default. */
export type Hash = (message: Uint8Array) => Uint8Array;

/** HMAC-SHA-512 of the concatenated `parts` under `key`: 64 bytes. */
export function hmac(key: Uint8Array, parts: readonly Uint8Array[], hash: Hash = nacl.hash): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.byteLength > BLOCK ? hash(key) : key);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  const result = hash(concat(outer, hash(concat(inner, ...parts))));
  k.fill(0);
  inner.fill(0);
  outer.fill(0);
  return result;
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/** HKDF(salt = `chainingKey`, `input`) → two 64-byte outputs (Noise's `HKDF(ck, ikm, 2)`). */
export function hkdf(chainingKey: Uint8Array, input: Uint8Array, hash: Hash = nacl.hash): [Uint8Array, Uint8Array] {
  const prk = hmac(chainingKey, [input], hash);
  const first = hmac(prk, [ONE], hash);
  const second = hmac(prk, [first, TWO], hash);
  prk.fill(0);
  return [first, second];
}
