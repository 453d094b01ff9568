const MAX_DELAY = 0x7fffffff;

/** A call's timeout when neither the call nor its peer names one (ms). */
export const DEFAULT_TIMEOUT = 30_000;

/** `timeout`, else `fallback`; 0, a negative number, NaN or Infinity mean no deadline (Infinity). */
export function finiteTimeout(timeout: number | undefined, fallback: number): number {
  const value = timeout ?? fallback;
  return value > 0 && value < Infinity ? value : Infinity;
}

/**
 * One timer for every deadline of a peer, armed for the earliest one: the per-call path sets
 * a number, not a timer. `expire(now)` handles what is due and returns the next deadline.
 */
export class DeadlineTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;

  readonly #expire: (now: number) => number;

  constructor(expire: (now: number) => number) {
    this.#expire = expire;
  }

  get armed(): boolean {
    return this.#timer !== undefined;
  }

  arm(deadline: number): void {
    if (deadline >= this.#at) return;
    this.clear();
    this.#at = deadline;
    // Armed only while calls are pending, so it keeps a Node process alive exactly as long as they do.
    this.#timer = setTimeout(this.#fire, Math.min(MAX_DELAY, Math.max(0, deadline - performance.now())));
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    const next = this.#expire(performance.now());
    if (next < Infinity) this.arm(next);
  };
}
