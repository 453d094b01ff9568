/**
 * Attacks 15e and 15f, on the negotiated codecs (docs/protocol.md §3.1, §11.4, §11.5): frames
 * prefixed `c1 80` are CBOR and `c1 81` JSON to the `/plugins` server, whatever the attacker
 * announced. Each must be refused before a decoder allocates what its bytes claim.
 */
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

const prefixed = (index: number, body: Uint8Array): Uint8Array => {
  const frame = new Uint8Array(body.byteLength + 2);
  frame.set([0xc1, 0x80 | index]);
  frame.set(body, 2);
  return frame;
};

const NESTING = 1_000_000;

/** CBOR frames: counts far past the bytes left, a million levels of nesting, indefinite lengths. */
const cborFrames = (): Uint8Array[] => [
  // An array and a map claiming 2^64 − 1 items in nine bytes.
  Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xbb, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff),
  // A string claiming 4 GiB.
  Uint8Array.of(0x7a, 0xff, 0xff, 0xff, 0xff, 0x61),
  // One-element arrays nested a million deep.
  new Uint8Array(NESTING + 1).fill(0x81, 0, NESTING),
  // Indefinite-length array and byte string.
  Uint8Array.of(0x9f, 0x01, 0x02, 0xff),
  Uint8Array.of(0x5f, 0x41, 0x00, 0xff),
];

export async function cborFrameAttack(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/plugins`);
  const frames = cborFrames();
  for (const body of frames) socket.sendBytes(prefixed(0, body));
  const outcome = await drained(socket);
  await socket.destroy();
  return { outcome, detail: { frames: frames.length } };
}

const JSON_BYTES = 32 * 1024 * 1024 - 16;

/** A JSON frame of the largest size accepted, 11 million empty objects; then arrays nested a million deep. */
export async function jsonFrameAttack(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/plugins`);
  const objects = Math.floor((JSON_BYTES - 2) / 3);
  const flat = `[${'{},'.repeat(objects - 1)}{}]`;
  socket.sendBytes(prefixed(1, new TextEncoder().encode(flat)));
  const depth = NESTING;
  socket.sendBytes(prefixed(1, new TextEncoder().encode(`${'['.repeat(depth)}${']'.repeat(depth)}`)));
  const outcome = await drained(socket);
  await socket.destroy();
  return { outcome, detail: { objects, depth } };
}
