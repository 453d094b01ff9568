import type { Codec } from './codec/codec.js';
import { cloneCodec } from './codec/clone.js';
import { contextHandlerOf, type CallContext } from './context.js';
import { DeadlineTimer } from './deadlines.js';
import { errorFromWire, errorToWire, plainWire } from './error-wire.js';
import { publicError, RpcError, type RpcErrorCode } from './errors.js';
import { resolveMethod } from './lookup.js';
import { CALL, CANCEL, DEFAULT_MAX_MESSAGE_SIZE, ERROR, GOODBYE, HELLO, isId, NOTIFY, PING, PONG, PROTOCOL_VERSION, RESULT } from './protocol.js';
import { createRemoteProxy } from './proxy.js';
import { Exchange, References } from './ref-table.js';
import { hasRefs } from './ref-markers.js';
import { transferablesOf, transferablesOfAll } from './transfer.js';
import type { Transport } from './transport.js';
import type { Call, CallHandler, CallOptions, Interceptor, Logger, Peer, PeerOptions, PeerStats, Remote } from './types.js';

const DEFAULT_TIMEOUT = 30_000;
/** RESULT flags (field 4): the value holds references; the value is `undefined`. */
const RESULT_REFS = 1;
const RESULT_UNDEFINED = 2;
const MAX_METHOD_LENGTH = 256;
const noMeta: Record<string, unknown> = Object.freeze(Object.create(null));
/** Settled once: `then` on it queues a plain microtask (Node's queueMicrotask adds an AsyncResource per call). */
const settled = Promise.resolve();

/** An outgoing call: waiting for its reply, then (when its result streams) until they end. */
class Pending extends Exchange {
  constructor(
    id: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    readonly onAbort: (() => void) | undefined,
    readonly call: Call | undefined,
  ) {
    super(id);
  }
}

/** An incoming call: its handler running, then its result streams open. */
class Active extends Exchange {
  /** Made only when someone can observe it: a context-taking handler or an interceptor. */
  controller: AbortController | undefined = undefined;
  resultMeta: Record<string, unknown> | undefined = undefined;
  /** The caller cancelled: the handler's outcome is dropped when it comes. */
  cancelled = false;
}

/**
 * One idle object of each per-call shape, kept for the life of the module. V8 holds the hidden
 * classes (maps) that class fields transition through only while some object uses them: a full
 * GC that finds no call in flight frees them, and every optimized function that handled calls is
 * deoptimized ("weak objects") and recompiled. Built from the same kinds of values real calls
 * carry (resolving functions, a double deadline), so their maps are the ones live calls use.
 */
const mapKeepers: unknown[] = [];
void new Promise((resolve, reject) => mapKeepers.push(new Pending(0, resolve, reject, 0.5, undefined, undefined, undefined)));
mapKeepers.push(new Active(0));
const keptPromise = new Promise(() => {}) as unknown as Record<symbol, unknown>;
keptPromise[Symbol.asyncIterator] = iterateResult;
mapKeepers.push(keptPromise);

/** Lets `for await (const x of api.ticks())` iterate the promise of a streaming call. */
function iterateResult(this: Promise<unknown>): AsyncIterator<unknown> {
  const result = this;
  let inner: AsyncIterator<unknown> | undefined;
  const open = async () => {
    const value = await result;
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

function describe(method: string | number): string {
  if (typeof method === 'number') return `callback ${method}`;
  return JSON.stringify(method.length > 64 ? `${method.slice(0, 64)}…` : method);
}

/** A send that failed because of a value (not the link): browsers throw DataCloneError, Node a TypeError. */
function isValueError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === 'DataCloneError');
}

/** The RPC session over one transport. See DESIGN §1 and docs/protocol.md. */
class RpcPeer implements Peer {
  readonly closed: Promise<unknown>;

  #api: object | undefined;
  readonly #codec: Codec;
  readonly #defaultTimeout: number;
  readonly #logger: Logger | undefined;
  readonly exposeStacks: boolean;
  readonly #maxMessageSize: number;
  readonly #maxPendingCalls: number;
  readonly #maxActiveHandlers: number;
  readonly #maxMetaEntries: number;
  readonly #outgoing: CallHandler | undefined;
  readonly #incoming: CallHandler | undefined;
  readonly #refs: References;
  readonly #transfers: boolean;
  readonly #onSendError: PeerOptions['onSendError'];

  #nextId = 1;
  /** Outgoing calls until complete: replied and their result streams ended. */
  readonly #pending = new Map<number, Pending>();
  /** Incoming calls until complete. */
  readonly #active = new Map<number, Active>();
  /** Notification handlers still running. */
  readonly #notifications = new Set<Active>();
  readonly #deadlines = new DeadlineTimer((now) => this.#expire(now));
  #idleCheckScheduled = false;

  #ready = false;
  /** Interrupted without holding: calls fail fast until the link is back. */
  #linkDown = false;
  #isClosed = false;
  #closeReason: unknown;
  #resolveClosed!: (reason: unknown) => void;
  #remoteMaxMessageSize = Infinity;
  /** The far side's default timeout (its hello): what a CALL without a `timeout` field waits. */
  #remoteTimeout = Infinity;

  /** Messages for the next flush; calls wait in `held` until the far side has said hello. */
  #outbox: unknown[] = [];
  #outboxTransfers: Transferable[] | undefined;
  #held: { message: unknown[]; transfer: Transferable[] | undefined }[] = [];
  #flushScheduled = false;

  #messagesSent = 0;
  #messagesReceived = 0;
  #malformed = 0;
  #proxy: unknown;

  readonly #transport: Transport;

  constructor(transport: Transport, options: PeerOptions) {
    this.#transport = transport;
    const limits = options.limits ?? {};
    this.#maxMessageSize = limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#maxPendingCalls = limits.maxPendingCalls ?? 10_000;
    this.#maxActiveHandlers = limits.maxActiveHandlers ?? 1_000;
    this.#maxMetaEntries = limits.maxMetaEntries ?? 32;
    const codec = options.codec ?? transport.codec?.({ maxMessageSize: this.#maxMessageSize }) ?? (transport.kind === 'clone' ? cloneCodec : undefined);
    if (!codec) throw new TypeError("a bytes transport needs a codec: pass { codec: msgpackCodec() } from 'saltline/msgpack'");
    this.#codec = codec;
    if (codec.kind !== transport.kind) {
      throw new TypeError(`codec "${this.#codec.name}" makes ${this.#codec.kind} messages; the transport carries ${transport.kind}`);
    }
    this.#transfers = transport.kind === 'clone';
    this.#api = options.expose;
    this.#defaultTimeout = finiteTimeout(options.timeout, DEFAULT_TIMEOUT);
    this.#logger = options.logger;
    this.exposeStacks = options.exposeStacks ?? false;
    this.#onSendError = options.onSendError;
    this.#outgoing = compose(options.interceptors?.outgoing, (call) =>
      call.notification
        ? this.#sendNotification(call.method, call.args, call.meta)
        : this.#send(call.method, call.args, call.meta, call.signal, call.timeout, call),
    );
    this.#incoming = compose(options.interceptors?.incoming, (call) => this.#invoke(call));
    this.#refs = new References(
      {
        send: (message) => this.#enqueue(message),
        callRef: (id, args) => this.#send(id, args, undefined, undefined, this.#defaultTimeout, undefined),
        completed: (exchange) => this.#complete(exchange as Pending | Active, undefined),
        exposeStacks: this.exposeStacks,
      },
      options.streamWindow ?? 16,
    );
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    transport.start({
      message: (data) => this.#receive(data),
      // A transport that says why in an RpcError (the secure channel's UNAUTHENTICATED) is heard as is.
      closed: (reason) =>
        this.close(reason instanceof RpcError ? reason : new RpcError('UNAVAILABLE', 'the transport closed', { cause: reason }), false),
      interrupted: (reason, hold) => this.#interrupted(reason, hold),
      resumed: () => this.#hello(false),
    });
    this.#hello(false);
  }

  get remoteIdentity(): Uint8Array | undefined {
    return this.#transport.remoteIdentity;
  }

  // ---- public API -------------------------------------------------------------------------

  remote<T>(options?: CallOptions): Remote<T> {
    if (options) return createRemoteProxy((method, args) => this.call(method, args, options)) as Remote<T>;
    this.#proxy ??= createRemoteProxy((method, args) => this.call(method, args));
    return this.#proxy as Remote<T>;
  }

  expose(api: object | undefined): void {
    this.#api = api;
  }

  call<R = unknown>(method: string, args: readonly unknown[] = [], options?: CallOptions): Promise<R> {
    const timeout = finiteTimeout(options?.timeout, this.#defaultTimeout);
    const meta = options?.meta ? { ...options.meta } : undefined;
    let result: Promise<unknown>;
    if (this.#outgoing) {
      const call: Call = { method, args, meta: meta ?? {}, signal: options?.signal, timeout, resultMeta: undefined, context: undefined };
      result = this.#outgoing(call);
    } else {
      result = this.#send(method, args, meta, options?.signal, timeout, undefined);
    }
    (result as unknown as Record<symbol, unknown>)[Symbol.asyncIterator] = iterateResult;
    return result as Promise<R>;
  }

  notify(method: string, ...args: unknown[]): void {
    if (this.#isClosed) {
      this.#logger?.warn?.(`notify ${describe(method)} after close dropped`);
      return;
    }
    if (hasRefs(args)) throw new RpcError('INVALID_ARGUMENT', 'a notification cannot carry callbacks or streams: use call()');
    if (!this.#outgoing) {
      void this.#sendNotification(method, args, undefined);
      return;
    }
    const call: Call = { method, args, meta: {}, signal: undefined, timeout: Infinity, resultMeta: undefined, context: undefined, notification: true };
    this.#outgoing(call).catch((error: unknown) => this.#logger?.warn?.(`notification ${describe(method)} not sent`, error));
  }

  #sendNotification(method: string, args: readonly unknown[], meta: Record<string, unknown> | undefined): Promise<undefined> {
    const message: unknown[] = [NOTIFY, method, args];
    if (meta && Object.keys(meta).length > 0) message.push(meta);
    this.#queueCall(message, this.#transfers ? transferablesOfAll(args) : undefined);
    return Promise.resolve(undefined);
  }

  close(reason?: unknown, sayGoodbye = true): void {
    if (this.#isClosed) return;
    if (sayGoodbye) {
      // What this tick queued still goes, then the goodbye; a send failure closes us without one.
      this.#outbox.push([GOODBYE]);
      this.#flush();
      if (this.#isClosed) return;
    }
    this.#isClosed = true;
    this.#closeReason = reason;
    this.#outbox = [];
    this.#held = [];
    this.#outboxTransfers = undefined;
    this.#deadlines.clear();
    this.#transport.close();
    const error = new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason });
    this.#dropAll(error, () => true);
    this.#refs.closeAll(error);
    this.#resolveClosed(reason);
  }

  stats(): PeerStats {
    let heldCalls = 0;
    for (const { message } of this.#held) if (message[0] === CALL) heldCalls++;
    return {
      pendingCalls: this.#pending.size,
      heldCalls,
      activeHandlers: this.#active.size + this.#notifications.size,
      timers: this.#deadlines.armed ? 1 : 0,
      ...this.#refs.stats(),
      messagesSent: this.#messagesSent,
      messagesReceived: this.#messagesReceived,
      malformed: this.#malformed,
      ready: this.#ready,
      closed: this.#isClosed,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(new RpcError('CANCELLED', 'disposed'));
    await this.closed;
  }

  // ---- session ----------------------------------------------------------------------------

  #hello(ack: boolean): void {
    this.#linkDown = false;
    const timeout = this.#defaultTimeout;
    const features = timeout === Infinity ? { maxMessageSize: this.#maxMessageSize } : { maxMessageSize: this.#maxMessageSize, timeout };
    this.#enqueue([HELLO, PROTOCOL_VERSION, ack, features]);
  }

  /** The link dropped: what was in flight is lost, and the next hello starts a new session. */
  #interrupted(reason: unknown, hold: boolean): void {
    if (this.#isClosed) return;
    this.#ready = false;
    this.#linkDown = !hold;
    this.#remoteMaxMessageSize = Infinity;
    this.#remoteTimeout = Infinity;
    this.#outbox = [];
    this.#outboxTransfers = undefined;
    if (!hold) this.#held = [];
    const heldIds = new Set(this.#held.map(({ message }) => message[1]));
    this.#dropAll(new RpcError('UNAVAILABLE', 'the connection dropped', { cause: reason }), (call) => !heldIds.has(call.id));
  }

  /** Fails the outgoing calls `which` selects and every incoming one, with `error`. */
  #dropAll(error: RpcError, which: (call: Pending) => boolean): void {
    for (const call of [...this.#pending.values()]) if (which(call)) this.#fail(call, error);
    for (const entry of this.#notifications) entry.controller?.abort(error);
    this.#notifications.clear();
    for (const entry of [...this.#active.values()]) {
      entry.controller?.abort(error);
      this.#complete(entry, error);
    }
  }

  /** A call is complete: forget it and release what it owned. */
  #complete(exchange: Pending | Active, reason: unknown): void {
    if (exchange instanceof Pending) {
      if (this.#pending.get(exchange.id) !== exchange) return;
      this.#pending.delete(exchange.id);
      if (exchange.onAbort) exchange.signal!.removeEventListener('abort', exchange.onAbort);
      if (this.#pending.size === 0) this.#clearDeadlinesWhenIdle();
    } else {
      if (this.#active.get(exchange.id) !== exchange) return;
      this.#active.delete(exchange.id);
    }
    this.#refs.complete(exchange, reason);
  }

  /**
   * Clears the deadline timer once no call is pending, a microtask from now: a caller making
   * calls one after another starts the next before then, and keeps the timer instead of paying
   * for a new one per call.
   */
  #clearDeadlinesWhenIdle(): void {
    if (this.#idleCheckScheduled) return;
    this.#idleCheckScheduled = true;
    void settled.then(this.#clearIfIdle);
  }

  readonly #clearIfIdle = (): void => {
    this.#idleCheckScheduled = false;
    if (this.#pending.size === 0) this.#deadlines.clear();
  };

  // ---- outgoing calls ---------------------------------------------------------------------

  /** Sends a call to a method (by name) or to a callback the far side exported (by id). */
  #send(
    method: string | number,
    args: readonly unknown[],
    meta: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    call: Call | undefined,
  ): Promise<unknown> {
    if (this.#isClosed) {
      return Promise.reject(new RpcError('UNAVAILABLE', 'the peer is closed', { cause: this.#closeReason }));
    }
    if (this.#linkDown) return Promise.reject(new RpcError('UNAVAILABLE', 'the connection is down'));
    if (this.#pending.size >= this.#maxPendingCalls) {
      return Promise.reject(new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#maxPendingCalls} calls pending`));
    }
    if (signal?.aborted) return Promise.reject(new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason }));
    if ((typeof method !== 'string' && typeof method !== 'number') || !Array.isArray(args)) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', 'call(method: string, args: array)'));
    }
    const id = this.#nextId++;
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    return new Promise((resolve, reject) => {
      const onAbort = signal ? () => this.#cancel(id, 'CANCELLED', signal.reason) : undefined;
      const pending = new Pending(id, resolve, reject, deadline, signal, onAbort, call);
      this.#pending.set(id, pending);
      if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
      if (deadline !== Infinity) this.#deadlines.arm(deadline);
      const refs = hasRefs(args);
      const wireArgs = refs ? this.#refs.exportValue(args, pending, false) : args;
      const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
      const wireTimeout = timeout === Infinity ? null : Math.ceil(timeout);
      // Built at its final length: no push, so no backing-store growth per call. A call that waits
      // the default time (told in hello) leaves the timeout out.
      const message = refs
        ? [CALL, id, method, wireArgs, hasMeta ? meta : null, wireTimeout, 1]
        : timeout !== this.#defaultTimeout
          ? [CALL, id, method, wireArgs, hasMeta ? meta : null, wireTimeout]
          : hasMeta
            ? [CALL, id, method, wireArgs, meta]
            : [CALL, id, method, wireArgs];
      this.#queueCall(message, this.#transfers ? transferablesOfAll(args) : undefined);
    });
  }

  /** Calls and notifications wait for the far side's hello; everything else goes now. */
  #queueCall(message: unknown[], transfer: Transferable[] | undefined): void {
    if (this.#ready) this.#enqueue(message, transfer);
    else this.#held.push({ message, transfer });
  }

  /** Stops waiting for a call: rejects it (or ends its streams) and tells the far side to stop. */
  #cancel(id: number, code: 'CANCELLED' | 'DEADLINE_EXCEEDED', cause: unknown): void {
    const call = this.#pending.get(id);
    if (!call) return;
    const message = code === 'CANCELLED' ? 'the call was cancelled' : 'the call timed out';
    this.#fail(call, new RpcError(code, message, { cause }));
    if (!this.#removeHeld(id)) this.#enqueue([CANCEL, id, code]);
  }

  /** Ends an outgoing call with `error`: a rejection before its reply, a stream error after. */
  #fail(call: Pending, error: RpcError): void {
    if (call.replied) this.#refs.failStreams(call, error);
    else {
      call.replied = true;
      call.reject(error);
    }
    this.#complete(call, error);
  }

  #removeHeld(id: number): boolean {
    const index = this.#held.findIndex(({ message }) => message[0] === CALL && message[1] === id);
    if (index >= 0) this.#held.splice(index, 1);
    return index >= 0;
  }

  #expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.#pending) {
      if (call.deadline <= now) this.#cancel(id, 'DEADLINE_EXCEEDED', undefined);
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  // ---- sending ----------------------------------------------------------------------------

  #enqueue(message: unknown[], transfer?: Transferable[]): void {
    this.#outbox.push(message);
    if (transfer) (this.#outboxTransfers ??= []).push(...transfer);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      void settled.then(this.#flush);
    }
  }

  /** Sends every message of this tick as one transport message. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0) return;
    const batch = this.#outbox;
    const transfer = this.#outboxTransfers;
    this.#outbox = [];
    this.#outboxTransfers = undefined;
    if (batch.length === 1) this.#transmitOne(batch[0] as unknown[], transfer, batch);
    else if (!this.#transmit(batch, transfer)) for (const message of batch) this.#transmitOne(message as unknown[], transfer);
  };

  /** Encodes and sends a batch; false when some message in it cannot go (then each is tried alone). */
  #transmit(batch: unknown[], transfer: Transferable[] | undefined): boolean {
    if (this.#isClosed) return true;
    let data: unknown;
    try {
      // A lone message goes as itself: one array less to clone or encode on the common path.
      const frame = batch.length === 1 ? batch[0] : batch;
      data = this.#transport.copiesOnSend && this.#codec.encodeShared ? this.#codec.encodeShared(frame) : this.#codec.encode(frame);
    } catch (error) {
      if (batch.length === 1) throw new RpcError('INVALID_ARGUMENT', `a value could not be encoded: ${(error as Error)?.message}`);
      return false;
    }
    if (data instanceof Uint8Array && data.byteLength > this.#sendLimit()) {
      if (batch.length === 1) throw new RpcError('RESOURCE_EXHAUSTED', `message of ${data.byteLength} bytes exceeds the limit`);
      return false;
    }
    try {
      this.#transport.send(data, transfer);
    } catch (error) {
      if (!isValueError(error)) {
        this.close(new RpcError('UNAVAILABLE', 'the transport failed to send', { cause: error }), false);
        return true;
      }
      if (batch.length === 1) throw new RpcError('INVALID_ARGUMENT', `a value could not be cloned: ${(error as Error).message}`);
      return false;
    }
    this.#messagesSent++;
    return true;
  }

  /** The largest message this side may send: its own limit, the far side's, the transport's. */
  #sendLimit(): number {
    return Math.min(this.#maxMessageSize, this.#remoteMaxMessageSize, this.#transport.maxMessageSize ?? Infinity);
  }

  /** Sends one message alone; one that cannot go fails its own call and nothing else. */
  #transmitOne(message: unknown[], transfer: Transferable[] | undefined, batch: unknown[] = [message]): void {
    try {
      this.#transmit(batch, transfer && transferablesIn(message));
    } catch (error) {
      this.#failToSend(message, RpcError.from(error, 'INVALID_ARGUMENT'));
    }
  }

  #failToSend(message: unknown[], error: RpcError): void {
    const id = message[1] as number;
    switch (message[0]) {
      case CALL: {
        const call = this.#pending.get(id);
        const what = `arguments of ${describe(message[2] as string | number)}`;
        if (call) this.#fail(call, new RpcError(error.code, `${what}: ${error.message}`, { cause: error.cause }));
        return;
      }
      case RESULT: {
        const entry = this.#active.get(id);
        if (entry) this.#complete(entry, error);
        return this.#transmitOne([ERROR, id, errorToWire(new RpcError(error.code, `the result: ${error.message}`), false)], undefined);
      }
      case ERROR:
        return this.#transmitOne([ERROR, id, plainWire(message[2] as object)], undefined);
      default:
        this.#logger?.warn?.('a message could not be sent', error);
    }
  }

  // ---- receiving --------------------------------------------------------------------------

  #receive(data: unknown): void {
    if (this.#isClosed) return;
    this.#messagesReceived++;
    if ((data instanceof Uint8Array || data instanceof ArrayBuffer) && data.byteLength > this.#maxMessageSize) {
      // Only a broken or hostile peer ignores the limit it was told in hello; a reply may be inside.
      this.close(new RpcError('RESOURCE_EXHAUSTED', `received a message of ${data.byteLength} bytes, over the limit`));
      return;
    }
    let batch: unknown;
    try {
      batch = this.#codec.decode(data);
    } catch (error) {
      return this.#reject(`an undecodable message: ${(error as Error)?.message}`);
    }
    if (!Array.isArray(batch)) return this.#reject('a message that is neither a message nor a batch');
    // A message starts with its kind, a number; a batch with a message, an array.
    if (typeof batch[0] === 'number') return this.#dispatchSafely(batch);
    for (const message of batch) {
      if (this.#isClosed) return;
      this.#dispatchSafely(message);
    }
  }

  /** Dispatches one message; handlers validate what they read, and this catches what they missed. */
  #dispatchSafely(message: unknown): void {
    try {
      this.#dispatch(message);
    } catch (error) {
      this.#reject(`a message that could not be handled: ${(error as Error)?.message}`);
    }
  }

  /** A frame that breaks the protocol is dropped, counted and logged; it never throws. */
  #reject(why: string): void {
    this.#malformed++;
    this.#logger?.warn?.(`dropped ${why}`);
  }

  #dispatch(message: unknown): void {
    if (!Array.isArray(message)) return this.#reject('a message that is not an array');
    switch (message[0]) {
      case CALL:
        return this.#onCall(message);
      case RESULT:
        return this.#onReply(message, true);
      case ERROR:
        return this.#onReply(message, false);
      case NOTIFY:
        return this.#onNotify(message);
      case CANCEL:
        return this.#onCancel(message);
      case HELLO:
        return this.#onHello(message);
      case PING:
        return this.#enqueue([PONG, message[1]]);
      case PONG:
        return;
      case GOODBYE:
        return this.close(new RpcError('UNAVAILABLE', 'the remote peer closed'), false);
      default:
        if (!this.#refs.dispatch(message)) this.#reject(`a message of unknown kind ${JSON.stringify(message[0])?.slice(0, 20)}`);
    }
  }

  #onHello(message: unknown[]): void {
    const [, version, ack, features] = message;
    if (version !== PROTOCOL_VERSION) {
      const error = new RpcError(
        'UNIMPLEMENTED',
        `protocol version mismatch: this peer speaks ${PROTOCOL_VERSION}, the remote peer ${JSON.stringify(version)?.slice(0, 20)}`,
      );
      this.#logger?.error?.(error.message);
      return this.close(error, false);
    }
    if (!ack) this.#hello(true);
    if (this.#ready) return;
    this.#ready = true;
    const { maxMessageSize: remoteMax, timeout: remoteTimeout } = (features ?? {}) as { maxMessageSize?: unknown; timeout?: unknown };
    if (typeof remoteMax === 'number' && remoteMax > 0) this.#remoteMaxMessageSize = remoteMax;
    if (typeof remoteTimeout === 'number' && remoteTimeout > 0) this.#remoteTimeout = remoteTimeout;
    const held = this.#held;
    this.#held = [];
    for (const { message, transfer } of held) this.#enqueue(message, transfer);
  }

  #onReply(message: unknown[], ok: boolean): void {
    const id = message[1];
    const call = isId(id) ? this.#pending.get(id) : undefined;
    if (!call || call.replied) return; // cancelled or timed out here already; late replies are expected
    this.#refs.keep(message[ok ? 5 : 3]);
    if (!ok) return this.#fail(call, errorFromWire(message[2]) as RpcError);
    const flags = typeof message[4] === 'number' ? message[4] : 0;
    let value = flags & RESULT_UNDEFINED ? undefined : message[2];
    try {
      if (flags & RESULT_REFS) value = this.#refs.importValue(value, call, true);
    } catch (error) {
      this.#malformed++;
      return this.#fail(call, new RpcError('INTERNAL', 'a malformed reply', { cause: error }));
    }
    call.replied = true;
    if (call.call && isMeta(message[3], this.#maxMetaEntries)) call.call.resultMeta = message[3];
    call.resolve(value);
    if (call.openStreams === 0) this.#complete(call, undefined);
  }

  /**
   * The caller stopped waiting. A handler still running stays counted against
   * `maxActiveHandlers` until it settles (its reply is then dropped); result streams end now.
   */
  #onCancel(message: unknown[]): void {
    const id = message[1];
    const entry = isId(id) ? this.#active.get(id) : undefined;
    if (!entry || entry.cancelled) return;
    const code: RpcErrorCode = message[2] === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED';
    const reason = new RpcError(code, code === 'CANCELLED' ? 'the caller cancelled' : 'the caller timed out');
    entry.cancelled = true;
    entry.controller?.abort(reason);
    if (entry.replied) this.#complete(entry, reason);
  }

  /** A notification runs like a call (counted, abortable on close) but answers nothing. */
  #onNotify(message: unknown[]): void {
    const [, method, args, meta] = message;
    if (
      typeof method !== 'string' ||
      method.length > MAX_METHOD_LENGTH ||
      !Array.isArray(args) ||
      (meta != null && !isMeta(meta, this.#maxMetaEntries))
    ) {
      return this.#reject('a malformed notification');
    }
    if (this.#active.size + this.#notifications.size >= this.#maxActiveHandlers) {
      return this.#reject(`notification ${describe(method)}: more than ${this.#maxActiveHandlers} calls running`);
    }
    const entry = new Active(-1);
    this.#notifications.add(entry);
    const done = () => void this.#notifications.delete(entry);
    const fail = (error: unknown) => {
      done();
      this.#logger?.warn?.(`notification ${describe(method)} failed`, error);
    };
    try {
      const result = this.#dispatchCall(method, args, (meta as Record<string, unknown>) ?? noMeta, Infinity, entry);
      if (result instanceof Promise) result.then(done, fail);
      else done();
    } catch (error) {
      fail(error);
    }
  }

  #onCall(message: unknown[]): void {
    const id = message[1], method = message[2], args = message[3], meta = message[4], timeout = message[5], refs = message[6];
    if (!isId(id)) return this.#reject('a call without a valid id');
    if (this.#active.has(id)) return this.#reject('a call whose id is already running');
    if (
      !(typeof method === 'string' ? method.length <= MAX_METHOD_LENGTH : isId(method)) ||
      !Array.isArray(args) ||
      (meta != null && !isMeta(meta, this.#maxMetaEntries)) ||
      (timeout != null && !(typeof timeout === 'number' && timeout >= 0))
    ) {
      this.#malformed++;
      return this.#replyError(id, undefined, new RpcError('INVALID_ARGUMENT', 'malformed call'), '');
    }
    if (this.#active.size + this.#notifications.size >= this.#maxActiveHandlers) {
      return this.#replyError(id, undefined, new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#maxActiveHandlers} calls running`), method);
    }
    const entry = new Active(id);
    this.#active.set(id, entry);
    let result: unknown;
    try {
      const input = refs ? (this.#refs.importValue(args, entry, false) as unknown[]) : args;
      result =
        typeof method === 'number'
          ? this.#callback(method, input)
          : this.#dispatchCall(method as string, input, (meta as Record<string, unknown>) ?? noMeta, message.length > 5 ? (typeof timeout === 'number' ? timeout : Infinity) : this.#remoteTimeout, entry);
    } catch (error) {
      return this.#replyError(id, entry, error, method);
    }
    if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')) {
      (result as PromiseLike<unknown>).then(
        (value) => this.#reply(id, entry, value),
        (error: unknown) => this.#replyError(id, entry, error, method),
      );
    } else {
      this.#reply(id, entry, result);
    }
  }

  /** An incoming call to a callback this side exported. */
  #callback(id: number, args: unknown[]): unknown {
    const fn = this.#refs.functionFor(id);
    if (!fn) throw new RpcError('NOT_FOUND', 'the callback was released');
    return fn(...args);
  }

  /** Runs the handler for one call, through the incoming interceptors when there are any. */
  /** `timeout`: ms the caller waits from now (the call's arrival), `Infinity` for no limit. */
  #dispatchCall(method: string, args: unknown[], meta: Record<string, unknown>, timeout: number, entry: Active | undefined): unknown {
    if (!this.#incoming) return this.#handle(method, args, undefined, meta, timeout, entry);
    const context = this.#contextFor(method, meta, timeout, entry);
    const call: Call = { method, args, meta: { ...meta }, signal: context.signal, timeout, resultMeta: undefined, context };
    return this.#incoming(call).then((value) => {
      if (entry) entry.resultMeta = call.resultMeta;
      return value;
    });
  }

  /** The innermost step of the incoming chain. */
  async #invoke(call: Call): Promise<unknown> {
    return this.#handle(call.method, call.args as unknown[], call.context, call.meta, Infinity, undefined);
  }

  /** Finds the handler and calls it; a context is made only for handlers that take one. */
  #handle(
    method: string,
    args: unknown[],
    context: CallContext | undefined,
    meta: Record<string, unknown>,
    timeout: number,
    entry: Active | undefined,
  ): unknown {
    const resolved = resolveMethod(this.#api, method);
    if (!resolved) throw new RpcError('NOT_FOUND', `no method ${describe(method)} is exposed`);
    const takesContext = contextHandlerOf(resolved.fn);
    if (!takesContext) return resolved.fn.apply(resolved.self, args);
    return takesContext.call(resolved.self, context ?? this.#contextFor(method, meta, timeout, entry), ...args);
  }

  #contextFor(method: string, meta: Record<string, unknown>, timeout: number, entry: Active | undefined): CallContext {
    // Date.now() only for a handler that sees its context; this runs as the call arrives.
    const deadline = timeout === Infinity ? Infinity : Date.now() + timeout;
    const controller = new AbortController();
    if (entry) entry.controller = controller;
    const { remoteIdentity, principal } = this.#transport;
    return { signal: controller.signal, deadline, method, meta, peer: this, remoteIdentity, principal };
  }

  #reply(id: number, entry: Active, value: unknown): void {
    if (this.#active.get(id) !== entry || entry.replied) return; // the peer closed or the link dropped
    entry.replied = true;
    if (entry.cancelled) return this.#complete(entry, undefined);
    const meta = entry.resultMeta;
    const retained = entry.retained;
    const refs = hasRefs(value);
    let message: unknown[];
    if (!refs && !meta && !retained) {
      // The common reply: a plain value (left out when undefined), nothing else.
      message = value === undefined ? [RESULT, id] : [RESULT, id, value];
    } else {
      const wire = refs ? this.#refs.exportValue(value, entry, true) : value;
      const flags = (refs ? RESULT_REFS : 0) | (wire === undefined ? RESULT_UNDEFINED : 0);
      message = retained ? [RESULT, id, wire ?? null, meta ?? null, flags, retained] : [RESULT, id, wire ?? null, meta ?? null, flags];
    }
    this.#enqueue(message, this.#transfers ? transferablesOf(value) : undefined);
    if (entry.openStreams === 0) this.#complete(entry, undefined);
  }

  #replyError(id: number, entry: Active | undefined, error: unknown, method: unknown): void {
    if (entry) {
      if (this.#active.get(id) !== entry || entry.replied) return;
      entry.replied = true;
      this.#complete(entry, error);
      if (entry.cancelled) return;
    }
    if (this.#onSendError) {
      try {
        error = this.#onSendError(error, { method: typeof method === 'string' ? method : '' }) ?? error;
      } catch (hookError) {
        // A hook that fails must not leak what it was meant to filter.
        this.#logger?.warn?.('onSendError threw; only the error\'s name and message go', hookError);
        error = publicError(error);
      }
    }
    const message: unknown[] = [ERROR, id, errorToWire(error, this.exposeStacks)];
    if (entry?.retained) message.push(entry.retained);
    this.#enqueue(message);
  }
}

/** The transferables marked on the values of `message`, when it is sent apart from its batch. */
function transferablesIn(message: unknown[]): Transferable[] | undefined {
  switch (message[0]) {
    case CALL:
      return Array.isArray(message[3]) ? transferablesOfAll(message[3]) : undefined;
    case NOTIFY:
      return Array.isArray(message[2]) ? transferablesOfAll(message[2]) : undefined;
    case RESULT:
      return transferablesOf(message[2]);
    default:
      return undefined;
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
