/**
 * `comlinkPeer`: a saltline `Peer` that speaks comlink's wire protocol, so a saltline page calls a
 * worker running `Comlink.expose(obj)` and `Comlink.wrap(port)` calls an object saltline exposes.
 * Functions passed as arguments (or returned) cross as comlink proxies: each gets its own
 * `MessageChannel`, served by a child peer until the far side releases it or this peer closes.
 *
 * This file is the calling half and the proxy bookkeeping; answering requests is `answering.ts`.
 */
import { fromPort, type PortLike } from '../../adapters/worker.js';
import { compose, notificationCall, outgoingCall } from '../compose.js';
import { DEFAULT_TIMEOUT, finiteTimeout } from '../deadlines.js';
import { RpcError } from '../errors.js';
import { PendingCalls } from '../interop/pending-calls.js';
import { assertExposable } from '../lookup.js';
import { announceReady, startPlugins, withPlugins } from '../plugins.js';
import { remoteOf } from '../proxy.js';
import { transferablesOfAll } from '../transfer.js';
import type { Transport } from '../transport.js';
import type { Call, CallHandler, CallOptions, Peer, PeerOptions, PeerStats, Remote, RemoteDescriptor } from '../types.js';
import { Answering, type AnswerLink } from './answering.js';
import type { ComlinkPeerOptions, Shared } from './options.js';
import { errorOf, isReply, isRequest, proxied, raw, type WireValue } from './wire.js';

/** Ids of notifications: their replies are dropped unread. */
const NOTIFY_PREFIX = 'n';

function isPort(value: unknown): value is PortLike {
  return typeof value === 'object' && value !== null && typeof (value as PortLike).postMessage === 'function';
}

class ComlinkPeer implements Peer {
  readonly closed: Promise<unknown>;
  readonly remoteIdentity = undefined;

  readonly #transport: Transport;
  readonly #shared: Shared;
  /** The root peer: children are made with it, and handlers see it as `ctx.peer`. */
  readonly #root: Peer;
  readonly #outgoing: CallHandler | undefined;
  readonly #answering: Answering;
  readonly #pending: PendingCalls<string>;
  readonly #children = new Set<ComlinkPeer>();
  #nextId = 1;
  #isClosed = false;
  #settleClosed!: (reason: unknown) => void;
  #proxy: unknown;
  #sent = 0;
  #received = 0;
  #malformed = 0;

  constructor(transport: Transport, shared: Shared, fn: ((...args: unknown[]) => unknown) | undefined, root: Peer | undefined) {
    this.#transport = transport;
    this.#shared = shared;
    this.#root = root ?? this;
    this.#pending = new PendingCalls(shared.limits.maxPendingCalls);
    this.#outgoing = root ? undefined : compose(shared.options.interceptors?.outgoing, (call) => this.#send(call));
    const link: AnswerLink = {
      post: (message, transfer) => this.#post(message, transfer),
      toWire: (value, ports, what) => this.#toWire(value, ports, what),
      fromWire: (value, what) => this.#fromWire(value, what),
      close: (reason) => this.close(reason),
      isClosed: () => this.#isClosed,
    };
    this.#answering = new Answering(link, shared, fn, this.#root, !root);
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
    this.#answering.api = api;
  }

  call<R = unknown>(method: string, args: readonly unknown[] = [], options?: CallOptions): Promise<R> {
    const call = outgoingCall(
      method,
      args,
      options,
      finiteTimeout(options?.timeout, finiteTimeout(this.#shared.options.timeout, DEFAULT_TIMEOUT)),
    );
    return (this.#outgoing ? this.#outgoing(call) : this.#send(call)) as Promise<R>;
  }

  /** comlink has no notifications: an APPLY whose reply is dropped unread. */
  notify(method: string, ...args: unknown[]): void {
    if (this.#isClosed) return this.#shared.options.logger?.warn?.(`comlink: notify ${method} after close dropped`);
    const call = notificationCall(method, args);
    (this.#outgoing ? this.#outgoing(call) : this.#send(call)).catch((error: unknown) =>
      this.#shared.options.logger?.warn?.(`comlink: notification ${method} not sent`, error),
    );
  }

  close(reason?: unknown): void {
    if (this.#isClosed) return;
    this.#transport.close();
    this.#shutdown(reason);
  }

  stats(): PeerStats {
    let pendingCalls = this.#pending.size;
    let activeHandlers = this.#answering.active;
    for (const child of this.#children) {
      const stats = child.stats();
      pendingCalls += stats.pendingCalls;
      activeHandlers += stats.activeHandlers;
    }
    return {
      pendingCalls,
      heldCalls: 0,
      activeHandlers,
      timers: this.#pending.timerArmed ? 1 : 0,
      references: this.#children.size,
      streams: 0,
      streamItemsBuffered: 0,
      streamItemsInFlight: 0,
      messagesSent: this.#sent,
      messagesReceived: this.#received,
      malformed: this.#malformed,
      ready: !this.#isClosed,
      closed: this.#isClosed,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(new RpcError('CANCELLED', 'disposed'));
    await this.closed;
  }

  // ---- calling ----------------------------------------------------------------------------------

  #send(call: Call): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(new RpcError('UNAVAILABLE', 'the peer is closed'));
    const refusal = call.notification ? undefined : this.#pending.refusal(call.signal);
    if (refusal) return Promise.reject(refusal);
    let argumentList: WireValue[];
    const ports: Transferable[] = [];
    try {
      argumentList = call.args.map((arg, i) => this.#toWire(arg, ports, `argument ${i}`));
    } catch (error) {
      return Promise.reject(error);
    }
    const id = `${call.notification ? NOTIFY_PREFIX : 's'}${this.#nextId++}`;
    const path = call.method === '' ? [] : call.method.split('.');
    const transfer = [...(transferablesOfAll(call.args) ?? []), ...ports];
    const message = { id, type: 'APPLY', path, argumentList };
    if (call.notification) return this.#post(message, transfer).then(() => undefined);
    const reply = this.#pending.add(id, call.timeout, call.signal);
    this.#post(message, transfer).catch((error: unknown) => this.#pending.settle(id, undefined, error));
    return reply;
  }

  /** Posts a message; a value structured clone cannot copy fails with `INVALID_ARGUMENT`, naming why. */
  async #post(message: object, transfer: Transferable[]): Promise<void> {
    if (this.#isClosed) throw new RpcError('UNAVAILABLE', 'the peer is closed');
    try {
      this.#transport.send(message, transfer.length > 0 ? transfer : undefined);
      this.#sent++;
    } catch (error) {
      const hint = 'comlink carries structured-clone values, and functions only as top-level arguments or results';
      throw new RpcError('INVALID_ARGUMENT', `the message could not be sent: ${hint}`, { cause: error });
    }
  }

  /** A value as comlink sends it: a function becomes a proxy served on a new port, anything else is raw. */
  #toWire(value: unknown, ports: Transferable[], what: string): WireValue {
    if (typeof value === 'function') {
      const port = this.#export(value as (...args: unknown[]) => unknown);
      ports.push(port);
      return proxied(port);
    }
    if (typeof value === 'object' && value !== null && Symbol.asyncIterator in value) {
      throw new RpcError('INVALID_ARGUMENT', `${what} is a stream: comlink's wire cannot carry streams (use createPeer from 'saltline')`);
    }
    return raw(value);
  }

  #export(fn: (...args: unknown[]) => unknown): MessagePort {
    this.#reserveProxy();
    const { port1, port2 } = new MessageChannel();
    this.#adopt(new ComlinkPeer(fromPort(port1 as unknown as PortLike), this.#shared, fn, this.#root));
    return port2;
  }

  /** A function that calls the far side's proxy served on `port` (a callback it passed, an object it returned). */
  #import(port: PortLike): ComlinkPeer {
    this.#reserveProxy();
    return this.#adopt(new ComlinkPeer(fromPort(port), this.#shared, undefined, this.#root));
  }

  #reserveProxy(): void {
    const { maxProxies } = this.#shared.limits;
    if (this.#shared.proxies >= maxProxies) throw new RpcError('RESOURCE_EXHAUSTED', `more than ${maxProxies} comlink proxies alive`);
    this.#shared.proxies++;
  }

  #adopt(child: ComlinkPeer): ComlinkPeer {
    this.#children.add(child);
    void child.closed.then(() => {
      this.#children.delete(child);
      this.#shared.proxies--;
    });
    return child;
  }

  #fromWire(value: unknown, what: string): unknown {
    const wire = value as Partial<WireValue> | null;
    if (wire?.type === 'RAW') return wire.value;
    if (wire?.type === 'HANDLER' && wire.name === 'proxy' && isPort(wire.value)) {
      const child = this.#import(wire.value);
      const fn = (...args: unknown[]) => child.call('', args);
      return new Proxy(fn, {
        get: (target, key) => (key in target ? (target as unknown as Record<PropertyKey, unknown>)[key] : child.remote()[key as never]),
      });
    }
    throw new RpcError('INVALID_ARGUMENT', `${what} is not a comlink wire value this side reads`);
  }

  // ---- receiving --------------------------------------------------------------------------------

  #receive(data: unknown): void {
    if (this.#isClosed) return;
    this.#received++;
    if (isReply(data)) return this.#onReply(data);
    if (isRequest(data)) return this.#answering.onRequest(data);
    this.#malformed++;
    this.#shared.options.logger?.warn?.('comlink: dropped a message that is not comlink');
  }

  #onReply(reply: WireValue & { readonly id: string }): void {
    if (!this.#pending.has(reply.id)) {
      if (reply.id.startsWith(NOTIFY_PREFIX) || reply.id.startsWith('s')) return; // a notification's, or a late one
      this.#malformed++;
      return;
    }
    if (reply.type === 'HANDLER' && reply.name === 'throw') return this.#pending.settle(reply.id, undefined, errorOf(reply.value));
    try {
      this.#pending.settle(reply.id, this.#fromWire(reply, 'the result'), undefined);
    } catch (error) {
      this.#pending.settle(reply.id, undefined, error);
    }
  }

  #shutdown(reason: unknown): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const error = new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason });
    this.#pending.rejectAll(error);
    this.#answering.shutdown(error);
    for (const child of this.#children) child.close(reason);
    this.#settleClosed(reason);
  }
}

/**
 * A peer that speaks comlink's wire protocol over a port transport (`fromWorker`, `fromPort`,
 * `fromWindow`, `fromWorkerScope`): `remote<T>()` calls a `Comlink.expose`d object, and `expose`
 * serves `Comlink.wrap` callers, who may call only own functions (no GET, SET or CONSTRUCT).
 */
export function comlinkPeer(transport: Transport, options: ComlinkPeerOptions = {}): Peer {
  assertExposable(options.expose);
  const plugins = options.plugins;
  const resolved = plugins?.length ? (withPlugins(options as PeerOptions) as ComlinkPeerOptions) : options;
  const limits = options.limits ?? {};
  const shared: Shared = {
    options: resolved,
    limits: {
      maxPendingCalls: limits.maxPendingCalls ?? 10_000,
      maxActiveHandlers: limits.maxActiveHandlers ?? 1_000,
      maxProxies: limits.maxProxies ?? 1_000,
      maxPathLength: limits.maxPathLength ?? 32,
    },
    proxies: 0,
  };
  const peer = new ComlinkPeer(transport, shared, undefined, undefined);
  if (plugins?.length) {
    startPlugins(peer, plugins, options.logger);
    announceReady(peer, plugins, undefined, options.logger);
  }
  return peer;
}
