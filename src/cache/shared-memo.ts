/**
 * The exposing side's memo of results its handlers marked `shared`: one entry serves every
 * caller (or every caller of one principal, when private). Apart from `cache.ts` because it
 * is the only part of the plugin that stores on the exposing side.
 */
import type { CallContext } from '../context.js';
import type { SharedMemo } from './cached.js';
import { cacheKey, canonicalBytes, cloneValue } from './canonical.js';
import { hex, nextOrder } from './link.js';
import type { MemoryStore } from './memory-store.js';

/** The exposing side's memo of `shared` results: keyed by principal when private. */
/** The memo `cached(..., { shared })` handlers read and fill, keyed apart per `ep` (this side's log). */
export function sharedMemo(ep: string, shared: MemoryStore, seq: () => number, maxTtl: number, now: () => number): SharedMemo {
  const keyOf = (ctx: CallContext, args: readonly unknown[], isPrivate: boolean) => {
    const principal = !isPrivate
      ? ''
      : ctx.principal !== undefined
        ? `p:${String(ctx.principal)}`
        : ctx.remoteIdentity
          ? `k:${hex(ctx.remoteIdentity)}`
          : undefined;
    if (principal === undefined) return undefined; // private, and no identity to keep it apart by
    try {
      return cacheKey(ep, principal, ctx.method, args);
    } catch {
      return undefined;
    }
  };
  return {
    get: (ctx, args, policy) => {
      const key = keyOf(ctx, args, policy.private !== false);
      const entry = key && shared.get(key, now());
      if (!entry || entry.invalidated || now() - entry.storedAt >= entry.policy.a) return undefined;
      return { value: cloneValue(entry.value), wire: { ...entry.policy, is: seq() } };
    },
    put: (ctx, args, value, wire) => {
      const key = keyOf(ctx, args, wire.v === 1);
      if (!key || !(wire.a > 0)) return;
      let bytes: number;
      try {
        bytes = canonicalBytes(value, shared.maxEntryBytes).length;
      } catch {
        return;
      }
      const storedAt = now();
      const policy = { ...wire, a: Math.min(wire.a, maxTtl), w: 0, e: 0 };
      shared.put({
        key,
        scope: ep,
        principal: '',
        method: ctx.method,
        value: cloneValue(value),
        bytes,
        storedAt,
        policy,
        invalidated: false,
        order: nextOrder(),
      });
    },
  };
}
