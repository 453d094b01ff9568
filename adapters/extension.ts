// biome-ignore-all lint/suspicious/noExplicitAny: the platform's own signatures
/**
 * `saltline/extension`: a transport over a browser extension's `runtime.Port` — content script ↔
 * service worker, popup or options page ↔ service worker, a web page ↔ the extension through
 * `externally_connectable`.
 *
 * Chrome serializes port messages as JSON (a `Uint8Array` arrives as `{"0":1,...}`, a `Map` as
 * `{}`, `undefined` as `null`), so this is a byte transport: the peer encodes with msgpack, which
 * keeps every type saltline carries, and each frame crosses the port as one base64 string (the
 * one encoding a JSON channel carries compactly without escapes).
 *
 * An MV3 service worker is stopped when idle and its ports disconnect. `fromExtensionPort` ends
 * its peer then (calls in flight fail with `UNAVAILABLE`). `connectExtension` redials instead, through
 * `reconnecting()`: calls in flight fail with `UNAVAILABLE`, new calls wait, the new port wakes the
 * service worker, and a fresh session starts on it. See docs/guide/extension.md.
 */

import { msgpackCodec } from '../src/codec/msgpack.js';
import { type Reconnecting, type ReconnectPolicy, reconnecting } from '../src/dialer.js';
import { RpcError } from '../src/errors.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';

export type { ConnectionState, ConnectionStateChange } from '../src/connection-state.js';

/** `chrome.events.Event` as far as a port uses it. */
export interface ExtensionEvent<Listener extends (...args: any[]) => void> {
  addListener(listener: Listener): void;
  removeListener(listener: Listener): void;
}

/** `chrome.runtime.Port` (or `browser.runtime.Port`): what `runtime.connect` returns and `onConnect` hands over. */
export interface ExtensionPort {
  readonly name: string;
  postMessage(message: any): void;
  disconnect(): void;
  readonly onMessage: ExtensionEvent<(message: any, port: any) => void>;
  readonly onDisconnect: ExtensionEvent<(port: any) => void>;
  /** Set on the side that received the connection (`onConnect`), absent on the side that called `connect`. */
  readonly sender?: { readonly id?: string; readonly url?: string; readonly origin?: string };
  /** Firefox: why the port disconnected. */
  readonly error?: { readonly message?: string } | null;
}

/** Chrome JSON-serializes port messages (up to 64 MiB): a base64 frame of 48 MiB fits. */
const MAX_MESSAGE = 48 * 1024 * 1024;

export interface ExtensionPortOptions {
  /** Whether this side called `runtime.connect`. Default: true when the port has no `sender`. */
  readonly initiator?: boolean;
}

/** A transport over one port; its disconnect (a stopped service worker, a closed tab) closes the peer. */
export function fromExtensionPort(port: ExtensionPort, options: ExtensionPortOptions = {}): ExtensionPortTransport {
  return new ExtensionPortTransport(port, options.initiator ?? port.sender === undefined);
}

export class ExtensionPortTransport implements Transport {
  readonly encoding: BytesEncoding = { codec: msgpackCodec, maxMessageSize: MAX_MESSAGE };
  #stop: (() => void) | undefined;

  constructor(
    readonly port: ExtensionPort,
    readonly initiator: boolean,
  ) {}

  start(receiver: TransportReceiver): void {
    this.#stop = listen(
      this.port,
      (data) => receiver.message(data),
      (reason) => {
        this.#stop = undefined;
        receiver.closed(reason);
      },
    );
  }

  send(message: unknown): void {
    this.port.postMessage(toBase64(message as Uint8Array));
  }

  close(): void {
    if (!this.#stop) return;
    this.#stop();
    this.#stop = undefined;
    this.port.disconnect();
  }
}

/** Redialling for `connectExtension`: a `ReconnectPolicy` whose defaults suit a service worker. */
export interface ConnectExtensionOptions extends ReconnectPolicy {
  /** Delay before redialling, in ms, growing by `factor` while ports in a row go unanswered. Default 100. */
  readonly initialDelay?: number;
  /** Ports in a row that fail (nobody listening, refused, dropped) before the peer closes. Default 5. */
  readonly maxAttempts?: number;
}

/** Errors of `open` itself: the extension was reloaded or removed, and no redial will do better. */
const contextGone = new WeakSet<object>();

/**
 * What `createPeer` needs for a peer that redials its service worker: `open` makes a new port each
 * time, e.g. `() => chrome.runtime.connect({ name: 'rpc' })`. A port counts as up once the far
 * side's hello arrives (connecting alone wakes nobody); an `open` that throws (the extension was
 * reloaded or removed: "Extension context invalidated") closes the peer for good.
 */
export function connectExtension(open: () => ExtensionPort, options: ConnectExtensionOptions = {}): Reconnecting {
  const policy: ReconnectPolicy = {
    initialDelay: 100,
    maxAttempts: 5,
    ...options,
    shouldRetry: (reason) => !contextGone.has(reason as object) && (options.shouldRetry?.(reason) ?? true),
  };
  return reconnecting(() => {
    let port: ExtensionPort;
    try {
      port = open();
    } catch (error) {
      const gone = RpcError.from(error, 'UNAVAILABLE');
      contextGone.add(gone);
      throw gone;
    }
    return new ExtensionPortTransport(port, true);
  }, policy);
}

/** Delivers a port's frames (decoded) and its disconnect (with the platform's reason) until stopped. */
function listen(
  port: ExtensionPort,
  message: (data: Uint8Array | undefined) => void,
  disconnected: (reason: unknown) => void,
): () => void {
  const onMessage = (data: unknown) => message(fromBase64(data));
  const onDisconnect = () => {
    stop();
    disconnected(new Error(disconnectReason(port)));
  };
  const stop = () => {
    port.onMessage.removeListener(onMessage);
    port.onDisconnect.removeListener(onDisconnect);
  };
  port.onMessage.addListener(onMessage);
  port.onDisconnect.addListener(onDisconnect);
  return stop;
}

function disconnectReason(port: ExtensionPort): string {
  // Reading chrome.runtime.lastError here also keeps Chrome from logging it as unchecked.
  const runtime = (globalThis as { chrome?: { runtime?: { lastError?: { message?: string } } } }).chrome?.runtime;
  return port.error?.message ?? runtime?.lastError?.message ?? 'the port disconnected';
}

const CHUNK = 0x8000;

function toBase64(bytes: Uint8Array): string {
  const native = (bytes as { toBase64?: () => string }).toBase64;
  if (native) return native.call(bytes);
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** A frame back to bytes; anything else (not a string, not base64) becomes `undefined`, which the peer counts as malformed. */
function fromBase64(data: unknown): Uint8Array | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const native = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
    if (native) return native(data);
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
