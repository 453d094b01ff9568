import type { Codec } from './codec/codec.js';
import { cloneCodec } from './codec/clone.js';
import { msgpackCodec } from './codec/msgpack.js';
import { contextHandlerOf, type CallContext } from './context.js';
import { DeadlineTimer } from './deadlines.js';
import { errorFromWire, errorToWire, plainWire } from './error-wire.js';
import { RpcError, type RpcErrorCode } from './errors.js';
import { resolveMethod } from './lookup.js';
import { CALL, CANCEL, DEFAULT_MAX_MESSAGE_SIZE, ERROR, GOODBYE, HELLO, isId, NOTIFY, PING, PONG, PROTOCOL_VERSION, RESULT } from './protocol.js';
import { createRemoteProxy } from './proxy.js';
import type { Transport } from './transport.js';
import type { Call, CallHandler, CallOptions, Interceptor, Logger, Peer, PeerOptions, PeerStats, Remote } from './types.js';

const DEFAULT_TIMEOUT = 30_000;
const MAX_METHOD_LENGTH = 256;
const noMeta: Record<string, unknown> = Object.freeze(Object.create(null));

/** An outgoing call waiting for its reply. */
class Pending {
  constructor(
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    readonly onAbort: (() => void) | undefined,
    readonly call: Call | undefined,
  ) {}
}

/** An incoming call whose handler runs; the controller exists only when someone can observe it. */
class Active {
  controller: AbortController | undefined = undefined;
  resultMeta: Record<string, unknown> | undefined = undefined;
}

function finiteTimeout(timeout: number | undefined, fallback: number): number {
  const value = timeout ?? fallback;
  return value > 0 && value < Infinity ? value : Infinity;
}

function compose(interceptors: readonly Interceptor[] | undefined, last: CallHandler): CallHandler | undefined {
  if (!interceptors || interceptors.length === 0) return undefined;
  return interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), last);
}

function isMeta(value: unknown, max: number): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  let count = 0;
  for (const _ in value) if (++count > max) return false;
  return true;
}

function describe(method: string): string {
  return JSON.stringify(method.length > 64 ? `${method.slice(0, 64)}…` : method);
}

function isDataCloneError(error: unknown): boolean {
  return error instanceof Error && error.name === 'DataCloneError';
}

/** The RPC session over one transport. See DESIGN §1 and docs/protocol.md. */
class RpcPeer implements Peer {
  readonly closed: Promise<unknown>;

  private api: object | undefined;
  private readonly codec: Codec;
  private readonly defaultTimeout: number;
  private readonly logger: Logger | undefined;
  private readonly exposeStacks: boolean;
  private readonly maxMessageSize: number;
  private readonly maxPendingCalls: number;
  private readonly maxActiveHandlers: number;
  private readonly maxMetaEntries: number;
  private readonly outgoing: CallHandler | undefined;
  private readonly incoming: CallHandler | undefined;

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly active = new Map<number, Active>();
  private readonly deadlines = new DeadlineTimer((now) => this.expire(now));

  private ready = false;
  /** Interrupted without holding: calls fail fast until the link is back. */
  private linkDown = false;
  private isClosed = false;
  private closeReason: unknown;
  private resolveClosed!: (reason: unknown) => void;
  private remoteMaxMessageSize = Infinity;

  /** Messages for the next flush; calls wait in `held` until the far side has said hello. */
  private outbox: unknown[] = [];
  private transfers: Transferable[] | undefined;
  private held: unknown[] = [];
  private flushScheduled = false;

  private messagesSent = 0;
  private messagesReceived = 0;
  private malformed = 0;
  private proxy: unknown;

  constructor(
    private readonly transport: Transport,
    options: PeerOptions,
  ) {
    const limits = options.limits ?? {};
    this.maxMessageSize = limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.maxPendingCalls = limits.maxPendingCalls ?? 10_000;
    this.maxActiveHandlers = limits.maxActiveHandlers ?? 1_000;
    this.maxMetaEntries = limits.maxMetaEntries ?? 32;
    this.codec =
      options.codec ??
      (transport.kind === 'bytes' ? msgpackCodec({ maxMessageSize: this.maxMessageSize }) : cloneCodec);
    if (this.codec.kind !== transport.kind) {
      throw new TypeError(`codec "${this.codec.name}" makes ${this.codec.kind} messages; the transport carries ${transport.kind}`);
    }
    this.api = options.expose;
    this.defaultTimeout = finiteTimeout(options.timeout, DEFAULT_TIMEOUT);
    this.logger = options.logger;
    this.exposeStacks = options.exposeStacks ?? false;
    this.outgoing = compose(options.interceptors?.outgoing, (call) => this.send(call.method, call.args, call.meta, call.signal, call.timeout, call));
    this.incoming = compose(options.interceptors?.incoming, (call) => this.invoke(call));
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    transport.start({
      message: (data) => this.receive(data),
      closed: (reason) => this.close(new RpcError('UNAVAILABLE', 'the transport closed', { cause: reason }), false),
      interrupted: (reason, hold) => this.interrupted(reason, hold),
      resumed: () => this.hello(false),
    });
    this.hello(false);
  }

  get remoteIdentity(): Uint8Array | undefined {
    return this.transport.remoteIdentity;
  }

  private hello(ack: boolean): void {
    this.linkDown = false;
    this.enqueue([HELLO, PROTOCOL_VERSION, ack, { maxMessageSize: this.maxMessageSize }]);
  }

  /** The link dropped: what was in flight is lost, and the next hello starts a new session. */
  private interrupted(reason: unknown, hold: boolean): void {
    if (this.isClosed) return;
    this.ready = false;
    this.linkDown = !hold;
    this.remoteMaxMessageSize = Infinity;
    this.outbox = [];
    this.transfers = undefined;
    const error = new RpcError('UNAVAILABLE', 'the connection dropped', { cause: reason });
    const heldIds = new Set<unknown>();
    if (hold) for (const message of this.held) heldIds.add((message as unknown[])[1]);
    else this.held = [];
    for (const [id, call] of this.pending) {
      if (heldIds.has(id)) continue;
      this.pending.delete(id);
      this.settle(call, error, false);
    }
    const active = [...this.active.values()];
    this.active.clear();
    for (const entry of active) entry.controller?.abort(error);
  }

  // ---- public API -------------------------------------------------------------------------

  remote<T>(): Remote<T> {
    this.proxy ??= createRemoteProxy((method, args) => this.call(method, args));
    return this.proxy as Remote<T>;
  }

  expose(api: object | undefined): void {
    this.api = api;
  }

  call<R = unknown>(method: string, args: readonly unknown[] = [], options?: CallOptions): Promise<R> {
    const timeout = finiteTimeout(options?.timeout, this.defaultTimeout);
    const meta = options?.meta ? { ...options.meta } : undefined;
    if (this.outgoing) {
      const call: Call = { method, args, meta: meta ?? {}, signal: options?.signal, timeout, resultMeta: undefined, context: undefined };
      return this.outgoing(call) as Promise<R>;
    }
    return this.send(method, args, meta, options?.signal, timeout, undefined) as Promise<R>;
  }

  notify(method: string, ...args: unknown[]): void {
    if (this.isClosed) {
      this.logger?.warn?.(`notify ${describe(method)} after close dropped`);
      return;
    }
    this.queueCall([NOTIFY, method, args]);
  }

  close(reason?: unknown, sayGoodbye = true): void {
    if (this.isClosed) return;
    if (sayGoodbye) {
      // What this tick queued still goes, then the goodbye; a send failure closes us without one.
      this.outbox.push([GOODBYE]);
      this.flush();
      if (this.isClosed) return;
    }
    this.isClosed = true;
    this.closeReason = reason;
    this.outbox = [];
    this.held = [];
    this.transfers = undefined;
    this.deadlines.clear();
    this.transport.close();
    const error = new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason });
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) this.settle(call, error, false);
    const active = [...this.active.values()];
    this.active.clear();
    for (const entry of active) entry.controller?.abort(error);
    this.resolveClosed(reason);
  }

  stats(): PeerStats {
    let heldCalls = 0;
    for (const message of this.held) if ((message as unknown[])[0] === CALL) heldCalls++;
    return {
      pendingCalls: this.pending.size,
      heldCalls,
      activeHandlers: this.active.size,
      timers: this.deadlines.armed ? 1 : 0,
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      malformed: this.malformed,
      ready: this.ready,
      closed: this.isClosed,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(new RpcError('CANCELLED', 'disposed'));
    await this.closed;
  }

  // ---- outgoing calls ---------------------------------------------------------------------

  private send(
    method: string,
    args: readonly unknown[],
    meta: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    call: Call | undefined,
  ): Promise<unknown> {
    if (this.isClosed) {
      return Promise.reject(new RpcError('UNAVAILABLE', 'the peer is closed', { cause: this.closeReason }));
    }
    if (this.linkDown) return Promise.reject(new RpcError('UNAVAILABLE', 'the connection is down'));
    if (this.pending.size >= this.maxPendingCalls) {
      return Promise.reject(new RpcError('RESOURCE_EXHAUSTED', `more than ${this.maxPendingCalls} calls pending`));
    }
    if (signal?.aborted) return Promise.reject(new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason }));
    if (typeof method !== 'string' || !Array.isArray(args)) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', 'call(method: string, args: array)'));
    }
    const id = this.nextId++;
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    return new Promise((resolve, reject) => {
      const onAbort = signal ? () => this.cancel(id, 'CANCELLED', signal.reason) : undefined;
      this.pending.set(id, new Pending(resolve, reject, deadline, signal, onAbort, call));
      if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
      if (deadline !== Infinity) this.deadlines.arm(deadline);
      const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
      const message: unknown[] = [CALL, id, method, args];
      if (hasMeta || timeout !== Infinity) message.push(hasMeta ? meta : null);
      if (timeout !== Infinity) message.push(Math.ceil(timeout));
      this.queueCall(message);
    });
  }

  /** Calls and notifications wait for the far side's hello; everything else goes now. */
  private queueCall(message: unknown[]): void {
    if (this.ready) this.enqueue(message);
    else this.held.push(message);
  }

  /** Stops waiting for a call: rejects it here and tells the far side to stop working on it. */
  private cancel(id: number, code: 'CANCELLED' | 'DEADLINE_EXCEEDED', cause: unknown): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    const message = code === 'CANCELLED' ? 'the call was cancelled' : 'the call timed out';
    this.settle(call, new RpcError(code, message, { cause }), false);
    if (this.removeHeld(id)) return;
    this.enqueue([CANCEL, id, code]);
  }

  private removeHeld(id: number): boolean {
    const index = this.held.findIndex((message) => (message as unknown[])[0] === CALL && (message as unknown[])[1] === id);
    if (index >= 0) this.held.splice(index, 1);
    return index >= 0;
  }

  private expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.pending) {
      if (call.deadline <= now) this.cancel(id, 'DEADLINE_EXCEEDED', undefined);
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  /** Settles an outgoing call that has already left `pending`. */
  private settle(call: Pending, outcome: unknown, ok: boolean, meta?: unknown): void {
    if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
    if (this.pending.size === 0) this.deadlines.clear();
    if (call.call && isMeta(meta, this.maxMetaEntries)) call.call.resultMeta = meta;
    if (ok) call.resolve(outcome);
    else call.reject(outcome);
  }

  // ---- sending ----------------------------------------------------------------------------

  private enqueue(message: unknown[], transfer?: Transferable[]): void {
    this.outbox.push(message);
    if (transfer) (this.transfers ??= []).push(...transfer);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends every message of this tick as one transport message. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    const transfer = this.transfers;
    this.outbox = [];
    this.transfers = undefined;
    if (batch.length === 1) this.transmitOne(batch[0] as unknown[], transfer);
    else if (!this.transmit(batch, transfer)) for (const message of batch) this.transmitOne(message as unknown[], undefined);
  };

  /** Encodes and sends a batch; false when some message in it cannot go (then each is tried alone). */
  private transmit(batch: unknown[], transfer: Transferable[] | undefined): boolean {
    if (this.isClosed) return true;
    let data: unknown;
    try {
      data = this.codec.encode(batch);
    } catch (error) {
      if (batch.length === 1) throw new RpcError('INVALID_ARGUMENT', `a value could not be encoded: ${(error as Error)?.message}`);
      return false;
    }
    if (data instanceof Uint8Array && data.byteLength > Math.min(this.maxMessageSize, this.remoteMaxMessageSize)) {
      if (batch.length === 1) throw new RpcError('RESOURCE_EXHAUSTED', `message of ${data.byteLength} bytes exceeds the limit`);
      return false;
    }
    try {
      this.transport.send(data, transfer);
    } catch (error) {
      if (!isDataCloneError(error)) {
        this.close(new RpcError('UNAVAILABLE', 'the transport failed to send', { cause: error }), false);
        return true;
      }
      if (batch.length === 1) throw new RpcError('INVALID_ARGUMENT', `a value could not be cloned: ${(error as Error).message}`);
      return false;
    }
    this.messagesSent++;
    return true;
  }

  /** Sends one message alone; one that cannot go fails its own call and nothing else. */
  private transmitOne(message: unknown[], transfer: Transferable[] | undefined): void {
    try {
      this.transmit([message], transfer);
    } catch (error) {
      this.failToSend(message, RpcError.from(error, 'INVALID_ARGUMENT'));
    }
  }

  private failToSend(message: unknown[], error: RpcError): void {
    switch (message[0]) {
      case CALL: {
        const id = message[1] as number;
        const call = this.pending.get(id);
        if (!call) return;
        this.pending.delete(id);
        const reason = new RpcError(error.code, `arguments of ${describe(message[2] as string)}: ${error.message}`, { cause: error.cause });
        return this.settle(call, reason, false);
      }
      case RESULT:
        return this.transmitOne([ERROR, message[1], errorToWire(new RpcError(error.code, `the result: ${error.message}`), false)], undefined);
      case ERROR:
        return this.transmitOne([ERROR, message[1], plainWire(message[2] as object)], undefined);
      default:
        this.logger?.warn?.('a message could not be sent', error);
    }
  }

  // ---- receiving --------------------------------------------------------------------------

  private receive(data: unknown): void {
    if (this.isClosed) return;
    this.messagesReceived++;
    if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
      if (data.byteLength > this.maxMessageSize) {
        // Only a broken or hostile peer ignores the limit it was told in hello; a reply may be inside.
        this.close(new RpcError('RESOURCE_EXHAUSTED', `received a message of ${data.byteLength} bytes, over the limit`));
        return;
      }
    }
    let batch: unknown;
    try {
      batch = this.codec.decode(data);
    } catch (error) {
      return this.reject(`an undecodable message: ${(error as Error)?.message}`);
    }
    if (!Array.isArray(batch)) return this.reject('a message that is not a batch');
    for (const message of batch) {
      if (this.isClosed) return;
      this.dispatch(message);
    }
  }

  /** A frame that breaks the protocol is dropped, counted and logged; it never throws. */
  private reject(why: string): void {
    this.malformed++;
    this.logger?.warn?.(`dropped ${why}`);
  }

  private dispatch(message: unknown): void {
    if (!Array.isArray(message)) return this.reject('a message that is not an array');
    switch (message[0]) {
      case CALL:
        return this.onCall(message);
      case RESULT:
        return this.onReply(message, true);
      case ERROR:
        return this.onReply(message, false);
      case NOTIFY:
        return this.onNotify(message);
      case CANCEL:
        return this.onCancel(message);
      case HELLO:
        return this.onHello(message);
      case PING:
        return this.enqueue([PONG, message[1]]);
      case PONG:
        return;
      case GOODBYE:
        return this.close(new RpcError('UNAVAILABLE', 'the remote peer closed'), false);
      default:
        return this.reject(`a message of unknown kind ${JSON.stringify(message[0])?.slice(0, 20)}`);
    }
  }

  private onHello(message: unknown[]): void {
    const [, version, ack, features] = message;
    if (version !== PROTOCOL_VERSION) {
      const error = new RpcError(
        'UNIMPLEMENTED',
        `protocol version mismatch: this peer speaks ${PROTOCOL_VERSION}, the remote peer ${JSON.stringify(version)?.slice(0, 20)}`,
      );
      this.logger?.error?.(error.message);
      return this.close(error, false);
    }
    if (!ack) this.hello(true);
    if (this.ready) return;
    this.ready = true;
    const remoteMax = (features as { maxMessageSize?: unknown } | null)?.maxMessageSize;
    if (typeof remoteMax === 'number' && remoteMax > 0) this.remoteMaxMessageSize = remoteMax;
    const held = this.held;
    this.held = [];
    for (const call of held) this.enqueue(call as unknown[]);
  }

  private onReply(message: unknown[], ok: boolean): void {
    const id = message[1];
    const call = isId(id) ? this.pending.get(id) : undefined;
    if (!call) return; // cancelled or timed out here already; late replies are expected
    this.pending.delete(id as number);
    if (ok) return this.settle(call, message[2], true, message[3]);
    this.settle(call, errorFromWire(message[2]), false);
  }

  private onCancel(message: unknown[]): void {
    const id = message[1];
    const entry = isId(id) ? this.active.get(id) : undefined;
    if (!entry) return;
    this.active.delete(id as number);
    const code: RpcErrorCode = message[2] === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED';
    entry.controller?.abort(new RpcError(code, code === 'CANCELLED' ? 'the caller cancelled' : 'the caller timed out'));
  }

  private onNotify(message: unknown[]): void {
    const [, method, args, meta] = message;
    if (typeof method !== 'string' || !Array.isArray(args) || (meta != null && !isMeta(meta, this.maxMetaEntries))) {
      return this.reject('a malformed notification');
    }
    const report = (error: unknown) => this.logger?.warn?.(`notification ${describe(method)} failed`, error);
    try {
      const result = this.dispatchCall(method, args, (meta as Record<string, unknown>) ?? noMeta, Infinity, undefined);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }

  private onCall(message: unknown[]): void {
    const [, id, method, args, meta, timeout] = message;
    if (!isId(id)) return this.reject('a call without a valid id');
    if (this.active.has(id)) return this.reject('a call whose id is already running');
    if (
      typeof method !== 'string' ||
      method.length > MAX_METHOD_LENGTH ||
      !Array.isArray(args) ||
      (meta != null && !isMeta(meta, this.maxMetaEntries)) ||
      (timeout != null && !(typeof timeout === 'number' && timeout >= 0))
    ) {
      this.malformed++;
      return this.replyError(id, undefined, new RpcError('INVALID_ARGUMENT', 'malformed call'));
    }
    if (this.active.size >= this.maxActiveHandlers) {
      return this.replyError(id, undefined, new RpcError('RESOURCE_EXHAUSTED', `more than ${this.maxActiveHandlers} calls running`));
    }
    const entry = new Active();
    this.active.set(id, entry);
    const deadline = typeof timeout === 'number' ? Date.now() + timeout : Infinity;
    let result: unknown;
    try {
      result = this.dispatchCall(method, args, (meta as Record<string, unknown>) ?? noMeta, deadline, entry);
    } catch (error) {
      return this.replyError(id, entry, error);
    }
    if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')) {
      (result as PromiseLike<unknown>).then(
        (value) => this.reply(id, entry, value),
        (error: unknown) => this.replyError(id, entry, error),
      );
    } else {
      this.reply(id, entry, result);
    }
  }

  /** Runs the handler for one call, through the incoming interceptors when there are any. */
  private dispatchCall(method: string, args: unknown[], meta: Record<string, unknown>, deadline: number, entry: Active | undefined): unknown {
    if (!this.incoming) return this.handle(method, args, undefined, meta, deadline, entry);
    const context = this.contextFor(method, meta, deadline, entry);
    const timeout = deadline === Infinity ? Infinity : deadline - Date.now();
    const call: Call = { method, args, meta: { ...meta }, signal: context.signal, timeout, resultMeta: undefined, context };
    return this.incoming(call).then((value) => {
      if (entry) entry.resultMeta = call.resultMeta;
      return value;
    });
  }

  /** The innermost step of the incoming chain. */
  private async invoke(call: Call): Promise<unknown> {
    return this.handle(call.method, call.args as unknown[], call.context, call.meta, Infinity, undefined);
  }

  /** Finds the handler and calls it; a context is made only for handlers that take one. */
  private handle(
    method: string,
    args: unknown[],
    context: CallContext | undefined,
    meta: Record<string, unknown>,
    deadline: number,
    entry: Active | undefined,
  ): unknown {
    const resolved = resolveMethod(this.api, method);
    if (!resolved) throw new RpcError('NOT_FOUND', `no method ${describe(method)} is exposed`);
    const takesContext = contextHandlerOf(resolved.fn);
    if (!takesContext) return resolved.fn.apply(resolved.self, args);
    return takesContext.call(resolved.self, context ?? this.contextFor(method, meta, deadline, entry), ...args);
  }

  private contextFor(method: string, meta: Record<string, unknown>, deadline: number, entry: Active | undefined): CallContext {
    const controller = new AbortController();
    if (entry) entry.controller = controller;
    const { remoteIdentity, principal } = this.transport;
    return { signal: controller.signal, deadline, method, meta, peer: this, remoteIdentity, principal };
  }

  private reply(id: number, entry: Active, value: unknown): void {
    if (this.active.get(id) !== entry) return; // cancelled, or the peer closed
    this.active.delete(id);
    const meta = entry.resultMeta;
    this.enqueue(meta ? [RESULT, id, value ?? null, meta] : value === undefined ? [RESULT, id] : [RESULT, id, value]);
  }

  private replyError(id: number, entry: Active | undefined, error: unknown): void {
    if (entry) {
      if (this.active.get(id) !== entry) return;
      this.active.delete(id);
    }
    this.enqueue([ERROR, id, errorToWire(error, this.exposeStacks)]);
  }
}

/** Creates a peer on a transport; see `PeerOptions` for what it can be told. */
export function createPeer(transport: Transport, options: PeerOptions = {}): Peer {
  if ((options as { secure?: unknown }).secure !== undefined) {
    // Never fall back to plaintext: the secure channel lives in its own entry point.
    throw new TypeError("the secure option needs createPeer from 'saltline/secure'");
  }
  return new RpcPeer(transport, options);
}
