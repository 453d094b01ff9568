import { decodeTimestampExtension, Encoder, ExtData, ExtensionCodec, encodeTimestampExtension } from '@msgpack/msgpack';
import { errorFromWire, errorToWire } from '../error-wire.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';
import type { Codec, CodecExtension } from './codec.js';
import { inputBytes } from './input.js';
import { type ExtDecoder, MsgpackDecoder } from './msgpack-decoder.js';
import { batchEnds } from './msgpack-skip.js';
import { TYPED_ARRAYS, typedArrayTag } from './typed-arrays.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

const MAX_BIGINT_DIGITS = 4096;
/** Default `maxValues`: room for an array of 1 Mi numbers and its envelope, twice over. */
const DEFAULT_MAX_VALUES = 2 ** 21;
/** Default `maxDepth`: what `@msgpack/msgpack`'s encoder has always refused beyond. */
const DEFAULT_MAX_DEPTH = 100;
/** Map, Set and Error payloads inside one another, on both ends: each may nest `maxDepth` afresh. */
const MAX_NESTING = 16;

/** Ext −1: a Date as the msgpack timestamp. An Invalid Date has none, so its call fails at once. */
const dateExtension: CodecExtension<Uint8Array> = {
  type: -1,
  encode: (value) => {
    if (!(value instanceof Date)) return null;
    if (Number.isNaN(value.getTime())) throw new RangeError('an Invalid Date cannot be sent over msgpack');
    return encodeTimestampExtension(value);
  },
  decode: decodeTimestampExtension,
};

/** Ext 1: a bigint, as its decimal digits in ASCII; the sender refuses what the receiver would. */
const bigintExtension: CodecExtension<Uint8Array> = {
  type: 1,
  encode: (value) => {
    if (typeof value !== 'bigint') return null;
    const text = value.toString();
    if (text.length - (value < 0n ? 1 : 0) > MAX_BIGINT_DIGITS) throw new RangeError(`a bigint over ${MAX_BIGINT_DIGITS} digits`);
    return textEncoder.encode(text);
  },
  decode: (data) => {
    const text = data.length <= MAX_BIGINT_DIGITS + 1 ? textDecoder.decode(data) : '';
    if (!/^-?\d{1,4096}$/.test(text)) throw new RangeError('malformed bigint');
    return BigInt(text);
  },
};

/** Ext 3: an ArrayBuffer, as its bytes (msgpack would otherwise send an empty map). */
const arrayBufferExtension: CodecExtension<Uint8Array> = {
  type: 3,
  encode: (value) => (value instanceof ArrayBuffer ? new Uint8Array(value) : null),
  decode: (data) => data.slice().buffer,
};

/** Ext 6: a typed array other than Uint8Array: a tag byte, then its bytes (little-endian platforms). */
const typedArrayExtension: CodecExtension<Uint8Array> = {
  type: 6,
  encode: (value) => {
    const tag = typedArrayTag(value);
    if (tag < 0) return null;
    const view = value as ArrayBufferView;
    const out = new Uint8Array(view.byteLength + 1);
    out[0] = tag;
    out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 1);
    return out;
  },
  decode: (data) => {
    const Type = TYPED_ARRAYS[data[0] ?? -1];
    const bytes = data.slice(1);
    if (!Type || bytes.byteLength % Type.BYTES_PER_ELEMENT) throw new RangeError('malformed typed array');
    return new Type(bytes.buffer);
  },
};

/** An extension whose payload is the msgpack of another value, which the decoder reads in place. */
interface NestedExtension {
  readonly type: number;
  /** The value to encode as the payload, or undefined to pass `value` on. */
  toWire(value: unknown): unknown;
  fromWire(value: unknown): unknown;
}

const nestedExtensions: readonly NestedExtension[] = [
  /** Ext 2: an Error anywhere inside a value, as its wire form. */
  {
    type: 2,
    toWire: (value) => (value instanceof Error ? errorToWire(value, false) : undefined),
    fromWire: (wire) => errorFromWire(wire),
  },
  /** Ext 4: a Map, as the array [key, value, key, value, ...]. */
  {
    type: 4,
    toWire: (value) => (value instanceof Map ? [...value].flat(1) : undefined),
    fromWire: (flat) => {
      if (!Array.isArray(flat) || flat.length % 2) throw new RangeError('malformed Map');
      const map = new Map();
      for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
      return map;
    },
  },
  /** Ext 5: a Set, as the array of its values. */
  {
    type: 5,
    toWire: (value) => (value instanceof Set ? [...value] : undefined),
    fromWire: (values) => {
      if (!Array.isArray(values)) throw new RangeError('malformed Set');
      return new Set(values);
    },
  },
];

const decodedInPlace = (): never => {
  throw new TypeError('saltline decodes this extension type itself');
};

/** Options of `msgpackCodec`. */
export interface MsgpackOptions {
  /**
   * Extension types beyond the built-in ones (−1 Date, 1 bigint, 2 error, 3 ArrayBuffer, 4 Map, 5 Set,
   * 6 typed array); types 0–31 are saltline's. Default none.
   */
  readonly extensions?: readonly CodecExtension<Uint8Array>[];
  /** Refuses to decode longer inputs. Default 32 MiB. */
  readonly maxMessageSize?: number;
  /**
   * Refuses to decode a message of more values than this, counting every element, map key and
   * value at any depth, inside Map, Set and Error values too; each container's count is checked
   * before its elements are built. Bounds a decoded message's memory. The encoder refuses such a
   * message too, so a call over it fails with INVALID_ARGUMENT. Default 2,097,152 (2^21).
   */
  readonly maxValues?: number;
  /**
   * Levels of arrays and maps in one value, the outermost being level 1, for encoding and decoding
   * alike (the payload of a Map, Set or Error counts afresh, up to 16 of those inside one another).
   * Default 100.
   */
  readonly maxDepth?: number;
}

/** The codec for byte transports: one reused encoder, binary as msgpack bin, never base64. */
export function msgpackCodec(options: MsgpackOptions = {}): Codec {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const extensionCodec = new ExtensionCodec();
  const decoders = new Map<number, ExtDecoder>();
  const register = (ext: CodecExtension<Uint8Array>) => {
    extensionCodec.register(ext);
    decoders.set(ext.type, { nested: false, decode: (data) => ext.decode(data) });
  };
  let nesting = 0;
  const encodeNested = (value: unknown): Uint8Array => {
    if (nesting >= MAX_NESTING) throw new RangeError(`Map, Set and Error values nested more than ${MAX_NESTING} deep`);
    nesting++;
    try {
      return encoder.encode(value);
    } finally {
      nesting--;
    }
  };
  for (const ext of [dateExtension, bigintExtension, arrayBufferExtension, typedArrayExtension]) register(ext);
  for (const ext of nestedExtensions) {
    const encode = (value: unknown) => {
      const wire = ext.toWire(value);
      return wire === undefined ? null : encodeNested(wire);
    };
    extensionCodec.register({ type: ext.type, encode, decode: decodedInPlace });
    decoders.set(ext.type, { nested: true, decode: ext.fromWire });
  }
  for (const ext of options.extensions ?? []) register(ext);
  const encoder = new Encoder({ extensionCodec, ignoreUndefined: false, maxDepth });
  const limits = { maxValues: options.maxValues ?? DEFAULT_MAX_VALUES, maxDepth, maxNesting: MAX_NESTING };
  const decoder = new MsgpackDecoder(limits, decoders, (data, type) => new ExtData(type, data));
  /** The sender refuses a message that a receiver with the same budget would drop. */
  const checked = (bytes: Uint8Array): Uint8Array => {
    decoder.checkValues(bytes);
    return bytes;
  };
  return {
    name: 'msgpack',
    kind: 'bytes',
    encode: (frame) => checked(encoder.encode(frame)),
    encodeShared: (frame) => checked(encoder.encodeSharedRef(frame)),
    decode: (data) => decoder.decode(inputBytes(data, maxMessageSize)),
    boundaries: (data) => batchEnds(inputBytes(data, maxMessageSize), limits.maxValues, (type) => decoders.get(type)?.nested === true),
    decodeAdmitted: (data, admit) => decoder.decode(inputBytes(data, maxMessageSize), admit),
  };
}
