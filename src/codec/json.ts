import { errorFromWire, errorToWire } from '../error-wire.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';
import { fromBase64, toBase64 } from './base64.js';
import type { Codec } from './codec.js';
import { inputBytes } from './input.js';
import { scanJson } from './json-scan.js';
import { textOver } from './text-size.js';
import { TYPED_ARRAYS, typedArrayTag } from './typed-arrays.js';

/** What the JSON codec takes: the bounds it enforces on what it decodes. */
export interface JsonOptions {
  /** Refuses to decode longer inputs, in bytes. Default 32 MiB. */
  readonly maxMessageSize?: number;
  /**
   * Values in one message at most, counting every element, key and value at any depth, on both
   * ends; the JSON text is held to it too, before it is parsed, counting its own values and keys
   * (a tagged value, `{"~": [tag, payload]}`, is 4 and its payload's). Default 2,097,152.
   */
  readonly maxValues?: number;
  /**
   * Levels of arrays and objects in one value, the message being level 1, on both ends; the JSON
   * text may nest twice as deep (a tagged value is two levels of it). Default 100.
   */
  readonly maxDepth?: number;
}

/**
 * What the JSON codec sends for the values JSON has no form for: `{"~": [tag, payload]}`, with the
 * numbers of the msgpack extension types where there is one (docs/protocol.md §11.4).
 */
enum Tag {
  Date = -1,
  BigInt = 1,
  Error = 2,
  ArrayBuffer = 3,
  Map = 4,
  Set = 5,
  TypedArray = 6,
  Bytes = 7,
  Number = 8,
  Escaped = 9,
}
const MAX_BIGINT_DIGITS = 4096;

/**
 * JSON in UTF-8 bytes, for debugging and for peers that speak JSON: every value of the msgpack
 * table survives (docs/protocol.md §11.4). It also reads JSON text, which is how it travels over
 * a WebSocket once negotiated (§3.1). Slower and larger than msgpack, and bytes travel as
 * base64: use it where a person or another language reads the frames.
 */
export function jsonCodec(options: JsonOptions = {}): Codec {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxValues = options.maxValues ?? 2 ** 21;
  const maxDepth = options.maxDepth ?? 100;
  const textDepth = 2 * maxDepth;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let budget = 0;
  const spend = (): void => {
    if (--budget < 0) throw new RangeError(`a message of more than ${maxValues} values`);
  };

  const toJson = (value: unknown, depth: number): unknown => {
    spend();
    switch (typeof value) {
      case 'undefined':
        return null;
      case 'number':
        return Number.isFinite(value) && !Object.is(value, -0) ? value : tagged(Tag.Number, String(Object.is(value, -0) ? '-0' : value));
      case 'bigint': {
        const text = value.toString();
        if (text.length - (value < 0n ? 1 : 0) > MAX_BIGINT_DIGITS) throw new RangeError(`a bigint over ${MAX_BIGINT_DIGITS} digits`);
        return tagged(Tag.BigInt, text);
      }
      case 'string':
      case 'boolean':
        return value;
      case 'object':
        break;
      default:
        throw new TypeError(`a ${typeof value} cannot be sent as JSON`);
    }
    if (value === null) return null;
    if (depth >= maxDepth) throw new RangeError(`a value nested more than ${maxDepth} deep`);
    const inner = (item: unknown) => toJson(item, depth + 1);
    if (Array.isArray(value)) return value.map(inner);
    if (value instanceof Uint8Array) return tagged(Tag.Bytes, toBase64(value));
    if (value instanceof DataView) return tagged(Tag.Bytes, toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)));
    if (ArrayBuffer.isView(value)) {
      return tagged(Tag.TypedArray, [typedArrayTag(value), toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))]);
    }
    if (value instanceof ArrayBuffer) return tagged(Tag.ArrayBuffer, toBase64(new Uint8Array(value)));
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new RangeError('an Invalid Date cannot be sent');
      return tagged(Tag.Date, value.getTime());
    }
    if (value instanceof Map) return tagged(Tag.Map, [...value].flat(1).map(inner));
    if (value instanceof Set) return tagged(Tag.Set, [...value].map(inner));
    if (value instanceof Error) return tagged(Tag.Error, inner(errorToWire(value, false)));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      spend();
      Object.defineProperty(out, key, { value: inner((value as Record<string, unknown>)[key]), enumerable: true, writable: true });
    }
    return Object.hasOwn(out, '~') ? tagged(Tag.Escaped, out) : out;
  };

  /** Restores a parsed value in place (JSON.parse made it: nothing else holds it). */
  const fromJson = (value: unknown, depth: number): unknown => {
    spend();
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= maxDepth) throw new RangeError(`a value nested more than ${maxDepth} deep`);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = fromJson(value[i], depth + 1);
      return value;
    }
    const object = value as Record<string, unknown>;
    if (!Object.hasOwn(object, '~')) {
      for (const key of Object.keys(object)) {
        spend();
        object[key] = fromJson(object[key], depth + 1);
      }
      return object;
    }
    const pair = object['~'];
    if (Object.keys(object).length !== 1 || !Array.isArray(pair) || pair.length !== 2) throw new RangeError('a malformed tagged value');
    return untag(pair[0], pair[1], depth + 1);
  };

  const untag = (tag: unknown, payload: unknown, depth: number): unknown => {
    switch (tag) {
      case Tag.Number:
        if (payload === 'NaN' || payload === 'Infinity' || payload === '-Infinity' || payload === '-0') return Number(payload);
        break;
      case Tag.BigInt:
        if (typeof payload === 'string' && /^-?\d{1,4096}$/.test(payload)) return BigInt(payload);
        break;
      case Tag.Date:
        if (typeof payload === 'number') return new Date(payload);
        break;
      case Tag.Bytes:
        return fromBase64(payload);
      case Tag.ArrayBuffer:
        return fromBase64(payload).buffer;
      case Tag.TypedArray: {
        const [index, base64] = Array.isArray(payload) ? payload : [];
        const Type = TYPED_ARRAYS[index as number];
        const bytes = fromBase64(base64);
        if (Type && bytes.byteLength % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer);
        break;
      }
      case Tag.Map: {
        const flat = fromJson(payload, depth);
        if (!Array.isArray(flat) || flat.length % 2) break;
        const map = new Map();
        for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
        return map;
      }
      case Tag.Set: {
        const values = fromJson(payload, depth);
        if (Array.isArray(values)) return new Set(values);
        break;
      }
      case Tag.Error:
        return errorFromWire(fromJson(payload, depth));
      case Tag.Escaped:
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
          for (const key of Object.keys(payload)) (payload as Record<string, unknown>)[key] = fromJson((payload as never)[key], depth);
          return payload;
        }
    }
    throw new RangeError('a malformed tagged value');
  };

  /** Text or bytes within `maxMessageSize`, scanned by `scan` before anything is built. */
  const checkedText = (data: unknown, scan: (input: string | Uint8Array) => void): string | Uint8Array => {
    if (typeof data === 'string') {
      if (textOver(data, maxMessageSize)) throw new RangeError('message larger than maxMessageSize');
      scan(data);
      return data;
    }
    const bytes = inputBytes(data, maxMessageSize, 'bytes or text');
    scan(bytes);
    return bytes;
  };

  return {
    name: 'json',
    kind: 'bytes',
    encode: (frame) => {
      budget = maxValues;
      const text = JSON.stringify(toJson(frame, 0));
      // The sender refuses what a receiver with the same limits would.
      scanJson(text, maxValues, textDepth);
      return encoder.encode(text);
    },
    text: true,
    decode: (data) => {
      const text = checkedText(data, (input) => scanJson(input, maxValues, textDepth));
      budget = maxValues;
      return fromJson(JSON.parse(typeof text === 'string' ? text : decoder.decode(text)), 0);
    },
    boundaries: (data) => {
      const ends: number[] = [];
      checkedText(data, (input) => scanJson(input, maxValues, textDepth, ends));
      return ends;
    },
  };
}

const tagged = (tag: Tag, payload: unknown) => ({ '~': [tag, payload] });
