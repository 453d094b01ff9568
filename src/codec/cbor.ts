import { Decoder, Encoder } from 'cbor-x';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';
import { boxErrors, unboxErrors } from './cbor-errors.js';
import { GENERIC_OBJECT, scanCbor, WIRE_ERROR } from './cbor-scan.js';
import type { Codec } from './codec.js';
import { inputBytes } from './input.js';

/** What the CBOR codec takes: the bounds it enforces on both ends, since a far side chooses the sizes. */
export interface CborOptions {
  /** Refuses to decode longer inputs, in bytes. Default 32 MiB. */
  readonly maxMessageSize?: number;
  /** Values in one message at most, counting every item, key and value at any depth, on both ends. Default 2,097,152. */
  readonly maxValues?: number;
  /** Levels of arrays and maps in one value, the message being level 1, on both ends. Default 100. */
  readonly maxDepth?: number;
}

/**
 * CBOR (RFC 8949) through `cbor-x`, for peers in languages with a CBOR library: standard tags for
 * dates, bignums, typed arrays, Sets and Maps (docs/protocol.md §11.5). Every input is scanned
 * first (`scanCbor`), so a hostile frame costs O(its length) before cbor-x builds anything.
 */
export function cborCodec(options: CborOptions = {}): Codec {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const limits = { maxValues: options.maxValues ?? 2 ** 21, maxDepth: options.maxDepth ?? 100 };
  // Plain RFC 8949: no records, packing or shared structures (cbor-x extensions other peers cannot read).
  const settings = { useRecords: false, mapsAsObjects: true, pack: false, structuredClone: false, tagUint8Array: false } as const;
  const encoder = new Encoder({ ...settings, useTag259ForMaps: true } as ConstructorParameters<typeof Encoder>[0]);
  const decoder = new Decoder(settings);
  return {
    name: 'cbor',
    kind: 'bytes',
    encode: (frame) => {
      let bytes = encoder.encode(frame);
      // The sender refuses what a receiver with the same limits would. Tag 27 is an Error that cbor-x cut to its message.
      if (scanCbor(bytes, limits) & GENERIC_OBJECT) {
        bytes = encoder.encode(boxErrors(frame, limits.maxDepth));
        scanCbor(bytes, limits);
      }
      return bytes;
    },
    decode: (data) => {
      const bytes = inputBytes(data, maxMessageSize);
      const found = scanCbor(bytes, limits);
      const value = decoder.decode(bytes);
      return found & WIRE_ERROR ? unboxErrors(value, limits.maxDepth) : value;
    },
    boundaries: (data) => {
      const ends: number[] = [];
      scanCbor(inputBytes(data, maxMessageSize), limits, ends);
      return ends;
    },
  };
}
