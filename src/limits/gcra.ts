/**
 * The generic cell rate algorithm: one number per key (the theoretical arrival time), an exact
 * retry-after, no timers. `rate` per second with a `burst` of calls allowed at once.
 */

export interface Rate {
  /** Calls per second allowed on average. */
  readonly rate: number;
  /** Calls allowed at once after a quiet spell. Default 1. */
  readonly burst?: number;
}

export class Gcra {
  /** Theoretical arrival time per key, in clock ms. */
  readonly #tat = new Map<unknown, number>();
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #maxKeys: number;

  constructor(rate: Rate, maxKeys: number) {
    if (!(rate.rate > 0)) throw new RangeError('a rate limit needs a rate above 0');
    const burst = rate.burst ?? 1;
    if (!(burst >= 1)) throw new RangeError('a rate limit needs a burst of at least 1');
    this.#interval = 1000 / rate.rate;
    this.#tolerance = this.#interval * (burst - 1);
    this.#maxKeys = maxKeys;
  }

  /** Takes one call for `key` at `now`: 0 when allowed, else the ms to wait before it would be. */
  take(key: unknown, now: number): number {
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const wait = tat - now - this.#tolerance;
    if (wait > 0) return Math.ceil(wait);
    if (!this.#tat.has(key) && this.#tat.size >= this.#maxKeys) this.#sweep(now);
    this.#tat.set(key, tat + this.#interval);
    return 0;
  }

  forget(key: unknown): void {
    this.#tat.delete(key);
  }

  get size(): number {
    return this.#tat.size;
  }

  /** Drops keys whose bucket is full again (as good as absent); if none is, the oldest. */
  #sweep(now: number): void {
    for (const [key, tat] of this.#tat) if (tat <= now) this.#tat.delete(key);
    if (this.#tat.size >= this.#maxKeys) this.#tat.delete(this.#tat.keys().next().value);
  }
}
