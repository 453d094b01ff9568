import type { Call, CallHandler, CallOptions, Interceptor } from './types.js';

/** Wraps `last` in `interceptors`, outermost first; `undefined` when there are none (the fast path). */
export function compose(interceptors: readonly Interceptor[] | undefined, last: CallHandler): CallHandler | undefined {
  if (!interceptors || interceptors.length === 0) return undefined;
  endsCalls.add(last);
  return interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), last);
}

/** What outgoing interceptors see of `call(method, args, options)`, the same for every kind of peer. */
export function outgoingCall(method: string, args: readonly unknown[], options: CallOptions | undefined, timeout: number): EndingCall {
  return {
    method,
    args,
    meta: options?.meta ? { ...options.meta } : {},
    signal: options?.signal,
    timeout,
    resultMeta: undefined,
    context: undefined,
    cache: options?.cache,
    ending: undefined,
  };
}

/** What outgoing interceptors see of `notify(method, ...args)`: nothing comes back. */
export function notificationCall(method: string, args: readonly unknown[]): Call {
  return { ...outgoingCall(method, args, undefined, Infinity), notification: true };
}

/**
 * An end-of-call hook, so that watching a call (saltline/observe, saltline/otel) costs no promise
 * chained on its result: an interceptor whose `next` is in `endsCalls` may put one on the call it
 * passes on (`call.ending`, each hook linking to the one before). The core, when it takes the call,
 * sets `claimed` on each and later calls `end` once the call is over (its result streams ended);
 * when it never takes the call (refused before it was sent, held by a reconnecting peer), the
 * interceptor sees `claimed` still false after `next` returns, takes its hook off the call and
 * watches the promise itself (so the core only ever finds hooks it claimed).
 */
export interface CallEnd {
  /** The hook an interceptor further out put on the same call. */
  readonly next: CallEnd | undefined;
  /** Set by the core as it takes the call: it will call `end`. */
  claimed: boolean;
  /** A result that carries references (streams) passes through here before the caller or handler gets it. */
  result(value: unknown): unknown;
  /** The call is over: `error` is `undefined` on success. */
  end(error: unknown): void;
}

/** A call that may carry end-of-call hooks. */
export type EndingCall = Call & { ending?: CallEnd | undefined };

/**
 * Innermost steps (every `compose`'s `last`) and watchers directly outside them: where a `CallEnd`
 * may be put on the call. Only the session claims one; elsewhere the watcher sees it unclaimed.
 */
export const endsCalls: WeakSet<CallHandler> = new WeakSet();

/**
 * What the core does with a call's hooks, innermost first: step 0 claims them as it takes the call,
 * 1 passes a result with references through them (returns what they made of it), 2 ends them with
 * the call's error (`undefined` on success).
 */
export function endHooks(call: Call | undefined, step: 0 | 1 | 2, value?: unknown): unknown {
  for (let ending = (call as EndingCall | undefined)?.ending; ending; ending = ending.next) {
    if (step === 0) ending.claimed = true;
    else if (step === 1) value = ending.result(value);
    else ending.end(value);
  }
  return value;
}
