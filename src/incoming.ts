/**
 * An incoming call as the incoming interceptors and a `withContext` handler see it: one object is
 * both the `Call` and its `CallContext` (`call.context === call`), so an intercepted call costs one
 * allocation, not a call, a context, two getter closures and a copy of its metadata.
 */
import type { CallEnd } from './compose.js';
import type { CallContext } from './context.js';
import type { Call, Peer } from './types.js';

/** What an incoming call reads its signal from: the session's record of it, whose controller is made on first read. */
interface Abortable {
  readonly signal: AbortSignal;
}

/** Who the far side is, as the secure channel established it. */
interface Party {
  readonly remoteIdentity?: Uint8Array | undefined;
  readonly principal?: unknown;
}

export class IncomingCall implements Call, CallContext {
  // Declared, not defined: assigned once in the constructor (a defined field would be assigned twice).
  declare readonly method: string;
  declare readonly args: readonly unknown[];
  /** The call's metadata as it arrived (the decoder made it for this call alone): interceptors may change it. */
  declare readonly meta: Record<string, unknown>;
  /** Milliseconds the caller waits from the call's arrival; `Infinity` for no limit. */
  declare readonly timeout: number;
  declare readonly peer: Peer;
  declare readonly deadline: number;
  declare readonly remoteIdentity: Uint8Array | undefined;
  declare readonly principal: unknown;
  /** Set by the exposing side (a handler or an interceptor); sent back with the result. */
  declare resultMeta: Record<string, unknown> | undefined;
  declare readonly context: CallContext;
  /** End-of-call hooks of the watchers directly outside the session (compose.ts `CallEnd`). */
  declare ending: CallEnd | undefined;
  readonly #entry: Abortable;

  constructor(
    method: string,
    args: readonly unknown[],
    meta: Record<string, unknown>,
    timeout: number,
    peer: Peer,
    party: Party,
    entry: Abortable,
  ) {
    this.method = method;
    this.args = args;
    this.meta = meta;
    this.timeout = timeout;
    this.peer = peer;
    // Date.now() only for a finite wait: this runs as the call arrives.
    this.deadline = timeout === Infinity ? Infinity : Date.now() + timeout;
    this.remoteIdentity = party.remoteIdentity;
    this.principal = party.principal;
    this.resultMeta = undefined;
    this.context = this;
    this.ending = undefined;
    this.#entry = entry;
  }

  /** Aborted when the caller cancels, its timeout passes, or the peer closes; made on first read. */
  get signal(): AbortSignal {
    return this.#entry.signal;
  }
}
