/**
 * The conformance vectors' JSON notation for values JSON cannot hold (test/vectors/README.md):
 * `{ "$bin": hex }`, `{ "$bigint": digits }`, `{ "$float": "NaN" }`, `{ "$error": wire }`,
 * `{ "$arraybuffer": hex }`, `{ "$map": [[k, v], ...] }`, `{ "$set": [...] }`, `{ "$date": ms }`,
 * `{ "$typed": [tag, hex] }`. Everything else is itself.
 */
import { errorFromWire, errorToWire } from '../../src/error-wire.js';

export type Tagged = null | boolean | number | string | Tagged[] | { [key: string]: Tagged };

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const unhex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

const TYPED = [
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
];

/** The JavaScript value a tagged JSON value stands for. */
export function fromTagged(value: Tagged): unknown {
  if (Array.isArray(value)) return value.map(fromTagged);
  if (typeof value !== 'object' || value === null) return value;
  const [key] = Object.keys(value);
  const inner = value[key!] as Tagged;
  switch (Object.keys(value).length === 1 ? key : '') {
    case '$bin':
      return unhex(inner as string);
    case '$bigint':
      return BigInt(inner as string);
    case '$float':
      return Number(inner);
    case '$error':
      return errorFromWire(inner);
    case '$arraybuffer':
      return unhex(inner as string).buffer;
    case '$map':
      return new Map((inner as Tagged[][]).map(([k, v]) => [fromTagged(k!), fromTagged(v!)]));
    case '$set':
      return new Set((inner as Tagged[]).map(fromTagged));
    case '$date':
      return new Date(inner as number);
    case '$typed': {
      const [tag, bytes] = inner as [number, string];
      return new TYPED[tag]!(unhex(bytes).buffer as ArrayBuffer);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromTagged(v)]));
}

/** A decoded JavaScript value in the tagged notation, to compare with a vector. */
export function toTagged(value: unknown): Tagged {
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'string') return value ?? null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $float: String(value) };
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (Array.isArray(value)) return value.map(toTagged);
  if (value instanceof Uint8Array) return { $bin: hex(value) };
  if (value instanceof ArrayBuffer) return { $arraybuffer: hex(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    const tag = TYPED.findIndex((type) => value instanceof type);
    return { $typed: [tag, hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))] };
  }
  if (value instanceof Error) return { $error: errorToWire(value, false) as Tagged };
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toTagged(k), toTagged(v)]) };
  if (value instanceof Set) return { $set: [...value].map(toTagged) };
  if (value instanceof Date) return { $date: value.getTime() };
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toTagged(v)]));
}
