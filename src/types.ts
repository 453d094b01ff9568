/// <reference lib="esnext.disposable" />
import type { Codec } from './codec/codec.js';
import type { CallContext } from './context.js';
import type { RpcErrorCode } from './errors.js';

/** A call as interceptors see it; they may read and change `meta`, and read `resultMeta` after `next`. */
export interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
  /** Small string-keyed values that travel with the call (trace context, tokens, validators). */
  readonly meta: Record<string, unknown>;
  /** Outgoing: the caller's signal. Incoming: aborted on cancel, timeout or close. */
  readonly signal: AbortSignal | undefined;
  /** Milliseconds the caller waits; `Infinity` for no limit. */
  readonly timeout: number;
  /** Metadata the result carries back (cache policy, etags); set by the exposing side. */
  resultMeta: Record<string, unknown> | undefined;
  /** Incoming calls only: the handler's context. */
  readonly context: CallContext | undefined;
  /** A notification: nothing comes back, and the chain's result is ignored. */
  readonly notification?: boolean;
}

export type CallHandler = (call: Call) => Promise<unknown>;
/** Wraps the next handler in the chain: `(next) => async (call) => { ...; return next(call); }`. */
export type Interceptor = (next: CallHandler) => CallHandler;

export interface Logger {
  debug?(message: string, detail?: unknown): void;
  warn?(message: string, detail?: unknown): void;
  error?(message: string, detail?: unknown): void;
}

export interface Limits {
  /** Largest encoded message either way, in bytes (byte transports). Default 32 MiB. */
  readonly maxMessageSize?: number;
  /** Outgoing calls waiting for a reply; more reject with `RESOURCE_EXHAUSTED`. Default 10,000. */
  readonly maxPendingCalls?: number;
  /** Incoming calls running at once; more are refused with `RESOURCE_EXHAUSTED`. Default 1,000. */
  readonly maxActiveHandlers?: number;
  /** Entries in one call's metadata map. Default 32. */
  readonly maxMetaEntries?: number;
  /**
   * Milliseconds the far side has to say hello (after the link opens, or re-opens) before the
   * peer closes with `DEADLINE_EXCEEDED`; calls and notifications made meanwhile are held, at
   * most `maxPendingCalls` of them. Default: no limit (a worker may take its time to load);
   * network servers (`serveWebSocket`, the signaling service) default to 10,000.
   */
  readonly helloTimeout?: number;
  /**
   * Bytes the transport may hold unsent (where it can say: WebSocket, data channel) before the
   * peer decides the far side has stopped reading and closes with `RESOURCE_EXHAUSTED`. Stream
   * producers pause well before (at 1 MiB); replies cannot. Default 4 × `maxMessageSize`.
   */
  readonly maxBufferedBytes?: number;
}

export interface PeerOptions {
  /** The object whose own enumerable functions (and nested plain objects) the far side may call. Default: none. */
  readonly expose?: object;
  /** Message encoding. Default: msgpack on byte transports, structured clone on ports. */
  readonly codec?: Codec;
  /** Default per-call timeout in ms; `0` or `Infinity` for none. Default 30,000. */
  readonly timeout?: number;
  /** Interceptor chains, outermost first. Default: none. */
  readonly interceptors?: { readonly outgoing?: readonly Interceptor[]; readonly incoming?: readonly Interceptor[] };
  /** Resource limits. Defaults as in `Limits`. */
  readonly limits?: Limits;
  /** Where the peer reports dropped frames and failed notifications. Default: silent. */
  readonly logger?: Logger;
  /** Let error stacks of this side's handlers cross to the caller. Default false. */
  readonly exposeStacks?: boolean;
  /** Items a stream consumer lets its producer send ahead (the credit window). Default 16. */
  readonly streamWindow?: number;
  /**
   * Sees every error a handler of this side is about to send to the caller; returns the error to
   * send instead, or nothing to send it as is (capnweb's `onSendError`). Use it to log, to redact,
   * or `publicError` to send only name, message and code. Default: sent as is on this peer;
   * network servers (`serveWebSocket`, the signaling service) default to `publicError`.
   */
  readonly onSendError?: (error: unknown, call: { readonly method: string }) => unknown;
}

export interface CallOptions {
  /** Cancels the call: the caller rejects with `CANCELLED` and the handler's `ctx.signal` aborts. */
  readonly signal?: AbortSignal;
  /** This call's timeout in ms, overriding the peer's default; `0` or `Infinity` for none. */
  readonly timeout?: number;
  /** Metadata for this call, merged under what interceptors add. */
  readonly meta?: Record<string, unknown>;
}

export interface PeerStats {
  /** Outgoing calls not yet complete: waiting for a reply (or held), or reading their result streams. */
  readonly pendingCalls: number;
  /** Of those, calls held until the far side's hello. */
  readonly heldCalls: number;
  /** Incoming calls not yet complete: handlers running, or result streams open. */
  readonly activeHandlers: number;
  /** Timers the peer has armed (0 or 1: one timer serves every deadline). */
  readonly timers: number;
  /** Live callbacks, streams and signals, exported and imported. */
  readonly references: number;
  /** Open streams, producing and consuming. */
  readonly streams: number;
  /** Stream items received and not yet taken by their consumer. */
  readonly streamItemsBuffered: number;
  /** Stream items sent and not yet credited back by the consumer. */
  readonly streamItemsInFlight: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Transport messages and single messages dropped because they could not be decoded or broke the protocol. */
  readonly malformed: number;
  readonly ready: boolean;
  readonly closed: boolean;
}

/** Promise-returning view of a remote API: functions become async, nested objects namespaces. */
export type Remote<T> = 0 extends 1 & T ? any : RemoteObject<T>;

type RemoteObject<T> = {
  readonly [K in keyof T as K extends string ? (T[K] extends (...args: never[]) => unknown ? K : T[K] extends object ? K : never) : never]:
    T[K] extends (...args: infer A) => infer R ? (...args: A) => RemoteResult<Awaited<R>> : RemoteObject<T[K]>;
};

/**
 * What a remote call returns: a promise of the result; for a stream, a promise that can also be
 * iterated directly, `for await (const x of api.ticks())`.
 */
export type RemoteResult<R> =
  R extends ReadableStream<infer X>
    ? Promise<ReadableStream<X>> & AsyncIterable<X>
    : R extends AsyncIterable<infer X>
      ? Promise<AsyncIterableIterator<X>> & AsyncIterable<X>
      : Promise<R>;

export interface Peer {
  /**
   * A typed proxy of the far side's exposed API. With `options`, every call made through this
   * proxy uses them: `peer.remote<Api>({ signal, timeout }).slow(5000)`.
   */
  remote<T = any>(options?: CallOptions): Remote<T>;
  /** Replaces what this side exposes. */
  expose(api: object | undefined): void;
  /** Calls a remote method by its dotted name. */
  call<R = unknown>(method: string, args?: readonly unknown[], options?: CallOptions): Promise<R>;
  /** Calls a remote method without waiting for, or getting, a reply. */
  notify(method: string, ...args: unknown[]): void;
  /** Closes the peer: pending calls reject with `UNAVAILABLE` (`reason` as cause), handlers abort. */
  close(reason?: unknown): void;
  /** Fulfils with the close reason once the peer has closed, whichever side closed it. */
  readonly closed: Promise<unknown>;
  /** The far side's verified public key after a secure handshake; `undefined` otherwise. */
  readonly remoteIdentity: Uint8Array | undefined;
  stats(): PeerStats;
  [Symbol.asyncDispose](): Promise<void>;
}

export type { RpcErrorCode };
