import type { Codec } from './codec/codec.js';
import { RpcError } from './errors.js';
import { CALL, MAX_BATCH, NOTIFY, RESULT } from './protocol.js';
import { transferablesOf, transferablesOfAll } from './transfer.js';
import { bytesOf, type Transport } from './transport.js';

/** Settled once: `then` on it queues a plain microtask (Node's queueMicrotask adds an AsyncResource per call). */
export const settled = Promise.resolve();

/** What the outbox tells its session. */
export interface OutboxHost {
  /** One message could not go (too large, or a value the codec or the platform refuses). */
  unsent(message: unknown[], error: RpcError): void;
  /** The transport failed: the session is over. */
  broken(error: RpcError): void;
}

/** A send that failed because of a value (not the link): browsers throw DataCloneError, Node a TypeError. */
function isValueError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === 'DataCloneError');
}

/**
 * Every message of one tick goes as one transport message (a batch of at most `MAX_BATCH`),
 * encoded once. A batch that cannot go (too large, a value that does not encode) goes message by
 * message, so one bad value fails its own call and nothing else.
 */
export class Outbox {
  #queue: unknown[] = [];
  #transfers: Transferable[] | undefined;
  #scheduled = false;
  /** The far side's announced limit; the smaller of it and ours applies. */
  remoteLimit = Infinity;
  sent = 0;
  closed = false;

  readonly #transport: Transport;
  readonly #codec: Codec;
  readonly #limit: number;
  readonly #host: OutboxHost;
  readonly #shared: boolean;
  readonly #transportLimit: number;
  readonly #maxBuffered: number;

  constructor(transport: Transport, codec: Codec, limit: number, maxBuffered: number, host: OutboxHost) {
    this.#transport = transport;
    this.#codec = codec;
    this.#limit = limit;
    this.#maxBuffered = maxBuffered;
    this.#host = host;
    const bytes = bytesOf(transport);
    this.#shared = bytes?.copiesOnSend === true && codec.encodeShared !== undefined;
    this.#transportLimit = bytes?.maxMessageSize ?? Infinity;
  }

  push(message: unknown[], transfer?: Transferable[]): void {
    this.#queue.push(message);
    if (transfer) (this.#transfers ??= []).push(...transfer);
    if (!this.#scheduled) {
      this.#scheduled = true;
      void settled.then(this.flush);
    }
  }

  /** Forgets what is queued (the link dropped, or the session closed). */
  discard(): void {
    this.#queue = [];
    this.#transfers = undefined;
  }

  /** Sends what is queued now; also the scheduled end of every tick that queued something. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    const transfer = this.#transfers;
    this.discard();
    try {
      if (batch.length === 1) return this.#sendAlone(batch[0] as unknown[], transfer);
      if (batch.length <= MAX_BATCH) {
        if (!this.#transmit(batch, false, transfer)) for (const message of batch) this.#sendAlone(message as unknown[], transfer);
        return;
      }
      for (let start = 0; start < batch.length && !this.closed; start += MAX_BATCH) {
        const part = batch.slice(start, start + MAX_BATCH);
        const partTransfer = transfer && part.flatMap((message) => transferablesIn(message as unknown[]) ?? []);
        if (!this.#transmit(part, false, partTransfer)) for (const message of part) this.#sendAlone(message as unknown[], transfer);
      }
    } catch (error) {
      // Nothing in the send path may escape as an unhandled rejection of this microtask.
      this.#host.broken(new RpcError('INTERNAL', 'the send path failed', { cause: error }));
    } finally {
      this.#checkBuffered();
    }
  };

  /**
   * Replies cannot wait for a far side that stops reading (streams do: `whenWritable`), so what
   * the transport holds unsent is bounded: past `maxBuffered` bytes the session ends.
   */
  #checkBuffered(): void {
    const buffered = this.#transport.bufferedAmount;
    if (buffered !== undefined && buffered > this.#maxBuffered && !this.closed) {
      this.#host.broken(new RpcError('RESOURCE_EXHAUSTED', `the far side is not reading: ${buffered} bytes wait to be sent`));
    }
  }

  /** The largest message this side may send: its own limit, the far side's, the transport's. */
  #sendLimit(): number {
    return Math.min(this.#limit, this.remoteLimit, this.#transportLimit);
  }

  /** Sends one message alone; one that cannot go is handed back to the session and nothing else fails. */
  #sendAlone(message: unknown[], transfer: Transferable[] | undefined): void {
    try {
      this.#transmit(message, true, transfer && transferablesIn(message));
    } catch (error) {
      this.#host.unsent(message, RpcError.from(error, 'INVALID_ARGUMENT'));
    }
  }

  /**
   * Sends one transport message: a `lone` message as itself (one array less to clone or encode on
   * the common path), which throws when it cannot go, or a batch, which returns false instead, to
   * be sent message by message.
   */
  #transmit(frame: unknown[], lone: boolean, transfer: Transferable[] | undefined): boolean {
    if (this.closed) return true;
    let data: unknown;
    try {
      data = this.#shared ? this.#codec.encodeShared!(frame) : this.#codec.encode(frame);
    } catch (error) {
      if (lone) throw new RpcError('INVALID_ARGUMENT', `a value could not be encoded: ${(error as Error)?.message}`);
      return false;
    }
    if (data instanceof Uint8Array && data.byteLength > this.#sendLimit()) {
      if (lone) throw new RpcError('RESOURCE_EXHAUSTED', `message of ${data.byteLength} bytes exceeds the limit`);
      return false;
    }
    try {
      this.#transport.send(data, transfer);
    } catch (error) {
      if (!isValueError(error)) {
        this.#host.broken(new RpcError('UNAVAILABLE', 'the transport failed to send', { cause: error }));
        return true;
      }
      if (lone) throw new RpcError('INVALID_ARGUMENT', `a value could not be cloned: ${(error as Error).message}`);
      return false;
    }
    this.sent++;
    return true;
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
