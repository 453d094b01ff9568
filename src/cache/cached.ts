/**
 * The exposing side: `cached(policy, handler)` marks a method's results cacheable. The policy
 * travels with each result in `resultMeta.c`, set on the call the cache plugin's incoming
 * interceptor registered for the handler's context; without that plugin the handler just runs.
 */
import { type CallContext, type ContextHandler, contextHandlerOf, withContext } from '../context.js';
import type { Call } from '../types.js';
import { type CachePolicy, checkedTags, MAX_VERSION_LENGTH, type WirePolicy } from './policy.js';

/** What the cache plugin's incoming interceptor records for a handler's context. */
interface Serving {
  readonly call: Call;
  /** The exposing side's epoch and invalidation counter. */
  readonly ep: string;
  readonly seq: () => number;
  /** Memo of `shared` results, keyed by method, principal and arguments. */
  readonly shared: SharedMemo;
}

export interface SharedMemo {
  get(ctx: CallContext, args: readonly unknown[], policy: CachePolicy<never, never>): { value: unknown; wire: WirePolicy } | undefined;
  put(ctx: CallContext, args: readonly unknown[], value: unknown, wire: WirePolicy): void;
}

/** Calls the cache plugin is serving, by their handler context. */
export const serving = new WeakMap<CallContext, Serving>();

/** The call meta key that carries the caller's etag (`If-None-Match`). */
export const IF_NONE_MATCH = 'cinm';

const NOT_MODIFIED: unique symbol = Symbol('saltline.notModified');

/** The caller's etag exactly as it came (with the version it was made under, if any). */
function heldEtag(ctx: CallContext): string | undefined {
  const value = serving.get(ctx)?.call.meta[IF_NONE_MATCH];
  return typeof value === 'string' ? value : undefined;
}

/** Versions of the `cached` handlers running, by their context: `ifNoneMatch` strips them. */
const versions = new WeakMap<CallContext, string>();

/** An etag as it travels: prefixed by the policy's version, so another version's never matches. */
const versioned = (etag: string, version: string | undefined) => (version === undefined ? etag : `${version}\u0000${etag}`);

/**
 * The etag the caller holds for this call, if any: compare it before doing the heavy work.
 * Under a `version`, an etag the caller kept from another version is not reported.
 */
export function ifNoneMatch(ctx: CallContext): string | undefined {
  const held = heldEtag(ctx);
  const version = versions.get(ctx);
  if (held === undefined || version === undefined) return held;
  const prefix = versioned('', version);
  return held.startsWith(prefix) ? held.slice(prefix.length) : undefined;
}

/** What a handler returns to answer "not modified": the caller's stored result stands. */
export function notModified(ctx: CallContext): never {
  if (!serving.has(ctx)) throw new TypeError('notModified() needs a call served through a cache plugin');
  return NOT_MODIFIED as never;
}

function isStream(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return (
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (value as ReadableStream).getReader === 'function'
  );
}

const isGenerator = (fn: unknown) => typeof fn === 'function' && /^(Async)?GeneratorFunction$/.test(fn.constructor.name);

/**
 * Marks a handler's results cacheable under `policy`. A streaming handler (a generator) cannot
 * be cached and throws here, before `expose`; a handler made with `withContext` still gets its
 * context, through which `ifNoneMatch(ctx)` and `notModified(ctx)` work.
 */
export function cached<A extends unknown[], R>(
  policy: CachePolicy<A, Awaited<R>>,
  handler: (...args: A) => R,
): ContextHandler<A, Promise<Awaited<R>>> {
  if (typeof handler !== 'function') throw new TypeError('cached() takes a policy and a handler');
  const inner = contextHandlerOf(handler);
  if (isGenerator(inner ?? handler)) throw new TypeError('a streaming handler cannot be cached');
  const { version } = policy;
  if (version !== undefined && (typeof version !== 'string' || version.length > MAX_VERSION_LENGTH))
    throw new TypeError(`a cache policy's version is a string of at most ${MAX_VERSION_LENGTH}`);
  const run = (ctx: CallContext, args: A) => (inner ? inner(ctx, ...args) : handler(...args)) as R;
  return withContext(async (ctx: CallContext, ...args: A): Promise<Awaited<R>> => {
    const served = serving.get(ctx);
    if (!served) return run(ctx, args) as Awaited<R>;
    const iseq = served.seq();
    if (version !== undefined) versions.set(ctx, version);
    if (policy.shared) {
      const memo = served.shared.get(ctx, args, policy as CachePolicy<never, never>);
      if (memo) return answer(served, ctx, memo.value, memo.wire) as Awaited<R>;
    }
    const result = await run(ctx, args);
    if ((result as unknown) === NOT_MODIFIED) {
      served.call.resultMeta = { ...served.call.resultMeta, c: { ...wireOf(policy), n: 1, ep: served.ep, is: iseq } };
      return undefined as Awaited<R>;
    }
    if (isStream(result)) return result;
    const wire: WirePolicy = { ...wireOf(policy), ep: served.ep, is: iseq };
    const tags = policy.tags?.(args, result);
    if (tags) wire.t = checkedTags(tags);
    const etag = policy.etag?.(args, result);
    if (etag !== undefined) wire.g = versioned(String(etag), version);
    if (policy.shared) served.shared.put(ctx, args, result, wire);
    return answer(served, ctx, result, wire) as Awaited<R>;
  });
}

/** Sends `value` with its policy, or "not modified" when the caller already holds that etag. */
function answer(served: Serving, ctx: CallContext, value: unknown, wire: WirePolicy): unknown {
  const unchanged = wire.g !== undefined && wire.g === heldEtag(ctx);
  served.call.resultMeta = { ...served.call.resultMeta, c: unchanged ? { ...wire, n: 1 } : wire };
  return unchanged ? undefined : value;
}

function wireOf(policy: CachePolicy<never, never>): WirePolicy {
  const wire: WirePolicy = { a: policy.maxAge ?? 0 };
  if (policy.staleWhileRevalidate) wire.w = policy.staleWhileRevalidate;
  if (policy.staleIfError) wire.e = policy.staleIfError;
  if (policy.mustRevalidate) wire.m = 1;
  if (policy.private !== false) wire.v = 1;
  if (policy.persist) wire.p = 1;
  return wire;
}
