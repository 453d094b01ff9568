// biome-ignore-all lint/suspicious/noExplicitAny: Electron's own signatures
/**
 * `saltline/electron`: transports between Electron's main process and a renderer, on the
 * `MessagePort`s Electron recommends for this (`MessageChannelMain`), typed by the shapes of
 * Electron's own objects (this module never imports `electron`).
 *
 * - `fromIpcMain(ipcMain, webContents)` in main and `fromIpcRenderer(ipcRenderer)` in the preload:
 *   a handshake on one IPC channel (either side may start first), then the renderer hands main a
 *   `MessagePort` of a fresh `MessageChannel` and every frame goes over it, not through `ipcMain`.
 *   A reload or crash of the renderer fails main's calls in flight with `UNAVAILABLE`, and the new
 *   page is handshaken anew; the window's destruction closes main's peer.
 * - `fromMessagePortMain(port)`: one `MessagePortMain` you handed over yourself (see the guide).
 *
 * See docs/guide/electron.md. No Electron binary runs in this project's CI: the adapter is tested
 * against stand-ins with Electron's exact shapes built on Node's `MessageChannel`.
 */
import type { Transport, TransportReceiver } from '../src/transport.js';
import { ChannelDialer, isSignal, type LinkOptions, type LinkPort, type PageLike, pageOf, type Signal } from './link.js';

export type { ConnectionState, ConnectionStateChange } from '../src/connection-state.js';
export type { ChannelDialer, LinkOptions, LinkPort, PageLike, Signal } from './link.js';

/** Electron's `MessageEvent` in the main process. */
export interface MessageEventMain {
  data: any;
  ports: MessagePortMainLike[];
}

/** Electron's `MessagePortMain`: what `MessageChannelMain` makes and `IpcMainEvent.ports` holds. */
export interface MessagePortMainLike {
  on(event: 'message', listener: (messageEvent: MessageEventMain) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'message', listener: (messageEvent: MessageEventMain) => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  postMessage(message: any, transfer?: MessagePortMainLike[]): void;
  start(): void;
  close(): void;
}

/** Electron's `IpcMainEvent`, as far as the adapter reads it. */
export interface IpcMainEventLike {
  readonly sender: { readonly id: number };
  readonly frameId: number;
  readonly processId: number;
  readonly ports: MessagePortMainLike[];
}

/** Electron's `ipcMain`, or a `webContents.ipc` (scoped to one window). */
export interface IpcMainLike {
  on(channel: string, listener: (event: IpcMainEventLike, ...args: any[]) => void): unknown;
  removeListener(channel: string, listener: (...args: any[]) => void): unknown;
}

/** Electron's `WebContents`, as far as the adapter uses it. */
export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: { readonly processId: number; readonly routingId: number };
  send(channel: string, ...args: any[]): void;
  isDestroyed(): boolean;
  on(event: 'destroyed', listener: () => void): unknown;
  on(event: 'render-process-gone', listener: (event: any, details: { reason: string; exitCode: number }) => void): unknown;
  removeListener(event: 'destroyed', listener: () => void): unknown;
  removeListener(event: 'render-process-gone', listener: (event: any, details: { reason: string; exitCode: number }) => void): unknown;
}

/** Electron's `IpcRendererEvent`. */
export interface IpcRendererEventLike {
  readonly ports: MessagePort[];
}

/** Electron's `ipcRenderer` (in a preload script, or a renderer with `nodeIntegration`). */
export interface IpcRendererLike {
  on(channel: string, listener: (event: IpcRendererEventLike, ...args: any[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEventLike, ...args: any[]) => void): unknown;
  postMessage(channel: string, message: any, transfer?: MessagePort[]): void;
}

export interface IpcOptions extends LinkOptions {
  /** Renderer only: where `pagehide`/`pageshow` fire. Default: `globalThis` in a page; `null` for none. */
  readonly page?: PageLike | null;
}

const optionsOf = (channel: string | IpcOptions | undefined): IpcOptions => (typeof channel === 'string' ? { channel } : (channel ?? {}));

/**
 * Main process: a transport to the main frame of `webContents`, over the `MessagePort` its
 * renderer hands over on `channel` (default `'saltline'`). Pass `ipcMain`, or `webContents.ipc`.
 */
export function fromIpcMain(ipcMain: IpcMainLike, webContents: WebContentsLike, channel?: string | IpcOptions): IpcMainDialer {
  return new IpcMainDialer(ipcMain, webContents, optionsOf(channel));
}

/** Renderer (preload): a transport to the main process, which must call `fromIpcMain` on the same `channel`. */
export function fromIpcRenderer(ipcRenderer: IpcRendererLike, channel?: string | IpcOptions): IpcRendererDialer {
  return new IpcRendererDialer(ipcRenderer, optionsOf(channel));
}

export class IpcMainDialer extends ChannelDialer {
  readonly initiator = true;

  constructor(
    readonly ipcMain: IpcMainLike,
    readonly webContents: WebContentsLike,
    options: IpcOptions,
  ) {
    super(options);
    this.transfers = false; // MessagePortMain transfers only ports: buffers are copied
  }

  protected attach(): void {
    this.listen(this.ipcMain, this.channel, this.#onSignal);
    this.listen(this.webContents, 'destroyed', this.#onDestroyed);
    this.listen(this.webContents, 'render-process-gone', this.#onGone);
  }

  protected signal(signal: Signal): void {
    if (!this.webContents.isDestroyed()) this.webContents.send(this.channel, signal);
  }

  /** Signals from this window's main frame only. */
  readonly #onSignal = (event: IpcMainEventLike, signal: unknown): void => {
    const frame = this.webContents.mainFrame;
    if (event.sender?.id !== this.webContents.id || event.processId !== frame.processId || event.frameId !== frame.routingId) return;
    if (isSignal(signal, this.channel)) this.received(signal, event.ports?.[0]);
  };

  readonly #onGone = (): void => this.lost('the renderer process is gone');

  readonly #onDestroyed = (): void => this.end(new Error('the window was destroyed'));
}

export class IpcRendererDialer extends ChannelDialer {
  readonly initiator = false;

  constructor(
    readonly ipcRenderer: IpcRendererLike,
    options: IpcOptions,
  ) {
    super(options, options.page === undefined ? pageOf(globalThis) : (options.page ?? undefined));
  }

  protected override createChannel(): [LinkPort, unknown] {
    const { port1, port2 } = new MessageChannel();
    return [port1, port2];
  }

  protected attach(): void {
    this.listen(this.ipcRenderer, this.channel, this.#onSignal);
  }

  protected signal(signal: Signal, transfer?: unknown[]): void {
    if (transfer) this.ipcRenderer.postMessage(this.channel, signal, transfer as MessagePort[]);
    else this.ipcRenderer.postMessage(this.channel, signal);
  }

  readonly #onSignal = (event: IpcRendererEventLike, signal: unknown): void => {
    if (isSignal(signal, this.channel)) this.received(signal, event.ports?.[0]);
  };
}

/**
 * Main process: a transport over one `MessagePortMain` (the end you kept of a
 * `MessageChannelMain` whose other end you sent to a renderer). The far end's close (the page
 * reloaded or closed) closes the peer. Buffers are copied, not transferred.
 */
export function fromMessagePortMain(port: MessagePortMainLike): Transport {
  return new MessagePortMainTransport(port);
}

class MessagePortMainTransport implements Transport {
  readonly encoding = 'clone';
  readonly initiator = undefined;
  #receiver: TransportReceiver | undefined;

  readonly #port: MessagePortMainLike;

  constructor(port: MessagePortMainLike) {
    this.#port = port;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    this.#port.on('message', this.#onMessage);
    this.#port.on('close', this.#onClose);
    this.#port.start();
  }

  send(message: unknown): void {
    this.#port.postMessage(message);
  }

  close(): void {
    if (!this.#receiver) return;
    this.#receiver = undefined;
    this.#port.removeListener('message', this.#onMessage);
    this.#port.removeListener('close', this.#onClose);
    this.#port.close();
  }

  readonly #onMessage = (event: MessageEventMain): void => this.#receiver?.message(event.data);

  readonly #onClose = (): void => {
    const receiver = this.#receiver;
    this.close();
    receiver?.closed(new Error('the port closed'));
  };
}
