/** Bytes a transport may hold unsent before stream producers wait (where it can say). */
export const HIGH_WATER = 1 << 20;
const POLL_MS = 5;

/**
 * Lets stream producers wait for the transport to drain: a far side that grants credit but stops
 * reading must not make this side buffer without end. Platforms give no drain event for
 * WebSockets, so while someone waits, one timer polls the transport's buffered amount.
 */
export class Drain {
  #waiting: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #buffered: () => number | undefined;

  constructor(buffered: () => number | undefined) {
    this.#buffered = buffered;
  }

  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** `undefined` when the transport can take more now; else a promise that settles when it can. */
  whenWritable(): Promise<void> | undefined {
    if (this.#waiting) return this.#waiting;
    const buffered = this.#buffered();
    if (buffered === undefined || buffered < HIGH_WATER) return undefined;
    this.#waiting = new Promise((resolve) => (this.#resolve = resolve));
    this.#timer = setTimeout(this.#poll, POLL_MS);
    return this.#waiting;
  }

  /** Releases whoever waits (the session closed: their sends go nowhere) and stops the timer. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const resolve = this.#resolve;
    this.#waiting = this.#resolve = undefined;
    resolve?.();
  }

  readonly #poll = (): void => {
    this.#timer = undefined;
    if ((this.#buffered() ?? 0) < HIGH_WATER / 2) this.stop();
    else this.#timer = setTimeout(this.#poll, POLL_MS);
  };
}
