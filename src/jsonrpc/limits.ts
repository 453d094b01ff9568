import { type Plugin, withPlugins } from '../plugins.js';
import type { Interceptor, Logger, PeerOptions } from '../types.js';

/** Bounds on what a JSON-RPC far side can make this side hold or do. */
export interface JsonRpcLimits {
  /** Largest message (a WebSocket frame, an HTTP body) taken, in UTF-16 code units or bytes. Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** Requests in one batch; a longer batch gets one -32600 error. Default 100. */
  readonly maxBatch?: number;
  /** Levels of arrays and objects in one message, checked before it is parsed (-32600 past it). Default 32. */
  readonly maxDepth?: number;
  /** Outgoing calls waiting for a reply; more reject with `RESOURCE_EXHAUSTED`. Default 10,000. */
  readonly maxPendingCalls?: number;
  /** Incoming requests running at once; more are answered with a `RESOURCE_EXHAUSTED` error. Default 1,000. */
  readonly maxActiveHandlers?: number;
}

/** What a JSON-RPC server (a peer's answering half, or the HTTP handler) is told. */
export interface JsonRpcServeOptions {
  /** The object whose own enumerable functions (and nested plain objects) callers may call. Default: none. */
  readonly expose?: object;
  /** Interceptor chains, outermost first: `incoming` runs around each handler. Default: none. */
  readonly interceptors?: { readonly outgoing?: readonly Interceptor[]; readonly incoming?: readonly Interceptor[] };
  /**
   * Plugins, each with a unique name; their interceptors run inside `interceptors`, in this order.
   * JSON-RPC has no HELLO: a plugin's `features` are not sent, and its `ready` gets `undefined`
   * once, as the peer starts. The HTTP handler, which has no peer, runs only their interceptors.
   * Default: none.
   */
  readonly plugins?: readonly Plugin[];
  /** Bounds; defaults as in `JsonRpcLimits`. */
  readonly limits?: JsonRpcLimits;
  /** Where failed notifications and dropped messages are reported. Default: silent. */
  readonly logger?: Logger;
  /**
   * Sees each handler error before it is sent; returns the error to send instead (e.g.
   * `publicError`). Default: sent as is (name, message, `RpcError` code and data); `serveJsonRpc`
   * and `handleJsonRpcHttp` default to `publicError`.
   */
  readonly onSendError?: (error: unknown, call: { readonly method: string }) => unknown;
  /**
   * The notification that cancels a request, `{ "id": ... }` as its params (LSP's convention):
   * received, it aborts that handler's `ctx.signal`; a peer sends it when a call is cancelled or
   * times out. `false`: neither. Default `'$/cancelRequest'`.
   */
  readonly cancelMethod?: string | false;
}

export interface ResolvedLimits {
  readonly maxMessageSize: number;
  readonly maxBatch: number;
  readonly maxDepth: number;
  readonly maxPendingCalls: number;
  readonly maxActiveHandlers: number;
}

/** Default `maxMessageSize`: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  // NaN or a negative number would compare false and quietly turn the bound off.
  if (!(chosen >= 1)) throw new TypeError(`limits.${name} must be 1 or more, not ${chosen}`);
  return chosen;
}

export function resolveLimits(limits: JsonRpcLimits = {}): ResolvedLimits {
  return {
    maxMessageSize: positive('maxMessageSize', limits.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE),
    maxBatch: positive('maxBatch', limits.maxBatch, 100),
    maxDepth: positive('maxDepth', limits.maxDepth, 32),
    maxPendingCalls: positive('maxPendingCalls', limits.maxPendingCalls, 10_000),
    maxActiveHandlers: positive('maxActiveHandlers', limits.maxActiveHandlers, 1_000),
  };
}

/** The options with each plugin's interceptors after the options' own (names checked as `createPeer` does). */
export function withJsonRpcPlugins<O extends JsonRpcServeOptions>(options: O): O {
  if (!options.plugins?.length) return options;
  return withPlugins(options as PeerOptions) as unknown as O;
}
