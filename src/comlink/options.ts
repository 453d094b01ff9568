/**
 * The options of `comlinkPeer` and the state its root peer shares with every child (proxy) peer.
 * Its own module because both halves of the peer, calling and answering, read them.
 */
import type { Plugin } from '../plugins.js';
import type { Interceptor, Logger } from '../types.js';

/** Bounds on what a comlink far side can make this side hold. */
export interface ComlinkLimits {
  /** Outgoing calls waiting for a reply; more reject with `RESOURCE_EXHAUSTED`. Default 10,000. */
  readonly maxPendingCalls?: number;
  /** Incoming calls running at once; more are answered with a thrown `RESOURCE_EXHAUSTED`. Default 1,000. */
  readonly maxActiveHandlers?: number;
  /** Proxies (callbacks, returned objects) alive at once, both ways; past it a call that needs one fails. Default 1,000. */
  readonly maxProxies?: number;
  /** Segments of a request's path; a longer path is answered as not found. Default 32. */
  readonly maxPathLength?: number;
}

/** What `comlinkPeer` takes: the API it exposes, timeouts, plugins and bounds. */
export interface ComlinkPeerOptions {
  /** The object whose own enumerable functions (and nested plain objects) `Comlink.wrap` callers may call. Default: none. */
  readonly expose?: object;
  /** Default per-call timeout in ms; `0` or `Infinity` for none. The far handler runs on: comlink cannot cancel. Default 30,000. */
  readonly timeout?: number;
  /** Interceptor chains, outermost first. Default: none. */
  readonly interceptors?: { readonly outgoing?: readonly Interceptor[]; readonly incoming?: readonly Interceptor[] };
  /** Plugins: their interceptors run; comlink has no HELLO, so `ready` gets `undefined` once, as the peer starts. Default: none. */
  readonly plugins?: readonly Plugin[];
  /** Bounds; defaults as in `ComlinkLimits`. */
  readonly limits?: ComlinkLimits;
  /** Where failed calls of `notify` and dropped messages are reported. Default: silent. */
  readonly logger?: Logger;
  /** Let error stacks of this side's handlers cross (comlink sends them by default). Default false. */
  readonly exposeStacks?: boolean;
  /** Sees each handler error before it is sent; returns the error to send instead. Default: sent as is (name and message). */
  readonly onSendError?: (error: unknown, call: { readonly method: string }) => unknown;
}

/** What the root peer shares with its child (proxy) peers. */
export interface Shared {
  readonly options: ComlinkPeerOptions;
  readonly limits: Required<ComlinkLimits>;
  /** Proxies alive, counted across the root peer and every child. */
  proxies: number;
}
