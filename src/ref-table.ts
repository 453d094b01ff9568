/**
 * Live references across the channel: functions (callbacks), streams, abort signals and objects
 * (`target(obj)`, `RpcTarget`) that a call's arguments or result carry. Each belongs to the call it came with (an `Exchange`) and is
 * released on both sides, without a message, when that call is complete: replied to, and every
 * stream of its result ended. A callee can `retain` a callback past that point and `release` it
 * later; functions and objects returned as results live until released (by the importer) or
 * revoked (by the exporter), or until the session closes. A FinalizationRegistry releases
 * what the program dropped without releasing: a safety net, not the mechanism.
 */
import { errorFromWire, errorToWire } from './error-wire.js';
import { RpcError } from './errors.js';
import type { ObjectTarget } from './protocol.js';
import { createObjectProxy } from './proxy.js';
import { FUNCTION, hasRefs, OBJECT, READABLE, type RefKind, SIGNAL, STREAM, swapRefs, unswapRefs } from './ref-markers.js';
import {
  RemoteStream,
  readableIterator,
  STREAM_CANCEL,
  STREAM_CREDIT,
  STREAM_DATA,
  STREAM_END,
  type StreamLink,
  StreamSource,
  toReadable,
} from './streams.js';
import { markRemote } from './target.js';

export const RELEASE = 9; // [9, id]; [9, id, 1]: the sender revokes an object it exported (§6.5)
const REVOKED = 1;
export const ABORT = 14; //  [14, id, reason]

/** One call, on either side, as far as the references it carries are concerned. */
export class Exchange {
  /** Ids of references this side exported with the call (args when calling, result when answering). */
  exported: number[] | undefined = undefined;
  /** Ids of references this side imported with the call. */
  imported: number[] | undefined = undefined;
  /** Streams of the result still open; the call is complete when replied and this is 0. */
  openStreams = 0;
  replied = false;
  /** Callee side: imported callbacks the handler retained, reported to the caller in the reply. */
  retained: number[] | undefined = undefined;

  constructor(readonly id: number) {}
}

/** Bounds on what the far side can make this side hold (`limits` in `PeerOptions`). */
export interface ReferenceLimits {
  /** References imported from the far side and live at once, in the whole session. Default 10,000. */
  readonly maxReferences?: number;
  /** References one message (a call's arguments, a result, a stream item) may carry, either way. Default 1,000. */
  readonly maxReferencesPerMessage?: number;
  /** References the items of one stream may carry in all (they live until its call completes). Default 1,000. */
  readonly maxReferencesPerStream?: number;
}

export const DEFAULT_MAX_REFERENCES = 10_000;
export const DEFAULT_MAX_REFERENCES_PER_MESSAGE = 1_000;
export const DEFAULT_MAX_REFERENCES_PER_STREAM = 1_000;

export interface ReferenceHost {
  send(message: unknown[]): void;
  /**
   * `undefined` when the transport can take a message now, else a promise that settles when it
   * can (for example once a WebSocket's `bufferedAmount` is low again). Stream producers wait on
   * it. Left out, producers are bounded by credit alone.
   */
  whenWritable?(): Promise<void> | undefined;
  /** Calls a function the far side exported (by its id), or a method of an object it exported (§6.5). */
  callRef(target: number | ObjectTarget, args: unknown[]): Promise<unknown>;
  /** An exchange finished its streams after its reply: drop it. */
  completed(exchange: Exchange): void;
  readonly exposeStacks: boolean;
}

type Exported =
  | { kind: typeof FUNCTION; fn: (...args: unknown[]) => unknown; owner: Exchange | undefined }
  | {
      kind: typeof STREAM;
      source: StreamSource;
      owner: Exchange | undefined;
      result: boolean;
      /** References its items carried; while any live, its end waits for the consumer's acknowledgement (§7). */
      itemRefs: number;
      awaitingAck: boolean;
    }
  | { kind: typeof SIGNAL; signal: AbortSignal; onAbort: () => void; owner: Exchange | undefined }
  | { kind: typeof OBJECT; obj: object; owner: Exchange | undefined };

type Imported =
  | { kind: typeof FUNCTION | typeof OBJECT; owner: Exchange | undefined }
  | { kind: typeof STREAM; stream: RemoteStream; owner: Exchange | undefined; result: boolean; itemRefs: number }
  | { kind: typeof SIGNAL; controller: AbortController; owner: Exchange | undefined };

/** Which peer's table a callback or remote object proxy belongs to, for `retain` and `release`. */
const proxies = new WeakMap<object, { table: References; id: number }>();
/** The peers' tables that export a local object now: `release(obj)` revokes it from each. */
const exporters = new WeakMap<object, Set<References>>();

const released = () => new RpcError('NOT_FOUND', 'the callback was released');
const releasedObject = () => new RpcError('NOT_FOUND', 'the remote object was released');
const dispose = typeof Symbol.dispose === 'symbol' ? Symbol.dispose : undefined;

/** An object no peer holds any more: its `[Symbol.dispose]`, if it has one, runs once. */
function disposeObject(obj: object): void {
  const method = dispose && (obj as { [dispose]?: unknown })[dispose];
  if (typeof method !== 'function') return;
  try {
    method.call(obj);
  } catch {
    // Nobody waits for it: the release that triggered it came from a message or a close.
  }
}
const tooMany = (what: string, limit: number) => new RpcError('RESOURCE_EXHAUSTED', `more than ${limit} references ${what}`);

export class References implements StreamLink {
  #nextId = 1;
  readonly #exports = new Map<number, Exported>();
  readonly #imports = new Map<number, Imported>();
  /** Export ids of each local object exported now (a new id each time it is sent). */
  readonly #objects = new Map<object, Set<number>>();
  #closedWith: unknown = undefined;
  readonly #registry =
    typeof FinalizationRegistry === 'undefined'
      ? undefined
      : new FinalizationRegistry<number>((id) => {
          if (this.#imports.delete(id) && this.#closedWith === undefined) this.#host.send([RELEASE, id]);
        });

  readonly #host: ReferenceHost;
  readonly #window: number;
  readonly #maxReferences: number;
  readonly #perMessage: number;
  readonly #perStream: number;
  /** References the last `#importUpTo` or `#exportUpTo` made: what a stream item adds to its stream's count. */
  #counted = 0;

  constructor(host: ReferenceHost, window: number, limits: ReferenceLimits = {}) {
    this.#host = host;
    this.#window = window;
    this.#maxReferences = limits.maxReferences ?? DEFAULT_MAX_REFERENCES;
    this.#perMessage = limits.maxReferencesPerMessage ?? DEFAULT_MAX_REFERENCES_PER_MESSAGE;
    this.#perStream = limits.maxReferencesPerStream ?? DEFAULT_MAX_REFERENCES_PER_STREAM;
  }

  // ---- values -----------------------------------------------------------------------------

  /**
   * `value` with its references exported as markers; call it only when `hasRefs(value)`. Throws
   * `RESOURCE_EXHAUSTED` past `maxReferencesPerMessage` (the far side would refuse the message)
   * and `INVALID_ARGUMENT` for a promise; then nothing stays exported.
   */
  exportValue(value: unknown, owner: Exchange | undefined, isResult: boolean): unknown {
    return this.#exportUpTo(value, owner, isResult, this.#perMessage, 'in one message');
  }

  #exportUpTo(value: unknown, owner: Exchange | undefined, isResult: boolean, limit: number, what: string): unknown {
    const created: number[] = [];
    const before = owner?.exported?.length ?? 0;
    try {
      return swapRefs(value, (ref, kind) => {
        if (created.length >= limit) throw tooMany(what, limit);
        const marker = this.#export(ref, kind, owner, isResult);
        created.push(marker[1] as number);
        return marker;
      });
    } catch (error) {
      for (const id of created) this.#unexport(id, owner);
      if (owner?.exported) owner.exported.length = before;
      throw error;
    } finally {
      this.#counted = created.length;
    }
  }

  /**
   * `value` (a received message's, flagged as holding references) with its markers made live.
   * Throws `INVALID_ARGUMENT` for a malformed marker and `RESOURCE_EXHAUSTED` past
   * `maxReferencesPerMessage` or `maxReferences`; then nothing it made stays.
   */
  importValue(value: unknown, owner: Exchange | undefined, isResult: boolean): unknown {
    return this.#importUpTo(value, owner, isResult, this.#perMessage, 'in one message');
  }

  #importUpTo(value: unknown, owner: Exchange | undefined, isResult: boolean, limit: number, what: string): unknown {
    const created: number[] = [];
    const before = owner?.imported?.length ?? 0;
    try {
      return unswapRefs(value, (marker) => {
        if (created.length >= limit) throw tooMany(what, limit);
        if (this.#imports.size >= this.#maxReferences) throw tooMany('live in this session', this.#maxReferences);
        const imported = this.#import(marker, owner, isResult);
        created.push(marker[1] as number);
        return imported;
      });
    } catch (error) {
      const refused = isResult
        ? created.filter((id) => this.#imports.get(id)?.kind === FUNCTION || this.#imports.get(id)?.kind === OBJECT)
        : [];
      for (const id of created) this.#unimport(id, owner);
      if (owner?.imported) owner.imported.length = before;
      if (isResult) this.#releaseRefused(value, refused, Math.max(this.#perMessage, this.#maxReferences));
      throw error;
    } finally {
      this.#counted = created.length;
    }
  }

  /**
   * A refused result's functions and objects would live on the far side until the close (nothing
   * else releases them), so each is released at once: those imported before the refusal
   * (`imported`), then the markers the walk had not reached; at most `limit` RELEASEs (the larger
   * of `maxReferences` and `maxReferencesPerMessage`), never for an id this side holds already.
   */
  #releaseRefused(value: unknown, imported: number[], limit: number): void {
    let sent = 0;
    const releaseOne = (id: unknown) => {
      if (sent < limit && typeof id === 'number' && !this.#imports.has(id) && this.#closedWith === undefined) {
        sent++;
        this.#host.send([RELEASE, id]);
      }
    };
    for (const id of imported) releaseOne(id);
    unswapRefs(value, (marker) => {
      if (marker[0] === FUNCTION || marker[0] === OBJECT) releaseOne(marker[1]);
      return undefined;
    });
  }

  /** Undoes one export of a value that could not be sent. */
  #unexport(id: number, owner: Exchange | undefined): void {
    const entry = this.#exports.get(id);
    if (!entry) return;
    this.#exports.delete(id);
    if (entry.kind === STREAM) {
      if (entry.result && owner) owner.openStreams--;
      entry.source.cancel();
    } else this.#dropped(id, entry);
  }

  /** Undoes one import of a message that was refused: nothing was sent for it yet. */
  #unimport(id: number, owner: Exchange | undefined): void {
    const entry = this.#imports.get(id);
    if (!entry) return;
    this.#imports.delete(id);
    if (entry.kind === STREAM && entry.result && owner) owner.openStreams--;
  }

  #export(value: unknown, kind: RefKind, owner: Exchange | undefined, isResult: boolean): unknown[] {
    const id = this.#nextId++;
    if (owner) (owner.exported ??= []).push(id);
    switch (kind) {
      case FUNCTION:
        // A function in a result has no call left to belong to: it lives until released.
        this.#exports.set(id, { kind, fn: value as (...args: unknown[]) => unknown, owner: isResult ? undefined : owner });
        return [FUNCTION, id];
      case OBJECT: {
        // Like a function: one in a result lives until released, one in arguments with its call.
        const obj = value as object;
        this.#exports.set(id, { kind, obj, owner: isResult ? undefined : owner });
        let ids = this.#objects.get(obj);
        if (!ids) {
          this.#objects.set(obj, (ids = new Set()));
          let tables = exporters.get(obj);
          if (!tables) exporters.set(obj, (tables = new Set()));
          tables.add(this);
        }
        ids.add(id);
        return [OBJECT, id];
      }
      case SIGNAL: {
        const signal = value as AbortSignal;
        if (signal.aborted) return [SIGNAL, id, errorToWire(signal.reason, false)];
        const onAbort = () => this.#host.send([ABORT, id, errorToWire(signal.reason, false)]);
        signal.addEventListener('abort', onAbort, { once: true });
        this.#exports.set(id, { kind, signal, onAbort, owner });
        return [SIGNAL, id];
      }
      default: {
        const iterator =
          kind === READABLE ? readableIterator(value as ReadableStream) : (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        const source = new StreamSource(
          id,
          iterator,
          this,
          (item) => this.#encodeItem(id, item, owner),
          (error) => errorToWire(error, this.#host.exposeStacks),
        );
        this.#exports.set(id, { kind: STREAM, source, owner, result: isResult, itemRefs: 0, awaitingAck: false });
        if (isResult && owner) owner.openStreams++;
        return [kind, id];
      }
    }
  }

  /** A stream item as STREAM_DATA; its references count against the stream as on the consumer's side. */
  #encodeItem(id: number, item: unknown, owner: Exchange | undefined): unknown[] {
    if (!hasRefs(item)) return [STREAM_DATA, id, item];
    const entry = this.#exports.get(id);
    if (entry?.kind !== STREAM) return [STREAM_DATA, id, null]; // cancelled meanwhile: never sent
    const left = this.#perStream - entry.itemRefs;
    const what = left < this.#perMessage ? 'in one stream' : 'in one message';
    const value = this.#exportUpTo(item, owner, false, Math.min(this.#perMessage, left), what);
    entry.itemRefs += this.#counted;
    return [STREAM_DATA, id, value, 1];
  }

  #import(marker: unknown[], owner: Exchange | undefined, isResult: boolean): unknown {
    const [kind, id] = marker;
    if (typeof id !== 'number' || this.#imports.has(id)) throw new RpcError('INVALID_ARGUMENT', 'a malformed reference');
    if (owner) (owner.imported ??= []).push(id);
    switch (kind) {
      case FUNCTION: {
        const entry: Imported = { kind: FUNCTION, owner: isResult ? undefined : owner };
        this.#imports.set(id, entry);
        const proxy = (...args: unknown[]) =>
          // After a close the call itself fails with UNAVAILABLE, which says more than "released".
          this.#imports.has(id) || this.#closedWith !== undefined ? this.#host.callRef(id, args) : Promise.reject(released());
        proxies.set(proxy, { table: this, id });
        if (!entry.owner) this.#registry?.register(proxy, id);
        return proxy;
      }
      case OBJECT:
        return this.#importObject(id, { kind: OBJECT, owner: isResult ? undefined : owner });
      case SIGNAL: {
        const controller = new AbortController();
        if (marker.length > 2) controller.abort(errorFromWire(marker[2]));
        else this.#imports.set(id, { kind: SIGNAL, controller, owner });
        return controller.signal;
      }
      case STREAM:
      case READABLE: {
        const stream = new RemoteStream(id, this.#window, this);
        this.#imports.set(id, { kind: STREAM, stream, owner, result: isResult, itemRefs: 0 });
        if (isResult && owner) owner.openStreams++;
        return kind === READABLE ? toReadable(stream) : stream;
      }
      default:
        throw new RpcError('INVALID_ARGUMENT', `a reference of unknown kind ${String(kind)}`);
    }
  }

  /** A remote object: its methods call the exporter; `[Symbol.dispose]` releases it. */
  #importObject(id: number, entry: Imported): object {
    this.#imports.set(id, entry);
    const send = (method: string, args: unknown[]) =>
      this.#imports.has(id) || this.#closedWith !== undefined ? this.#host.callRef([id, method], args) : Promise.reject(releasedObject());
    const own = new Map<symbol, unknown>(dispose ? [[dispose, () => this.release(id)]] : []);
    const proxy = createObjectProxy(send, own);
    markRemote(proxy);
    proxies.set(proxy, { table: this, id });
    if (!entry.owner) this.#registry?.register(proxy, id);
    return proxy;
  }

  // ---- lifetimes --------------------------------------------------------------------------

  /** The callee keeps an imported callback or object past its call; the reply tells the caller. */
  retain(id: number, proxy: object): void {
    const entry = this.#imports.get(id);
    if (!entry || (entry.kind !== FUNCTION && entry.kind !== OBJECT)) throw typeof proxy === 'function' ? released() : releasedObject();
    const owner = entry.owner;
    if (!owner) return; // already retained, or a function from a result
    if (owner.replied) throw new RpcError('FAILED_PRECONDITION', 'retain() a callback before its call returns');
    entry.owner = undefined;
    (owner.retained ??= []).push(id);
    this.#registry?.register(proxy, id);
  }

  /**
   * The caller learns which of its callbacks the callee retained: they outlive the call. Only
   * functions and objects exported with `exchange` (the call replied to) qualify; any other id in the list,
   * another call's callback, a signal or a stream, is ignored, so a callee cannot pin them.
   * (Without `exchange`, any function still owned by a call qualifies: the pre-fix behaviour.)
   */
  keep(ids: unknown, exchange?: Exchange): void {
    if (!Array.isArray(ids)) return;
    if (exchange && !exchange.exported) return; // the call exported nothing: nothing to keep
    for (const id of ids as unknown[]) {
      const entry = typeof id === 'number' ? this.#exports.get(id) : undefined;
      if (entry?.kind !== FUNCTION && entry?.kind !== OBJECT) continue;
      if (entry.owner !== undefined && (!exchange || entry.owner === exchange)) entry.owner = undefined;
    }
  }

  release(id: number): void {
    if (this.#imports.delete(id) && this.#closedWith === undefined) this.#host.send([RELEASE, id]);
  }

  /** The exporter ends every reference to `obj` it gave the far side: their calls answer NOT_FOUND. */
  revoke(obj: object): void {
    for (const id of [...(this.#objects.get(obj) ?? [])]) {
      const entry = this.#exports.get(id);
      if (!entry) continue;
      this.#exports.delete(id);
      this.send([RELEASE, id, REVOKED]);
      this.#dropped(id, entry);
    }
  }

  /** An exported reference ended (released, revoked, its call complete, or the close). */
  #dropped(id: number, entry: Exported): void {
    if (entry.kind === SIGNAL) return entry.signal.removeEventListener('abort', entry.onAbort);
    if (entry.kind !== OBJECT) return;
    const ids = this.#objects.get(entry.obj);
    if (!ids?.delete(id) || ids.size > 0) return;
    this.#objects.delete(entry.obj);
    const tables = exporters.get(entry.obj);
    tables?.delete(this);
    if (tables?.size) return; // another peer still holds it
    exporters.delete(entry.obj);
    disposeObject(entry.obj);
  }

  /** Releases everything a call owned, on this side; `reason` ends streams still open. */
  complete(owner: Exchange, reason: unknown): void {
    if (!owner.exported && !owner.imported) return; // the common call: nothing to release
    for (const id of owner.exported ?? []) {
      const entry = this.#exports.get(id);
      if (!entry || entry.owner !== owner) continue;
      this.#exports.delete(id);
      if (entry.kind === STREAM) entry.source.cancel();
      else this.#dropped(id, entry);
    }
    for (const id of owner.imported ?? []) {
      const entry = this.#imports.get(id);
      if (!entry || entry.owner !== owner) continue;
      this.#imports.delete(id);
      if (entry.kind === STREAM) entry.stream.fail(reason ?? new RpcError('CANCELLED', 'the call that carried this stream is over'));
    }
    owner.exported = owner.imported = undefined;
  }

  /**
   * Ends a call's result streams with `reason` (cancel, timeout, close) before it completes. No
   * stream message goes out: the far side learns from the call's own CANCEL, or from the close.
   */
  failStreams(owner: Exchange, reason: unknown): void {
    for (const id of owner.imported ?? []) {
      const entry = this.#imports.get(id);
      if (entry?.kind === STREAM && entry.owner === owner) entry.stream.fail(reason);
    }
  }

  /** The peer closed: every reference is gone. */
  closeAll(reason: unknown): void {
    this.#closedWith = reason ?? true;
    for (const [id, entry] of this.#exports) {
      if (entry.kind === STREAM) entry.source.cancel();
      else this.#dropped(id, entry);
    }
    for (const entry of this.#imports.values()) {
      if (entry.kind === STREAM) entry.stream.fail(reason);
      else if (entry.kind === SIGNAL) entry.controller.abort(reason);
    }
    this.#exports.clear();
    this.#imports.clear();
  }

  // ---- StreamLink -------------------------------------------------------------------------

  send(message: unknown[]): void {
    if (this.#closedWith === undefined) this.#host.send(message);
  }

  /** A stream will exchange no more messages; a result stream's end may complete its call. */
  finished(end: RemoteStream | StreamSource): void {
    const table = end instanceof StreamSource ? this.#exports : this.#imports;
    const entry = table.get(end.id);
    const own = entry as { source?: unknown; stream?: unknown } | undefined;
    if (entry?.kind !== STREAM || own![end instanceof StreamSource ? 'source' : 'stream'] !== end) return;
    // Its items' callbacks stay callable until the consumer has seen the end and says so (§7).
    if (end instanceof StreamSource && end.endSent && (entry as { itemRefs: number }).itemRefs > 0) {
      (entry as { awaitingAck: boolean }).awaitingAck = true;
      return;
    }
    table.delete(end.id);
    this.#streamDone(entry);
  }

  /** A result stream is over: its call completes once replied and its other streams are over too. */
  #streamDone(entry: { owner: Exchange | undefined; result: boolean }): void {
    const owner = entry.owner;
    if (this.#closedWith !== undefined || !owner || !entry.result) return;
    if (--owner.openStreams === 0 && owner.replied) this.#host.completed(owner);
  }

  // ---- messages ---------------------------------------------------------------------------

  /** Handles the reference messages; false when `message` is not one. */
  dispatch(message: unknown[]): boolean {
    const id = message[1];
    if (typeof id !== 'number') return false;
    switch (message[0]) {
      case STREAM_DATA: {
        const entry = this.#imports.get(id);
        if (entry?.kind !== STREAM) return true;
        if (!message[3]) entry.stream.deliver(message[2]);
        else if (entry.stream.open) this.#deliverWithRefs(id, entry, message[2]);
        return true;
      }
      case STREAM_END: {
        const entry = this.#imports.get(id);
        if (entry?.kind === STREAM) entry.stream.end(message.length > 2 ? errorFromWire(message[2]) : undefined);
        return true;
      }
      case STREAM_CREDIT: {
        const entry = this.#exports.get(id);
        const count = message[2];
        // The source holds the consumer to its window (§7); here a grant only has to be a positive count.
        if (entry?.kind === STREAM && Number.isSafeInteger(count) && (count as number) > 0) entry.source.grant(count as number);
        return true;
      }
      case STREAM_CANCEL: {
        const entry = this.#exports.get(id);
        if (entry?.kind !== STREAM) return true;
        if (!entry.awaitingAck) entry.source.cancel();
        else {
          // The consumer has seen the end of a stream whose items carried references.
          this.#exports.delete(id);
          this.#streamDone(entry);
        }
        return true;
      }
      case RELEASE: {
        if (message[2] === REVOKED) {
          // The far side revoked an object it exported: its proxy here answers NOT_FOUND from now on.
          if (this.#imports.get(id)?.kind === OBJECT) this.#imports.delete(id);
          return true;
        }
        // Only callbacks and objects are released by message; streams end by END or CANCEL, signals with their call.
        const entry = this.#exports.get(id);
        if (entry?.kind !== FUNCTION && entry?.kind !== OBJECT) return true;
        this.#exports.delete(id);
        this.#dropped(id, entry);
        return true;
      }
      case ABORT: {
        const entry = this.#imports.get(id);
        if (entry?.kind === SIGNAL) {
          this.#imports.delete(id);
          entry.controller.abort(errorFromWire(message[2]));
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * An item holding references: they count against the message, the stream and the session. One
   * that breaks a limit (or holds a malformed marker) fails the stream with that error, and the
   * producer is told to stop.
   */
  #deliverWithRefs(id: number, entry: Extract<Imported, { kind: typeof STREAM }>, item: unknown): void {
    const left = this.#perStream - entry.itemRefs;
    const limit = Math.min(this.#perMessage, left);
    let value: unknown;
    try {
      value = this.#importUpTo(item, entry.owner, false, limit, left < this.#perMessage ? 'in one stream' : 'in one message');
    } catch (error) {
      this.send([STREAM_CANCEL, id]);
      entry.stream.fail(error);
      return;
    }
    entry.itemRefs += this.#counted;
    entry.stream.deliver(value, true);
  }

  whenWritable(): Promise<void> | undefined {
    return this.#host.whenWritable?.();
  }

  /** The object behind an exported reference, for an incoming call to one of its methods. */
  objectFor(id: number): object | undefined {
    const entry = this.#exports.get(id);
    return entry?.kind === OBJECT ? entry.obj : undefined;
  }

  /** The function behind an exported callback, for an incoming call to it. */
  functionFor(id: number): ((...args: unknown[]) => unknown) | undefined {
    const entry = this.#exports.get(id);
    return entry?.kind === FUNCTION ? entry.fn : undefined;
  }

  stats(): { references: number; streams: number; streamItemsBuffered: number; streamItemsInFlight: number } {
    let streams = 0;
    let buffered = 0;
    let inFlight = 0;
    for (const entry of this.#exports.values()) {
      if (entry.kind !== STREAM) continue;
      streams++;
      inFlight += entry.source.inFlight;
    }
    for (const entry of this.#imports.values()) {
      if (entry.kind !== STREAM) continue;
      streams++;
      buffered += entry.stream.buffered;
    }
    return { references: this.#exports.size + this.#imports.size, streams, streamItemsBuffered: buffered, streamItemsInFlight: inFlight };
  }
}

/** Keeps a callback or remote object received as an argument alive after the call returns, until `release`. */
export function retain<F extends object>(callback: F): F {
  const ref = proxies.get(callback);
  if (!ref) throw new TypeError('retain() takes a callback or object received from a remote peer');
  ref.table.retain(ref.id, callback);
  return callback;
}

/**
 * Releases a retained callback, or a function or object received as a result: later calls to it
 * fail with NOT_FOUND. Given a local object this side exported (`target(obj)`), revokes it from
 * every peer that holds it, and its `[Symbol.dispose]` runs.
 */
export function release(reference: object): void {
  const ref = proxies.get(reference);
  if (ref) return ref.table.release(ref.id);
  const tables = exporters.get(reference);
  if (tables) for (const table of [...tables]) table.revoke(reference);
  else if (typeof reference === 'function') throw new TypeError('release() takes a function received from a remote peer');
}
