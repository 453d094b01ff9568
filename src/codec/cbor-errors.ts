import { Tag } from 'cbor-x';
import { errorFromWire, errorToWire } from '../error-wire.js';
import { ERROR_TAG } from './cbor-scan.js';

/**
 * Errors inside CBOR values keep what they keep over msgpack (name, message, code, data, own
 * properties, cause chain: `src/error-wire.ts`) as their wire form under `ERROR_TAG`, where cbor-x
 * alone writes tag 27 `[name, message]`. Only messages that hold an error are walked, once the
 * scan of cbor-x's bytes has seen one: the common message costs nothing more.
 */
export function boxErrors(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth < 0) return value;
  if (value instanceof Error) return new Tag(boxErrors(errorToWire(value, false), depth - 1), ERROR_TAG);
  if (Array.isArray(value)) return value.map((item) => boxErrors(item, depth - 1));
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [boxErrors(key, depth - 1), boxErrors(item, depth - 1)]));
  if (value instanceof Set) return new Set([...value].map((item) => boxErrors(item, depth - 1)));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: boxErrors((value as Record<string, unknown>)[key], depth - 1),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/** Rebuilds the errors `boxErrors` wrote, in place: what cbor-x decoded is held by nothing else. */
export function unboxErrors(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth < 0) return value;
  if (value instanceof Tag) return value.tag === ERROR_TAG ? errorFromWire(unboxErrors(value.value, depth - 1)) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = unboxErrors(value[i], depth - 1);
    return value;
  }
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [unboxErrors(key, depth - 1), unboxErrors(item, depth - 1)]));
  if (value instanceof Set) return new Set([...value].map((item) => unboxErrors(item, depth - 1)));
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof Error) return value;
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) object[key] = unboxErrors(object[key], depth - 1);
  return object;
}
