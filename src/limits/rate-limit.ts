/**
 * `rateLimit()`: a plugin that refuses incoming calls over a GCRA rate per caller and per method,
 * and over a number running at once per caller, with `RESOURCE_EXHAUSTED`. One plugin object
 * shared by every peer of a server (as `serveWebSocket` shares it) limits them all: the caller is
 * its secure channel's principal when it has one, else its peer. The rates are checked by the
 * core's admission hook (`Plugin.admit`), before a call's arguments are imported or intercepted;
 * the concurrency gate is an interceptor, where the end of each call releases its slot.
 */
import { endsCalls } from '../compose.js';
import { RpcError } from '../errors.js';
import { watchCalls } from '../observe/call-watch.js';
import type { Admission, Plugin } from '../plugins.js';
import type { Call, CallHandler, Interceptor } from '../types.js';
import { Gcra, type Rate } from './gcra.js';

/** What `rateLimit()` takes: rates per caller and per method, concurrency, and how callers are told apart. */
export interface RateLimitOptions {
  /** Calls per second (and burst) per caller, over all methods. Default: no limit. */
  readonly perPeer?: Rate;
  /** Calls per second (and burst) per caller for the methods named; checked after `perPeer`. Default: none. */
  readonly perMethod?: Readonly<Record<string, Rate>>;
  /** Calls one caller may have running at once (result streams included). Default: no limit. */
  readonly maxInFlight?: number;
  /**
   * Who a call counts against, from what is known before its arguments are read (method, peer,
   * principal). Default: the secure channel's principal when set, else the peer.
   */
  readonly key?: (call: Admission) => unknown;
  /** Callers remembered per limit; quiet ones are forgotten first. Default 100,000. */
  readonly maxKeys?: number;
  /** Milliseconds now. Default `performance.now`. */
  readonly clock?: () => number;
  /** The plugin's name. Default `rateLimit`. */
  readonly name?: string;
}

/** What a refused call's `RpcError.data` carries. */
export interface RateLimited {
  /** Milliseconds until the same call would be allowed. */
  readonly retryAfterMs: number;
}

/** A refusal without a stack: a flood of calls can make these by the million. */
function refusal(message: string, data?: RateLimited): RpcError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RpcError('RESOURCE_EXHAUSTED', message, data ? { data } : {});
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const defaultKey = (call: Admission): unknown => call.principal ?? call.peer;

/** A plugin that refuses incoming calls over the limits with `RESOURCE_EXHAUSTED` and `retryAfterMs`. */
export function rateLimit(options: RateLimitOptions): Plugin {
  const { maxKeys = 100_000, clock = () => performance.now(), key = defaultKey, maxInFlight = Infinity } = options;
  const perPeer = options.perPeer ? new Gcra(options.perPeer, maxKeys) : undefined;
  const perMethod = new Map(Object.entries(options.perMethod ?? {}).map(([method, rate]) => [method, new Gcra(rate, maxKeys)]));
  const running = new Map<unknown, number>();

  const release = (who: unknown) => {
    const count = running.get(who)! - 1;
    if (count === 0) running.delete(who);
    else running.set(who, count);
  };

  const admit = (call: Admission): RpcError | undefined => {
    const who = key(call);
    const now = clock();
    let wait = perPeer?.take(who, now) ?? 0;
    if (wait === 0) wait = perMethod.get(call.method)?.take(who, now) ?? 0;
    return wait > 0 ? refusal(`rate limit exceeded: retry in ${wait} ms`, { retryAfterMs: wait }) : undefined;
  };

  // An incoming call is its own context, which has the method, peer and principal.
  const keyOf = (call: Call): unknown => key((call.context ?? call) as Admission);

  const gate: Interceptor = (next) => {
    // The slot is released however the call ends: result, error, throw, or its stream's end or cancel.
    const watched = watchCalls<unknown>({ start: keyOf, end: release }, 'server');
    const run = watched(next);
    const handler: CallHandler = (call) => {
      const who = keyOf(call);
      const count = running.get(who) ?? 0;
      if (count >= maxInFlight) return Promise.reject(refusal(`more than ${maxInFlight} calls running`));
      running.set(who, count + 1);
      return run(call);
    };
    // Calls pass on as they are or are refused before the session sees them (their end hooks left
    // unclaimed): watchers outside (metrics, tracing) may still use the session's end hook.
    if (endsCalls.has(run)) endsCalls.add(handler);
    return handler;
  };

  return {
    name: options.name ?? 'rateLimit',
    ...(perPeer || perMethod.size ? { admit } : {}),
    ...(maxInFlight < Infinity ? { interceptors: { incoming: [gate] } } : {}),
    teardown(peer) {
      perPeer?.forget(peer);
      for (const gcra of perMethod.values()) gcra.forget(peer);
    },
  };
}
