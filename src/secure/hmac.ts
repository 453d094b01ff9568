/**
 * HMAC-SHA-512 (RFC 2104) and the two-output HKDF of the Noise framework (RFC 5869 extract +
 * expand, info empty), written on tweetnacl's SHA-512 (`nacl.hash`) since that is all it offers.
 */
import nacl from 'tweetnacl';
import { concat } from './bytes.js';

const BLOCK = 128; // SHA-512 block size in bytes

/** HMAC-SHA-512 of the concatenated `parts` under `key`: 64 bytes. */
export function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.byteLength > BLOCK ? nacl.hash(key) : key);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  const result = nacl.hash(concat(outer, nacl.hash(concat(inner, ...parts))));
  k.fill(0);
  inner.fill(0);
  outer.fill(0);
  return result;
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/** HKDF(salt = `chainingKey`, `input`) → two 64-byte outputs (Noise's `HKDF(ck, ikm, 2)`). */
export function hkdf(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const prk = hmac(chainingKey, input);
  const first = hmac(prk, ONE);
  const second = hmac(prk, first, TWO);
  prk.fill(0);
  return [first, second];
}
