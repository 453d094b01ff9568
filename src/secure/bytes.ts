/** Byte helpers for the secure channel: joining, labels, comparison and wiping. */
import nacl from 'tweetnacl';

const encoder = new TextEncoder();

/** ASCII/UTF-8 bytes of a label or token. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Joins byte strings into one new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** True when every byte is zero; looks at every byte whatever it finds (no early exit). */
export function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** Equal length and contents, compared in time independent of where they differ (`nacl.verify`). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.byteLength > 0 && nacl.verify(a, b);
}

/** Lexicographic order of two equal-length public values (ephemeral keys): -1, 0 or 1. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Overwrites secrets we hold. JS cannot promise no other copy exists (see docs/security.md). */
export function wipe(...secrets: (Uint8Array | undefined)[]): void {
  for (const secret of secrets) secret?.fill(0);
}

/**
 * A message from a transport as bytes in memory only this thread can change, or undefined when it
 * is anything else. A view over a `SharedArrayBuffer` is copied first: another thread could alter
 * it between a MAC check and its use (a record's tag checked, then different bytes decrypted).
 */
export function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return isPlainBuffer(data.buffer) ? data : privateCopy(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/** An `ArrayBuffer` of any realm; false for a `SharedArrayBuffer` (of any realm too). */
function isPlainBuffer(buffer: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}

function privateCopy(shared: Uint8Array): Uint8Array {
  const copy = new Uint8Array(shared.byteLength);
  copy.set(shared);
  return copy;
}
