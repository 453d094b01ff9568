/**
 * References inside values: functions, async iterables, `ReadableStream`s, `AbortSignal`s and
 * objects marked as targets (`target(obj)`, `RpcTarget`) cannot be copied, so they travel as
 * markers, `{ "~ref": [kind, id, ...] }`, that the far side turns back into a live proxy. Values
 * are scanned first without allocating; only a value that holds a reference is copied (plain
 * objects and arrays along the way), and only then does its message carry the flag that tells the
 * receiver to look for markers.
 */

import { define, RpcError } from './errors.js';
import { isPlainObject } from './lookup.js';
import { isTarget, marking } from './target.js';

export const MARKER = '~ref';

export const FUNCTION = 0;
export const STREAM = 1;
export const READABLE = 2;
export const SIGNAL = 3;
/** An object whose methods the far side calls (`target(obj)`, `RpcTarget`). */
export const OBJECT = 4;
/** A user object that happens to own the marker key, wrapped so it is not mistaken for one. */
export const ESCAPED = 9;

export type RefKind = typeof FUNCTION | typeof STREAM | typeof READABLE | typeof SIGNAL | typeof OBJECT;

const MAX_DEPTH = 64;

/**
 * Values `hasRefs` looks at before it starts remembering the objects it has walked. A value from a
 * clone transport can share parts (a 64-level DAG of ~500 bytes walks as 2^64 nodes as a tree), so
 * past this many nodes the walk starts again and visits each object once: linear in the value's
 * real size. Below it nothing is allocated, and remembering (~1 µs an object) is paid only by
 * values this large; a shared value costs at most this many steps first (~2 ms).
 */
export const UNTRACKED_NODES = 65_536;

/** Thrown (never escapes) when the untracked walk has spent its budget. */
const OVER_BUDGET: unique symbol = Symbol('over budget');
let budget = 0;

/**
 * The kind of reference a value is, or `undefined` for a value that copies. A promise (or any
 * thenable) is refused: an unresolved call carries `Symbol.asyncIterator` and would otherwise
 * travel as a stream. A target is one whatever else it is (an `RpcTarget` may be iterable).
 */
export function refKind(value: unknown): RefKind | undefined {
  if (typeof value === 'function') return FUNCTION;
  if (typeof value !== 'object' || value === null) return undefined;
  if (marking && isTarget(value)) return OBJECT;
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return READABLE;
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return SIGNAL;
  if (typeof (value as PromiseLike<unknown>).then === 'function') {
    throw new RpcError('INVALID_ARGUMENT', 'a promise cannot be sent: await it first');
  }
  if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return STREAM;
  return undefined;
}

/**
 * True when `value` holds a reference anywhere in its plain objects and arrays. Throws
 * `INVALID_ARGUMENT` for a value holding a promise. Costs at most the value's size, however much
 * of it is shared.
 */
export function hasRefs(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value === 'function';
  budget = UNTRACKED_NODES;
  try {
    return scan(value, 0, undefined);
  } catch (error) {
    if (error !== OVER_BUDGET) throw error;
  }
  return scan(value, 0, new Set());
}

function scan(value: unknown, depth: number, seen: Set<object> | undefined): boolean {
  if (typeof value === 'function') return true;
  if (seen === undefined && --budget < 0) throw OVER_BUDGET;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return false;
  if (seen !== undefined) {
    if (seen.has(value)) return false; // walked already, and found nothing
    seen.add(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (scan(value[i], depth + 1, seen)) return true;
    return false;
  }
  if (refKind(value) !== undefined) return true;
  if (!isPlainObject(value)) return false;
  for (const key in value) if (scan((value as Record<string, unknown>)[key], depth + 1, seen)) return true;
  return false;
}

/**
 * Replaces every reference in `value` with the marker `exportRef` makes for it. Each object is
 * copied once: a part shared in `value` is shared in the copy. Throws for a promise, as `refKind`.
 */
export function swapRefs(value: unknown, exportRef: Exporter): unknown {
  return swap(value, exportRef, 0, new Map());
}

type Exporter = (value: unknown, kind: RefKind) => unknown[];

function swap(value: unknown, exportRef: Exporter, depth: number, copies: Map<object, unknown>): unknown {
  const kind = refKind(value);
  if (kind !== undefined) return { [MARKER]: exportRef(value, kind) };
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    copies.set(value, copy);
    for (let i = 0; i < value.length; i++) copy[i] = swap(value[i], exportRef, depth + 1, copies);
    return copy;
  }
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  copies.set(value, copy);
  for (const key of Object.keys(value)) {
    define(copy, key, swap((value as Record<string, unknown>)[key], exportRef, depth + 1, copies), true);
  }
  if (!Object.hasOwn(copy, MARKER)) return copy;
  const escaped = { [MARKER]: [ESCAPED, copy] };
  copies.set(value, escaped);
  return escaped;
}

/**
 * Replaces every marker in a received value with what `importRef` makes of it, in place. Each
 * object is visited once (a clone can share parts): a shared marker stands for one reference.
 */
export function unswapRefs(value: unknown, importRef: (marker: unknown[]) => unknown): unknown {
  return unswap(value, importRef, 0, new Map());
}

type Importer = (marker: unknown[]) => unknown;

function unswap(value: unknown, importRef: Importer, depth: number, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (done.has(value)) return done.get(value);
  let result: unknown = value;
  if (Array.isArray(value)) {
    done.set(value, value);
    for (let i = 0; i < value.length; i++) value[i] = unswap(value[i], importRef, depth + 1, done);
  } else if (isPlainObject(value)) {
    const record = value as Record<string, unknown>;
    const marker = Object.hasOwn(record, MARKER) ? record[MARKER] : undefined;
    if (!Array.isArray(marker)) {
      done.set(value, value);
      unswapFields(record, importRef, depth, done);
    } else if (marker[0] !== ESCAPED) {
      result = importRef(marker);
    } else {
      const inner = marker[1];
      const isRecord = typeof inner === 'object' && inner !== null && !Array.isArray(inner);
      result = inner;
      if (isRecord) {
        done.set(inner, inner);
        unswapFields(inner as Record<string, unknown>, importRef, depth, done);
      }
    }
    done.set(value, result);
  }
  return result;
}

function unswapFields(record: Record<string, unknown>, importRef: Importer, depth: number, done: Map<object, unknown>): void {
  for (const key of Object.keys(record)) {
    // Assigning '__proto__' would set the prototype; a clone can carry it as an own key.
    if (key !== '__proto__') record[key] = unswap(record[key], importRef, depth + 1, done);
  }
}
