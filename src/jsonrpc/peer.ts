/**
 * `jsonRpcPeer`: a `Peer` that speaks JSON-RPC 2.0 on any transport that carries text (a
 * WebSocket, a port, the HTTP client transport). Either side may call and answer; replies are
 * matched by id, and the answering half is `JsonRpcServer`.
 */
import { compose, notificationCall, outgoingCall } from '../compose.js';
import { DEFAULT_TIMEOUT, finiteTimeout } from '../deadlines.js';
import { RpcError } from '../errors.js';
import { PendingCalls } from '../interop/pending-calls.js';
import { assertExposable } from '../lookup.js';
import { announceReady, startPlugins } from '../plugins.js';
import { remoteOf } from '../proxy.js';
import type { Transport } from '../transport.js';
import type { Call, CallHandler, CallOptions, Peer, PeerStats, Remote, RemoteDescriptor } from '../types.js';
import { fromErrorObject } from './errors.js';
import { assertSendable } from './json.js';
import { type JsonRpcLimits, type JsonRpcServeOptions, type ResolvedLimits, resolveLimits, withJsonRpcPlugins } from './limits.js';
import { paramsOf } from './params.js';
import { DEFAULT_CANCEL_METHOD, type JsonRpcId, JsonRpcServer } from './server.js';

/** What `jsonRpcPeer` takes: the serving options, plus the calling side's timeout, limits and batching. */
export interface JsonRpcPeerOptions extends JsonRpcServeOptions {
  /** Default per-call timeout in ms; `0` or `Infinity` for none. Default 30,000. */
  readonly timeout?: number;
  /** Bounds; defaults as in `JsonRpcLimits`. */
  readonly limits?: JsonRpcLimits;
  /**
   * Sends the calls and notifications made in one tick as one batch (an array), in one message.
   * Default false: one message each.
   */
  readonly batch?: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

class JsonRpcPeer implements Peer {
  readonly closed: Promise<unknown>;
  readonly remoteIdentity = undefined;

  readonly #transport: Transport;
  readonly #limits: ResolvedLimits;
  readonly #server: JsonRpcServer;
  readonly #options: JsonRpcPeerOptions;
  readonly #timeout: number;
  readonly #outgoing: CallHandler | undefined;
  readonly #pending: PendingCalls<JsonRpcId>;
  #nextId = 1;
  #queue: string[] | undefined;
  #isClosed = false;
  #settleClosed!: (reason: unknown) => void;
  #proxy: unknown;
  #sent = 0;
  #received = 0;
  #malformed = 0;

  constructor(transport: Transport, options: JsonRpcPeerOptions) {
    assertExposable(options.expose);
    this.#transport = transport;
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#timeout = finiteTimeout(options.timeout, DEFAULT_TIMEOUT);
    this.#pending = new PendingCalls(this.#limits.maxPendingCalls, (id) => this.#cancel(id));
    this.#server = new JsonRpcServer(options, this.#limits, this);
    this.#outgoing = compose(options.interceptors?.outgoing, (call) => this.#send(call));
    this.closed = new Promise((resolve) => (this.#settleClosed = resolve));
    transport.start({ message: (data) => this.#receive(data), closed: (reason) => this.#shutdown(reason) });
  }

  remote<T>(options?: CallOptions): Remote<T>;
  remote<C>(service: RemoteDescriptor<C>): C;
  remote(options?: CallOptions | RemoteDescriptor<unknown>): unknown {
    return options ? remoteOf(this, options) : (this.#proxy ??= remoteOf(this, undefined));
  }

  expose(api: object | undefined): void {
    assertExposable(api);
    this.#server.api = api;
  }

  call<R = unknown>(method: string, args: readonly unknown[] = [], options?: CallOptions): Promise<R> {
    const call = outgoingCall(method, args, options, finiteTimeout(options?.timeout, this.#timeout));
    return (this.#outgoing ? this.#outgoing(call) : this.#send(call)) as Promise<R>;
  }

  notify(method: string, ...args: unknown[]): void {
    if (this.#isClosed) return this.#options.logger?.warn?.(`jsonrpc: notify ${method} after close dropped`);
    const params = paramsOf(args);
    assertSendable(params, this.#limits.maxDepth, 'params');
    if (!this.#outgoing) return this.#post(JSON.stringify({ jsonrpc: '2.0', method, params }));
    this.#outgoing(notificationCall(method, args)).catch((error: unknown) =>
      this.#options.logger?.warn?.(`jsonrpc: notification ${method} not sent`, error),
    );
  }

  close(reason?: unknown): void {
    if (this.#isClosed) return;
    this.#transport.close();
    this.#shutdown(reason);
  }

  stats(): PeerStats {
    return {
      pendingCalls: this.#pending.size,
      heldCalls: 0,
      activeHandlers: this.#server.active,
      timers: this.#pending.timerArmed ? 1 : 0,
      references: 0,
      streams: 0,
      streamItemsBuffered: 0,
      streamItemsInFlight: 0,
      messagesSent: this.#sent,
      messagesReceived: this.#received,
      malformed: this.#malformed + this.#server.malformed,
      ready: !this.#isClosed,
      closed: this.#isClosed,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(new RpcError('CANCELLED', 'disposed'));
    await this.closed;
  }

  /** The innermost step of the outgoing chain: one request on the wire, its reply awaited. */
  #send(call: Call): Promise<unknown> {
    if (call.notification) {
      this.#post(JSON.stringify({ jsonrpc: '2.0', method: call.method, params: paramsOf(call.args) }));
      return Promise.resolve(undefined);
    }
    if (this.#isClosed) return Promise.reject(new RpcError('UNAVAILABLE', 'the peer is closed'));
    const refusal = this.#pending.refusal(call.signal);
    if (refusal) return Promise.reject(refusal);
    const params = paramsOf(call.args);
    try {
      assertSendable(params, this.#limits.maxDepth, 'params');
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.#nextId++;
    const reply = this.#pending.add(id, call.timeout, call.signal);
    this.#post(JSON.stringify({ jsonrpc: '2.0', id, method: call.method, params }));
    return reply;
  }

  /** Sends one message now, or (with `batch`) with the others of this tick. */
  #post(text: string): void {
    if (this.#isClosed) return;
    if (!this.#options.batch) return this.#write(text);
    if (this.#queue) return void this.#queue.push(text);
    this.#queue = [text];
    queueMicrotask(() => {
      const queue = this.#queue ?? [];
      this.#queue = undefined;
      if (queue.length === 1) this.#write(queue[0]!);
      else if (queue.length > 1) this.#write(`[${queue.join(',')}]`);
    });
  }

  #write(text: string): void {
    if (this.#isClosed) return;
    try {
      this.#transport.send(text);
      this.#sent++;
    } catch (error) {
      this.#shutdown(new RpcError('UNAVAILABLE', 'the transport failed to send', { cause: error }));
    }
  }

  #receive(data: unknown): void {
    if (this.#isClosed) return;
    this.#received++;
    let text: string;
    try {
      text = typeof data === 'string' ? data : decoder.decode(data as Uint8Array);
    } catch {
      this.#malformed++;
      return this.#options.logger?.warn?.('jsonrpc: dropped a message that is neither text nor UTF-8');
    }
    this.#server.receive(text, this.#onResponse).then(
      // Replies go as they are: a reply batch answers only a request batch (§6).
      (answer) => {
        if (answer !== undefined) this.#write(answer);
      },
      (error: unknown) => this.#options.logger?.error?.('jsonrpc: a reply could not be made', error),
    );
  }

  readonly #onResponse = (response: Record<string, unknown>): void => {
    const id = response.id as JsonRpcId;
    if (!this.#pending.has(id)) {
      // A late reply to a call this side gave up on (timed out, cancelled) is expected.
      if (typeof id === 'number' && id < this.#nextId) return;
      this.#malformed++;
      const why = id === null ? 'the far side could not read a message' : 'a reply to no pending call';
      return this.#options.logger?.warn?.(`jsonrpc: dropped ${why}`, response.error);
    }
    if ('error' in response) this.#pending.settle(id, undefined, fromErrorObject(response.error));
    else this.#pending.settle(id, response.result, undefined);
  };

  /** This side stopped waiting for a call (timeout, abort): the far side is told to abort its handler. */
  #cancel(id: JsonRpcId): void {
    const method = this.#options.cancelMethod ?? DEFAULT_CANCEL_METHOD;
    if (method !== false) this.#post(JSON.stringify({ jsonrpc: '2.0', method, params: { id } }));
  }

  #shutdown(reason: unknown): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#queue = undefined;
    const error = new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason });
    this.#pending.rejectAll(error);
    this.#server.abortAll(error);
    this.#settleClosed(reason);
  }
}

/**
 * A peer that speaks JSON-RPC 2.0 over `transport`: `remote<T>()`, `call`, `notify` and `expose`
 * as on any saltline peer. Arguments and results must be JSON: callbacks, streams and bytes are
 * refused at the call with `INVALID_ARGUMENT`. Pass `byName({ ... })` as the only argument to
 * send named params.
 */
export function jsonRpcPeer(transport: Transport, options: JsonRpcPeerOptions = {}): Peer {
  const plugins = options.plugins;
  const peer = new JsonRpcPeer(transport, withJsonRpcPlugins(options));
  if (plugins?.length) {
    startPlugins(peer, plugins, options.logger);
    announceReady(peer, plugins, undefined, options.logger);
  }
  return peer;
}
