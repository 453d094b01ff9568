import { frameSize } from '../codec/input.js';
import { RpcError } from '../errors.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../transport.js';
import type { Compressor } from './compressor.js';
import { HEADER_SIZE, isCompressed, open, seal } from './envelope.js';

/** What `compression()` takes: the compressors on offer and when a message is worth compressing. */
export interface CompressionOptions {
  /** Compressors in order of preference; each side sends with its first one the far side has. Default `[deflateRaw()]`. */
  readonly compressors?: readonly Compressor[];
  /** Frames shorter than this many bytes go as they are. Default 1,024 (1 KiB). */
  readonly threshold?: number;
  /** A compressed frame is kept only when it saves at least this share of the bytes. Default 0.1 (10 %). */
  readonly minSaving?: number;
}

/** Names a side may list, and their length: what a HELLO may make the receiver look through. */
const MAX_COMPRESSORS = 16;
const MAX_NAME = 64;
/** Frames that may wait behind one being inflated, before the session ends with RESOURCE_EXHAUSTED. */
const MAX_WAITING_FRAMES = 4096;

type Waiting = { readonly data: unknown } | { readonly closed: unknown };

/**
 * A byte transport that compresses the frames it sends once the far side has said which
 * compressors it takes (`accept`), and inflates the compressed frames it receives. Frames keep
 * their order both ways while a compressor works asynchronously: later frames wait behind it.
 */
export class CompressingLink implements Transport {
  /** The link's own: this layer changes no codec, limit or copying rule. */
  readonly encoding: BytesEncoding;
  readonly #inner: Transport;
  readonly #compressors: readonly Compressor[];
  readonly #threshold: number;
  readonly #keepBelow: number;
  readonly #maxMessageSize: number;
  #receiver: TransportReceiver | undefined;
  /** What this side sends with, once negotiated: the compressor and its index in the far side's list. */
  #send: { readonly compressor: Compressor; readonly index: number } | undefined;
  /** Frames queued behind an asynchronous compression, and their bytes. */
  #outgoing: Uint8Array[] | undefined;
  #outgoingBytes = 0;
  /** Frames (and the close) queued behind an asynchronous inflation, and their bytes. */
  #incoming: Waiting[] | undefined;
  #incomingBytes = 0;
  #closed = false;

  constructor(
    inner: Transport,
    encoding: BytesEncoding,
    options: CompressionOptions,
    compressors: readonly Compressor[],
    maxMessageSize: number,
  ) {
    this.#inner = inner;
    this.encoding = encoding;
    this.#compressors = compressors.slice(0, MAX_COMPRESSORS);
    this.#threshold = options.threshold ?? 1024;
    this.#keepBelow = 1 - (options.minSaving ?? 0.1);
    this.#maxMessageSize = maxMessageSize;
  }

  get initiator(): boolean | undefined {
    return this.#inner.initiator;
  }

  /** What the platform holds unsent, plus what waits here behind a compression. */
  get bufferedAmount(): number | undefined {
    const inner = this.#inner.bufferedAmount;
    return inner === undefined && this.#outgoingBytes === 0 ? undefined : (inner ?? 0) + this.#outgoingBytes;
  }

  /** The far side's HELLO list (untrusted): from now on frames go compressed with the first common choice. */
  accept(names: unknown): void {
    if (!Array.isArray(names)) return;
    const theirs = names.slice(0, MAX_COMPRESSORS).map((name) => (typeof name === 'string' && name.length <= MAX_NAME ? name : ''));
    for (const compressor of this.#compressors) {
      const index = theirs.indexOf(compressor.name);
      if (index >= 0) return void (this.#send = { compressor, index });
    }
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    this.#inner.start({ message: (data) => this.#arrive({ data }), closed: (reason) => this.#arrive({ closed: reason }) });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outgoing = this.#incoming = undefined;
    this.#outgoingBytes = this.#incomingBytes = 0;
    this.#inner.close();
  }

  // ---- sending ----------------------------------------------------------------------------

  send(message: unknown): void {
    const data = message as Uint8Array;
    if (this.#outgoing) {
      // Behind a compression still at work: the caller may reuse its buffer, so keep a copy.
      this.#outgoing.push(data.slice());
      this.#outgoingBytes += data.byteLength;
      return;
    }
    this.#compress(data);
  }

  /** Sends `data`, compressed when that pays; an asynchronous compressor holds what follows. */
  #compress(data: Uint8Array): void {
    const use = this.#send;
    if (!use || data.byteLength < this.#threshold) return this.#inner.send(data);
    // The outbox may reuse `data` once this returns, and a compressor may read it later: it gets a copy.
    const original = data.slice();
    let packed: Uint8Array | Promise<Uint8Array>;
    try {
      packed = use.compressor.compress(original);
    } catch {
      return this.#inner.send(original);
    }
    if (packed instanceof Uint8Array) return this.#inner.send(this.#smaller(original, packed, use.index));
    this.#outgoing = [];
    packed.then(
      (bytes) => this.#resume(this.#smaller(original, bytes, use.index)),
      () => this.#resume(original),
    );
  }

  /** The compressed frame when it saves enough, else the original. */
  #smaller(data: Uint8Array, packed: Uint8Array, index: number): Uint8Array {
    return packed.byteLength + HEADER_SIZE <= data.byteLength * this.#keepBelow ? seal(index, data.byteLength, packed) : data;
  }

  /** An asynchronous compression finished: its frame goes, then what waited, until one more has to wait. */
  #resume(frame: Uint8Array): void {
    if (this.#closed) return;
    const waiting = this.#outgoing ?? [];
    this.#outgoing = undefined;
    try {
      this.#inner.send(frame);
      while (waiting.length && !this.#outgoing) {
        const next = waiting.shift()!;
        this.#outgoingBytes -= next.byteLength;
        this.#compress(next);
      }
    } catch (error) {
      return this.#fail(new RpcError('UNAVAILABLE', 'the transport failed to send', { cause: error }));
    }
    if (this.#outgoing) (this.#outgoing as Uint8Array[]).unshift(...waiting);
  }

  // ---- receiving --------------------------------------------------------------------------

  #arrive(event: Waiting): void {
    if (this.#closed) return;
    if (!this.#incoming) return this.#handle(event);
    if (this.#incoming.length >= MAX_WAITING_FRAMES || this.#incomingBytes > 4 * this.#maxMessageSize) {
      return this.#fail(new RpcError('RESOURCE_EXHAUSTED', 'more frames wait to be inflated than allowed'));
    }
    this.#incoming.push(event);
    if ('data' in event) this.#incomingBytes += frameSize(event.data);
  }

  /** Delivers one event, inflating a compressed frame; an asynchronous inflation holds what follows. */
  #handle(event: Waiting): void {
    const receiver = this.#receiver!;
    if (!('data' in event)) return receiver.closed(event.closed);
    const data = event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : event.data;
    if (!(data instanceof Uint8Array) || !isCompressed(data)) return receiver.message(data);
    const { index, length, payload } = open(data);
    const compressor = this.#compressors[index];
    // Not one of ours: handed on as is, where the codec refuses it (0xc1 begins no frame) and it is counted.
    if (!compressor) return receiver.message(data);
    if (length > this.#maxMessageSize) {
      return this.#fail(new RpcError('RESOURCE_EXHAUSTED', `a compressed frame announces ${length} bytes, over the limit`));
    }
    let inflated: Uint8Array | Promise<Uint8Array>;
    try {
      inflated = compressor.decompress(payload, length);
    } catch (error) {
      return this.#refuse(error, data);
    }
    if (inflated instanceof Uint8Array) return this.#inflated(inflated, length, data);
    this.#incoming = [];
    inflated.then(
      (bytes) => this.#drain(() => this.#inflated(bytes, length, data)),
      (error) => this.#drain(() => this.#refuse(error, data)),
    );
  }

  #inflated(bytes: Uint8Array, length: number, data: Uint8Array): void {
    if (bytes.byteLength !== length) return this.#refuse(new RangeError('a compressed frame of the wrong length'), data);
    this.#receiver!.message(bytes);
  }

  /** A bomb ends the session; a frame that does not inflate goes on as is, to be refused and counted. */
  #refuse(error: unknown, data: Uint8Array): void {
    if (error instanceof RpcError && error.code === 'RESOURCE_EXHAUSTED') return this.#fail(error);
    this.#receiver!.message(data);
  }

  /** An asynchronous inflation finished: its frame goes, then what waited, until one more has to wait. */
  #drain(deliver: () => void): void {
    if (this.#closed) return;
    const waiting = this.#incoming ?? [];
    this.#incoming = undefined;
    this.#incomingBytes = 0;
    deliver();
    while (waiting.length && !this.#incoming && !this.#closed) this.#handle(waiting.shift()!);
    if (this.#incoming && !this.#closed) {
      (this.#incoming as Waiting[]).unshift(...waiting);
      for (const event of waiting) if ('data' in event) this.#incomingBytes += frameSize(event.data);
    }
  }

  #fail(error: RpcError): void {
    if (this.#closed) return;
    const receiver = this.#receiver;
    this.close();
    receiver?.closed(error);
  }
}
