import type { Codec } from './codec/codec.js';

/**
 * How a byte transport's messages are made and bounded. Byte adapters declare one; a port, which
 * carries structured-clone values, says `'clone'` instead.
 */
export interface BytesEncoding {
  /**
   * Makes the codec a peer uses when `createPeer` is given none: byte adapters name msgpack here,
   * so an app on ports alone never bundles a byte codec. Without one, the peer needs the `codec` option.
   */
  readonly codec?: (limits: { readonly maxMessageSize: number }) => Codec;
  /** The largest message the transport carries, in bytes. Default: no limit of its own. */
  readonly maxMessageSize?: number;
  /**
   * True when `send` copies (or consumes) the message before it returns, so the codec may hand it
   * a buffer it reuses: a browser WebSocket, an open `ws` client socket, a fragmenting link. Read
   * once, when the peer starts. Default false, and it must be false whenever `send` would keep the
   * message (a socket still connecting queues it).
   */
  readonly copiesOnSend?: boolean;
  /**
   * True when the transport also carries strings, each as a text frame (a WebSocket): `send` takes
   * one and `message` may deliver one, held to `maxMessageSize` counted in UTF-8 bytes. The
   * negotiated `json` codec then sends text (docs/protocol.md §3.1). Default false: bytes only.
   */
  readonly text?: boolean;
}

/**
 * The smallest interface that carries messages over one link, which opens once and closes once.
 * Adapters in `adapters/` build one from a platform object; the secure channel wraps one and is one.
 */
export interface Transport {
  /** `'clone'`: structured-clone values (ports, which may transfer); otherwise bytes, as described. */
  readonly encoding: 'clone' | BytesEncoding;
  /** Bytes queued but not yet sent, where the platform says (WebSocket, data channel): the peer waits on it. */
  readonly bufferedAmount?: number;
  /**
   * Whether this end opened the link (WebSocket client, WebRTC offerer, creator of a worker or
   * iframe, `runtime.connect` caller); `undefined` when the platform cannot say (a port pair). The
   * secure channel's default role: a server's end says `false`, so it always checks the hellos it
   * answers, whatever a client sends.
   */
  readonly initiator?: boolean;
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

/** The byte encoding of `transport`, or `undefined` for a clone transport. */
export function bytesOf(transport: Transport): BytesEncoding | undefined {
  return transport.encoding === 'clone' ? undefined : transport.encoding;
}
