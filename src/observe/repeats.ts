/**
 * Rate limit for identical log lines: at most `burst` of one line per `window` ms; the next one
 * after the window first reports how many were suppressed. Timer-free; the keys it remembers
 * are bounded, and a key it forgets reports its suppressed count as it goes.
 */

/** Distinct lines remembered at once. */
const MAX_KEYS = 1_000;

interface Run {
  start: number;
  count: number;
}

export class Repeats {
  readonly #runs = new Map<string, Run>();
  readonly #window: number;
  readonly #burst: number;
  readonly #suppressed: (key: string, count: number) => void;

  constructor(window: number, burst: number, suppressed: (key: string, count: number) => void) {
    this.#window = window;
    this.#burst = burst;
    this.#suppressed = suppressed;
  }

  /** True when the line `key` may be written now. */
  admit(key: string, now: number): boolean {
    const run = this.#runs.get(key);
    if (run && now - run.start < this.#window) return ++run.count <= this.#burst;
    if (run) {
      this.#report(key, run);
      run.start = now;
      run.count = 1;
      return true;
    }
    if (this.#runs.size >= MAX_KEYS) {
      const [oldest, oldRun] = this.#runs.entries().next().value as [string, Run];
      this.#runs.delete(oldest);
      this.#report(oldest, oldRun);
    }
    this.#runs.set(key, { start: now, count: 1 });
    return true;
  }

  /** Reports every suppressed count now (at close) and forgets them. */
  flush(): void {
    for (const [key, run] of this.#runs) this.#report(key, run);
    this.#runs.clear();
  }

  #report(key: string, run: Run): void {
    if (run.count > this.#burst) this.#suppressed(key, run.count - this.#burst);
  }
}
