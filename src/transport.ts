import type { Codec } from './codec/codec.js';

/**
 * The smallest interface that carries frames between two endpoints. Adapters in `adapters/`
 * build one from a platform object; the secure channel wraps one and is one.
 */
export interface Transport {
  /** `clone` carries structured-clone values (ports); `bytes` carries only `Uint8Array`s. */
  readonly kind: 'clone' | 'bytes';
  /**
   * Makes the codec a peer uses when `createPeer` is given none; byte adapters name msgpack here,
   * so an app on ports alone never bundles a byte codec. Default: structured clone on `clone`
   * transports; a `bytes` transport without one needs the `codec` option.
   */
  readonly codec?: (limits: { readonly maxMessageSize: number }) => Codec;
  /** The largest message the transport carries, in bytes (byte transports). */
  readonly maxMessageSize?: number;
  /** Bytes queued but not yet sent, where the platform says (WebSocket, data channel). */
  readonly bufferedAmount?: number;
  /**
   * Whether this end opened the link (WebSocket client, WebRTC offerer, creator of a worker or
   * iframe, `runtime.connect` caller); `undefined` when the platform cannot say (a port pair).
   */
  readonly initiator?: boolean;
  /**
   * True when `send` copies (or consumes) the message before it returns, so the codec may hand it
   * a buffer it reuses: a browser WebSocket, an open `ws` client socket, a fragmenting link.
   * Default false, and it must be false whenever `send` would keep the message (a socket still
   * connecting queues it).
   */
  readonly copiesOnSend?: boolean;
  /** Starts delivery to `receiver`. Called once, by the peer. */
  start(receiver: TransportReceiver): void;
  /** Sends one message; `transfer` lists objects to move rather than copy (ports only). */
  send(message: unknown, transfer?: Transferable[]): void;
  /** Stops delivery and releases every listener; the far side sees the close where it can. */
  close(): void;
}

/** What a transport delivers to the session that started it: each message, and its close. */
export interface TransportReceiver {
  /** One message arrived. */
  message(data: unknown): void;
  /** The transport ended (far side gone, socket dropped); `reason` says why. It does not come back: a new link is a new transport. */
  closed(reason?: unknown): void;
}

export type { ConnectionState, ConnectionStateChange } from './connection-state.js';
