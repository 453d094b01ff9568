/* biome-ignore-all lint/suspicious/noExplicitAny: shapes must accept each platform's own signatures */
/**
 * The WebSocket transport itself: one socket, binary frames (text ones for negotiated JSON),
 * keep-alive, close codes mapped to close reasons. `saltline/websocket` (websocket.ts) exports it; the redialling client and the
 * server build on it.
 */

import { msgpackCodec } from '../src/codec/msgpack.js';
import { RpcError, type RpcErrorCode } from '../src/errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../src/protocol.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';
import { sendCopy } from './send-copies.js';

/** What the adapter needs of a socket: the browser `WebSocket` and `ws`'s `WebSocket` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  readonly bufferedAmount: number;
  /** `ws` also takes a callback, called once the data is written. */
  send(data: any, written?: (error?: unknown) => void): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  /** `ws` only: sends a ping frame. */
  ping?(): void;
  /** `ws` only: destroys the connection at once. */
  terminate?(): void;
  /** `ws` only: pong frames are reported as EventEmitter events. */
  on?(event: 'pong', listener: () => void): unknown;
  off?(event: 'pong', listener: () => void): unknown;
}

/** Pings that notice a far side gone silent, so a dead connection closes instead of hanging. */
export interface KeepAliveOptions {
  /**
   * Milliseconds of silence from the far side before a ping; a second interval without any answer
   * declares the far side dead (so a dead peer is noticed within two to three intervals). Default 15,000.
   */
  readonly interval?: number;
}

/** Options of `fromWebSocket`. */
export interface WebSocketTransportOptions {
  /** Whether this end dialled (the client). Default true; `serveWebSocket` passes false. */
  readonly initiator?: boolean;
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009. Default 32 MiB. */
  readonly maxMessageSize?: number;
  /** Keep-alive pings and dead-peer detection; `false` turns them off. Default `{ interval: 15_000 }`. */
  readonly keepAlive?: KeepAliveOptions | false;
}

/** What a close reason's `data` holds: the close frame as the socket reported it. */
export interface WebSocketCloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** Sent (browser) when the far side stopped answering keep-alive pings. */
export const CLOSE_KEEPALIVE_TIMEOUT = 4000;

const closeCodes: Record<number, [RpcErrorCode, string]> = {
  1000: ['UNAVAILABLE', 'normal closure'],
  1001: ['UNAVAILABLE', 'going away'],
  1002: ['INTERNAL', 'protocol error'],
  1003: ['INVALID_ARGUMENT', 'unsupported data'],
  1005: ['UNAVAILABLE', 'no status'],
  1006: ['UNAVAILABLE', 'abnormal closure'],
  1007: ['DATA_LOSS', 'invalid payload data'],
  1008: ['PERMISSION_DENIED', 'policy violation'],
  1009: ['RESOURCE_EXHAUSTED', 'message too big'],
  1010: ['UNIMPLEMENTED', 'mandatory extension'],
  1011: ['INTERNAL', 'internal error'],
  1012: ['UNAVAILABLE', 'service restart'],
  1013: ['UNAVAILABLE', 'try again later'],
  1014: ['UNAVAILABLE', 'bad gateway'],
  1015: ['UNAVAILABLE', 'TLS handshake failed'],
  [CLOSE_KEEPALIVE_TIMEOUT]: ['UNAVAILABLE', 'keep-alive timeout'],
};

/** The close code `ws` attaches to the errors it closes a connection for. */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const key = Object.getOwnPropertySymbols(error).find((symbol) => symbol.description === 'status-code');
  const status = key && (error as Record<symbol, unknown>)[key];
  return typeof status === 'number' ? status : undefined;
}

/**
 * The close reason for a close frame: an `RpcError` whose code follows the close code (1008 →
 * `PERMISSION_DENIED`, 1009 → `RESOURCE_EXHAUSTED`, 1011 → `INTERNAL`, other codes below 4000 and
 * 1000/1001/1006 → `UNAVAILABLE`, application codes → `UNKNOWN`), with `data` the close frame.
 */
export function closeReason(code: number, reason = '', wasClean = false, cause?: unknown): RpcError {
  const [rpcCode, label] = closeCodes[code] ?? [code >= 3000 ? 'UNKNOWN' : 'UNAVAILABLE', 'closed'];
  const data: WebSocketCloseInfo = { code, reason, wasClean };
  const message = `the WebSocket closed with ${code} (${label})${reason ? `: ${reason}` : ''}`;
  return new RpcError(rpcCode, message, cause === undefined ? { data } : { data, cause });
}

/** The transport `fromWebSocket` returns: one socket, msgpack frames, keep-alive. */
export class WebSocketTransport implements Transport {
  readonly initiator: boolean;
  readonly #maxMessageSize: number;
  /** Runs once the socket is open (the redialling client listens here). */
  onOpen: (() => void) | undefined;

  #receiver: TransportReceiver | undefined;
  #queue: Uint8Array[] = [];
  readonly #interval: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #heard = true;
  #pinged = false;
  #error: unknown;
  #listening = false;
  #awaitingOpen = false;
  #halfStopped = false;
  #done = false;

  constructor(
    readonly socket: WebSocketLike,
    options: WebSocketTransportOptions = {},
  ) {
    this.initiator = options.initiator ?? true;
    this.#maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#interval = options.keepAlive === false ? 0 : (options.keepAlive?.interval ?? 15_000);
  }

  /**
   * `send` always copies (or consumes) the message before it returns, so the codec may reuse its
   * buffer: a browser socket and an open `ws` client socket copy as they frame; for a `ws` server
   * socket (which writes the bytes it is handed later), a deflating one, and a connecting one
   * (which queues), the adapter copies.
   */
  get encoding(): BytesEncoding {
    return { codec: msgpackCodec, maxMessageSize: this.#maxMessageSize, copiesOnSend: true, text: true };
  }

  /** Whether the open socket itself copies in `send`: a browser's does, and a `ws` client's masks into a new buffer. */
  #socketCopies(): boolean {
    if (!this.#canPing()) return true;
    return this.initiator && (this.socket as { extensions?: unknown }).extensions === '';
  }

  get bufferedAmount(): number {
    let queued = 0;
    for (const message of this.#queue) queued += message.byteLength;
    return this.socket.bufferedAmount + queued;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    const socket = this.socket;
    // `ws` hands over its own Buffer as is; 'arraybuffer' would copy every message that shares a
    // read buffer (all small ones) into a new ArrayBuffer. Browsers need 'arraybuffer' (not Blob).
    socket.binaryType = this.#canPing() ? 'nodebuffer' : 'arraybuffer';
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('close', this.#onClose);
    socket.addEventListener('error', this.#onError);
    if (this.#canPing()) socket.on!('pong', this.#onPong);
    this.#listening = true;
    if (socket.readyState === OPEN) this.#onOpened();
    else if (socket.readyState === CONNECTING) {
      this.#awaitingOpen = true;
      socket.addEventListener('open', this.#onOpened);
    } else queueMicrotask(() => this.#finish(closeReason(1006, 'the socket was closed before the peer started')));
  }

  send(message: unknown): void {
    const state = this.socket.readyState;
    if (state === OPEN) {
      if (typeof message === 'string' || this.#socketCopies()) this.socket.send(message);
      else sendCopy(message as Uint8Array, this.#sendWritten);
    } else if (state === CONNECTING) this.#queue.push((message as Uint8Array).slice());
    // Closing or closed: the close event reports it; what is sent now is lost, as on any dropped link.
  }

  /** Closes with 1000 (or `code`), and stops delivery at once. */
  close(code = 1000, reason = ''): void {
    if (this.#done) return;
    this.#done = true;
    this.#receiver = undefined;
    this.#stop();
    const socket = this.socket;
    if (socket.readyState === CONNECTING || socket.readyState === OPEN) socket.close(code, reason);
  }

  readonly #sendWritten = (data: Uint8Array, written: (error?: unknown) => void): void => this.socket.send(data, written);

  #canPing(): boolean {
    return typeof this.socket.ping === 'function' && typeof this.socket.on === 'function';
  }

  readonly #onOpened = (): void => {
    this.#stopAwaitingOpen();
    for (const message of this.#queue.splice(0)) this.socket.send(message);
    if (this.#interval > 0) {
      this.#timer = setInterval(this.#tick, this.#interval);
      (this.#timer as { unref?: () => void }).unref?.();
    }
    this.onOpen?.();
  };

  readonly #onMessage = (event: { data: unknown }): void => {
    this.#heard = true;
    const data = event.data;
    if (typeof data === 'string') {
      // Over the limit in UTF-8 bytes: the length settles most strings; only long ones are measured.
      const max = this.#maxMessageSize;
      if (data.length > max || (data.length * 3 > max && new Blob([data]).size > max))
        return this.#tooBig(`a text frame of over ${max} bytes`);
      if (data === 'ping') this.send('pong');
      // A negotiated JSON frame, or not ours (the peer counts that as malformed).
      else if (data !== 'pong') this.#receiver?.message(data);
      return;
    }
    const size = (data as ArrayBuffer).byteLength;
    if (size > this.#maxMessageSize) return this.#tooBig(`a message of ${size} bytes, over ${this.#maxMessageSize}`);
    // A plain Uint8Array view either way: no copy, and bytes arrive as Uint8Array, not Buffer.
    const bytes = data as Uint8Array;
    this.#receiver?.message(
      data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
  };

  /** A frame over the limit, binary or text, closes the socket with 1009 and the peer with RESOURCE_EXHAUSTED. */
  #tooBig(what: string): void {
    this.socket.close(1009, 'message too big');
    this.#finish(new RpcError('RESOURCE_EXHAUSTED', `received ${what}`));
  }

  readonly #onPong = (): void => {
    this.#heard = true;
  };

  readonly #onError = (event: { error?: unknown; message?: string }): void => {
    this.#error = event.error ?? (event.message ? new Error(event.message) : undefined);
  };

  readonly #onClose = (event: { code: number; reason?: string; wasClean?: boolean }): void => {
    if (this.#done) return this.#stop();
    // ws reports its own protocol failures (a frame over maxPayload: 1009) as an error, then 1006.
    const code = event.code === 1006 ? (statusOf(this.#error) ?? 1006) : event.code;
    this.#finish(closeReason(code, event.reason ?? '', event.wasClean ?? false, this.#error));
  };

  #stopAwaitingOpen(): void {
    if (!this.#awaitingOpen) return;
    this.#awaitingOpen = false;
    this.socket.removeEventListener('open', this.#onOpened);
  }

  /** Once an interval: a ping after silence, and a verdict after silence that follows a ping. */
  readonly #tick = (): void => {
    if (this.#heard) {
      this.#heard = false;
      this.#pinged = false;
      return;
    }
    if (this.#pinged) {
      const reason = new RpcError('UNAVAILABLE', `no answer to keep-alive pings for ${2 * this.#interval} ms`);
      if (this.socket.terminate) this.socket.terminate();
      else this.socket.close(CLOSE_KEEPALIVE_TIMEOUT, 'keep-alive timeout');
      return this.#finish(reason);
    }
    this.#pinged = true;
    if (this.socket.readyState !== OPEN) return;
    if (this.#canPing()) this.socket.ping!();
    else this.socket.send('ping');
  };

  /** The link ended from the far side or by a failure here: release everything, then report once. */
  #finish(reason: unknown): void {
    if (this.#done) return;
    this.#done = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    this.#stop();
    receiver?.closed(reason);
  }

  /**
   * Removes listeners and the timer. A `ws` socket emits 'error' as an EventEmitter event, which
   * throws with no listener, so until its close event its error and close listeners stay (and do
   * nothing); a browser socket's go at once.
   */
  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    if (!this.#listening) return;
    const socket = this.socket;
    this.#stopAwaitingOpen();
    if (!this.#halfStopped) {
      this.#halfStopped = true;
      socket.removeEventListener('message', this.#onMessage);
      if (this.#canPing()) socket.off!('pong', this.#onPong);
    }
    if (typeof socket.on === 'function' && socket.readyState !== CLOSED) return;
    this.#listening = false;
    socket.removeEventListener('close', this.#onClose);
    socket.removeEventListener('error', this.#onError);
  }
}
