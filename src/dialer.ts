/**
 * How one peer gets its links: a transport lives once, and `reconnecting(dial, policy)` names how
 * to open the next one and how long to wait between them. `createPeer` turns it into a peer that
 * runs across the links (`Links` in `reconnect.ts`).
 */
import type { ConnectionState, ConnectionStateChange } from './connection-state.js';
import { registerDialer, starterOf } from './line.js';
import { Links } from './reconnect.js';
import type { Transport } from './transport.js';
import type { Peer } from './types.js';

/** What `dial` is told: which attempt this is, and a signal aborted when the peer closes. */
export interface DialContext {
  /** Failed links in a row before this dial; 0 for the first dial and after a link that was up. */
  readonly attempt: number;
  /** Aborted when the peer closes (the same signal for every dial): a dial waiting stops, a dialer lets go of what it holds. */
  readonly signal: AbortSignal;
}

/**
 * Opens the next link: a transport, or a promise of one (for a far side that announces itself,
 * resolve when it does). A throw or a rejection counts as a failed link.
 */
export type Dial = (context: DialContext) => Transport | PromiseLike<Transport>;

/** When and how long a reconnecting peer redials, and what its calls do while no link is up. */
export interface ReconnectPolicy {
  /** Delay before the first redial, in ms. Default 250. */
  readonly initialDelay?: number;
  /** Longest delay between dials, in ms. Default 30,000. */
  readonly maxDelay?: number;
  /** Growth of the delay after each failed link. Default 2. */
  readonly factor?: number;
  /** Share of each delay drawn at random, 0–1, so clients spread out: the delay is in `[d·(1 − jitter), d]`. Default 0.5. */
  readonly jitter?: number;
  /** Failed links in a row after which the peer closes with the last reason (0: never redial). Default `Infinity`. */
  readonly maxAttempts?: number;
  /** With `hold`: after this many ms down, held calls fail with `UNAVAILABLE`, and new ones at once until a link is up. Default 30,000. */
  readonly maxWait?: number;
  /**
   * While no link is up: `hold` keeps new calls (bounded by `maxWait`, each call's timeout and
   * `limits.maxPendingCalls`) until one is; `fail` rejects them with `UNAVAILABLE` at once once a
   * link has failed (calls made while the first link connects wait for it). Default `hold`.
   */
  readonly whileDown?: 'hold' | 'fail';
  /** Whether a lost link is worth redialling; `false` closes the peer with `reason`. Default: always. */
  readonly shouldRetry?: (reason: unknown) => boolean;
}

/** What `createPeer` needs to run one peer across many links. Make it with `reconnecting()`. */
export interface Reconnecting {
  readonly dial: Dial;
  readonly policy: ReconnectPolicy;
}

/** A peer across the links of `reconnecting()`: a `Peer` that also says where its link stands. */
export interface ReconnectingPeer extends Peer {
  /** `connecting` until the first link is up, `open`, `reconnecting` between links, `closed` for good. */
  readonly state: ConnectionState;
  /** Calls `listener` on every change of `state`; returns the function that stops it. */
  onStateChange(listener: (change: ConnectionStateChange) => void): () => void;
}

function checkNumber(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min))
    throw new TypeError(`reconnecting: ${name} must be a number ≥ ${min}`);
}

/** Names how to open each link of one peer, and how to wait between them: pass it to `createPeer`. */
export function reconnecting(dial: Dial, policy: ReconnectPolicy = {}): Reconnecting {
  if (typeof dial !== 'function') throw new TypeError('reconnecting(dial): dial must be a function that opens a transport');
  for (const name of ['initialDelay', 'maxDelay', 'maxAttempts', 'maxWait'] as const) checkNumber(name, policy[name], 0);
  checkNumber('factor', policy.factor, 1);
  if (policy.whileDown !== undefined && policy.whileDown !== 'hold' && policy.whileDown !== 'fail') {
    throw new TypeError("reconnecting: whileDown must be 'hold' or 'fail'");
  }
  const target = Object.freeze({ dial, policy: Object.freeze({ ...policy }) });
  registerDialer(target, (options, peer) => new Links(target, options, peer));
  return target;
}

/**
 * Marks an adapter's own object (one with `dial` and `policy`, and properties of its own, such as a
 * window link's allowed origins) as a dialer `createPeer` accepts, as `reconnecting()` would make.
 */
export function asReconnecting<T extends Reconnecting>(target: T): T {
  if (typeof target.dial !== 'function') throw new TypeError('a dialer needs a dial function');
  registerDialer(target, (options, peer) => new Links(target, options, peer));
  return target;
}

export function isReconnecting(target: unknown): target is Reconnecting {
  return starterOf(target) !== undefined;
}

/**
 * The policy of a link whose far side comes back on its own (a reloaded page, the next partner on
 * a channel): no backoff and no attempt limit; each call's own timeout bounds the wait.
 */
export function returningPolicy(
  whileDown: 'hold' | 'fail' | 'wait' | undefined,
  shouldRetry?: (reason: unknown) => boolean,
): ReconnectPolicy {
  const policy: ReconnectPolicy = {
    initialDelay: 0,
    maxDelay: 0,
    jitter: 0,
    maxWait: Infinity,
    whileDown: whileDown === 'fail' ? 'fail' : 'hold',
  };
  return shouldRetry ? { ...policy, shouldRetry } : policy;
}
