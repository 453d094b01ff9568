/** A peer under test with the far end driven by hand: the test speaks the wire protocol itself. */

import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { cloneCodec, createPeer, type Peer, type PeerOptions } from '../../src/index.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { track } from './connect.js';

export interface RawEnd {
  readonly peer: Peer;
  /** Sends one transport message (a batch of messages) to the peer. */
  send(...messages: unknown[][]): void;
  /** Sends anything at all as one transport message, encoded or not. */
  sendRaw(data: unknown): void;
  /** Decoded messages the peer has sent so far, flattened out of their batches. */
  readonly received: unknown[][];
  /** How many transport messages the peer has sent. */
  readonly batches: number;
  /** Resolves with the first received message that `match` accepts. */
  next(match: (message: unknown[]) => boolean): Promise<unknown[]>;
  readonly farClosed: Promise<unknown>;
  /** The peer's own transport end, to drive link events by hand. */
  readonly transport: MemoryTransport;
}

export function rawPeer(kind: 'clone' | 'bytes', options: PeerOptions = {}): RawEnd {
  const [near, far] = createMemoryPair(kind);
  const codec = kind === 'bytes' ? msgpackCodec() : cloneCodec;
  const received: unknown[][] = [];
  const waiters: { match: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  let batches = 0;
  let farClosed!: (reason: unknown) => void;
  const closed = new Promise<unknown>((resolve) => (farClosed = resolve));
  far.start({
    message(data) {
      batches++;
      const frame = codec.decode(data) as unknown[];
      // A frame is one message (it starts with its kind) or a batch of them.
      for (const message of (typeof frame[0] === 'number' ? [frame] : frame) as unknown[][]) {
        received.push(message);
        for (const waiter of waiters.splice(0)) {
          if (waiter.match(message)) waiter.resolve(message);
          else waiters.push(waiter);
        }
      }
    },
    closed: (reason) => farClosed(reason),
  });
  const peer = track(createPeer(near, options));
  return {
    peer,
    received,
    get batches() {
      return batches;
    },
    send: (...messages) => far.send(codec.encode(messages)),
    sendRaw: (data) => far.send(data),
    next(match) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    farClosed: closed,
    transport: near,
  };
}

export const kindIs = (kind: number) => (message: unknown[]) => message[0] === kind;
export const replyTo = (id: number) => (message: unknown[]) => (message[0] === 3 || message[0] === 4) && message[1] === id;
