import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import type { Codec, CodecExtension } from './codec.js';
import { errorFromWire, errorToWire } from '../error-wire.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Ext 1: a bigint of any size, as its decimal digits in ASCII. */
const bigintExtension: CodecExtension<Uint8Array> = {
  type: 1,
  encode: (value) => (typeof value === 'bigint' ? textEncoder.encode(value.toString()) : null),
  decode: (data) => {
    const text = textDecoder.decode(data);
    if (!/^-?\d{1,4096}$/.test(text)) throw new RangeError('malformed bigint');
    return BigInt(text);
  },
};

/** Typed arrays other than Uint8Array (which is msgpack bin), by a one-byte tag in ext 6. */
const typedArrays = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

function typedArrayTag(value: unknown): number {
  if (!ArrayBuffer.isView(value) || value instanceof Uint8Array || value instanceof DataView) return -1;
  return typedArrays.findIndex((Type) => value instanceof Type);
}

export interface MsgpackOptions {
  /** Extension types beyond the built-in ones (1 bigint, 2 error, 3 ArrayBuffer, 4 Map, 5 Set, 6 typed array); types 0–31 are saltline's. */
  readonly extensions?: readonly CodecExtension<Uint8Array>[];
  /** Refuses to decode longer inputs; also bounds every array, map, string and binary. Default 32 MiB. */
  readonly maxMessageSize?: number;
}

/** The codec for byte transports: one reused encoder, binary as msgpack bin, never base64. */
export function msgpackCodec(options: MsgpackOptions = {}): Codec {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const extensionCodec = new ExtensionCodec();
  const register = (ext: CodecExtension<Uint8Array>) => extensionCodec.register(ext);
  register(bigintExtension);
  /** Ext 2: an Error anywhere inside a value, as the msgpack of its wire form. */
  register({
    type: 2,
    encode: (value) => (value instanceof Error ? encoder.encode(errorToWire(value, false)) : null),
    decode: (data) => errorFromWire(decoder.decode(data)),
  });
  /** Ext 3: an ArrayBuffer, as its bytes (msgpack would otherwise send an empty map). */
  register({
    type: 3,
    encode: (value) => (value instanceof ArrayBuffer ? new Uint8Array(value) : null),
    decode: (data) => data.slice().buffer,
  });
  /** Ext 4: a Map, as the msgpack array [key, value, key, value, ...]. */
  register({
    type: 4,
    encode: (value) => (value instanceof Map ? encoder.encode([...value].flat(1)) : null),
    decode: (data) => {
      const flat = decoder.decode(data);
      if (!Array.isArray(flat) || flat.length % 2) throw new RangeError('malformed Map');
      const map = new Map();
      for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
      return map;
    },
  });
  /** Ext 5: a Set, as the msgpack array of its values. */
  register({
    type: 5,
    encode: (value) => (value instanceof Set ? encoder.encode([...value]) : null),
    decode: (data) => {
      const values = decoder.decode(data);
      if (!Array.isArray(values)) throw new RangeError('malformed Set');
      return new Set(values);
    },
  });
  /** Ext 6: a typed array other than Uint8Array: a tag byte, then its bytes (little-endian platforms). */
  register({
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
      const Type = typedArrays[data[0] ?? -1];
      const bytes = data.slice(1);
      if (!Type || bytes.byteLength % Type.BYTES_PER_ELEMENT) throw new RangeError('malformed typed array');
      return new Type(bytes.buffer);
    },
  });
  for (const ext of options.extensions ?? []) register(ext);
  const encoder = new Encoder({ extensionCodec, ignoreUndefined: false });
  const decoder = new Decoder({
    extensionCodec,
    maxStrLength: maxMessageSize,
    maxBinLength: maxMessageSize,
    maxArrayLength: maxMessageSize,
    maxMapLength: maxMessageSize,
    maxExtLength: maxMessageSize,
  });
  return {
    name: 'msgpack',
    kind: 'bytes',
    encode: (frame) => encoder.encode(frame),
    encodeShared: (frame) => encoder.encodeSharedRef(frame),
    decode: (data) => {
      if (!(data instanceof Uint8Array || data instanceof ArrayBuffer)) throw new TypeError('expected bytes');
      if (data.byteLength > maxMessageSize) throw new RangeError('message larger than maxMessageSize');
      return decoder.decode(data);
    },
  };
}
