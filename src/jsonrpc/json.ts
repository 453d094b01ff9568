/**
 * What JSON can carry, checked before anything is sent, and how deep a received text nests,
 * checked before it is parsed: a hostile peer's `[[[[...` never reaches `JSON.parse`.
 */
import { scanJson } from '../codec/json-scan.js';
import { RpcError } from '../errors.js';

/** Whether the arrays and objects of a JSON text nest at most `max` levels deep: the JSON codec's scan, one pass, no allocation. */
export function nestsWithin(text: string, max: number): boolean {
  try {
    scanJson(text, Number.POSITIVE_INFINITY, max);
    return true;
  } catch {
    return false;
  }
}

/** Why a value cannot cross as JSON, or `undefined` when it can: a plain walk, no more than `maxDepth` levels. */
export function unsendable(value: unknown, maxDepth: number, path: string): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON has no number for`;
    case 'function':
      return `${path} is a function: JSON-RPC cannot carry callbacks (use createPeer from 'saltline')`;
    case 'bigint':
      return `${path} is a bigint: send it as a string`;
    case 'symbol':
      return `${path} is a symbol`;
    case 'undefined':
      return undefined; // dropped from objects, null in arrays: as JSON.stringify does
  }
  if (value === null) return undefined;
  if (maxDepth <= 0) return `${path} nests too deep`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const why = unsendable(value[i], maxDepth - 1, `${path}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return foreign(value as object, path);
  for (const key of Object.keys(value as object)) {
    const why = unsendable((value as Record<string, unknown>)[key], maxDepth - 1, `${path}.${key}`);
    if (why) return why;
  }
  return undefined;
}

function foreign(value: object, path: string): string | undefined {
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined; // Date and friends
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `${path} is binary: JSON-RPC cannot carry bytes (encode them, e.g. as base64, or use createPeer from 'saltline')`;
  }
  if (Symbol.asyncIterator in value || (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream)) {
    return `${path} is a stream: JSON-RPC cannot carry streams (use createPeer from 'saltline')`;
  }
  if (typeof (value as PromiseLike<unknown>).then === 'function') return `${path} is a promise: await it first`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  return `${path} is a ${name}, which JSON cannot carry as it is`;
}

/** Throws `INVALID_ARGUMENT` naming the first value JSON cannot carry. */
export function assertSendable(value: unknown, maxDepth: number, path: string): void {
  const why = unsendable(value, maxDepth, path);
  if (why) throw new RpcError('INVALID_ARGUMENT', why);
}
