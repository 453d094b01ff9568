import type { Call, CallHandler, CallOptions, Interceptor } from './types.js';

/** Wraps `last` in `interceptors`, outermost first; `undefined` when there are none (the fast path). */
export function compose(interceptors: readonly Interceptor[] | undefined, last: CallHandler): CallHandler | undefined {
  if (!interceptors || interceptors.length === 0) return undefined;
  return interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), last);
}

/** What outgoing interceptors see of `call(method, args, options)`, the same for every kind of peer. */
export function outgoingCall(method: string, args: readonly unknown[], options: CallOptions | undefined, timeout: number): Call {
  return {
    method,
    args,
    meta: options?.meta ? { ...options.meta } : {},
    signal: options?.signal,
    timeout,
    resultMeta: undefined,
    context: undefined,
    cache: options?.cache,
  };
}

/** What outgoing interceptors see of `notify(method, ...args)`: nothing comes back. */
export function notificationCall(method: string, args: readonly unknown[]): Call {
  return { method, args, meta: {}, signal: undefined, timeout: Infinity, resultMeta: undefined, context: undefined, notification: true };
}
