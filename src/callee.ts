/**
 * The answering half of a session: incoming calls and notifications, through the incoming
 * interceptors to the exposed handler, and their replies.
 */

import { describe } from './caller.js';
import { compose, endHooks } from './compose.js';
import { type CallContext, contextHandlerOf } from './context.js';
import { errorToWire } from './error-wire.js';
import { publicError, RpcError, type RpcErrorCode } from './errors.js';
import { Exchange } from './exchange.js';
import { IncomingCall } from './incoming.js';
import { type Resolved, resolveMethod, resolveTargetMethod } from './lookup.js';
import { keepMap } from './map-keepers.js';
import type { Outbox } from './outbox.js';
import type { Admission, Admit } from './plugins.js';
import type { CallMessage, CancelMessage, Meta, NotifyMessage, ObjectTarget } from './protocol.js';
import * as wire from './protocol.js';
import { hasRefs } from './ref-markers.js';
import type { References } from './ref-table.js';
import { RpcTarget } from './target.js';
import { transferablesOf } from './transfer.js';
import type { Call, CallHandler, Interceptor, Logger, Peer, PeerOptions } from './types.js';

const noMeta: Meta = Object.freeze(Object.create(null));

/** An incoming call: its handler running, then its result streams open. */
export class Active extends Exchange {
  /** Made on the first read of the handler's signal: an AbortController costs, and most never look. */
  controller: AbortController | undefined = undefined;
  /** Why the call was aborted (cancel, timeout, close), for a signal first read after it was. */
  abortReason: unknown = undefined;
  /** The call the incoming interceptors saw: its `resultMeta` goes back with the result. */
  call: IncomingCall | undefined = undefined;
  /** The caller cancelled: the handler's outcome is dropped when it comes. */
  cancelled = false;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    // abort() is a no-op on an aborted controller; on a new one it replays an earlier abort.
    if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.abortReason ??= reason;
    this.controller?.abort(reason);
  }
}
keepMap(new Active(0));

/** What stands for a message refused as it was decoded: a PONG, which the session ignores (the refusal is answered). */
const ANSWERED = Object.freeze([wire.PONG]);

/** An error built without capturing a stack: refusals a flood of bad calls can trigger by the million. */
function quickError(code: RpcErrorCode, message: string): RpcError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RpcError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The core's own refusals of a method nobody exposed (its name is the far side's choice, not a method). */
const unexposed = new WeakSet<object>();

/** True for the core's refusal of a call to a method nobody exposed; a handler's own `NOT_FOUND` is not one. */
export function isUnexposedMethod(error: unknown): boolean {
  return typeof error === 'object' && error !== null && unexposed.has(error);
}

export interface CalleeOptions {
  readonly outbox: Outbox;
  readonly refs: References;
  readonly peer: Peer;
  readonly logger: Logger | undefined;
  readonly interceptors: readonly Interceptor[] | undefined;
  readonly onSendError: PeerOptions['onSendError'];
  readonly exposeStacks: boolean;
  readonly maxActiveHandlers: number;
  readonly transfers: boolean;
  /** The plugins' admission check; `undefined` when none has one. */
  readonly admit: Admit | undefined;
  /** The far side's verified key and principal, read when a handler asks for its context. */
  readonly identity: () => { readonly remoteIdentity?: Uint8Array | undefined; readonly principal?: unknown };
}

export class Callee {
  api: object | undefined;
  /** The far side's default timeout (its hello): what a CALL without a `timeout` field waits. */
  remoteTimeout = Infinity;
  /** Incoming calls until complete. */
  readonly active = new Map<number, Active>();
  /** Notification handlers still running. */
  readonly notifications = new Set<Active>();
  /** Calls dropped as malformed. */
  malformed = 0;
  /** The frame being handled had its calls admitted as they were decoded (`Codec.decodeAdmitted`). */
  admittedFrame = false;

  readonly #options: CalleeOptions;
  readonly #incoming: CallHandler | undefined;

  constructor(api: object | undefined, options: CalleeOptions) {
    this.api = api;
    this.#options = options;
    this.#incoming = compose(options.interceptors, (call) => this.#invoke(call));
  }

  get running(): number {
    return this.active.size + this.notifications.size;
  }

  onCall(message: CallMessage): void {
    const id = message[1];
    if (this.active.has(id)) {
      this.malformed++;
      return this.#options.logger?.warn?.('dropped a call whose id is already running');
    }
    const target = message[2];
    if (this.running >= this.#options.maxActiveHandlers) {
      return this.#replyError(
        id,
        undefined,
        quickError('RESOURCE_EXHAUSTED', `more than ${this.#options.maxActiveHandlers} calls running`),
        target,
      );
    }
    // Asked before anything of the call is imported or intercepted, unless asked as it was decoded.
    const refusal = this.#options.admit && typeof target === 'string' && this.#refusal(target);
    if (refusal) return this.#replyError(id, undefined, refusal, target);
    const entry = new Active(id);
    this.active.set(id, entry);
    let result: unknown;
    try {
      if (typeof target === 'number') {
        result = this.#callback(target, message[6] ? this.#import(message[3], entry) : message[3]);
      } else {
        const timeout = message.length > 5 ? (message[5] ?? Infinity) : this.remoteTimeout;
        result =
          typeof target === 'string'
            ? this.#dispatch(target, message[3], !!message[6], message[4] ?? noMeta, timeout, entry)
            : this.#objectCall(target, message[3], !!message[6], message[4] ?? noMeta, timeout, entry);
      }
    } catch (error) {
      return this.#replyError(id, entry, error, target);
    }
    if (
      result instanceof Promise ||
      (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')
    ) {
      (result as PromiseLike<unknown>).then(
        (value) => this.#reply(id, entry, value),
        (error: unknown) => this.#replyError(id, entry, error, target),
      );
    } else {
      this.#reply(id, entry, result);
    }
  }

  /** The plugins' refusal of a call to `method`, unless they were asked as its frame was decoded. */
  #refusal(method: string): RpcError | undefined {
    return this.admittedFrame ? undefined : this.#options.admit!(this.admission(method));
  }

  /** What the plugins' `admit` sees of a call to `method`. */
  admission(method: string): Admission {
    const { peer, identity } = this.#options;
    const party = identity();
    return { method, peer, principal: party.principal, remoteIdentity: party.remoteIdentity };
  }

  /**
   * For `Codec.decodeAdmitted`: asks `admit` of a call whose header was just read, before its
   * arguments are. A refused call is answered at once (replies to one link's calls may come in any
   * order), and what takes its place in the decoded frame does nothing.
   */
  admitHeader(kind: number, id: unknown, method: string): unknown {
    this.admittedFrame = true;
    const error = this.#options.admit!(this.admission(method));
    if (!error) return undefined;
    if (kind === wire.CALL && wire.isId(id) && !this.active.has(id)) this.#replyError(id, undefined, error, method);
    return ANSWERED;
  }

  /** A malformed CALL with a valid id still gets its answer. */
  refuse(id: number, why: string): void {
    if (!this.active.has(id)) this.#replyError(id, undefined, quickError('INVALID_ARGUMENT', why), '');
  }

  /** A notification runs like a call (counted, abortable on close) but answers nothing. */
  onNotify(message: NotifyMessage): boolean {
    const method = message[1];
    if (this.running >= this.#options.maxActiveHandlers) return false;
    if (this.#options.admit && this.#refusal(method)) return true; // refused: dropped, as its answer would be
    const entry = new Active(-1);
    this.notifications.add(entry);
    const done = (error?: unknown) => {
      this.notifications.delete(entry);
      endHooks(entry.call, 2, error);
    };
    const fail = (error: unknown) => {
      done(error ?? RpcError.from(error));
      this.#options.logger?.warn?.(`notification ${describe(method)} failed`, error);
    };
    try {
      const result = this.#dispatch(method, message[2], false, message[3] ?? noMeta, Infinity, entry);
      if (result instanceof Promise) result.then(() => done(), fail);
      else done();
    } catch (error) {
      fail(error);
    }
    return true;
  }

  /**
   * The caller stopped waiting. A handler still running stays counted against
   * `maxActiveHandlers` until it settles (its reply is then dropped); result streams end now.
   */
  onCancel(message: CancelMessage): void {
    const entry = this.active.get(message[1]);
    if (!entry || entry.cancelled) return;
    const code: RpcErrorCode = message[2] === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED';
    const reason = new RpcError(code, code === 'CANCELLED' ? 'the caller cancelled' : 'the caller timed out');
    entry.cancelled = true;
    entry.abort(reason);
    if (entry.replied) this.complete(entry, reason);
  }

  /** A RESULT that could not be sent becomes an ERROR that says why. */
  resultUnsent(id: number, error: RpcError): void {
    const entry = this.active.get(id);
    if (entry) this.complete(entry, error);
    this.#options.outbox.push(wire.error(id, errorToWire(new RpcError(error.code, `the result: ${error.message}`), false), undefined));
  }

  /** Aborts every running handler and forgets every incoming call. */
  abortAll(error: RpcError): void {
    for (const entry of this.notifications) entry.abort(error);
    this.notifications.clear();
    for (const entry of [...this.active.values()]) {
      entry.abort(error);
      this.complete(entry, error);
    }
  }

  /** An incoming call is complete: forget it and release what it owned. */
  complete(entry: Active, reason: unknown): void {
    if (this.active.get(entry.id) !== entry) return;
    this.active.delete(entry.id);
    this.#options.refs.complete(entry, reason);
    endHooks(entry.call, 2, reason);
  }

  #import(args: unknown[], entry: Active): unknown[] {
    return this.#options.refs.importValue(args, entry, false) as unknown[];
  }

  /** An incoming call to a callback this side exported. */
  #callback(id: number, args: unknown[]): unknown {
    const fn = this.#options.refs.functionFor(id);
    if (!fn) throw quickError('NOT_FOUND', 'the callback was released');
    return fn(...args);
  }

  /**
   * An incoming call to a method of an object this side exported (§6.5). Like a callback's, it
   * skips the interceptors: the object was handed out by this side, after they ran for its call.
   * A handler made with `withContext` gets its context.
   */
  #objectCall([id, method]: ObjectTarget, args: unknown[], refs: boolean, meta: Meta, timeout: number, entry: Active): unknown {
    const obj = this.#options.refs.objectFor(id);
    if (!obj) throw quickError('NOT_FOUND', 'the remote object was released');
    const resolved = resolveTargetMethod(obj, method, RpcTarget.prototype);
    if (!resolved) throw quickError('NOT_FOUND', `the remote object has no method ${describe(method)}`);
    return this.#run(resolved, refs ? this.#import(args, entry) : args, undefined, method, meta, timeout, entry);
  }

  /**
   * Runs the handler for one call, through the incoming interceptors when there are any.
   * `timeout`: ms the caller waits from now (the call's arrival), `Infinity` for no limit.
   * References in `args` are imported only once the method is known to exist (interceptors,
   * which may serve methods of their own, see them imported).
   */
  #dispatch(method: string, args: unknown[], refs: boolean, meta: Meta, timeout: number, entry: Active): unknown {
    const incoming = this.#incoming;
    if (!incoming) {
      const resolved = this.#resolve(method);
      return this.#run(resolved, refs ? this.#import(args, entry) : args, undefined, method, meta, timeout, entry);
    }
    // The decoder made the metadata for this call alone: interceptors change it in place.
    const call = this.#callOf(method, refs ? this.#import(args, entry) : args, meta === noMeta ? {} : meta, timeout, entry);
    entry.call = call;
    return incoming(call);
  }

  /** The innermost step of the incoming chain. */
  async #invoke(call: Call): Promise<unknown> {
    // Only the session makes an IncomingCall: this one is its record's, and ends with it (or with the notification).
    if (call instanceof IncomingCall) endHooks(call, 0);
    return this.#run(this.#resolve(call.method), call.args as unknown[], call.context, call.method, call.meta, Infinity, undefined);
  }

  #resolve(method: string): Resolved {
    const resolved = resolveMethod(this.api, method);
    if (resolved) return resolved;
    const error = quickError('NOT_FOUND', `no method ${describe(method)} is exposed`);
    unexposed.add(error);
    throw error;
  }

  /** Calls the handler; a context is made only for handlers that take one. */
  #run(
    resolved: Resolved,
    args: unknown[],
    context: CallContext | undefined,
    method: string,
    meta: Meta,
    timeout: number,
    entry: Active | undefined,
  ): unknown {
    const takesContext = contextHandlerOf(resolved.fn);
    if (!takesContext) return resolved.fn.apply(resolved.self, args);
    // A call with no entry (an interceptor's own call object) gets a signal that never aborts.
    return takesContext.call(resolved.self, context ?? this.#callOf(method, args, meta, timeout, entry ?? new Active(-1)), ...args);
  }

  /** The call and context of one incoming call; runs as it arrives (its deadline counts from now). */
  #callOf(method: string, args: unknown[], meta: Meta, timeout: number, entry: Active): IncomingCall {
    return new IncomingCall(method, args, meta, timeout, this.#options.peer, this.#options.identity(), entry);
  }

  #reply(id: number, entry: Active, value: unknown): void {
    if (this.active.get(id) !== entry || entry.replied) return; // the peer closed or the link dropped
    if (entry.cancelled) {
      entry.replied = true;
      return this.complete(entry, undefined);
    }
    const { refs, transfers, outbox } = this.#options;
    let withRefs: boolean;
    let wireValue: unknown;
    try {
      // A promise inside the result, or more references than the far side takes, fails the call.
      withRefs = hasRefs(value);
      wireValue = withRefs ? refs.exportValue(endHooks(entry.call, 1, value), entry, true) : value;
    } catch (error) {
      return this.#replyError(id, entry, RpcError.from(error, 'INVALID_ARGUMENT'), '');
    }
    entry.replied = true;
    outbox.push(
      wire.result(id, wireValue, entry.call?.resultMeta, withRefs, entry.retained),
      transfers ? transferablesOf(value) : undefined,
    );
    if (entry.openStreams === 0) this.complete(entry, undefined);
  }

  #replyError(id: number, entry: Active | undefined, error: unknown, target: string | number | ObjectTarget): void {
    if (entry) {
      if (this.active.get(id) !== entry || entry.replied) return;
      entry.replied = true;
      this.complete(entry, error ?? RpcError.from(error)); // a thrown undefined is still a failure
      if (entry.cancelled) return;
    }
    const { onSendError, logger, exposeStacks, outbox } = this.#options;
    if (onSendError) {
      try {
        const method = typeof target === 'string' ? target : typeof target === 'number' ? '' : target[1];
        error = onSendError(error, { method }) ?? error;
      } catch (hookError) {
        // A hook that fails must not leak what it was meant to filter.
        logger?.warn?.("onSendError threw; only the error's name and message go", hookError);
        error = publicError(error);
      }
    }
    outbox.push(wire.error(id, errorToWire(error, exposeStacks), entry?.retained));
  }
}
