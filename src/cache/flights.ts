/**
 * Requests in flight, by cache key: identical calls share one, each waiter may abort on its own,
 * and the far side sees a cancel only when no waiter is left. Each waiter also keeps its own
 * deadline: a shared request is sent without one, so the first caller's timeout cannot fail a
 * later caller who would wait longer. An invalidation detaches them all: later calls start
 * afresh, and what was in flight learns it may not store its result.
 */
import { DeadlineTimer } from '../deadlines.js';
import { RpcError } from '../errors.js';
import type { WirePolicy } from './policy.js';
import type { InvalidationMatch } from './store.js';

export interface Outcome {
  readonly value: unknown;
  readonly policy: WirePolicy | undefined;
  /** An invalidation that matches it arrived while it was in flight: delivered, not stored. */
  readonly invalidated: boolean;
}

export interface Flight {
  readonly promise: Promise<Outcome>;
  /** Invalidations that arrived while it was in flight. */
  readonly missed: (InvalidationMatch & { readonly seq: number })[];
  waiters: number;
  /** A waiter already has the outcome's own value; later ones get copies. */
  delivered: boolean;
  readonly controller: AbortController;
}

const cancelled = (signal: AbortSignal) => new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason });
const timedOut = () => new RpcError('DEADLINE_EXCEEDED', 'the call timed out');

export class Flights {
  /** Flights later callers may join. */
  readonly #joinable = new Map<string, Flight>();
  /** Every flight, joinable or not, until it settles. */
  readonly #live = new Set<Flight>();
  /** Waiters' deadlines (`performance.now()` ms), by what times each out: one timer serves them all, as in the core. */
  readonly #deadlines = new Map<() => void, number>();
  readonly #timer = new DeadlineTimer((now) => this.#expire(now));

  has(key: string): boolean {
    return this.#joinable.has(key);
  }

  get(key: string): Flight | undefined {
    return this.#joinable.get(key);
  }

  /** Starts `run` as a flight; `joinable` lets identical calls join it. */
  start(key: string, joinable: boolean, run: (signal: AbortSignal, flight: Flight) => Promise<Outcome>): Flight {
    const controller = new AbortController();
    const flight = { missed: [], waiters: 0, delivered: false, controller } as unknown as { -readonly [K in keyof Flight]: Flight[K] };
    flight.promise = run(controller.signal, flight).finally(() => {
      this.#live.delete(flight);
      if (this.#joinable.get(key) === flight) this.#joinable.delete(key);
    });
    flight.promise.catch(() => undefined); // a flight nobody waits for any more fails quietly
    this.#live.add(flight);
    if (joinable) this.#joinable.set(key, flight);
    return flight;
  }

  /**
   * Waits for `flight` until `signal` aborts or `timeout` ms pass (`Infinity`: the request's own
   * deadline applies); the last waiter to leave cancels it.
   */
  wait(flight: Flight, signal: AbortSignal | undefined, timeout: number): Promise<Outcome & { readonly first: boolean }> {
    flight.waiters++;
    return new Promise((resolve, reject) => {
      let left = false;
      const leave = (error?: RpcError, reason?: unknown) => {
        if (left) return false;
        left = true;
        if (this.#deadlines.delete(onTimeout) && this.#deadlines.size === 0) this.#timer.clear();
        signal?.removeEventListener('abort', onAbort);
        flight.waiters--;
        if (error) {
          if (flight.waiters === 0) flight.controller.abort(reason ?? error);
          reject(error);
        }
        return true;
      };
      const onAbort = () => leave(cancelled(signal!), signal!.reason);
      const onTimeout = () => leave(timedOut());
      if (signal?.aborted) return void onAbort();
      signal?.addEventListener('abort', onAbort);
      if (timeout < Infinity) {
        const at = performance.now() + timeout;
        this.#deadlines.set(onTimeout, at);
        this.#timer.arm(at);
      }
      flight.promise.then(
        (outcome) => {
          if (!leave()) return;
          const first = !flight.delivered;
          flight.delivered = true;
          resolve({ ...outcome, first });
        },
        (error: unknown) => {
          if (leave()) reject(error);
        },
      );
    });
  }

  /** Times out the waiters whose deadline has come; returns the next deadline. */
  #expire(now: number): number {
    let next = Infinity;
    for (const [onTimeout, at] of this.#deadlines) {
      if (at <= now) onTimeout();
      else if (at < next) next = at;
    }
    return next;
  }

  /** An invalidation arrived: no flight may be joined any more, and each learns what it missed. */
  detachAll(invalidation: InvalidationMatch & { readonly seq: number }): void {
    for (const flight of this.#live) flight.missed.push(invalidation);
    this.#joinable.clear();
  }
}
