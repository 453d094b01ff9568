/* biome-ignore-all lint/suspicious/noExplicitAny: Electron's signatures */
/**
 * Stand-ins for Electron's `ipcMain`, `ipcRenderer`, `WebContents`, `MessageChannelMain` and
 * `MessagePortMain`, built on Node's `MessageChannel` and `EventEmitter`. No Electron binary can
 * run here (its download fails), so saltline/electron is tested against these.
 *
 * Each member has the signature of Electron 45's `electron.d.ts` (quoted above it) and behaves as
 * Electron documents: IPC arguments are structured-cloned and delivered asynchronously, with an
 * event `{ sender, frameId, processId, ports }` in main and `{ sender, ports }` in the renderer;
 * `ipcRenderer.postMessage` turns transferred `MessagePort`s into `MessagePortMain`s for main;
 * `MessagePortMain` queues messages until `start()`, emits `message` with `{ data, ports }` (not
 * the data itself, unlike Node's ports) and `close` when its far end is gone, and refuses to
 * transfer anything but a `MessagePortMain`; `webContents.send` goes to the page currently loaded.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel as NodeMessageChannel, type MessagePort as NodeMessagePort } from 'node:worker_threads';

/** Electron's `MessageEvent` (main process): `{ data: any; ports: MessagePortMain[] }`. */
export interface MessageEvent {
  data: any;
  ports: MessagePortMain[];
}

/** `class MessagePortMain extends NodeEventEmitter`. */
export class MessagePortMain extends EventEmitter {
  #started = false;
  #closed = false;

  constructor(readonly port: NodeMessagePort) {
    super();
    port.on('close', this.#onClose);
  }

  /** `start(): void` — messages are queued until it is called. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.port.on('message', this.#onMessage);
  }

  /** `postMessage(message: any, transfer?: MessagePortMain[]): void` */
  postMessage(message: any, transfer?: MessagePortMain[]): void {
    if (transfer?.some((item) => !(item instanceof MessagePortMain))) throw new TypeError('Port at index 0 is not a valid port');
    if (this.#closed) return;
    this.port.postMessage(
      message,
      transfer?.map((item) => item.port),
    );
  }

  /** `close(): void` */
  close(): void {
    this.port.close();
  }

  readonly #onMessage = (data: unknown) => this.emit('message', { data, ports: [] } satisfies MessageEvent);

  readonly #onClose = () => {
    this.#closed = true;
    this.port.off('message', this.#onMessage);
    this.port.off('close', this.#onClose);
    this.emit('close');
  };
}

/** `class MessageChannelMain { port1: MessagePortMain; port2: MessagePortMain }` */
export class MessageChannelMain {
  readonly port1: MessagePortMain;
  readonly port2: MessagePortMain;

  constructor() {
    const { port1, port2 } = new NodeMessageChannel();
    this.port1 = new MessagePortMain(port1);
    this.port2 = new MessagePortMain(port2);
  }
}

/** Electron's `IpcMainEvent`. */
export interface IpcMainEvent {
  frameId: number;
  ports: MessagePortMain[];
  processId: number;
  reply: (channel: string, ...args: any[]) => void;
  returnValue: any;
  sender: WebContents;
  readonly senderFrame: WebFrameMain | null;
  type: 'frame';
}

/** Electron's `IpcRendererEvent`. */
export interface IpcRendererEvent {
  ports: MessagePort[];
  sender: IpcRenderer;
}

/** `interface IpcMain extends NodeJS.EventEmitter` — `on(channel, listener: (event: IpcMainEvent, ...args: any[]) => void): this`. */
export class IpcMain extends EventEmitter {
  override on(channel: string, listener: (event: IpcMainEvent, ...args: any[]) => void): this {
    return super.on(channel, listener);
  }

  /** `removeListener(channel: string, listener: (...args: any[]) => void): this` */
  override removeListener(channel: string, listener: (...args: any[]) => void): this {
    return super.removeListener(channel, listener);
  }

  /** Every IPC message main has received, for tests that inspect what went through IPC. */
  readonly received: { channel: string; args: unknown[] }[] = [];
}

/** The parts of `WebFrameMain` the adapter reads: `processId`, `routingId`. */
export interface WebFrameMain {
  readonly processId: number;
  readonly routingId: number;
}

let nextContentsId = 1;

/** `class WebContents extends NodeEventEmitter` — one window's page, reloadable. */
export class WebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame: WebFrameMain = { processId: 7, routingId: 1 };
  /** The page loaded now (its preload's ipcRenderer). */
  renderer: IpcRenderer | undefined;
  #destroyed = false;

  constructor(readonly ipcMain: IpcMain) {
    super();
  }

  override on(event: 'destroyed', listener: () => void): this;
  override on(event: 'render-process-gone', listener: (event: Event, details: { reason: string; exitCode: number }) => void): this;
  override on(event: string, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override removeListener(event: 'destroyed', listener: () => void): this;
  override removeListener(
    event: 'render-process-gone',
    listener: (event: Event, details: { reason: string; exitCode: number }) => void,
  ): this;
  override removeListener(event: string, listener: (...args: any[]) => void): this {
    return super.removeListener(event, listener);
  }

  /** `send(channel: string, ...args: any[]): void` — to the page loaded now. */
  send(channel: string, ...args: any[]): void {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    const renderer = this.renderer;
    const copy = structuredClone(args);
    setImmediate(() => renderer?.deliver(channel, copy, []));
  }

  /**
   * `postMessage(channel: string, message: any, transfer?: MessagePortMain[]): void` — ports arrive
   * as the renderer's `MessagePort`s.
   */
  postMessage(channel: string, message: any, transfer?: MessagePortMain[]): void {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    const renderer = this.renderer;
    const copy = structuredClone(message);
    const ports = (transfer ?? []).map((port) => port.port as unknown as MessagePort);
    setImmediate(() => renderer?.deliver(channel, [copy], ports));
  }

  /** `isDestroyed(): boolean` */
  isDestroyed(): boolean {
    return this.#destroyed;
  }

  // ---- what the test does to the window ----

  /** Loads a page (or reloads): the old page is hidden and gone; a new one, with its own ipcRenderer, takes its place. */
  load(): IpcRenderer {
    const old = this.renderer;
    if (old) {
      old.page.dispatchEvent(new Event('pagehide'));
      old.gone = true;
    }
    this.renderer = new IpcRenderer(this, this.mainFrame);
    return this.renderer;
  }

  /** The renderer process crashes: its page says nothing; main hears `render-process-gone`. */
  crash(): void {
    if (this.renderer) this.renderer.gone = true;
    this.renderer = undefined;
    this.emit('render-process-gone', new Event('render-process-gone'), { reason: 'crashed', exitCode: 139 });
  }

  /** The window is closed: its page is hidden and gone, then main hears `destroyed`. */
  destroy(): void {
    if (this.renderer) {
      this.renderer.page.dispatchEvent(new Event('pagehide'));
      this.renderer.gone = true;
    }
    this.renderer = undefined;
    this.#destroyed = true;
    this.emit('destroyed');
  }
}

/** `interface IpcRenderer extends NodeJS.EventEmitter` — one page's, in its preload. */
export class IpcRenderer extends EventEmitter {
  /** The page's window, where `pagehide` fires. */
  readonly page = new EventTarget();
  /** The page was unloaded or its process died: what it sends goes nowhere. */
  gone = false;

  constructor(
    readonly contents: WebContents,
    readonly frame: WebFrameMain,
  ) {
    super();
  }

  /** `on(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this` */
  override on(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this {
    return super.on(channel, listener);
  }

  /** `removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this` */
  override removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this {
    return super.removeListener(channel, listener);
  }

  /** `send(channel: string, ...args: any[]): void` */
  send(channel: string, ...args: any[]): void {
    this.#toMain(channel, structuredClone(args), []);
  }

  /** `postMessage(channel: string, message: any, transfer?: MessagePort[]): void` — ports arrive in main as `MessagePortMain`s. */
  postMessage(channel: string, message: any, transfer?: MessagePort[]): void {
    const ports = (transfer ?? []).map((port) => new MessagePortMain(port as unknown as NodeMessagePort));
    this.#toMain(channel, [structuredClone(message)], ports);
  }

  /** A message from main. */
  deliver(channel: string, args: unknown[], ports: MessagePort[]): void {
    if (!this.gone) this.emit(channel, { sender: this, ports } satisfies IpcRendererEvent, ...args);
  }

  #toMain(channel: string, args: unknown[], ports: MessagePortMain[]): void {
    if (this.gone) return;
    const { contents, frame } = this;
    const ipcMain = contents.ipcMain;
    setImmediate(() => {
      const event: IpcMainEvent = {
        frameId: frame.routingId,
        processId: frame.processId,
        ports,
        reply: (replyChannel, ...replyArgs) => contents.send(replyChannel, ...replyArgs),
        returnValue: undefined,
        sender: contents,
        senderFrame: frame,
        type: 'frame',
      };
      ipcMain.received.push({ channel, args });
      ipcMain.emit(channel, event, ...args);
    });
  }
}
