import type { Peer } from './types.js';

/** Where a context-taking handler is stored on the function `withContext` returns. */
export const CONTEXT_HANDLER: unique symbol = Symbol('saltline.withContext');

/** What a handler wrapped in `withContext` learns about its call. */
export interface CallContext {
  /** Aborted when the caller cancels, its timeout passes, or the peer closes. */
  readonly signal: AbortSignal;
  /** When the caller stops waiting, in `Date.now()` milliseconds; `Infinity` when never. */
  readonly deadline: number;
  /** The method name as called, dotted for namespaces. */
  readonly method: string;
  /** The call's metadata (trace context, tokens, ...), as the caller's interceptors set it and this side's incoming ones left it. */
  readonly meta: Readonly<Record<string, unknown>>;
  /** The peer that received the call; `undefined` when the function is called directly. */
  readonly peer: Peer | undefined;
  /** The far side's verified public key after a secure handshake. */
  readonly remoteIdentity: Uint8Array | undefined;
  /** What the secure channel's `authorize` returned for the far side. */
  readonly principal: unknown;
}

/** A handler that receives its call's context first; remote callers see only `A`. */
export type ContextHandler<A extends unknown[], R> = ((...args: A) => R) & {
  readonly [CONTEXT_HANDLER]: (ctx: CallContext, ...args: A) => R;
};

const noMeta: Readonly<Record<string, unknown>> = Object.freeze({});

/** The context of a call whose wire carries no deadline, metadata or identity (JSON-RPC, comlink). */
export function plainContext(method: string, signal: AbortSignal, peer: Peer | undefined): CallContext {
  return { signal, deadline: Infinity, method, meta: noMeta, peer, remoteIdentity: undefined, principal: undefined };
}

const neverAborted = new AbortController().signal;

/**
 * Wraps a handler so that it receives a `CallContext` before its arguments. Called directly,
 * the function still works, with a context that never aborts.
 */
export function withContext<A extends unknown[], R>(handler: (ctx: CallContext, ...args: A) => R): ContextHandler<A, R> {
  const local = (...args: A): R =>
    handler(
      {
        signal: neverAborted,
        deadline: Infinity,
        method: handler.name || '(called directly)',
        meta: {},
        peer: undefined,
        remoteIdentity: undefined,
        principal: undefined,
      },
      ...args,
    );
  return Object.assign(local, { [CONTEXT_HANDLER]: handler });
}

export function contextHandlerOf(fn: unknown): ((ctx: CallContext, ...args: unknown[]) => unknown) | undefined {
  return typeof fn === 'function' ? (fn as Partial<ContextHandler<unknown[], unknown>>)[CONTEXT_HANDLER] : undefined;
}
