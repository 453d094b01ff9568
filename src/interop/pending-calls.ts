/**
 * The outgoing calls of a peer that speaks another protocol (JSON-RPC, comlink) while they await
 * their replies: a bound on how many, one timer for every deadline, cancellation by signal, and
 * every call rejected at once on close. Neither the core nor its bundle imports it.
 */
import { DeadlineTimer } from '../deadlines.js';
import { RpcError } from '../errors.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

export class PendingCalls<Id> {
  readonly #calls = new Map<Id, Pending>();
  readonly #deadlines = new DeadlineTimer((now) => this.#expire(now));
  readonly #max: number;
  readonly #onGiveUp: ((id: Id) => void) | undefined;

  /** `onGiveUp` runs after a call is rejected because it timed out or its signal aborted (to tell the far side). */
  constructor(max: number, onGiveUp?: (id: Id) => void) {
    this.#max = max;
    this.#onGiveUp = onGiveUp;
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Whether the deadline timer is armed (what `stats().timers` counts). */
  get timerArmed(): boolean {
    return this.#deadlines.armed;
  }

  has(id: Id): boolean {
    return this.#calls.has(id);
  }

  /** Why a new call cannot wait now (`RESOURCE_EXHAUSTED`, or its signal's abort), or `undefined`. */
  refusal(signal: AbortSignal | undefined): RpcError | undefined {
    if (this.#calls.size >= this.#max) return new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#max} calls pending`);
    return signal?.aborted ? RpcError.from(signal.reason, 'CANCELLED') : undefined;
  }

  /** Waits for the reply to call `id`: at most `timeout` ms (`Infinity`: no limit), until `signal` aborts. */
  add(id: Id, timeout: number, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
      const onAbort = signal ? () => this.#giveUp(id, RpcError.from(signal.reason, 'CANCELLED')) : undefined;
      if (signal) signal.addEventListener('abort', onAbort!, { once: true });
      this.#calls.set(id, { resolve, reject, deadline, signal, onAbort });
      if (deadline < Infinity) this.#deadlines.arm(deadline);
    });
  }

  /** Settles call `id` with its reply (`error` undefined) or its error; a call no longer waiting is ignored. */
  settle(id: Id, value: unknown, error: unknown): void {
    const pending = this.#calls.get(id);
    if (!pending) return;
    this.#calls.delete(id);
    pending.signal?.removeEventListener('abort', pending.onAbort!);
    if (this.#calls.size === 0) this.#deadlines.clear();
    if (error === undefined) pending.resolve(value);
    else pending.reject(error);
  }

  /** Rejects every call with `error` (the peer closed). */
  rejectAll(error: unknown): void {
    for (const id of [...this.#calls.keys()]) this.settle(id, undefined, error);
    this.#deadlines.clear();
  }

  #giveUp(id: Id, error: RpcError): void {
    this.settle(id, undefined, error);
    this.#onGiveUp?.(id);
  }

  /** Rejects the calls whose deadline has passed; returns the next deadline. */
  #expire(now: number): number {
    let next = Infinity;
    for (const [id, pending] of this.#calls) {
      if (pending.deadline <= now) this.#giveUp(id, new RpcError('DEADLINE_EXCEEDED', 'the call timed out'));
      else if (pending.deadline < next) next = pending.deadline;
    }
    return next;
  }
}
