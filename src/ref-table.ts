/**
 * Live references across the channel: callbacks, streams, abort signals and objects (`target`,
 * `RpcTarget`) in a call's arguments or result. Each belongs to its call (an `Exchange`) and is
 * released on both sides, without a message, once that call is complete, unless retained; those
 * in a result live until released or revoked, or the session closes. This is the exporting half
 * and the messages; the importing half is `ref-imports.ts`.
 */
import { errorFromWire, errorToWire } from './error-wire.js';
import {
  DEFAULT_MAX_REFERENCES,
  DEFAULT_MAX_REFERENCES_PER_MESSAGE,
  DEFAULT_MAX_REFERENCES_PER_STREAM,
  type Exchange,
  type ReferenceHost,
  type ReferenceLimits,
} from './exchange.js';
import { ABORT, RELEASE, type ReferenceMessage } from './protocol.js';
import { Imports, itemLimit, tooMany } from './ref-imports.js';
import { FUNCTION, hasRefs, OBJECT, READABLE, type RefKind, SIGNAL, STREAM, swapRefs } from './ref-markers.js';
import { disposeObject, exporters } from './retain.js';
import {
  type RemoteStream,
  readableIterator,
  STREAM_CANCEL,
  STREAM_CREDIT,
  STREAM_DATA,
  STREAM_END,
  type StreamLink,
  StreamSource,
} from './streams.js';

/** RELEASE's flag: the sender revokes an object it exported (§6.5). */
const REVOKED = 1;

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

export class References implements StreamLink {
  #nextId = 1;
  readonly #exports = new Map<number, Exported>();
  /** Export ids of each local object exported now (a new id each time it is sent). */
  readonly #objects = new Map<object, Set<number>>();
  #closedWith: unknown = undefined;

  readonly #host: ReferenceHost;
  readonly #perMessage: number;
  readonly #perStream: number;
  /** References the last `#exportUpTo` made: what a stream item adds to its stream's count. */
  #counted = 0;
  /** The importing half: proxies, streams and signals made from the far side's markers. */
  readonly #in: Imports;

  constructor(host: ReferenceHost, window: number, limits: ReferenceLimits = {}) {
    this.#host = host;
    this.#perMessage = limits.maxReferencesPerMessage ?? DEFAULT_MAX_REFERENCES_PER_MESSAGE;
    this.#perStream = limits.maxReferencesPerStream ?? DEFAULT_MAX_REFERENCES_PER_STREAM;
    const table = this;
    this.#in = new Imports({
      host,
      table,
      get closed() {
        return table.#closedWith !== undefined;
      },
      window,
      maxReferences: limits.maxReferences ?? DEFAULT_MAX_REFERENCES,
      perMessage: this.#perMessage,
      perStream: this.#perStream,
    });
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
    return this.#in.importUpTo(value, owner, isResult, this.#perMessage, 'in one message');
  }

  /** Undoes one export of a value that could not be sent. */
  #unexport(id: number, owner: Exchange | undefined): void {
    const entry = this.#exports.get(id);
    if (!entry) return;
    this.#exports.delete(id);
    if (entry.kind === STREAM && entry.result && owner) owner.openStreams--;
    this.#end(id, entry);
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
    const value = this.#exportUpTo(item, owner, false, ...itemLimit(this.#perMessage, this.#perStream - entry.itemRefs));
    entry.itemRefs += this.#counted;
    return [STREAM_DATA, id, value, 1];
  }

  // ---- lifetimes ----------------------------------------------------------------------------
  /** The callee keeps an imported callback or object past its call; the reply tells the caller. */
  retain(id: number, proxy: object): void {
    this.#in.retain(id, proxy);
  }

  /**
   * The caller learns which of its callbacks the callee retained: they outlive the call. Only
   * functions and objects exported with `exchange` (the call replied to) qualify; another call's
   * callback, a signal or a stream in the list is ignored, so a callee cannot pin them.
   */
  keep(ids: unknown, exchange: Exchange): void {
    if (!Array.isArray(ids) || !exchange.exported) return;
    for (const id of ids as unknown[]) {
      const entry = typeof id === 'number' ? this.#exports.get(id) : undefined;
      if ((entry?.kind === FUNCTION || entry?.kind === OBJECT) && entry.owner === exchange) entry.owner = undefined;
    }
  }

  release(id: number): void {
    this.#in.release(id);
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

  /** An export is over: a stream's source stops, anything else is dropped. */
  #end(id: number, entry: Exported): void {
    if (entry.kind === STREAM) entry.source.cancel();
    else this.#dropped(id, entry);
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
      this.#end(id, entry);
    }
    this.#in.complete(owner, reason);
    owner.exported = owner.imported = undefined;
  }

  /**
   * Ends a call's result streams with `reason` (cancel, timeout, close) before it completes. No
   * stream message goes out: the far side learns from the call's own CANCEL, or from the close.
   */
  failStreams(owner: Exchange, reason: unknown): void {
    this.#in.failStreams(owner, reason);
  }

  /** The peer closed: every reference is gone. */
  closeAll(reason: unknown): void {
    this.#closedWith = reason ?? true;
    for (const [id, entry] of this.#exports) this.#end(id, entry);
    this.#in.closeAll(reason);
    this.#exports.clear();
  }

  // ---- StreamLink ---------------------------------------------------------------------------
  send(message: unknown[]): void {
    if (this.#closedWith === undefined) this.#host.send(message);
  }

  /** A stream will exchange no more messages; a result stream's end may complete its call. */
  finished(end: RemoteStream | StreamSource): void {
    const table = end instanceof StreamSource ? this.#exports : this.#in.entries;
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

  // ---- messages -----------------------------------------------------------------------------
  /** Handles a reference message; `parse()` has checked its id and, for a credit, its count. */
  dispatch(message: ReferenceMessage): void {
    const id = message[1];
    switch (message[0]) {
      case STREAM_DATA: {
        const entry = this.#in.entries.get(id);
        if (entry?.kind !== STREAM) return;
        if (!message[3]) entry.stream.deliver(message[2]);
        else if (entry.stream.open) this.#in.deliverWithRefs(id, entry, message[2]);
        return;
      }
      case STREAM_END: {
        const entry = this.#in.entries.get(id);
        if (entry?.kind === STREAM) entry.stream.end(message.length > 2 ? errorFromWire(message[2]) : undefined);
        return;
      }
      case STREAM_CREDIT: {
        const entry = this.#exports.get(id);
        // The source holds the consumer to its window (§7).
        if (entry?.kind === STREAM) entry.source.grant(message[2]);
        return;
      }
      case STREAM_CANCEL: {
        const entry = this.#exports.get(id);
        if (entry?.kind !== STREAM) return;
        if (!entry.awaitingAck) entry.source.cancel();
        else {
          // The consumer has seen the end of a stream whose items carried references.
          this.#exports.delete(id);
          this.#streamDone(entry);
        }
        return;
      }
      case RELEASE: {
        if (message[2] === REVOKED) {
          // The far side revoked an object it exported: its proxy here answers NOT_FOUND from now on.
          if (this.#in.entries.get(id)?.kind === OBJECT) this.#in.entries.delete(id);
          return;
        }
        // Only callbacks and objects are released by message; streams end by END or CANCEL, signals with their call.
        const entry = this.#exports.get(id);
        if (entry?.kind !== FUNCTION && entry?.kind !== OBJECT) return;
        this.#exports.delete(id);
        this.#dropped(id, entry);
        return;
      }
      case ABORT: {
        const entry = this.#in.entries.get(id);
        if (entry?.kind === SIGNAL) {
          this.#in.entries.delete(id);
          entry.controller.abort(errorFromWire(message[2]));
        }
        return;
      }
    }
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
    for (const entry of this.#in.entries.values()) {
      if (entry.kind !== STREAM) continue;
      streams++;
      buffered += entry.stream.buffered;
    }
    return {
      references: this.#exports.size + this.#in.entries.size,
      streams,
      streamItemsBuffered: buffered,
      streamItemsInFlight: inFlight,
    };
  }
}
