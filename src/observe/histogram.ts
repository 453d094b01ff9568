/**
 * A base-2 exponential histogram (OpenTelemetry's exponential histogram, Prometheus native
 * histograms): bucket `i` holds values in (2^(i/16), 2^((i+1)/16)]. Scale 4 keeps a quantile
 * within 2.2 % of the true value (scale 3, 2^(1/8) wide, can be 4.4 % off), costs one log per
 * record, and two histograms of one scale merge and subtract bucket by bucket. Only the span
 * from the lowest to the highest bucket hit is stored: 16 numbers per doubling between the
 * fastest and the slowest call (durations come from this side's clock, never from the far side).
 */

/** Buckets per doubling: 2^SCALE. */
const SCALE = 4;
const PER_OCTAVE = 1 << SCALE;

/** Values at or below this count in the zero bucket (and answer quantiles as 0). */
const ZERO_THRESHOLD = 1e-9;

/**
 * Upper bounds in seconds of the fixed buckets exported to Prometheus: OpenTelemetry's advice
 * for RPC durations, with the sub-millisecond buckets an in-process RPC needs.
 */
export const SECONDS_BOUNDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Call durations in base-2 exponential buckets (scale 4): quantiles within 2.2 %, mergeable. */
export class Histogram {
  /** Counts per bucket index from `offset` up: a plain array, grown as values arrive (a Map costs ~10× per record). */
  #counts: number[] = [];
  #offset = 0;
  /** Counts per `SECONDS_BOUNDS` bucket (not cumulative), then one for everything above. */
  readonly fixed: number[] = SECONDS_BOUNDS.map(() => 0).concat(0);
  zero = 0;
  count = 0;
  /** Sum of the values recorded, in their unit (milliseconds for durations). */
  sum = 0;

  /** Records a duration in milliseconds. */
  record(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms <= ZERO_THRESHOLD) this.zero++;
    else this.#add1(Math.ceil(Math.log2(ms) * PER_OCTAVE) - 1, 1);
    const seconds = ms / 1000;
    let slot = 0;
    while (slot < SECONDS_BOUNDS.length && seconds > SECONDS_BOUNDS[slot]!) slot++;
    this.fixed[slot]!++;
  }

  /** The value at quantile `q` (0 to 1), within 2.2 %; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank <= this.zero) return 0;
    let seen = this.zero;
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      // The bucket's geometric middle: at most half a bucket's width from any value in it.
      if (seen >= rank) return 2 ** ((i + this.#offset + 0.5) / PER_OCTAVE);
    }
    return 0;
  }

  /** Adds `other`'s counts into this one. */
  merge(other: Histogram): this {
    return this.#add(other, 1);
  }

  /** What was recorded since `earlier`, a copy of this histogram taken before. */
  since(earlier: Histogram): Histogram {
    return new Histogram().merge(this).#add(earlier, -1);
  }

  copy(): Histogram {
    return new Histogram().merge(this);
  }

  /** Adds `n` to bucket `index`, growing the array to reach it. */
  #add1(index: number, n: number): void {
    const counts = this.#counts;
    if (counts.length === 0) this.#offset = index;
    let i = index - this.#offset;
    if (i < 0) {
      counts.unshift(...new Array<number>(-i).fill(0));
      this.#offset = index;
      i = 0;
    }
    while (counts.length <= i) counts.push(0);
    counts[i]! += n;
  }

  #add(other: Histogram, sign: 1 | -1): this {
    this.count += sign * other.count;
    this.sum += sign * other.sum;
    this.zero += sign * other.zero;
    other.#counts.forEach((count, i) => {
      if (count !== 0) this.#add1(i + other.#offset, sign * count);
    });
    for (let slot = 0; slot < this.fixed.length; slot++) this.fixed[slot]! += sign * other.fixed[slot]!;
    return this;
  }
}
