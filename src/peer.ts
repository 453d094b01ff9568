/**
 * The `Peer` an application holds: the typed proxy, `call` / `notify` through the outgoing
 * interceptors, and the session underneath. See DESIGN §1 and docs/protocol.md.
 */
import { describe } from './caller.js';
import { compose, notificationCall, outgoingCall } from './compose.js';
import type { ConnectionState, ConnectionStateChange } from './connection-state.js';
import { finiteTimeout } from './deadlines.js';
import type { Reconnecting, ReconnectingPeer } from './dialer.js';
import { RpcError } from './errors.js';
import { type Line, starterOf } from './line.js';
import { assertExposable } from './lookup.js';
import { keepMap } from './map-keepers.js';
import { startPlugins, withPlugins } from './plugins.js';
import { remoteOf } from './proxy.js';
import { hasRefs } from './ref-markers.js';
import { Session } from './session.js';
import type { Transport } from './transport.js';
import type { CallHandler, CallOptions, Peer, PeerOptions, PeerStats, Remote, RemoteDescriptor } from './types.js';

/** Lets `for await (const x of api.ticks())` iterate the promise of a streaming call. */
function iterateResult(this: Promise<unknown>): AsyncIterator<unknown> {
  let inner: AsyncIterator<unknown> | undefined;
  const open = async () => {
    const value = await this;
    const iterable = value as Partial<AsyncIterable<unknown>> | null;
    if (typeof iterable?.[Symbol.asyncIterator] !== 'function') throw new TypeError('the result is not a stream');
    return (inner = iterable[Symbol.asyncIterator]!());
  };
  return {
    next: async () => (inner ?? (await open())).next(),
    return: async (value?: unknown) => {
      const iterator = inner ?? (await open());
      return iterator.return ? iterator.return(value) : { value, done: true };
    },
  };
}

// The promise of a call, with its iterator: one kept so its hidden class survives idle GCs.
const keptPromise = new Promise(() => {}) as unknown as Record<symbol, unknown>;
keptPromise[Symbol.asyncIterator] = iterateResult;
keepMap(keptPromise);

/** Makes a call's promise iterable as its result stream (`for await (const x of api.ticks())`); for facades such as pools. */
export function iterable<T>(result: Promise<T>): Promise<T> {
  (result as unknown as Record<symbol, unknown>)[Symbol.asyncIterator] = iterateResult;
  return result;
}

class RpcPeer implements Peer {
  readonly closed: Promise<unknown>;
  readonly #session: Line;
  readonly #outgoing: CallHandler | undefined;
  #proxy: unknown;

  constructor(line: (peer: Peer) => Line, options: PeerOptions) {
    assertExposable(options.expose);
    const session = line(this);
    this.#session = session;
    this.closed = session.closed;
    this.#outgoing = compose(options.interceptors?.outgoing, (call) => {
      if (!call.notification) return session.send(call.method, call.args, call.meta, call.signal, call.timeout, call);
      session.notify(call.method, call.args, call.meta);
      return Promise.resolve(undefined);
    });
  }

  /** The line underneath, for the facade of `reconnecting()`. */
  protected get line(): Line {
    return this.#session;
  }

  get remoteIdentity(): Uint8Array | undefined {
    return this.#session.remoteIdentity;
  }

  remote<T>(options?: CallOptions): Remote<T>;
  remote<C>(service: RemoteDescriptor<C>): C;
  remote(options?: CallOptions | RemoteDescriptor<unknown>): unknown {
    return options ? remoteOf(this, options) : (this.#proxy ??= remoteOf(this, undefined));
  }

  expose(api: object | undefined): void {
    assertExposable(api);
    this.#session.api = api;
  }

  call<R = unknown>(method: string, args: readonly unknown[] = [], options?: CallOptions): Promise<R> {
    const timeout = finiteTimeout(options?.timeout, this.#session.defaultTimeout);
    const result = this.#outgoing
      ? this.#outgoing(outgoingCall(method, args, options, timeout))
      : this.#session.send(method, args, options?.meta ? { ...options.meta } : undefined, options?.signal, timeout, undefined);
    return iterable(result) as Promise<R>;
  }

  notify(method: string, ...args: unknown[]): void {
    const session = this.#session;
    if (session.isClosed) {
      session.logger?.warn?.(`notify ${describe(method)} after close dropped`);
      return;
    }
    if (hasRefs(args)) throw new RpcError('INVALID_ARGUMENT', 'a notification cannot carry callbacks or streams: use call()');
    if (!this.#outgoing) return session.notify(method, args, undefined);
    this.#outgoing(notificationCall(method, args)).catch((error: unknown) =>
      session.logger?.warn?.(`notification ${describe(method)} not sent`, error),
    );
  }

  close(reason?: unknown): void {
    this.#session.close(reason);
  }

  stats(): PeerStats {
    return this.#session.stats();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(new RpcError('CANCELLED', 'disposed'));
    await this.closed;
  }
}

/** A peer across the links of `reconnecting()`: where they stand, from its `Links`. */
class RpcReconnectingPeer extends RpcPeer implements ReconnectingPeer {
  get state(): ConnectionState {
    return (this.line as unknown as ReconnectingPeer).state;
  }

  onStateChange(listener: (change: ConnectionStateChange) => void): () => void {
    return (this.line as unknown as ReconnectingPeer).onStateChange(listener);
  }
}

/**
 * Creates a peer on a transport, or across the links of `reconnecting(dial, policy)` (then it also
 * has `state` and `onStateChange`); see `PeerOptions` for what it can be told.
 */
export function createPeer(target: Reconnecting, options?: PeerOptions): ReconnectingPeer;
export function createPeer(target: Transport, options?: PeerOptions): Peer;
export function createPeer(target: Transport | Reconnecting, options?: PeerOptions): Peer | ReconnectingPeer;
export function createPeer(target: Transport | Reconnecting, options: PeerOptions = {}): Peer | ReconnectingPeer {
  if ((options as { secure?: unknown }).secure !== undefined) {
    // Never fall back to plaintext: the secure channel lives in its own entry point.
    throw new TypeError("the secure option needs createPeer from 'saltline/secure'");
  }
  const plugins = options.cache ? [options.cache, ...(options.plugins ?? [])] : options.plugins;
  if (plugins?.length) options = withPlugins({ ...options, plugins });
  const start = starterOf(target);
  const peer = start
    ? new RpcReconnectingPeer((peer) => start(options, peer), options)
    : new RpcPeer((peer) => new Session(target as Transport, options, peer), options);
  if (plugins?.length) startPlugins(peer, plugins, options.logger);
  return peer;
}
