/**
 * A transport through the hub's blind relay (`deploy/hub`, `/relay?pair=ID`): two peers that open
 * a WebSocket to the same pair, on one hub or on two hubs sharing a bus, talk as if connected.
 * The hub forwards their binary frames unread, so run `saltline/secure` over it: the relay then
 * learns nothing and can forge nothing.
 *
 * The hub says `"paired"` (a text frame) to each socket once the other end is there, and closes a
 * socket when its other end leaves; frames sent before that would reach no one, so this transport
 * holds them until then. Neither end opened the link to the other, so it reports no `initiator`:
 * the secure channel then lets both ends say hello and picks the initiator from their keys.
 */
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

/** The hub relay's default cap on one frame, in bytes (its `maxMessageSize`). */
const RELAY_MAX_MESSAGE_SIZE = 1 << 20;

/** What the hub sends a socket once both ends of its pair are there. */
const PAIRED = 'paired';

/** Options of `fromRelay`: those of `fromWebSocket`, whose `maxMessageSize` defaults to the relay's 1 MiB here. */
export type RelayTransportOptions = Omit<WebSocketTransportOptions, 'initiator'>;

/** The transport `fromRelay` returns: it holds sends until the other end of the pair is there. */
export class RelayTransport implements Transport {
  readonly encoding: BytesEncoding;
  /** Neither end opened the link to the other (see the module comment). */
  readonly initiator = undefined;
  readonly #inner: WebSocketTransport;
  /** Sends made before the hub said the pair is complete; `undefined` once it has. */
  #held: unknown[] | undefined = [];

  constructor(socket: WebSocketLike, options: RelayTransportOptions = {}) {
    this.#inner = new WebSocketTransport(socket, { maxMessageSize: RELAY_MAX_MESSAGE_SIZE, ...options });
    // Held messages are kept, so the codec may not reuse their buffers.
    this.encoding = { ...this.#inner.encoding, copiesOnSend: false };
  }

  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }

  /** Whether the other end of the pair has arrived. */
  get paired(): boolean {
    return this.#held === undefined;
  }

  start(receiver: TransportReceiver): void {
    this.#inner.start({
      message: (data) => {
        if (data !== PAIRED || this.paired) return receiver.message(data);
        const held = this.#held!;
        this.#held = undefined;
        for (const message of held) this.#inner.send(message);
      },
      closed: (reason) => receiver.closed(reason),
    });
  }

  send(message: unknown): void {
    if (this.#held) this.#held.push(message);
    else this.#inner.send(message);
  }

  close(): void {
    this.#held = undefined;
    this.#inner.close();
  }
}

/**
 * A transport over a socket you opened to a hub's relay, `new WebSocket(`${hub}/relay?pair=${pair}`)`
 * (a pair name is 8 to 128 letters, digits, `_` or `-`; make it unguessable). Give it to `createPeer`
 * from `saltline/secure` at once. `peer.close()` closes the socket; the other end's leaving closes the peer.
 */
export function fromRelay(socket: WebSocketLike, options: RelayTransportOptions = {}): RelayTransport {
  return new RelayTransport(socket, options);
}
