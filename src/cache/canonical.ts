/**
 * Cache keys: a canonical, tagged, length-prefixed encoding of a call, hashed with SHA-512/256.
 * Never the wire codec's bytes: msgpack cannot tell a `Map` from `{}`, `1n` from `1`, or a
 * `Uint8Array` from a `Uint16Array` with the same bytes; this encoding tells them all apart,
 * while values the wire cannot tell apart (key order, Map insertion order) encode alike.
 */
import { sha512_256 } from './sha512-256.js';

/** Raised for a value that cannot be keyed; the call then bypasses the cache and coalescing. */
export class NotCacheable extends Error {}

/** Deepest nesting a key may have. */
const MAX_KEY_DEPTH = 100;
/** Largest encoding a key may have, in bytes. */
const MAX_KEY_BYTES = 64 * 1024;

enum Tag {
  Undefined = 0,
  Null,
  False,
  True,
  Number,
  String,
  BigInt,
  Array,
  Object,
  Map,
  Set,
  Date,
  ArrayBuffer,
  View,
}

const viewKinds = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
];

/** Bytes appended to a growing buffer, up to `limit`. */
class Writer {
  bytes = new Uint8Array(256);
  length = 0;
  readonly #scratch = new DataView(new ArrayBuffer(8));

  constructor(readonly limit: number) {}

  #room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    if (this.length + n > this.limit) throw new NotCacheable(`a cache key over ${this.limit} bytes`);
    const grown = new Uint8Array(Math.min(this.limit, Math.max(this.bytes.length * 2, this.length + n)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.#room(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.#room(4);
    const bytes = this.bytes;
    bytes[this.length++] = value >>> 24;
    bytes[this.length++] = (value >>> 16) & 0xff;
    bytes[this.length++] = (value >>> 8) & 0xff;
    bytes[this.length++] = value & 0xff;
  }

  f64(value: number): void {
    this.#scratch.setFloat64(0, value);
    this.raw(this.#bytes8);
  }

  readonly #bytes8 = new Uint8Array(this.#scratch.buffer);

  raw(data: Uint8Array): void {
    this.#room(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** A length-prefixed string as WTF-8: lone surrogates keep distinct bytes (UTF-8 would replace them). */
  string(value: string): void {
    const start = this.length;
    this.u32(0);
    for (let i = 0; i < value.length; i++) {
      let code = value.charCodeAt(i);
      if (code < 0x80) {
        this.byte(code);
        continue;
      }
      if (code >= 0xd800 && code < 0xdc00 && i + 1 < value.length) {
        const next = value.charCodeAt(i + 1);
        if (next >= 0xdc00 && next < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
        }
      }
      if (code < 0x800) {
        this.byte(0xc0 | (code >> 6));
      } else if (code < 0x10000) {
        this.byte(0xe0 | (code >> 12));
        this.byte(0x80 | ((code >> 6) & 0x3f));
      } else {
        this.byte(0xf0 | (code >> 18));
        this.byte(0x80 | ((code >> 12) & 0x3f));
        this.byte(0x80 | ((code >> 6) & 0x3f));
      }
      this.byte(0x80 | (code & 0x3f));
    }
    const length = this.length - start - 4;
    this.bytes[start] = length >>> 24;
    this.bytes[start + 1] = (length >>> 16) & 0xff;
    this.bytes[start + 2] = (length >>> 8) & 0xff;
    this.bytes[start + 3] = length & 0xff;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Encodes one value; `seen` holds the objects on the current path (a cycle cannot be keyed). */
function encode(out: Writer, value: unknown, depth: number, seen: Set<object>): void {
  switch (typeof value) {
    case 'undefined':
      return out.byte(Tag.Undefined);
    case 'boolean':
      return out.byte(value ? Tag.True : Tag.False);
    case 'number':
      out.byte(Tag.Number);
      return out.f64(value === 0 ? 0 : value); // −0 and 0 cross the wire alike
    case 'string':
      out.byte(Tag.String);
      return out.string(value);
    case 'bigint': {
      out.byte(Tag.BigInt);
      out.byte(value < 0n ? 1 : 0);
      return out.string((value < 0n ? -value : value).toString(16));
    }
    case 'object':
      break;
    default:
      throw new NotCacheable(`a ${typeof value} cannot be part of a cache key`);
  }
  if (value === null) return out.byte(Tag.Null);
  if (depth > MAX_KEY_DEPTH) throw new NotCacheable(`a cache key nested deeper than ${MAX_KEY_DEPTH}`);
  if (seen.has(value)) throw new NotCacheable('a cyclic value cannot be part of a cache key');
  seen.add(value);
  try {
    encodeObject(out, value, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function encodeObject(out: Writer, value: object, depth: number, seen: Set<object>): void {
  if (Array.isArray(value)) {
    out.byte(Tag.Array);
    out.u32(value.length);
    for (const item of value) encode(out, item, depth + 1, seen);
  } else if (value instanceof Map || value instanceof Set) {
    out.byte(value instanceof Map ? Tag.Map : Tag.Set);
    const items: Uint8Array[] = [];
    for (const item of value instanceof Map ? value.entries() : value.values()) {
      const inner = new Writer(out.limit);
      encode(inner, item, depth + 1, seen);
      items.push(inner.bytes.subarray(0, inner.length));
    }
    out.u32(items.length);
    for (const item of items.sort(compareBytes)) out.raw(item);
  } else if (value instanceof Date) {
    out.byte(Tag.Date);
    out.f64(value.getTime());
  } else if (value instanceof ArrayBuffer) {
    out.byte(Tag.ArrayBuffer);
    out.u32(value.byteLength);
    out.raw(new Uint8Array(value));
  } else if (ArrayBuffer.isView(value)) {
    const kind = viewKinds.indexOf(value.constructor.name);
    if (kind < 0) throw new NotCacheable(`a ${value.constructor.name} cannot be part of a cache key`);
    out.byte(Tag.View);
    out.byte(kind);
    out.u32(value.byteLength);
    out.raw(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } else if (isPlainObject(value)) {
    // A property holding undefined is missing on the wire (msgpack drops it, so does the clone's reading).
    const keys = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort();
    out.byte(Tag.Object);
    out.u32(keys.length);
    for (const key of keys) {
      out.string(key);
      encode(out, (value as Record<string, unknown>)[key], depth + 1, seen);
    }
  } else {
    throw new NotCacheable(`a ${value.constructor?.name ?? 'class'} instance cannot be part of a cache key`);
  }
}

/**
 * The canonical bytes of `value`, or `NotCacheable`. Also how the cache sizes and vets a result
 * it may store: whatever cannot be keyed (functions, streams, class instances) is not stored.
 */
export function canonicalBytes(value: unknown, limit = MAX_KEY_BYTES): Uint8Array {
  const out = new Writer(limit);
  encode(out, value, 0, new Set());
  return out.bytes.subarray(0, out.length);
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding, by table: no string building through btoa and regexes on the hot path. */
function base64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (i + 1 < bytes.length ? alphabet[(n >> 6) & 63]! : '');
  }
  return out;
}

/** One writer for every key: keys are made synchronously, one at a time. */
const keyWriter = new Writer(MAX_KEY_BYTES);

/**
 * The key of a call: H("saltline-key/1" ‖ lp(scope) ‖ lp(principal) ‖ lp(method) ‖ canon(args)),
 * base64url; trailing `undefined` arguments are trimmed, as `f(x)` and `f(x, undefined)` are one
 * call. Throws `NotCacheable` for arguments that cannot be keyed.
 */
export function cacheKey(scope: string, principal: string, method: string, args: readonly unknown[]): string {
  let length = args.length;
  while (length > 0 && args[length - 1] === undefined) length--;
  const out = keyWriter;
  out.length = 0;
  out.string('saltline-key/1');
  out.string(scope);
  out.string(principal);
  out.string(method);
  out.u32(length);
  const seen = new Set<object>();
  for (let i = 0; i < length; i++) encode(out, args[i], 0, seen);
  return base64url(sha512_256(out.bytes.subarray(0, out.length)));
}

/**
 * A deep copy of a value `canonicalBytes` accepted (plain data, Map, Set, Date, binary): what a
 * cache hit hands out, so no two callers share an object. Faster than `structuredClone` for the
 * small results caches mostly hold.
 */
export function cloneValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [cloneValue(k), cloneValue(v)])) as T;
  if (value instanceof Set) return new Set([...value].map(cloneValue)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof ArrayBuffer) return value.slice(0) as T;
  if (ArrayBuffer.isView(value)) return structuredClone(value);
  const copy: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) copy[key] = cloneValue((value as Record<string, unknown>)[key]);
  return copy as T;
}
