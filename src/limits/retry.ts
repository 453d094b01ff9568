/**
 * `retryRateLimited()`: a calling-side plugin that retries, once, a call refused by a rate limit
 * (`RESOURCE_EXHAUSTED` with `retryAfterMs`) after waiting that long, but only for methods marked
 * idempotent and only when the wait ends before the call's deadline. Anything else fails as it came.
 */
import { RpcError } from '../errors.js';
import type { Plugin } from '../plugins.js';
import type { Interceptor } from '../types.js';

/** What `retryRateLimited()` takes: which methods are safe to retry, and its clock and timer. */
export interface RetryOptions {
  /** Methods safe to run twice: a list of names or a test. Required: nothing is retried unless named. */
  readonly idempotent: readonly string[] | ((method: string) => boolean);
  /** Milliseconds now, for the deadline. Default `performance.now`. */
  readonly clock?: () => number;
  /** Waits `ms` (rejecting when `signal` aborts). Default a timer. */
  readonly wait?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** The plugin's name. Default `retryRateLimited`. */
  readonly name?: string;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** A calling-side plugin that retries an idempotent call once after a rate limit's `retryAfterMs`, within its deadline. */
export function retryRateLimited(options: RetryOptions): Plugin {
  const { clock = () => performance.now(), wait = sleep } = options;
  const list = options.idempotent;
  const idempotent = typeof list === 'function' ? list : (method: string) => list.includes(method);
  const retry: Interceptor = (next) => async (call) => {
    if (call.notification || !idempotent(call.method)) return next(call);
    const started = clock();
    try {
      return await next(call);
    } catch (error) {
      const retryAfterMs = (error as RpcError).data && ((error as RpcError).data as { retryAfterMs?: unknown }).retryAfterMs;
      if (!(error instanceof RpcError) || error.code !== 'RESOURCE_EXHAUSTED' || typeof retryAfterMs !== 'number') throw error;
      const left = call.timeout - (clock() - started);
      if (retryAfterMs >= left) throw error;
      await wait(retryAfterMs, call.signal);
      const again = { ...call, timeout: call.timeout - (clock() - started) };
      const value = await next(again);
      call.resultMeta = again.resultMeta;
      return value;
    }
  };
  return { name: options.name ?? 'retryRateLimited', interceptors: { outgoing: [retry] } };
}
