/**
 * One RPC session over one transport: the hello that opens it, the dispatch of every message
 * that arrives, the close that ends it, and the counters. Calls go through `caller`, answers
 * through `callee`, frames through `outbox`; references belong to `refs`.
 */

import { type Active, Callee } from './callee.js';
import { Caller, Pending } from './caller.js';
import { cloneCodec } from './codec/clone.js';
import type { AdmitHeader, Codec } from './codec/codec.js';
import { DEFAULT_TIMEOUT, finiteTimeout } from './deadlines.js';
import { Drain } from './drain.js';
import { plainWire, type WireError } from './error-wire.js';
import { RpcError } from './errors.js';
import { Outbox } from './outbox.js';
import { admission, announceReady, helloFeatures, layered, type Plugin } from './plugins.js';
import * as wire from './protocol.js';
import {
  CALL,
  DEFAULT_MAX_MESSAGE_SIZE,
  ERROR,
  type HelloMessage,
  MAX_BATCH,
  Malformed,
  MIN_MAX_MESSAGE_SIZE,
  PROTOCOL_VERSION,
  RESULT,
} from './protocol.js';
import { References } from './ref-table.js';
import { MAX_STREAM_WINDOW } from './streams.js';
import { bytesOf, type Transport } from './transport.js';
import type { Call, Logger, Peer, PeerOptions, PeerStats } from './types.js';

/** The default per-call timeout `options` give: what a session announces in hello. */
export const defaultTimeoutOf = (options: PeerOptions): number => finiteTimeout(options.timeout, DEFAULT_TIMEOUT);

/** Who the far side is, once a secure channel has authenticated it: what handlers see in `ctx`. */
export interface RemoteParty {
  readonly remoteIdentity?: Uint8Array | undefined;
  readonly principal?: unknown;
}

/**
 * The internal option by which `createPeer` from `saltline/secure` hands its sessions the far
 * side's identity (read when a handler asks for its context): not a transport's business.
 */
export const REMOTE_PARTY = Symbol('saltline.remoteParty');
export type SessionOptions = PeerOptions & { readonly [REMOTE_PARTY]?: () => RemoteParty };

const NOBODY: RemoteParty = {};

/** What the owner of a session hears of it, beyond `closed` (internal: `reconnecting()` counts links up by it). */
interface SessionHooks {
  /** The far side's hello arrived: calls go from now on. */
  ready?(): void;
}

export class Session {
  readonly caller: Caller;
  readonly callee: Callee;
  readonly refs: References;
  readonly outbox: Outbox;
  /** Stream producers wait on it while the transport holds too much unsent. */
  readonly drain: Drain;
  readonly closed: Promise<unknown>;
  readonly defaultTimeout: number;
  readonly logger: Logger | undefined;

  #isClosed = false;
  #closeReason: unknown;
  #resolveClosed!: (reason: unknown) => void;
  #received = 0;
  #malformed = 0;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** ERROR messages that are already the last resort for a reply that could not go: never replaced again. */
  readonly #lastResort = new WeakSet<unknown[]>();

  readonly #transport: Transport;
  readonly #codec: Codec;
  readonly #maxMessageSize: number;
  readonly #maxMetaEntries: number;
  /** The peer's plugins and what they announce in hello: `undefined` without plugins. */
  readonly #plugins: readonly Plugin[] | undefined;
  readonly #pluginFeatures: Record<string, unknown> | undefined;
  readonly #peer: Peer;
  readonly #helloTimeout: number;
  readonly #hooks: SessionHooks | undefined;
  readonly #remoteParty: () => RemoteParty;
  /** Set when plugins admit calls and the codec reads a call's header first: calls are then admitted before decoding. */
  readonly #admitting: AdmitHeader | undefined;
  #saidGoodbye = false;

  constructor(transport: Transport, options: SessionOptions, peer: Peer, hooks?: SessionHooks) {
    this.#hooks = hooks;
    this.#peer = peer;
    this.#plugins = options.plugins?.length ? options.plugins : undefined;
    this.#pluginFeatures = helloFeatures(this.#plugins);
    this.#remoteParty = options[REMOTE_PARTY] ?? (() => NOBODY);
    const limits = options.limits ?? {};
    this.#maxMessageSize = limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    // Plugins' layers (compression, negotiated codecs) go between this session and the link: none without plugins.
    const link = { peer, maxMessageSize: this.#maxMessageSize };
    if (this.#plugins) transport = layered(this.#plugins, 'wrapTransport', transport, link);
    this.#transport = transport;
    this.#maxMetaEntries = limits.maxMetaEntries ?? 32;
    this.#helloTimeout = finiteTimeout(limits.helloTimeout, Infinity);
    const bytes = bytesOf(transport);
    let codec = options.codec ?? (bytes ? bytes.codec?.({ maxMessageSize: this.#maxMessageSize }) : cloneCodec);
    if (!codec) throw new TypeError("a bytes transport needs a codec: pass { codec: msgpackCodec() } from 'saltline/msgpack'");
    const carries = bytes ? 'bytes' : 'clone';
    if (codec.kind !== carries)
      throw new TypeError(`codec "${codec.name}" makes ${codec.kind} messages; the transport carries ${carries}`);
    if (this.#plugins) codec = layered(this.#plugins, 'wrapCodec', codec, link);
    this.#codec = codec;
    this.defaultTimeout = defaultTimeoutOf(options);
    this.logger = options.logger;
    const exposeStacks = options.exposeStacks ?? false;
    const streamWindow = options.streamWindow ?? 16;
    if (!(Number.isSafeInteger(streamWindow) && streamWindow >= 1 && streamWindow <= MAX_STREAM_WINDOW)) {
      throw new TypeError(`streamWindow must be a whole number of items from 1 to ${MAX_STREAM_WINDOW}`);
    }
    const transfers = !bytes;
    this.drain = new Drain(() => transport.bufferedAmount);
    this.outbox = new Outbox(transport, codec, this.#maxMessageSize, limits.maxBufferedBytes ?? 4 * this.#maxMessageSize, {
      unsent: (message, error) => this.#unsent(message, error),
      broken: (error) => this.close(error, false),
    });
    this.refs = new References(
      {
        send: (message) => this.outbox.push(message),
        callRef: (id, args) => this.caller.send(id, args, undefined, undefined, this.defaultTimeout, undefined),
        completed: (exchange) =>
          exchange instanceof Pending ? this.caller.complete(exchange, undefined) : this.callee.complete(exchange as Active, undefined),
        whenWritable: () => this.drain.whenWritable(),
        exposeStacks,
      },
      streamWindow,
      limits,
    );
    this.caller = new Caller({
      outbox: this.outbox,
      refs: this.refs,
      logger: this.logger,
      defaultTimeout: this.defaultTimeout,
      maxPendingCalls: limits.maxPendingCalls ?? 10_000,
      transfers,
      idleHops: 1 + (options.interceptors?.outgoing?.length ?? 0),
    });
    const admit = admission(this.#plugins);
    this.callee = new Callee(options.expose, {
      outbox: this.outbox,
      refs: this.refs,
      peer,
      logger: this.logger,
      interceptors: options.interceptors?.incoming,
      onSendError: options.onSendError,
      exposeStacks,
      maxActiveHandlers: limits.maxActiveHandlers ?? 1_000,
      transfers,
      admit,
      identity: this.#remoteParty,
    });
    if (admit && codec.decodeAdmitted) this.#admitting = (kind, id, method) => this.callee.admitHeader(kind, id, method);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    transport.start({
      message: (data) => this.#receive(data),
      // A transport that says why in an RpcError (the secure channel's UNAUTHENTICATED) is heard as is.
      closed: (reason) =>
        this.close(reason instanceof RpcError ? reason : new RpcError('UNAVAILABLE', 'the transport closed', { cause: reason }), false),
    });
    this.#armHelloTimer();
    this.outbox.push(wire.hello(false, this.#maxMessageSize, this.defaultTimeout, this.#pluginFeatures));
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get remoteIdentity(): Uint8Array | undefined {
    return this.#remoteParty().remoteIdentity;
  }

  /** The far side ended the session with a goodbye (rather than the link dropping). */
  get saidGoodbye(): boolean {
    return this.#saidGoodbye;
  }

  set api(api: object | undefined) {
    this.callee.api = api;
  }

  send(
    target: string,
    args: readonly unknown[],
    meta: wire.Meta | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    call: Call | undefined,
  ): Promise<unknown> {
    return this.caller.send(target, args, meta, signal, timeout, call);
  }

  notify(method: string, args: readonly unknown[], meta: wire.Meta | undefined): void {
    this.caller.notify(method, args, meta);
  }

  close(reason?: unknown, sayGoodbye = true): void {
    if (this.#isClosed) return;
    if (sayGoodbye) {
      // What this tick queued still goes, then the goodbye; a send failure closes us without one.
      this.outbox.push(wire.goodbye());
      this.outbox.flush();
      if (this.#isClosed) return;
    }
    this.#isClosed = true;
    this.#closeReason = reason;
    this.outbox.closed = true;
    this.outbox.discard();
    this.#clearHelloTimer();
    this.drain.stop();
    const refusal = this.#refusal();
    this.caller.refusal = refusal;
    this.caller.stop();
    this.#transport.close();
    const error = refusal();
    this.caller.dropAll(error);
    this.callee.abortAll(error);
    this.refs.closeAll(error);
    this.#resolveClosed(reason);
  }

  /** What calls made after the close, and those it ends, reject with. */
  #refusal(): () => RpcError {
    const reason = this.#closeReason;
    // A session that ends because the far side could not be authenticated says so to every call.
    if (reason instanceof RpcError && reason.code === 'UNAUTHENTICATED') return () => reason;
    return () => new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason });
  }

  stats(): PeerStats {
    return {
      pendingCalls: this.caller.pending.size,
      heldCalls: this.caller.heldCalls,
      activeHandlers: this.callee.running,
      timers: (this.caller.armed ? 1 : 0) + (this.#helloTimer === undefined ? 0 : 1) + (this.drain.armed ? 1 : 0),
      ...this.refs.stats(),
      messagesSent: this.outbox.sent,
      messagesReceived: this.#received,
      malformed: this.#malformed + this.caller.malformed + this.callee.malformed,
      ready: this.caller.ready,
      closed: this.#isClosed,
    };
  }

  // ---- hello ------------------------------------------------------------------------------

  #onHello(message: HelloMessage): void {
    const [, version, ack, { maxMessageSize, timeout, plugins }] = message;
    if (version !== PROTOCOL_VERSION) {
      const error = new RpcError(
        'UNIMPLEMENTED',
        `protocol version mismatch: this peer speaks ${PROTOCOL_VERSION}, the remote peer ${wire.kindOf([version])}`,
      );
      this.logger?.error?.(error.message);
      return this.close(error, false);
    }
    if (maxMessageSize !== undefined && maxMessageSize < MIN_MAX_MESSAGE_SIZE) {
      // No reply could fit: every answer would be refused, and its error reply too.
      return this.close(
        new RpcError(
          'FAILED_PRECONDITION',
          `the remote peer announced a message limit of ${maxMessageSize} bytes, below ${MIN_MAX_MESSAGE_SIZE}`,
        ),
      );
    }
    if (!ack) this.outbox.push(wire.hello(true, this.#maxMessageSize, this.defaultTimeout, this.#pluginFeatures));
    if (this.caller.ready) return;
    this.#clearHelloTimer();
    if (maxMessageSize !== undefined) this.outbox.remoteLimit = maxMessageSize;
    if (timeout !== undefined) this.callee.remoteTimeout = timeout;
    this.caller.release();
    if (this.#plugins) announceReady(this.#peer, this.#plugins, plugins, this.logger);
    this.#hooks?.ready?.();
  }

  #armHelloTimer(): void {
    if (this.#helloTimeout === Infinity || this.#helloTimer !== undefined) return;
    this.#helloTimer = setTimeout(() => {
      this.#helloTimer = undefined;
      this.close(new RpcError('DEADLINE_EXCEEDED', `no hello from the far side within ${this.#helloTimeout} ms`));
    }, this.#helloTimeout);
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer !== undefined) clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }

  // ---- receiving --------------------------------------------------------------------------

  #receive(data: unknown): void {
    if (this.#isClosed) return;
    this.#received++;
    if ((data instanceof Uint8Array || data instanceof ArrayBuffer) && data.byteLength > this.#maxMessageSize) {
      // Only a broken or hostile peer ignores the limit it was told in hello; a reply may be inside.
      return this.close(new RpcError('RESOURCE_EXHAUSTED', `received a message of ${data.byteLength} bytes, over the limit`));
    }
    let batch: unknown;
    const admitting = this.#admitting;
    try {
      if (admitting) this.callee.admittedFrame = false;
      batch = admitting ? this.#codec.decodeAdmitted!(data, admitting) : this.#codec.decode(data);
    } catch (error) {
      return this.#reject(`an undecodable message: ${String((error as Error)?.message).slice(0, 200)}`);
    }
    if (!Array.isArray(batch)) return this.#reject('a message that is neither a message nor a batch');
    // A message starts with its kind, a number; a batch with a message, an array.
    if (typeof batch[0] === 'number') return this.#dispatch(batch);
    if (batch.length > MAX_BATCH) {
      return this.close(new RpcError('RESOURCE_EXHAUSTED', `received a batch of ${batch.length} messages, over ${MAX_BATCH}`));
    }
    for (let i = 0; i < batch.length && !this.#isClosed; i++) this.#dispatch(batch[i]);
  }

  /** A frame that breaks the protocol is dropped, counted and logged; it never throws. */
  #reject(why: string): void {
    this.#malformed++;
    this.logger?.warn?.(`dropped ${why}`);
  }

  /** Dispatches one message; `parse` judged it, and the catch covers what a handler missed. */
  #dispatch(raw: unknown): void {
    try {
      const message = wire.parse(raw, this.#maxMetaEntries);
      if (message instanceof Malformed) {
        if (message.callId === undefined) return this.#reject(message.why);
        this.#malformed++;
        return this.callee.refuse(message.callId, message.why);
      }
      switch (message[0]) {
        case wire.CALL:
          return this.callee.onCall(message);
        case wire.RESULT:
        case wire.ERROR:
          return this.caller.onReply(message);
        case wire.NOTIFY:
          if (!this.callee.onNotify(message)) this.#reject(`a notification while more than the allowed calls run`);
          return;
        case wire.CANCEL:
          return this.callee.onCancel(message);
        case wire.HELLO:
          return this.#onHello(message);
        case wire.PING:
          return this.outbox.push(wire.pong(message[1]));
        case wire.PONG:
          return;
        case wire.GOODBYE:
          this.#saidGoodbye = true;
          return this.close(new RpcError('UNAVAILABLE', 'the remote peer closed'), false);
        default:
          this.refs.dispatch(message);
      }
    } catch (error) {
      this.#reject(`a message that could not be handled: ${String((error as Error)?.message).slice(0, 200)}`);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  /** A message that could not go fails what it carried, and nothing else. */
  #unsent(message: unknown[], error: RpcError): void {
    const id = message[1] as number;
    switch (message[0]) {
      case CALL:
        return this.caller.unsent(id, message[2] as string | number, error);
      case RESULT:
        return this.callee.resultUnsent(id, error);
      case ERROR:
        if (!this.#lastResort.has(message)) {
          // The reduced error: name, message (cut short) and code, which fits any announced limit.
          const reduced = plainWire(message[2] as WireError);
          const last = wire.error(id, { ...reduced, message: String(reduced.message).slice(0, 256) }, undefined);
          this.#lastResort.add(last);
          return this.outbox.push(last);
        }
        // Even the reduced error could not go: dropped, as any other message would be.
        return this.logger?.warn?.('an error reply could not be sent, even reduced', error);
      default:
        this.logger?.warn?.(`a message of kind ${wire.kindOf(message)} could not be sent`, error);
    }
  }
}
