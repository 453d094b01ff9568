/* biome-ignore-all lint/suspicious/noExplicitAny: platform shapes */
/**
 * The handshake shared by `saltline/window` and `saltline/electron`'s IPC pair: two endpoints that
 * share a signalling path other code can also use (`window.postMessage`, an IPC channel) find each
 * other there, then move their traffic to a dedicated `MessageChannel`. Either side may start
 * first, and either may restart (a reloaded iframe, a reloaded renderer): the survivor sees a new
 * instance, tells its peer the link was interrupted, and hands over a fresh channel.
 *
 * Signals, each tagged `saltline: 'link/1'` and scoped by `channel`:
 * - `hello { from, to? }`: "instance `from` is here". Both sides send one when they start (no
 *   `to`); the side that does not create channels answers a new instance's hello with its own.
 * - `connect { from, to }` + a port: the creating side's answer to a new instance's hello. The
 *   receiver adopts the port; traffic flows on it from then on.
 * - `bye { from }`, sent on the channel itself (not the shared path, where a document that is
 *   unloading no longer counts as its window): "instance `from` is going away" (page hidden), so
 *   the survivor fails what is in flight at once instead of waiting for the next hello. It is the
 *   only value on the channel that is not the peer's; codecs never produce a tagged object.
 *
 * Instance ids tell a duplicate hello (the two sides' first hellos crossed) from a restart. They are
 * not secrets: who may signal is decided by the adapter (source window and origin, IPC sender).
 */
import type { Transport, TransportReceiver } from '../src/transport.js';
import { ConnectionStateful } from './connection-state.js';

export const TAG = 'link/1';

export interface Signal {
  readonly saltline: typeof TAG;
  readonly type: 'hello' | 'connect' | 'bye';
  readonly channel: string;
  readonly from: string;
  readonly to?: string | undefined;
}

/** One end of a channel: a DOM `MessagePort` or Electron's `MessagePortMain`. */
export interface LinkPort {
  postMessage(message: any, transfer?: any[]): void;
  close(): void;
  start?(): void;
}

export interface LinkOptions {
  /** Names this connection, when one pair of endpoints carries several. Both sides must agree. Default `'saltline'`. */
  readonly channel?: string;
  /** While the far side is gone (reloading): `wait` holds new calls until it is back (bounded by each call's timeout); `fail` rejects them with `UNAVAILABLE` at once. Calls in flight fail either way. Default `wait`. */
  readonly whileDown?: 'wait' | 'fail';
}

/** Anything to add `pagehide`/`pageshow` listeners to: a page's `window`. */
export interface PageLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

export function isSignal(data: unknown, channel: string): data is Signal {
  const signal = data as Signal | null;
  return (
    typeof signal === 'object' &&
    signal !== null &&
    signal.saltline === TAG &&
    signal.channel === channel &&
    typeof signal.from === 'string'
  );
}

/** `globalThis` when it is a page's window (it has `document` and `addEventListener`). */
export function pageOf(scope: unknown): PageLike | undefined {
  const page = scope as Partial<PageLike> & { document?: unknown };
  return typeof page?.addEventListener === 'function' && page.document !== undefined ? (page as PageLike) : undefined;
}

/** Adds `listener` to a DOM event target or a Node-style emitter; returns the function that removes it. */
function on(target: any, type: string, listener: (...args: any[]) => void): () => void {
  const dom = typeof target.addEventListener === 'function';
  if (dom) target.addEventListener(type, listener);
  else target.on(type, listener);
  return () => (dom ? target.removeEventListener(type, listener) : target.removeListener(type, listener));
}

/**
 * The handshake and the channel hand-off; adapters say how to signal and who may. Its state is
 * `reconnecting` while the far side is gone, until its next instance answers; `attempt` is always
 * 0, as the link waits for the far side rather than dialling.
 */
export abstract class LinkTransport extends ConnectionStateful implements Transport {
  readonly kind = 'clone';
  abstract readonly initiator: boolean;
  /** This instance's id in signals. */
  readonly id = Math.random().toString(36).slice(2) + Date.now().toString(36);
  readonly channel: string;

  protected receiver: TransportReceiver | undefined;
  /** The far instance this side answers or is connected to. */
  protected remote: string | undefined;
  /** Whether `send` passes transfer lists on (Electron's main-process ports take only ports). */
  protected transfers = true;
  private port: LinkPort | undefined;
  private portOffs: (() => void)[] = [];
  private offs: (() => void)[] = [];
  /** What the peer sent before the first channel (its hello); dropped while interrupted. */
  private queue: [unknown, Transferable[] | undefined][] | undefined = [];
  private readonly hold: boolean;

  constructor(
    options: LinkOptions,
    /** Where `pagehide`/`pageshow` fire, if anywhere. */
    private readonly page?: PageLike,
  ) {
    super();
    this.channel = options.channel ?? 'saltline';
    this.hold = options.whileDown !== 'fail';
  }

  /** Sends a signal to the far side; `transfer` carries the port of a `connect`. */
  protected abstract signal(signal: Signal, transfer?: unknown[]): void;
  /** Listens for signals (with `this.listen`). */
  protected abstract attach(): void;
  /** Defined on the side that creates channels: [this side's end, the end to hand over]. */
  protected createChannel?(): [LinkPort, unknown];

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    this.attach();
    if (this.page) {
      this.listen(this.page, 'pagehide', this.pagehide);
      this.listen(this.page, 'pageshow', this.pageshow);
    }
    this.signal(this.make('hello'));
  }

  send(message: unknown, transfer?: Transferable[]): void {
    if (this.port) {
      if (transfer?.length && this.transfers) this.port.postMessage(message, transfer);
      else this.port.postMessage(message);
    } else this.queue?.push([message, transfer]);
  }

  /** Stops for good; `reason`, when the link ended rather than the peer closing it, goes to the state listeners. */
  close(reason?: unknown): void {
    if (this.state === 'closed') return;
    for (const off of this.offs.splice(0)) off();
    this.dropPort();
    this.queue = this.receiver = undefined;
    this.setState({ state: 'closed', attempt: 0, reason });
  }

  /** Adds a platform listener that `close` removes. */
  protected listen(target: unknown, type: string, listener: (...args: any[]) => void): void {
    this.offs.push(on(target, type, listener));
  }

  protected make(type: Signal['type'], to?: string): Signal {
    return { saltline: TAG, type, channel: this.channel, from: this.id, to };
  }

  /** A signal the adapter has checked comes from where it may (its source, origin, sender). */
  protected received(signal: Signal, port: unknown): void {
    if (this.state === 'closed' || signal.from === this.id || (signal.to !== undefined && signal.to !== this.id)) return;
    const from = signal.from;
    if (signal.type === 'hello') {
      if (from === this.remote) return; // its first hello and ours crossed: already answered
      this.lost('the other side restarted');
      this.remote = from;
      if (!this.createChannel) return this.signal(this.make('hello', from));
      const [mine, theirs] = this.createChannel();
      this.signal(this.make('connect', from), [theirs]);
      this.adopt(mine);
    } else if (signal.type === 'connect' && port && !this.createChannel) {
      if (from !== this.remote) this.lost('the other side restarted');
      this.remote = from;
      this.adopt(port as LinkPort);
    }
  }

  /** The far side is gone: drop its channel and, if a session was running, interrupt it. */
  protected lost(why: string): void {
    this.remote = undefined;
    this.interrupt(why);
  }

  /** This page is being hidden (reload, navigation, bfcache): tell the far side, and stop. */
  private readonly pagehide = (): void => {
    this.port?.postMessage(this.make('bye'));
    this.lost('this page was hidden');
  };

  /** Back from the back/forward cache: find the far side again. */
  private readonly pageshow = (event: { persisted?: boolean }): void => {
    if (event.persisted && this.state !== 'closed') this.signal(this.make('hello'));
  };

  private adopt(port: LinkPort): void {
    // A second connect from the same instance (it lost us and came back): a new session all the same.
    if (this.state === 'open') this.interrupt('the other side restarted');
    this.port = port;
    // Both port kinds deliver `{ data }`; a DOM port's `close` fires where the platform has it.
    this.portOffs = [
      on(port, 'message', (event: { data: unknown }) => {
        const data = event.data;
        if (isSignal(data, this.channel) && data.type === 'bye') this.lost('the other side went away');
        else this.receiver?.message(data);
      }),
      on(port, 'messageerror', () => this.receiver?.message(undefined)),
      on(port, 'close', () => this.port === port && this.lost('the channel closed')),
    ];
    port.start?.();
    const queue = this.queue;
    this.queue = undefined;
    const resumed = this.state === 'reconnecting';
    if (queue) for (const [message, transfer] of queue) this.send(message, transfer);
    if (resumed) this.receiver?.resumed();
    this.setState({ state: 'open', attempt: 0 });
  }

  private interrupt(why: string): void {
    this.dropPort();
    if (this.state !== 'open') return;
    const reason = new Error(why);
    this.receiver?.interrupted(reason, this.hold);
    this.setState({ state: 'reconnecting', attempt: 0, reason });
  }

  private dropPort(): void {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    for (const off of this.portOffs) off();
    port.close();
  }
}
