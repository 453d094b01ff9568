// biome-ignore-all lint/suspicious/noExplicitAny: platform shapes
/**
 * The handshake shared by `saltline/window` and `saltline/electron`'s IPC pair: two endpoints that
 * share a signalling path other code can also use (`window.postMessage`, an IPC channel) find each
 * other there, then move their traffic to a dedicated `MessageChannel`. Either side may start
 * first, and either may restart (a reloaded iframe, a reloaded renderer): the survivor sees a new
 * instance, ends the link to the old one, and hands over a fresh channel. Each channel is one link
 * of a peer made with `reconnecting()`: the adapter is its dialer, and a dial resolves when the far
 * side's channel arrives.
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
import { asReconnecting, type DialContext, type Reconnecting, type ReconnectPolicy, returningPolicy } from '../src/dialer.js';
import type { Transport, TransportReceiver } from '../src/transport.js';

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
  /**
   * While the far side is gone (reloading): `hold` keeps new calls until it is back (bounded by each
   * call's timeout and `limits.maxPendingCalls`); `fail` rejects them with `UNAVAILABLE` at once.
   * Calls in flight fail either way. Default `hold` (`wait`, its former name, is still accepted).
   */
  readonly whileDown?: 'hold' | 'fail' | 'wait';
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
 * The handshake and the channel hand-off; adapters say how to signal and who may. It is the dialer
 * of a peer (`createPeer(fromWindow(...))`): each channel is a link, and the peer's `state` is
 * `reconnecting` while the far side is gone, until its next instance answers.
 */
export abstract class ChannelDialer implements Reconnecting {
  abstract readonly initiator: boolean;
  /** This instance's id in signals. */
  readonly id = Math.random().toString(36).slice(2) + Date.now().toString(36);
  readonly channel: string;
  readonly policy: ReconnectPolicy;
  readonly dial = (context: DialContext): Transport | Promise<Transport> => this.#dial(context);

  /** The far instance this side answers or is connected to. */
  protected remote: string | undefined;
  /** Whether `send` passes transfer lists on (Electron's main-process ports take only ports). */
  transfers = true;
  #attached = false;
  #offs: (() => void)[] = [];
  /** The link in use, if any. */
  #current: AdoptedPortTransport | undefined;
  /** A channel that arrived while no dial waited for it. */
  #parked: LinkPort | undefined;
  #waiting: { resolve(link: Transport): void; reject(reason: unknown): void; stop(): void } | undefined;
  /** Why the far side is gone for good (a destroyed window): no dial will bring it back. */
  #gone: unknown;

  /** Where `pagehide`/`pageshow` fire, if anywhere. */
  readonly #page: PageLike | undefined;

  constructor(options: LinkOptions, page?: PageLike) {
    this.#page = page;
    this.channel = options.channel ?? 'saltline';
    this.policy = returningPolicy(options.whileDown, () => this.#gone === undefined);
    asReconnecting(this);
  }

  /** Sends a signal to the far side; `transfer` carries the port of a `connect`. */
  protected abstract signal(signal: Signal, transfer?: unknown[]): void;
  /** Listens for signals (with `this.listen`). */
  protected abstract attach(): void;
  /** Defined on the side that creates channels: [this side's end, the end to hand over]. */
  protected createChannel?(): [LinkPort, unknown];

  /** The next link: the channel of the far side's next instance, once it has one. */
  #dial({ signal }: DialContext): Transport | Promise<Transport> {
    if (this.#gone !== undefined) throw this.#gone;
    if (!this.#attached) {
      this.#attached = true;
      // The peer closed: let go of every listener and channel.
      const onClose = () => this.#detach();
      signal.addEventListener('abort', onClose, { once: true });
      this.#offs.push(() => signal.removeEventListener('abort', onClose));
      this.attach();
      if (this.#page) {
        this.listen(this.#page, 'pagehide', this.#pagehide);
        this.listen(this.#page, 'pageshow', this.#pageshow);
      }
      this.signal(this.make('hello'));
    }
    const parked = this.#parked;
    this.#parked = undefined;
    if (parked) return this.#link(parked);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiting = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting = { resolve, reject, stop: () => signal.removeEventListener('abort', onAbort) };
    });
  }

  /** Adds a platform listener that the end of the last link removes. */
  protected listen(target: unknown, type: string, listener: (...args: any[]) => void): void {
    this.#offs.push(on(target, type, listener));
  }

  protected make(type: Signal['type'], to?: string): Signal {
    return { saltline: TAG, type, channel: this.channel, from: this.id, to };
  }

  /** A signal the adapter has checked comes from where it may (its source, origin, sender). */
  protected received(signal: Signal, port: unknown): void {
    if (!this.#attached || signal.from === this.id || (signal.to !== undefined && signal.to !== this.id)) return;
    const from = signal.from;
    if (signal.type === 'hello') {
      if (from === this.remote) return; // its first hello and ours crossed: already answered
      this.lost('the other side restarted');
      this.remote = from;
      if (!this.createChannel) return this.signal(this.make('hello', from));
      const [mine, theirs] = this.createChannel();
      this.signal(this.make('connect', from), [theirs]);
      this.#adopt(mine);
    } else if (signal.type === 'connect' && port && !this.createChannel) {
      if (from !== this.remote) this.lost('the other side restarted');
      this.remote = from;
      this.#adopt(port as LinkPort);
    }
  }

  /** The far side is gone: its channel, and the link on it, end. */
  protected lost(why: string): void {
    this.remote = undefined;
    this.#current?.drop(new Error(why));
    this.#parked?.close();
    this.#parked = undefined;
  }

  /** The far side is gone for good (its window was destroyed): the peer closes with `reason`. */
  protected end(reason: unknown): void {
    this.#gone = reason;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.stop();
    this.#current?.drop(reason);
    this.#detach();
    waiting?.reject(reason);
  }

  /** This page is being hidden (reload, navigation, bfcache): tell the far side, and stop. */
  readonly #pagehide = (): void => {
    this.#current?.bye(this.make('bye'));
    this.lost('this page was hidden');
  };

  /** Back from the back/forward cache: find the far side again. */
  readonly #pageshow = (event: { persisted?: boolean }): void => {
    if (event.persisted && this.#attached) this.signal(this.make('hello'));
  };

  #adopt(port: LinkPort): void {
    // A second connect from the same instance (it lost us and came back): a new link all the same.
    this.#current?.drop(new Error('the other side restarted'));
    const waiting = this.#waiting;
    if (!waiting) {
      this.#parked?.close();
      this.#parked = port;
      return;
    }
    this.#waiting = undefined;
    waiting.stop();
    waiting.resolve(this.#link(port));
  }

  #link(port: LinkPort): AdoptedPortTransport {
    const link = new AdoptedPortTransport(port, this, () => {
      if (this.#current === link) this.#current = undefined;
    });
    this.#current = link;
    return link;
  }

  /** The peer is done with this side: the session closed its link, or closed while waiting for one. */
  closedByPeer(link: AdoptedPortTransport): void {
    if (this.#current === link) this.#detach();
  }

  #detach(): void {
    this.#attached = false;
    this.remote = undefined;
    this.#current = undefined;
    for (const off of this.#offs.splice(0)) off();
    this.#parked?.close();
    this.#parked = undefined;
  }
}

/** One channel to one instance of the far side: a link that lives once. */
class AdoptedPortTransport implements Transport {
  readonly encoding = 'clone';
  readonly initiator: boolean;
  #receiver: TransportReceiver | undefined;
  #offs: (() => void)[] = [];
  #done = false;

  constructor(
    readonly port: LinkPort,
    readonly owner: ChannelDialer,
    readonly ended: () => void,
  ) {
    this.initiator = owner.initiator;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    const port = this.port;
    const channel = this.owner.channel;
    // Both port kinds deliver `{ data }`; a DOM port's `close` fires where the platform has it.
    this.#offs = [
      on(port, 'message', (event: { data: unknown }) => {
        const data = event.data;
        if (isSignal(data, channel) && data.type === 'bye') this.drop(new Error('the other side went away'));
        else this.#receiver?.message(data);
      }),
      on(port, 'messageerror', () => this.#receiver?.message(undefined)),
      on(port, 'close', () => this.drop(new Error('the channel closed'))),
    ];
    port.start?.();
  }

  send(message: unknown, transfer?: Transferable[]): void {
    if (this.#done) return;
    if (transfer?.length && this.owner.transfers) this.port.postMessage(message, transfer);
    else this.port.postMessage(message);
  }

  /** Tells the far side this page is going (sent on the channel: an unloading document no longer counts as its window). */
  bye(signal: Signal): void {
    if (!this.#done) this.port.postMessage(signal);
  }

  /** The link ended under us: the peer hears why, and dials the next. */
  drop(reason: unknown): void {
    if (this.#done) return;
    const receiver = this.#receiver;
    this.#release();
    receiver?.closed(reason);
  }

  /** The peer closed the link (it closed, or its session ended): this side stops listening. */
  close(): void {
    if (this.#done) return;
    this.owner.closedByPeer(this);
    this.#release();
  }

  #release(): void {
    this.#done = true;
    this.#receiver = undefined;
    for (const off of this.#offs.splice(0)) off();
    this.port.close();
    this.ended();
  }
}
