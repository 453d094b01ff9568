/**
 * An in-memory transport pair for tests: messages are copied (structured clone, or a byte copy)
 * and delivered on a later microtask, as a real port would do on a later task.
 */
import { msgpackCodec } from '../src/codec/msgpack.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';

export class MemoryTransport implements Transport {
  far: MemoryTransport | undefined;
  receiver: TransportReceiver | undefined;
  isClosed = false;
  /** Every message this end has sent, when `record` is on: for tests that inspect the wire. */
  readonly sent: unknown[] = [];
  record = false;
  readonly encoding: 'clone' | BytesEncoding;

  constructor(kind: 'clone' | 'bytes', maxMessageSize?: number) {
    // `send` copies at once, so the peer may encode into a reused buffer (and the tests exercise that path).
    this.encoding = kind === 'bytes' ? { codec: msgpackCodec, maxMessageSize, copiesOnSend: true } : 'clone';
  }

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  send(message: unknown, transfer?: Transferable[]): void {
    if (this.isClosed) throw new Error('memory transport is closed');
    if (this.record) this.sent.push(message);
    const copy = message instanceof Uint8Array ? message.slice() : structuredClone(message, { transfer });
    const far = this.far;
    queueMicrotask(() => far?.deliver(copy));
  }

  /** Called when a message arrives before this end has a receiver, and is lost. */
  onDrop: (() => void) | undefined;

  /** Hands a message to this end's peer as if it had arrived from the far side. */
  deliver(message: unknown): void {
    if (this.isClosed) return;
    if (this.receiver) this.receiver.message(message);
    else this.onDrop?.();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.receiver = undefined;
    const far = this.far;
    if (far) queueMicrotask(() => far.#farClosed());
  }

  #farClosed(): void {
    if (this.isClosed) return;
    const receiver = this.receiver;
    this.isClosed = true;
    this.receiver = undefined;
    receiver?.closed('the far side closed');
  }
}

export function createMemoryPair(kind: 'clone' | 'bytes' = 'clone', maxMessageSize?: number): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(kind, maxMessageSize);
  const b = new MemoryTransport(kind, maxMessageSize);
  a.far = b;
  b.far = a;
  return [a, b];
}
