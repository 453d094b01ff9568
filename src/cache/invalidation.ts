/**
 * Invalidations as they cross the wire (`$cache.invalidate`), and the exposing side's bounded log
 * of them, which a caller that reconnects replays from where it stopped (`$cache.replay`).
 */
import { MAX_TAG_LENGTH } from './policy.js';
import type { InvalidationMatch } from './store.js';

/** At most this many tags or method prefixes in one invalidation. */
const MAX_INVALIDATION_ITEMS = 1024;

export interface Invalidation extends InvalidationMatch {
  /** The exposing side's epoch: a new one means its log (and our place in it) is gone. */
  readonly ep: string;
  /** Its counter: one more than the previous invalidation's. */
  readonly seq: number;
}

const strings = (value: unknown): string[] | undefined | false =>
  value === undefined
    ? undefined
    : Array.isArray(value) &&
        value.length <= MAX_INVALIDATION_ITEMS &&
        value.every((item) => typeof item === 'string' && item.length <= MAX_TAG_LENGTH * 4)
      ? (value as string[])
      : false;

/** An invalidation from the far side, or `undefined` when malformed. */
export function readInvalidation(raw: unknown): Invalidation | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { ep, seq, tags, methods, all } = raw as Record<string, unknown>;
  if (typeof ep !== 'string' || ep.length > 64 || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  const t = strings(tags);
  const m = strings(methods);
  if (t === false || m === false) return undefined;
  return { ep, seq, ...(t ? { tags: t } : {}), ...(m ? { methods: m } : {}), ...(all === true ? { all: true } : {}) };
}

/** Checks an invalidation this side is asked to send. */
function checked(match: InvalidationMatch): InvalidationMatch {
  const t = strings(match.tags);
  const m = strings(match.methods);
  if (t === false || m === false)
    throw new RangeError(`invalidate() takes at most ${MAX_INVALIDATION_ITEMS} tags and method prefixes, as strings`);
  if (!t && !m && match.all !== true) throw new TypeError('invalidate() needs tags, methods or all: true');
  return { ...(t ? { tags: [...t] } : {}), ...(m ? { methods: [...m] } : {}), ...(match.all === true ? { all: true } : {}) };
}

export class InvalidationLog {
  seq = 0;
  readonly #entries: Invalidation[] = [];

  constructor(
    readonly ep: string,
    readonly max: number,
  ) {}

  append(match: InvalidationMatch): Invalidation {
    const invalidation: Invalidation = { ep: this.ep, seq: ++this.seq, ...checked(match) };
    this.#entries.push(invalidation);
    if (this.#entries.length > this.max) this.#entries.shift();
    return invalidation;
  }

  /** What a caller that saw up to `since` missed, or `{ resync: true }` when the log no longer reaches back. */
  since(since: unknown): { entries: Invalidation[] } | { resync: true } {
    if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0 || since > this.seq) return { resync: true };
    const oldest = this.#entries[0]?.seq ?? this.seq + 1;
    if (since + 1 < oldest) return { resync: true };
    return { entries: this.#entries.filter((entry) => entry.seq > since) };
  }
}
