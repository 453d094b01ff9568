/**
 * Calls waiting for a pool member while none is up: bounded in number, each until its deadline or
 * its signal, all woken when a member comes up.
 */
import { RpcError } from '../errors.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class Waiters {
  readonly #waiting = new Set<Waiter>();
  readonly #max: number;

  constructor(max: number) {
    // NaN would compare false and quietly turn the cap off.
    if (!(max >= 0)) throw new TypeError(`maxWaiting must be 0 or more, not ${max}`);
    this.#max = max;
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves when a member comes up; rejects at `deadline` (ms since the epoch), on abort, or when full. */
  wait(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(RpcError.from(signal.reason, 'CANCELLED'));
    if (this.#waiting.size >= this.#max) {
      return Promise.reject(new RpcError('RESOURCE_EXHAUSTED', `no pool member is up and ${this.#max} calls wait already`));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        this.#waiting.delete(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: () => (done(), resolve()),
        reject: (error) => (done(), reject(error)),
      };
      const onAbort = () => waiter.reject(new RpcError('CANCELLED', 'the call was cancelled', { cause: signal?.reason }));
      if (deadline < Infinity) {
        timer = setTimeout(
          () => waiter.reject(new RpcError('DEADLINE_EXCEEDED', 'no pool member came up in time')),
          deadline - Date.now(),
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(waiter);
    });
  }

  wake(): void {
    for (const waiter of [...this.#waiting]) waiter.resolve();
  }

  rejectAll(error: unknown): void {
    for (const waiter of [...this.#waiting]) waiter.reject(error);
  }
}
