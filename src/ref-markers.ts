/**
 * References inside values: functions, async iterables, `ReadableStream`s and `AbortSignal`s
 * cannot be copied, so they travel as markers, `{ "~ref": [kind, id, ...] }`, that the far side
 * turns back into a live proxy. Values are scanned first without allocating; only a value that
 * holds a reference is copied (plain objects and arrays along the way), and only then does its
 * message carry the flag that tells the receiver to look for markers.
 */

export const MARKER = '~ref';

export const FUNCTION = 0;
export const STREAM = 1;
export const READABLE = 2;
export const SIGNAL = 3;
/** A user object that happens to own the marker key, wrapped so it is not mistaken for one. */
export const ESCAPED = 9;

export type RefKind = typeof FUNCTION | typeof STREAM | typeof READABLE | typeof SIGNAL;

const MAX_DEPTH = 64;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The kind of reference a value is, or `undefined` for a value that copies. */
export function refKind(value: unknown): RefKind | undefined {
  if (typeof value === 'function') return FUNCTION;
  if (typeof value !== 'object' || value === null) return undefined;
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return READABLE;
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return SIGNAL;
  if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return STREAM;
  return undefined;
}

/** True when `value` holds a reference anywhere in its plain objects and arrays. */
export function hasRefs(value: unknown, depth = 0): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasRefs(value[i], depth + 1)) return true;
    return false;
  }
  if (refKind(value) !== undefined) return true;
  if (!isPlainObject(value)) return false;
  for (const key in value) if (hasRefs((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** Replaces every reference in `value` with the marker `exportRef` makes for it. */
export function swapRefs(value: unknown, exportRef: (value: unknown, kind: RefKind) => unknown[], depth = 0): unknown {
  const kind = refKind(value);
  if (kind !== undefined) return { [MARKER]: exportRef(value, kind) };
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => swapRefs(item, exportRef, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: swapRefs((value as Record<string, unknown>)[key], exportRef, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return Object.hasOwn(copy, MARKER) ? { [MARKER]: [ESCAPED, copy] } : copy;
}

/** Replaces every marker in a received value with what `importRef` makes of it. */
export function unswapRefs(value: unknown, importRef: (marker: unknown[]) => unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = unswapRefs(value[i], importRef, depth + 1);
    return value;
  }
  if (!isPlainObject(value)) return value;
  const record = value as Record<string, unknown>;
  const marker = Object.hasOwn(record, MARKER) ? record[MARKER] : undefined;
  if (Array.isArray(marker)) {
    if (marker[0] !== ESCAPED) return importRef(marker);
    const inner = marker[1];
    return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? unswapFields(inner as Record<string, unknown>, importRef, depth) : inner;
  }
  return unswapFields(record, importRef, depth);
}

function unswapFields(record: Record<string, unknown>, importRef: (marker: unknown[]) => unknown, depth: number): unknown {
  for (const key of Object.keys(record)) {
    // Assigning '__proto__' would set the prototype; a clone can carry it as an own key.
    if (key !== '__proto__') record[key] = unswapRefs(record[key], importRef, depth + 1);
  }
  return record;
}
