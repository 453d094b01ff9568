/**
 * A transport through the hub's blind relay (`deploy/hub`, `/relay?pair=ID`): two peers that open
 * a WebSocket to the same pair, on one hub or on two hubs sharing a bus, talk as if connected.
 * The hub forwards their binary frames unread, so run `saltline/secure` over it: the relay then
 * learns nothing and can forge nothing.
 *
 * The hub says `"paired"` (a text frame) to each socket once the other end is there, and closes a
 * socket when its other end leaves. `fromRelay` resolves then, so the peer (and its secure
 * handshake, with its timeout) starts only once the other end can answer; what the other end
 * sends before the peer starts is kept (a few messages: its hello). Neither end opened the link to
 * the other, so the transport reports no `initiator`: the secure channel then lets both ends say
 * hello and picks the initiator from their keys.
 */
import { RpcError } from '../src/errors.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

/** The hub relay's default cap on one frame, in bytes (its `maxMessageSize`). */
const RELAY_MAX_MESSAGE_SIZE = 1 << 20;
/** Messages kept from the other end before the peer starts; one more closes the link. */
const MAX_EARLY_MESSAGES = 16;
/** What the hub sends a socket once both ends of its pair are there. */
const PAIRED = 'paired';

/** Options of `fromRelay`: those of `fromWebSocket`, whose `maxMessageSize` defaults to the relay's 1 MiB here. */
export type RelayTransportOptions = Omit<WebSocketTransportOptions, 'initiator'>;

/** The transport `fromRelay` resolves with, once both ends of the pair are at the hub. */
export class RelayTransport implements Transport {
  /** Neither end opened the link to the other (see the module comment). */
  readonly initiator = undefined;
  /** Settles once the hub says the pair is complete; rejects if the socket closes first. */
  readonly paired: Promise<void>;
  readonly #inner: WebSocketTransport;
  #receiver: TransportReceiver | undefined;
  /** What arrived before `start`: the other end's messages, then maybe the close. */
  readonly #early: unknown[] = [];
  #closed: { reason: unknown } | undefined;

  constructor(socket: WebSocketLike, options: RelayTransportOptions = {}) {
    this.#inner = new WebSocketTransport(socket, { maxMessageSize: RELAY_MAX_MESSAGE_SIZE, ...options });
    let isPaired = false;
    this.paired = new Promise((resolve, reject) => {
      this.#inner.start({
        message: (data) => {
          if (!isPaired && data === PAIRED) return ((isPaired = true), resolve());
          if (this.#receiver) return this.#receiver.message(data);
          if (this.#early.length < MAX_EARLY_MESSAGES) return void this.#early.push(data);
          this.#ended(new RpcError('RESOURCE_EXHAUSTED', `over ${MAX_EARLY_MESSAGES} messages came before the peer started`));
          this.#inner.close();
        },
        closed: (reason) => {
          if (!isPaired) reject(RpcError.from(reason ?? 'the relay closed before the other end came', 'UNAVAILABLE'));
          this.#ended(reason);
        },
      });
    });
    this.paired.catch(() => {}); // fromRelay's caller gets it
  }

  get encoding(): BytesEncoding {
    return this.#inner.encoding;
  }

  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    for (const data of this.#early.splice(0)) receiver.message(data);
    if (this.#closed) receiver.closed(this.#closed.reason);
  }

  send(message: unknown): void {
    this.#inner.send(message);
  }

  close(): void {
    this.#inner.close();
  }

  #ended(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = { reason };
    this.#receiver?.closed(reason);
  }
}

/**
 * A transport over a socket you opened to a hub's relay, `new WebSocket(`${hub}/relay?pair=${pair}`)`
 * (a pair name is 8 to 128 letters, digits, `_` or `-`; make it unguessable), once the other end of
 * the pair is there too; give it to `createPeer` from `saltline/secure`. It rejects with the close
 * reason (an `RpcError`) if the socket closes first: the pair is full, the hub went away, or you
 * closed the socket to stop waiting. `peer.close()` closes the socket; the other end's leaving closes the peer.
 */
export async function fromRelay(socket: WebSocketLike, options: RelayTransportOptions = {}): Promise<RelayTransport> {
  const transport = new RelayTransport(socket, options);
  await transport.paired;
  return transport;
}
