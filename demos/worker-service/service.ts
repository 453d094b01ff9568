/**
 * The service the worker exposes. It is a plain object of functions: saltline exposes its own
 * enumerable functions, and the page gets a typed proxy of it from `peer.remote<Service>()`.
 * Nothing here knows about workers; the same object could be exposed over any transport.
 */
import { RpcError, withContext } from 'saltline';

export type FailKind = 'type' | 'rpc' | 'custom' | 'thrown';

export interface PrimesResult {
  readonly limit: number;
  readonly count: number;
  readonly largest: number | null;
  readonly head: number[];
  readonly tail: number[];
  readonly elapsedMs: number;
}

export interface Stats {
  readonly count: number;
  readonly sum: number;
  readonly mean: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly stdev: number;
}

export interface SlowResult {
  readonly waitedMs: number;
  /** Milliseconds the caller was still willing to wait when the call started; null for no limit. */
  readonly budgetMs: number | null;
}

export interface WorkerStatus {
  readonly slowStarted: number;
  readonly slowCompleted: number;
  readonly slowAborted: number;
  /** The reason `ctx.signal` gave for the most recent abort, as the handler saw it. */
  readonly lastAbort: { readonly name: string; readonly code: string | undefined; readonly message: string } | null;
}

/** A domain error of the service's own: its own properties cross the wire with it. */
export class QuotaError extends Error {
  readonly limit: number;
  readonly used: number;
  readonly retryAfterMs: number;

  constructor(limit: number, used: number, retryAfterMs: number) {
    super(`quota exceeded: ${used} of ${limit} requests used`);
    this.name = 'QuotaError';
    this.limit = limit;
    this.used = used;
    this.retryAfterMs = retryAfterMs;
  }
}

const MAX_PRIME_LIMIT = 50_000_000;
const MAX_FIB = 20_000;
const MAX_SLOW_MS = 60_000;

const status = {
  slowStarted: 0,
  slowCompleted: 0,
  slowAborted: 0,
  lastAbort: null as WorkerStatus['lastAbort'],
};

function requireInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RpcError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}`, {
      data: { [name]: value, min, max },
    });
  }
  return value;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const service = {
  /** Primes up to `limit` by the sieve of Eratosthenes: the count, and the first and last few. */
  primes(limit: number): PrimesResult {
    requireInteger('limit', limit, 0, MAX_PRIME_LIMIT);
    const started = performance.now();
    const composite = new Uint8Array(limit + 1);
    const found: number[] = [];
    for (let i = 2; i <= limit; i++) {
      if (composite[i]) continue;
      found.push(i);
      for (let j = i * i; j <= limit; j += i) composite[j] = 1;
    }
    return {
      limit,
      count: found.length,
      largest: found.length > 0 ? found[found.length - 1]! : null,
      head: found.slice(0, 10),
      tail: found.length > 10 ? found.slice(-5) : [],
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    };
  },

  /** The n-th Fibonacci number, exactly: bigints cross the worker boundary as bigints. */
  fib(n: number): bigint {
    requireInteger('n', n, 0, MAX_FIB);
    let a = 0n;
    let b = 1n;
    for (let i = 0; i < n; i++) [a, b] = [b, a + b];
    return a;
  },

  /** Summary statistics of a list of finite numbers. */
  stats(numbers: number[]): Stats {
    if (!Array.isArray(numbers) || numbers.length === 0) {
      throw new RpcError('INVALID_ARGUMENT', 'stats needs at least one number');
    }
    const bad = numbers.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) {
      throw new RpcError('INVALID_ARGUMENT', `item ${bad} is not a finite number`, { data: { index: bad, value: String(numbers[bad]) } });
    }
    const sorted = [...numbers].sort((x, y) => x - y);
    const count = sorted.length;
    const sum = sorted.reduce((acc, x) => acc + x, 0);
    const mean = sum / count;
    const mid = Math.floor(count / 2);
    const median = count % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const variance = sorted.reduce((acc, x) => acc + (x - mean) ** 2, 0) / count;
    return { count, sum, mean, median, min: sorted[0]!, max: sorted[count - 1]!, stdev: Math.sqrt(variance) };
  },

  /**
   * Waits `ms` milliseconds, unless the call is cancelled or times out first: `withContext`
   * hands the handler a `ctx` whose `signal` aborts when the caller stops waiting.
   */
  slow: withContext(async (ctx, ms: number): Promise<SlowResult> => {
    requireInteger('ms', ms, 0, MAX_SLOW_MS);
    const budgetMs = ctx.deadline === Infinity ? null : Math.max(0, ctx.deadline - Date.now());
    status.slowStarted++;
    // Recorded in the abort event itself, so a call that arrives right after the cancel sees it.
    const onAbort = () => {
      const reason: unknown = ctx.signal.reason;
      const error = reason instanceof Error ? reason : new Error(String(reason));
      status.slowAborted++;
      status.lastAbort = { name: error.name, code: error instanceof RpcError ? error.code : undefined, message: error.message };
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      await sleep(ms, ctx.signal);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    status.slowCompleted++;
    return { waitedMs: Math.round(performance.now() - started), budgetMs };
  }),

  /** Throws on purpose, to show what reaches the caller. */
  fail(kind: FailKind): never {
    switch (kind) {
      case 'type':
        throw new TypeError('config.port must be a number', {
          cause: new Error('could not parse "80a" as an integer', { cause: new SyntaxError('unexpected character "a" at position 2') }),
        });
      case 'rpc':
        throw new RpcError('PERMISSION_DENIED', 'only admins may purge the cache', {
          data: { required: 'admin', actual: 'guest' },
          cause: new Error('token scope is "read"'),
        });
      case 'custom':
        throw new QuotaError(100, 137, 2500);
      case 'thrown':
        // Not an Error: anything thrown that is not an Error arrives as the value itself.
        throw { reason: 'a plain object was thrown', retry: false };
      default:
        throw new RpcError('INVALID_ARGUMENT', `unknown failure kind ${JSON.stringify(kind)}`);
    }
  },

  /** What the worker saw of its slow calls: proves that cancellation reached it. */
  status(): WorkerStatus {
    return { ...status };
  },

  /** The worker's own peer statistics, read through the call context. */
  peerStats: withContext((ctx) => ctx.peer?.stats()),
};

export type Service = typeof service;
