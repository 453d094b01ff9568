/**
 * The smallest interface that carries frames between two endpoints. Adapters in `adapters/`
 * build one from a platform object; the secure channel wraps one and is one.
 */
export interface Transport {
  /** `clone` carries structured-clone values (ports); `bytes` carries only `Uint8Array`s. */
  readonly kind: 'clone' | 'bytes';
  /** The largest message the transport carries, in bytes (byte transports). */
  readonly maxMessageSize?: number;
  /** Bytes queued but not yet sent, where the platform says (WebSocket, data channel). */
  readonly bufferedAmount?: number;
  /** Starts delivery to `receiver`. Called once, by the peer. */
  start(receiver: TransportReceiver): void;
  /** Sends one message; `transfer` lists objects to move rather than copy (ports only). */
  send(message: unknown, transfer?: Transferable[]): void;
  /** Stops delivery and releases every listener; the far side sees the close where it can. */
  close(): void;
}

export interface TransportReceiver {
  /** One message arrived. */
  message(data: unknown): void;
  /** The transport ended by itself (far side gone, socket dropped); `reason` says why. */
  closed(reason?: unknown): void;
}
