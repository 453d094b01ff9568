/**
 * `retain` and `release`, and what they look up: which peer's table a proxy it received belongs
 * to, and which tables export a local object now. Module-wide, since a proxy or an object can be
 * handed to these functions without its peer.
 */

/** The part of a reference table these functions use. */
export interface ReferenceOwner {
  retain(id: number, proxy: object): void;
  release(id: number): void;
  revoke(obj: object): void;
}

/** Which peer's table a callback or remote object proxy belongs to, for `retain` and `release`. */
export const proxies = new WeakMap<object, { table: ReferenceOwner; id: number }>();
/** The peers' tables that export a local object now: `release(obj)` revokes it from each. */
export const exporters = new WeakMap<object, Set<ReferenceOwner>>();

export const dispose = typeof Symbol.dispose === 'symbol' ? Symbol.dispose : undefined;

/** An object no peer holds any more: its `[Symbol.dispose]`, if it has one, runs once. */
export function disposeObject(obj: object): void {
  const method = dispose && (obj as { [dispose]?: unknown })[dispose];
  if (typeof method !== 'function') return;
  try {
    method.call(obj);
  } catch {
    // Nobody waits for it: the release that triggered it came from a message or a close.
  }
}

/** Keeps a callback or remote object received as an argument alive after the call returns, until `release`. */
export function retain<F extends object>(callback: F): F {
  const ref = proxies.get(callback);
  if (!ref) throw new TypeError('retain() takes a callback or object received from a remote peer');
  ref.table.retain(ref.id, callback);
  return callback;
}

/**
 * Releases a retained callback, or a function or object received as a result: later calls to it
 * fail with NOT_FOUND. Given a local object this side exported (`target(obj)`), revokes it from
 * every peer that holds it, and its `[Symbol.dispose]` runs.
 */
export function release(reference: object): void {
  const ref = proxies.get(reference);
  if (ref) return ref.table.release(ref.id);
  const tables = exporters.get(reference);
  if (tables) for (const table of [...tables]) table.revoke(reference);
  else if (typeof reference === 'function') throw new TypeError('release() takes a function received from a remote peer');
}
