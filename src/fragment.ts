/**
 * Fragmentation and reassembly for size-limited byte links, in one place: the data-channel
 * adapter frames chunks with a one-byte flag (`fragmenting`), the secure channel carries the same
 * flags as record types. Links are ordered and reliable, and one message's chunks are sent back
 * to back, so no message ids are needed.
 */
import { msgpackCodec } from './codec/msgpack.js';
import { RpcError } from './errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './protocol.js';
import type { Transport, TransportReceiver } from './transport.js';

/** A whole message in one chunk. */
export const WHOLE = 0;
/** A chunk with more of the same message to follow. */
export const MORE = 1;
/** The last chunk of a message. */
export const LAST = 2;
export type ChunkFlag = typeof WHOLE | typeof MORE | typeof LAST;

/** Calls `emit` with views of `message` no longer than `size` bytes, flagged; copies nothing. */
export function split(message: Uint8Array, size: number, emit: (flag: ChunkFlag, chunk: Uint8Array) => void): void {
  if (message.byteLength <= size) return emit(WHOLE, message);
  for (let offset = 0; offset < message.byteLength; offset += size) {
    const end = Math.min(offset + size, message.byteLength);
    emit(end === message.byteLength ? LAST : MORE, message.subarray(offset, end));
  }
}

/** Joins chunks back into messages, refusing to buffer more than `maxMessageSize` bytes. */
export class Reassembler {
  #parts: Uint8Array[] = [];
  #size = 0;

  readonly #maxMessageSize: number;

  constructor(maxMessageSize: number) {
    this.#maxMessageSize = maxMessageSize;
  }

  /** Bytes held for an unfinished message. */
  get buffered(): number {
    return this.#size;
  }

  /** Returns the completed message, or `undefined` while more is to come. Throws on a broken sequence or the cap. */
  push(flag: number, chunk: Uint8Array): Uint8Array | undefined {
    if (flag === WHOLE) {
      if (this.#parts.length) throw this.#fail('DATA_LOSS', 'a whole message arrived inside a fragmented one');
      if (chunk.byteLength > this.#maxMessageSize) throw this.#fail('RESOURCE_EXHAUSTED', `a message over ${this.#maxMessageSize} bytes`);
      return chunk;
    }
    if (flag !== MORE && flag !== LAST) throw this.#fail('DATA_LOSS', `unknown fragment flag ${flag}`);
    if (flag === LAST && !this.#parts.length) throw this.#fail('DATA_LOSS', 'a last fragment without a first');
    this.#size += chunk.byteLength;
    if (this.#size > this.#maxMessageSize)
      throw this.#fail('RESOURCE_EXHAUSTED', `a fragmented message over ${this.#maxMessageSize} bytes`);
    this.#parts.push(chunk);
    if (flag === MORE) return undefined;
    const message = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#parts) {
      message.set(part, offset);
      offset += part.byteLength;
    }
    this.reset();
    return message;
  }

  reset(): void {
    this.#parts = [];
    this.#size = 0;
  }

  #fail(code: 'DATA_LOSS' | 'RESOURCE_EXHAUSTED', message: string): RpcError {
    this.reset();
    return new RpcError(code, message);
  }
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/**
 * A byte transport over a link that carries at most `chunkSize` bytes a message: each chunk
 * travels with a one-byte flag in front. A broken chunk sequence or one over `maxMessageSize`
 * closes the transport, since the message it belonged to (maybe a reply) is lost.
 */
export function fragmenting(link: Transport, chunkSize: number, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE): Transport {
  const payload = chunkSize - 1;
  const reassembler = new Reassembler(maxMessageSize);
  return {
    // Every chunk is framed into a buffer of its own before it is sent: the codec may reuse its.
    encoding: { codec: msgpackCodec, maxMessageSize, copiesOnSend: true },
    get bufferedAmount() {
      return link.bufferedAmount;
    },
    initiator: link.initiator,
    start(receiver: TransportReceiver) {
      link.start({
        ...receiver,
        message(data) {
          const bytes = toBytes(data);
          let message: Uint8Array | undefined;
          try {
            if (!bytes || bytes.byteLength === 0) throw new RpcError('DATA_LOSS', 'an empty or non-binary fragment');
            message = reassembler.push(bytes[0]!, bytes.subarray(1));
          } catch (error) {
            link.close();
            receiver.closed(error);
            return;
          }
          if (message) receiver.message(message);
        },
      });
    },
    send(message) {
      split(message as Uint8Array, payload, (flag, chunk) => {
        const framed = new Uint8Array(chunk.byteLength + 1);
        framed[0] = flag;
        framed.set(chunk, 1);
        link.send(framed);
      });
    },
    close() {
      reassembler.reset();
      link.close();
    },
  };
}
