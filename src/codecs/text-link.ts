import type { BytesEncoding, Transport, TransportReceiver } from '../transport.js';

const TAG = 0xc1;

/**
 * Between the session and a transport that carries text (a WebSocket): once the negotiated codec
 * makes text (`json`), its frames leave as text frames, without their `c1 8i` prefix
 * (docs/protocol.md §3.1). The session has already held them to the size limit as bytes, and
 * the text is as long in UTF-8. Everything else (hellos, other codecs, compressed frames) stays binary.
 */
export class TextLink implements Transport {
  readonly #inner: Transport;
  readonly #decoder = new TextDecoder();
  /** The prefix byte of the text codec's frames, once chosen; 0 while frames stay binary. */
  #prefix = 0;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  /** From now on, frames that begin `c1 prefix` go as text (0: none do). */
  sendAsText(prefix: number): void {
    this.#prefix = prefix;
  }

  get encoding(): BytesEncoding {
    return this.#inner.encoding as BytesEncoding;
  }

  get bufferedAmount(): number | undefined {
    return this.#inner.bufferedAmount;
  }

  get initiator(): boolean | undefined {
    return this.#inner.initiator;
  }

  start(receiver: TransportReceiver): void {
    this.#inner.start(receiver);
  }

  send(message: unknown): void {
    const bytes = message as Uint8Array;
    if (this.#prefix !== 0 && bytes[0] === TAG && bytes[1] === this.#prefix) this.#inner.send(this.#decoder.decode(bytes.subarray(2)));
    else this.#inner.send(message);
  }

  close(): void {
    this.#inner.close();
  }
}
