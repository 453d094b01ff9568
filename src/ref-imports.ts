/**
 * The importing half of the reference table: the live proxies, streams and signals made from the
 * far side's markers, held to the session's reference limits, and released when their call
 * completes, when the program releases them, or (a safety net) when they are garbage collected.
 */
import { errorFromWire } from './error-wire.js';
import { RpcError } from './errors.js';
import type { Exchange, ReferenceHost } from './exchange.js';
import { isId, RELEASE, STREAM_CANCEL } from './protocol.js';
import { createObjectProxy } from './proxy.js';
import { FUNCTION, OBJECT, READABLE, SIGNAL, STREAM, unswapRefs } from './ref-markers.js';
import { dispose, proxies, type ReferenceOwner } from './retain.js';
import { RemoteStream, type StreamLink, toReadable } from './streams.js';
import { markRemote } from './target.js';

export type Imported =
  | { kind: typeof FUNCTION | typeof OBJECT; owner: Exchange | undefined }
  | { kind: typeof STREAM; stream: RemoteStream; owner: Exchange | undefined; result: boolean; itemRefs: number }
  | { kind: typeof SIGNAL; controller: AbortController; owner: Exchange | undefined };

type ImportedStream = Extract<Imported, { kind: typeof STREAM }>;

export const released = () => new RpcError('NOT_FOUND', 'the callback was released');
export const releasedObject = () => new RpcError('NOT_FOUND', 'the remote object was released');
export const tooMany = (what: string, limit: number) => new RpcError('RESOURCE_EXHAUSTED', `more than ${limit} references ${what}`);

/** The references a stream item may carry: the message's limit, or what the stream has left when less. */
export const itemLimit = (perMessage: number, left: number): [limit: number, what: string] =>
  left < perMessage ? [left, 'in one stream'] : [perMessage, 'in one message'];

/** What the importing half needs from the table it belongs to. */
export interface ImportContext {
  readonly host: ReferenceHost;
  /** The table, as streams and `retain`/`release` know it. */
  readonly table: StreamLink & ReferenceOwner;
  /** The session is closed: nothing is sent any more. */
  readonly closed: boolean;
  readonly window: number;
  readonly maxReferences: number;
  readonly perMessage: number;
  readonly perStream: number;
}

export class Imports {
  readonly entries = new Map<number, Imported>();
  /** References the last `importUpTo` made: what a stream item adds to its stream's count. */
  counted = 0;
  readonly #context: ImportContext;
  readonly #registry =
    typeof FinalizationRegistry === 'undefined' ? undefined : new FinalizationRegistry<number>((id) => this.release(id));

  constructor(context: ImportContext) {
    this.#context = context;
  }

  /**
   * `value` (a received message's, flagged as holding references) with its markers made live, at
   * most `limit` of them. Throws `INVALID_ARGUMENT` for a malformed marker and
   * `RESOURCE_EXHAUSTED` past `limit` or `maxReferences`; then nothing it made stays.
   */
  importUpTo(value: unknown, owner: Exchange | undefined, isResult: boolean, limit: number, what: string): unknown {
    const { maxReferences, perMessage } = this.#context;
    const created: number[] = [];
    const before = owner?.imported?.length ?? 0;
    try {
      return unswapRefs(value, (marker) => {
        if (created.length >= limit) throw tooMany(what, limit);
        if (this.entries.size >= maxReferences) throw tooMany('live in this session', maxReferences);
        const imported = this.#import(marker, owner, isResult);
        created.push(marker[1] as number);
        return imported;
      });
    } catch (error) {
      const refused = isResult
        ? created.filter((id) => this.entries.get(id)?.kind === FUNCTION || this.entries.get(id)?.kind === OBJECT)
        : [];
      for (const id of created) this.#unimport(id, owner);
      if (owner?.imported) owner.imported.length = before;
      if (isResult) this.#releaseRefused(value, refused, Math.max(perMessage, maxReferences));
      throw error;
    } finally {
      this.counted = created.length;
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
      if (sent < limit && typeof id === 'number' && !this.entries.has(id) && !this.#context.closed) {
        sent++;
        this.#context.host.send([RELEASE, id]);
      }
    };
    for (const id of imported) releaseOne(id);
    unswapRefs(value, (marker) => {
      if (marker[0] === FUNCTION || marker[0] === OBJECT) releaseOne(marker[1]);
      return undefined;
    });
  }

  /** Undoes one import of a message that was refused: nothing was sent for it yet. */
  #unimport(id: number, owner: Exchange | undefined): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.kind === STREAM && entry.result && owner) owner.openStreams--;
  }

  #import(marker: unknown[], owner: Exchange | undefined, isResult: boolean): unknown {
    const [kind, id] = marker;
    if (!isId(id) || this.entries.has(id)) throw new RpcError('INVALID_ARGUMENT', 'a malformed reference');
    if (owner) (owner.imported ??= []).push(id);
    switch (kind) {
      case FUNCTION: {
        const entry: Imported = { kind: FUNCTION, owner: isResult ? undefined : owner };
        this.entries.set(id, entry);
        const proxy = (...args: unknown[]) =>
          // After a close the call itself fails with UNAVAILABLE, which says more than "released".
          this.entries.has(id) || this.#context.closed ? this.#context.host.callRef(id, args) : Promise.reject(released());
        return this.#track(proxy, id, entry);
      }
      case OBJECT:
        return this.#importObject(id, { kind: OBJECT, owner: isResult ? undefined : owner });
      case SIGNAL: {
        const controller = new AbortController();
        if (marker.length > 2) controller.abort(errorFromWire(marker[2]));
        else this.entries.set(id, { kind: SIGNAL, controller, owner });
        return controller.signal;
      }
      case STREAM:
      case READABLE: {
        const stream = new RemoteStream(id, this.#context.window, this.#context.table);
        this.entries.set(id, { kind: STREAM, stream, owner, result: isResult, itemRefs: 0 });
        if (isResult && owner) owner.openStreams++;
        return kind === READABLE ? toReadable(stream) : stream;
      }
      default:
        throw new RpcError('INVALID_ARGUMENT', `a reference of unknown kind ${String(kind)}`);
    }
  }

  /** A remote object: its methods call the exporter; `[Symbol.dispose]` releases it. */
  #importObject(id: number, entry: Imported): object {
    this.entries.set(id, entry);
    const send = (method: string, args: unknown[]) =>
      this.entries.has(id) || this.#context.closed ? this.#context.host.callRef([id, method], args) : Promise.reject(releasedObject());
    const own = new Map<symbol, unknown>(dispose ? [[dispose, () => this.release(id)]] : []);
    const proxy = createObjectProxy(send, own);
    markRemote(proxy);
    return this.#track(proxy, id, entry);
  }

  /** Lets `retain`/`release` find a proxy's reference; one no call owns is released when collected. */
  #track<T extends object>(proxy: T, id: number, entry: Imported): T {
    proxies.set(proxy, { table: this.#context.table, id });
    if (!entry.owner) this.#registry?.register(proxy, id);
    return proxy;
  }

  /** The callee keeps an imported callback or object past its call; the reply tells the caller. */
  retain(id: number, proxy: object): void {
    const entry = this.entries.get(id);
    if (!entry || (entry.kind !== FUNCTION && entry.kind !== OBJECT)) throw typeof proxy === 'function' ? released() : releasedObject();
    const owner = entry.owner;
    if (!owner) return; // already retained, or a function from a result
    if (owner.replied) throw new RpcError('FAILED_PRECONDITION', 'retain() a callback before its call returns');
    entry.owner = undefined;
    (owner.retained ??= []).push(id);
    this.#registry?.register(proxy, id);
  }

  release(id: number): void {
    if (this.entries.delete(id) && !this.#context.closed) this.#context.host.send([RELEASE, id]);
  }

  /**
   * An item holding references: they count against the message, the stream and the session. One
   * that breaks a limit (or holds a malformed marker) fails the stream with that error, and the
   * producer is told to stop.
   */
  deliverWithRefs(id: number, entry: ImportedStream, item: unknown): void {
    const { perStream, perMessage } = this.#context;
    let value: unknown;
    try {
      value = this.importUpTo(item, entry.owner, false, ...itemLimit(perMessage, perStream - entry.itemRefs));
    } catch (error) {
      this.#context.table.send([STREAM_CANCEL, id]);
      entry.stream.fail(error);
      return;
    }
    entry.itemRefs += this.counted;
    entry.stream.deliver(value, true);
  }

  /** Forgets what a complete call imported; `reason` ends its streams still open. */
  complete(owner: Exchange, reason: unknown): void {
    for (const id of owner.imported ?? []) {
      const entry = this.entries.get(id);
      if (!entry || entry.owner !== owner) continue;
      this.entries.delete(id);
      if (entry.kind === STREAM) entry.stream.fail(reason ?? new RpcError('CANCELLED', 'the call that carried this stream is over'));
    }
  }

  /** Ends a call's result streams with `reason` before it completes. */
  failStreams(owner: Exchange, reason: unknown): void {
    for (const id of owner.imported ?? []) {
      const entry = this.entries.get(id);
      if (entry?.kind === STREAM && entry.owner === owner) entry.stream.fail(reason);
    }
  }

  /** The session closed: every import ends with `reason`. */
  closeAll(reason: unknown): void {
    for (const entry of this.entries.values()) {
      if (entry.kind === STREAM) entry.stream.fail(reason);
      else if (entry.kind === SIGNAL) entry.controller.abort(reason);
    }
    this.entries.clear();
  }
}
