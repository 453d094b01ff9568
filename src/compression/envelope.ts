import { RpcError } from '../errors.js';

/**
 * A compressed frame on a byte transport (docs/protocol.md §17):
 *
 *   0xc1 · index (1 byte) · length (4 bytes, big-endian) · compressed bytes
 *
 * 0xc1 is the one byte msgpack never uses, and it begins no UTF-8 text and no CBOR array, so no
 * plain frame of any codec starts with it: plain frames need no flag and cost nothing.
 * `index` is the compressor's position in the receiver's HELLO list; `length` is the frame's
 * size before compression, which bounds the inflation.
 */
const COMPRESSED = 0xc1;
export const HEADER_SIZE = 6;

interface Envelope {
  readonly index: number;
  readonly length: number;
  readonly payload: Uint8Array;
}

export function isCompressed(data: Uint8Array): boolean {
  return data.byteLength >= HEADER_SIZE && data[0] === COMPRESSED;
}

export function seal(index: number, length: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.byteLength);
  out[0] = COMPRESSED;
  out[1] = index;
  new DataView(out.buffer).setUint32(2, length);
  out.set(payload, HEADER_SIZE);
  return out;
}

export function open(data: Uint8Array): Envelope {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { index: data[1]!, length: view.getUint32(2), payload: data.subarray(HEADER_SIZE) };
}

/** The error a compressor throws when a frame inflates past its announced length. */
export const tooLarge = (length: number): RpcError =>
  new RpcError('RESOURCE_EXHAUSTED', `a compressed frame inflates past its announced ${length} bytes`);
