import type { CallHandler, Interceptor } from './types.js';

/** Wraps `last` in `interceptors`, outermost first; `undefined` when there are none (the fast path). */
export function compose(interceptors: readonly Interceptor[] | undefined, last: CallHandler): CallHandler | undefined {
  if (!interceptors || interceptors.length === 0) return undefined;
  return interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), last);
}
