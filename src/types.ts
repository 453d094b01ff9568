/// <reference lib="esnext.disposable" />
import type { Codec } from './codec/codec.js';
import type { CallContext } from './context.js';
import type { RpcErrorCode } from './errors.js';
import type { Plugin } from './plugins.js';
import type { Remote } from './remote-types.js';

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
  /** Outgoing: the caller's per-call `cache` option, for a cache plugin to read. */
  readonly cache?: CacheRequest | undefined;
}

/**
 * How one call may use a cache plugin (`saltline/cache`); a peer without one ignores it. The
 * object form bounds the age of what it accepts and can report where the result came from.
 */
export type CacheRequest =
  | 'default'
  | 'cache-first'
  | 'cache-only'
  | 'network-first'
  | 'network-only'
  | 'no-store'
  | {
      /** The mode, as in the string form. Default `'default'`. */
      readonly policy?: Exclude<CacheRequest, object>;
      /** Oldest fresh result accepted, in ms, below the exposing side's `maxAge`. Default: its `maxAge`. */
      readonly maxAge?: number;
      /** How far past fresh a stored result is still accepted, in ms. Default: the policy's windows only. */
      readonly maxStale?: number;
      /** A stored result is served as fresh only if it stays fresh this many ms more (never stale-while-revalidate). Default 0. */
      readonly minFresh?: number;
      /** `false`: the call neither joins an identical call in flight nor lets later ones join it. Default true. */
      readonly dedupe?: boolean;
      /** Told where the result came from (`network`, `memory`, `indexeddb`), its age and staleness. */
      readonly onInfo?: (info: CacheInfo) => void;
    };

/** Where a result came from, as a cache plugin reports it to `onInfo`. */
export interface CacheInfo {
  readonly source: 'network' | 'memory' | 'indexeddb';
  /** Milliseconds since the result left the exposing side (0 from the network). */
  readonly age: number;
  /** Served past its fresh lifetime (stale-while-revalidate, stale-if-error, `maxStale`). */
  readonly stale: boolean;
  /** An invalidation matched it while it was in flight: delivered, not stored. */
  readonly invalidated: boolean;
}

/** One step of an interceptor chain: takes a call, settles with its result. */
export type CallHandler = (call: Call) => Promise<unknown>;
/** Wraps the next handler in the chain: `(next) => async (call) => { ...; return next(call); }`. */
export type Interceptor = (next: CallHandler) => CallHandler;

/** Where a peer reports what it cannot throw (dropped frames, refused calls); `console` fits. */
export interface Logger {
  debug?(message: string, detail?: unknown): void;
  warn?(message: string, detail?: unknown): void;
  error?(message: string, detail?: unknown): void;
}

/** Bounds on what the far side can make this peer hold; each field says its default. */
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
  /** Live references (callbacks, streams, signals) imported from the far side at once. Default 10,000. */
  readonly maxReferences?: number;
  /** References one message may carry, either way. Default 1,000. */
  readonly maxReferencesPerMessage?: number;
  /** References the items of one stream may carry until it ends. Default 1,000. */
  readonly maxReferencesPerStream?: number;
}

/** Options of `createPeer`; every field is optional and says its default. */
export interface PeerOptions {
  /** The object whose own enumerable functions (and nested plain objects) the far side may call. Default: none. */
  readonly expose?: object;
  /** Message encoding. Default: msgpack on byte transports, structured clone on ports. */
  readonly codec?: Codec;
  /** Default per-call timeout in ms; `0` or `Infinity` for none. Default 30,000. */
  readonly timeout?: number;
  /** Interceptor chains, outermost first. Default: none. */
  readonly interceptors?: { readonly outgoing?: readonly Interceptor[]; readonly incoming?: readonly Interceptor[] };
  /** Plugins, each with a unique name; their interceptors run inside `interceptors`, in this order. Default: none. */
  readonly plugins?: readonly Plugin[];
  /** A result cache (`createCache()` from `saltline/cache`), run as the first plugin. Default: none. */
  readonly cache?: Plugin;
  /** Resource limits. Defaults as in `Limits`. */
  readonly limits?: Limits;
  /** Where the peer reports dropped frames and failed notifications. Default: silent. */
  readonly logger?: Logger;
  /** Let error stacks of this side's handlers cross to the caller. Default false. */
  readonly exposeStacks?: boolean;
  /** Items a stream consumer lets its producer send ahead (the credit window), 1 to 1,024. Default 16. */
  readonly streamWindow?: number;
  /**
   * Sees every error a handler of this side is about to send to the caller; returns the error to
   * send instead, or nothing to send it as is (capnweb's `onSendError`). Use it to log, to redact,
   * or `publicError` to send only name, message and code. Default: sent as is on this peer;
   * network servers (`serveWebSocket`, the signaling service) default to `publicError`.
   */
  readonly onSendError?: (error: unknown, call: { readonly method: string }) => unknown;
}

/** Per-call options of `peer.call` and `peer.remote<Api>(options)`. */
export interface CallOptions {
  /** Cancels the call: the caller rejects with `CANCELLED` and the handler's `ctx.signal` aborts. Default: none. */
  readonly signal?: AbortSignal;
  /** This call's timeout in ms, overriding the peer's default; `0` or `Infinity` for none. */
  readonly timeout?: number;
  /** Metadata for this call, merged under what interceptors add. Default: none. */
  readonly meta?: Record<string, unknown>;
  /** How this call uses the peer's cache, if it has one. Default `'default'`. */
  readonly cache?: CacheRequest;
}

/** Counters from `peer.stats()`: what is pending and held now, and what was sent and received. */
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

export type {
  Callback,
  CallbackMustReturnPromise,
  ClassInstanceIsNotCallable,
  Remote,
  RemoteFunction,
  RemoteObject,
  RemoteResult,
  RemoteTarget,
} from './remote-types.js';

/** One end of a connection: calls the far side, serves what it exposes, and closes once. */
/**
 * Anything that builds its own client for a peer: `peer.remote(descriptor)` hands the peer to
 * `~remote`. Service descriptors of `saltline/schema` are such; the core knows nothing more of them.
 */
export interface RemoteDescriptor<C> {
  readonly '~remote': (peer: Peer) => C;
}

/** One end of a connection: calls the far side, serves what it exposes, and closes once. */
export interface Peer {
  /**
   * A typed proxy of the far side's exposed API. With `options`, every call made through this
   * proxy uses them: `peer.remote<Api>({ signal, timeout }).slow(5000)`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: without a type argument the proxy is untyped
  remote<T = any>(options?: CallOptions): Remote<T>;
  /** A typed client built by a service descriptor (`saltline/schema`): `peer.remote(Notes)`. */
  remote<C>(service: RemoteDescriptor<C>): C;
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
