/**
 * Objects by reference: a value marked with `target(obj)`, or an instance of a class extending
 * `RpcTarget`, crosses the channel as a live remote object whose methods the far side calls,
 * instead of being copied (comlink's `proxy`, capnweb's `RpcTarget`). Marks are kept beside the
 * object (a WeakMap), so marking changes nothing the object's own code can see.
 */
import { RpcError } from './errors.js';

/** Type-only brand: what `Remote<T>` recognises as an object that crosses by reference. */
declare const targetBrand: unique symbol;

/** An object marked to cross by reference, as `target(obj)` types it. */
export type Target<T extends object = object> = T & { readonly [targetBrand]: true };

const LOCAL = 1;
const REMOTE = 2;
/** Objects that cross by reference (LOCAL), and proxies of the far side's (REMOTE). */
const marks = new WeakMap<object, typeof LOCAL | typeof REMOTE>();
/**
 * False until the first object is marked: until then the marker walk skips the lookup, so a
 * program that never uses targets pays nothing for them (~5 ns an object walked otherwise).
 */
export let marking = false;

/**
 * Extend it to make every instance cross by reference: its own and prototype methods (up to
 * this class) are callable remotely, its `[Symbol.dispose]` runs once when no peer holds it.
 */
export class RpcTarget {
  declare readonly [targetBrand]: true;

  constructor() {
    marking = true;
    marks.set(this, LOCAL);
  }
}

/** Marks `obj` to cross by reference wherever it is sent; returns it. */
export function target<T extends object>(obj: T): Target<T> {
  if (typeof obj !== 'object' || obj === null) throw new TypeError('target() takes an object (a function already crosses by reference)');
  if (marks.get(obj) === REMOTE) throw new TypeError('target() takes a local object, not a remote one');
  marking = true;
  marks.set(obj, LOCAL);
  return obj as Target<T>;
}

/** A proxy of an object the far side holds. */
export function markRemote(proxy: object): void {
  marking = true;
  marks.set(proxy, REMOTE);
}

/**
 * Whether `value` crosses by reference. A remote object cannot be sent on (yet): passing it
 * back would otherwise copy it as an empty object, so it is refused.
 */
export function isTarget(value: object): boolean {
  const mark = marks.get(value);
  if (mark === REMOTE) throw new RpcError('INVALID_ARGUMENT', 'a remote object cannot be sent on: call its methods instead');
  return mark === LOCAL;
}
