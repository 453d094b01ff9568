/**
 * What the exposing side declares about a method's results, and the bounded form in which the
 * declaration travels with each result (`resultMeta.c`). The caller trusts none of it unbounded.
 */

/** A cache policy, like `Cache-Control` on an HTTP response. */
export interface CachePolicy<A extends unknown[] = unknown[], R = unknown> {
  /** Fresh lifetime in ms; `0` lets identical calls in flight share one request and nothing more. Default 0. */
  readonly maxAge?: number;
  /** After `maxAge`, ms during which a stale result is served while one revalidation runs. Default 0. */
  readonly staleWhileRevalidate?: number;
  /** After `maxAge`, ms during which a stale result is served when the far side cannot be reached. Default 0. */
  readonly staleIfError?: number;
  /** Never serve the result stale without revalidating it: disables both windows above. Default false. */
  readonly mustRevalidate?: boolean;
  /** Tags to invalidate the result by; at most 32, each at most 128 bytes. Default none. */
  readonly tags?: (args: A, result: R) => readonly string[];
  /** A validator of the result: a repeat call sends it back, and an equal one answers "not modified". Default none. */
  readonly etag?: (args: A, result: R) => string;
  /** Keyed by the caller's principal: one user's result is never served to another. Default true. */
  readonly private?: boolean;
  /** The caller may keep it across reloads (IndexedDB). Default false. */
  readonly persist?: boolean;
  /** The exposing side also keeps it and answers every caller's identical call from it (per principal when private). Default false. */
  readonly shared?: boolean;
  /**
   * The result's format, at most 64 characters, folded into the etag: after it changes, an etag a
   * caller kept from the old format never matches, so it gets the full result. Default none.
   */
  readonly version?: string;
}

/** Longest `version`. */
export const MAX_VERSION_LENGTH = 64;

/** At most this many tags travel with one result; more make it uncacheable. */
const MAX_TAGS = 32;
/** Longest tag, in UTF-16 code units. */
export const MAX_TAG_LENGTH = 128;
/** Longest etag. */
const MAX_ETAG_LENGTH = 256;

/** The policy as it travels in `resultMeta.c`: short names, numbers and strings only. */
export interface WirePolicy {
  /** maxAge */
  a: number;
  /** staleWhileRevalidate */
  w?: number;
  /** staleIfError */
  e?: number;
  /** mustRevalidate */
  m?: 1;
  /** tags */
  t?: string[];
  /** etag */
  g?: string;
  /** private */
  v?: 1;
  /** persist */
  p?: 1;
  /** not modified: the caller's entry stands, no value came */
  n?: 1;
  /** the exposing side's epoch and its invalidation counter when the handler started */
  ep?: string;
  is?: number;
}

const nonNegative = (value: unknown): number =>
  typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : value === Infinity ? Infinity : 0;

/** A wire policy from the far side, bounded by the caller's `maxTtl`; `undefined` when malformed. */
export function readWirePolicy(raw: unknown, maxTtl: number): WirePolicy | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const c = raw as Record<string, unknown>;
  const tags = c.t;
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > MAX_TAGS) return undefined;
    if (!tags.every((tag) => typeof tag === 'string' && tag.length <= MAX_TAG_LENGTH)) return undefined;
  }
  if (c.g !== undefined && (typeof c.g !== 'string' || c.g.length > MAX_ETAG_LENGTH)) return undefined;
  const cap = (value: unknown) => Math.min(nonNegative(value), maxTtl);
  return {
    a: cap(c.a),
    w: cap(c.w),
    e: cap(c.e),
    ...(c.m ? { m: 1 as const } : {}),
    ...(tags ? { t: tags as string[] } : {}),
    ...(typeof c.g === 'string' ? { g: c.g } : {}),
    ...(c.v ? { v: 1 as const } : {}),
    ...(c.p ? { p: 1 as const } : {}),
    ...(c.n ? { n: 1 as const } : {}),
    ...(typeof c.ep === 'string' && c.ep.length <= 64 ? { ep: c.ep } : {}),
    ...(typeof c.is === 'number' && Number.isSafeInteger(c.is) ? { is: c.is } : {}),
  };
}

/** Checks a policy's tags on the exposing side: a handler that breaks the bounds learns it there. */
export function checkedTags(tags: readonly string[]): string[] {
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw new RangeError(`a cached result takes at most ${MAX_TAGS} tags`);
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length > MAX_TAG_LENGTH)
      throw new RangeError(`a cache tag is a string of at most ${MAX_TAG_LENGTH}`);
  }
  return [...tags];
}
