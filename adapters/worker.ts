// biome-ignore-all lint/suspicious/noExplicitAny: shapes must accept each platform's own signatures
/**
 * `saltline/worker`: transports for web workers, `MessagePort`s and Node `worker_threads`, shared
 * workers and `BroadcastChannel`s. Each factory takes the platform object you already have and
 * returns a transport for `createPeer`. Values travel by structured clone; `ArrayBuffer`s can be
 * transferred (not over a `BroadcastChannel`).
 */

import { asReconnecting, type DialContext, type Reconnecting, type ReconnectPolicy, returningPolicy } from '../src/dialer.js';
import type { Transport, TransportReceiver } from '../src/transport.js';
import { type DomEndpoint, type Endpoint, EndpointTransport } from './endpoint.js';

export type { ConnectionState, ConnectionStateChange } from '../src/connection-state.js';
export type { DomEndpoint, Endpoint, NodeEndpoint, PostMessageTarget } from './endpoint.js';

/** A port with `close()`: browser `MessagePort` or Node `worker_threads` `MessagePort`. */
export type PortLike = Endpoint & { close(): void };
/** A worker with `terminate()`: browser `Worker` or Node `worker_threads` `Worker`. */
export type WorkerLike = Endpoint & { terminate(): unknown };

export interface WorkerTransportOptions {
  /** Terminate the worker when the peer closes. Default false: the worker is yours. */
  readonly terminate?: boolean;
}

/** One end of a `MessageChannel`. Closing the peer closes the port, which the far side sees where the platform reports it. */
export function fromPort(port: PortLike): Transport {
  return new EndpointTransport(port, () => port.close(), undefined);
}

/** A worker, from the side that created it. A Node worker's exit closes the peer. */
export function fromWorker(worker: WorkerLike, options: WorkerTransportOptions = {}): Transport {
  return new EndpointTransport(
    worker,
    () => {
      if (options.terminate) void worker.terminate();
    },
    true,
  );
}

/** Inside a worker: its `self`, or Node's `parentPort`. Closing the peer only stops listening. */
export function fromWorkerScope(scope: Endpoint): Transport {
  return new EndpointTransport(scope, () => {}, false);
}

// ---- SharedWorker ------------------------------------------------------------------------------

/** A `SharedWorker` (its `port` is the link; its `error` event reports a script that failed to load). */
export interface SharedWorkerLike {
  readonly port: PortLike & DomEndpoint;
  addEventListener?(type: string, listener: (event: any) => void): void;
  removeEventListener?(type: string, listener: (event: any) => void): void;
}

/** A SharedWorker's global scope: `self` inside it, which hears a `connect` per page. */
export interface SharedWorkerScopeLike {
  addEventListener(type: 'connect', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'connect', listener: (event: MessageEvent) => void): void;
}

/** Where `pagehide` fires: a page's `window`. */
export interface PageScope {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/** What a page sends on its port when it goes away: browsers do not report a dead `MessagePort`. */
const BYE = 'saltline:bye';

/** A port to or from a SharedWorker: the page says goodbye on `pagehide`; the worker side hears it. */
class SharedPortTransport extends EndpointTransport {
  readonly #cleanups: (() => void)[] = [];
  readonly #port: PortLike;
  readonly #worker: SharedWorkerLike | undefined;
  readonly #page: PageScope | undefined;

  constructor(port: PortLike, initiator: boolean, worker?: SharedWorkerLike, page?: PageScope) {
    super(port, () => port.close(), initiator);
    this.#port = port;
    this.#worker = worker;
    this.#page = page;
  }

  override start(receiver: TransportReceiver): void {
    let heard = false;
    const end = (reason: unknown) => {
      this.close();
      receiver.closed(reason);
    };
    super.start({
      ...receiver,
      message: (data) => {
        heard = true;
        if (data === BYE) end('the page went away');
        else receiver.message(data);
      },
    });
    this.#on(
      this.#worker,
      'error',
      (event) => heard || end(new Error((event as ErrorEvent).message || 'the shared worker failed to load')),
    );
    this.#on(this.#page, 'pagehide', () => {
      this.#port.postMessage(BYE);
      end('this page was hidden');
    });
  }

  override close(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    super.close();
  }

  #on(target: PageScope | SharedWorkerLike | undefined, type: string, listener: (event: unknown) => void): void {
    if (!target?.addEventListener) return;
    target.addEventListener(type, listener);
    this.#cleanups.push(() => target.removeEventListener!(type, listener));
  }
}

/**
 * A `SharedWorker`, from a page (or worker) that connects to it. On `pagehide` the page tells the
 * worker it is gone (so the worker's peer for it closes) and closes its own peer: after a page is
 * restored from the back/forward cache, connect again. `page` defaults to `globalThis` where it
 * has `addEventListener`.
 */
export function fromSharedWorker(worker: SharedWorkerLike, options: { readonly page?: PageScope | null } = {}): Transport {
  const page = options.page === undefined ? pageOf(globalThis) : (options.page ?? undefined);
  return new SharedPortTransport(worker.port, true, worker, page);
}

/**
 * Inside a SharedWorker: calls `onConnect` with a transport for each page (or worker) that
 * connects, to make its peer; the peer closes when that page goes away. Returns a function that
 * stops accepting new connections (open peers stay).
 *
 * ```ts
 * fromSharedWorkerScope(self, (transport) => createPeer(transport, { expose: api }));
 * ```
 */
export function fromSharedWorkerScope(
  scope: SharedWorkerScopeLike,
  onConnect: (transport: Transport, event: MessageEvent) => void,
): () => void {
  const listener = (event: MessageEvent) => {
    const port = event.ports[0];
    if (port) onConnect(new SharedPortTransport(port as unknown as PortLike, false), event);
  };
  scope.addEventListener('connect', listener);
  return () => scope.removeEventListener('connect', listener);
}

function pageOf(scope: unknown): PageScope | undefined {
  const page = scope as Partial<PageScope> & { document?: unknown };
  return typeof page.addEventListener === 'function' && page.document !== undefined ? (page as PageScope) : undefined;
}

// ---- BroadcastChannel --------------------------------------------------------------------------

/** A `BroadcastChannel` (browser, or Node's `worker_threads` one). */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  close(): void;
}

export interface BroadcastChannelOptions {
  /** While unpaired after the partner left: `hold` keeps new calls until the next partner (bounded by each call's timeout); `fail` rejects them with `UNAVAILABLE`. Default `hold` (`wait`, its former name, is still accepted). */
  readonly whileDown?: 'hold' | 'fail' | 'wait';
  /** Where `pagehide`/`pageshow` fire, to say goodbye to the partner. Default `globalThis` in a page; `null` for none. */
  readonly page?: PageScope | null;
}

interface Envelope {
  readonly saltline: 'bc/1';
  readonly type: 'hello' | 'offer' | 'accept' | 'bye' | 'data';
  readonly from: string;
  readonly to?: string;
  readonly data?: unknown;
}

/**
 * A transport over a `BroadcastChannel`, which delivers every message to every other object
 * listening on that name in the origin. The transport pairs with exactly one of them and ignores
 * the rest: it says `hello`; an unpaired listener answers with an `offer`; the first offer it
 * takes is `accept`ed, and from then on the two address their frames to each other by instance id.
 * A third listener stays unpaired (its calls wait) until someone is free. When a paired page goes
 * away (`pagehide`), its partner is interrupted (calls in flight fail with `UNAVAILABLE`) and pairs
 * again with the next endpoint to answer. Every listener still receives every frame: this gives
 * one-to-one RPC on a shared channel, not privacy (use a `MessageChannel` for that). `peer.close()`
 * closes the channel. Values travel by structured clone; nothing is transferred.
 */
export function fromBroadcastChannel(channel: BroadcastChannelLike, options: BroadcastChannelOptions = {}): BroadcastChannelDialer {
  return new BroadcastChannelDialer(channel, options);
}

export class BroadcastChannelDialer implements Reconnecting {
  readonly id = Math.random().toString(36).slice(2) + Date.now().toString(36);
  readonly policy: ReconnectPolicy;
  readonly dial = (context: DialContext): Transport | Promise<Transport> => this.#dial(context);
  /** The instance id of the endpoint this one is paired with. */
  partner: string | undefined;
  readonly #page: PageScope | undefined;
  /** Between `pagehide` and `pageshow`: a hidden page answers no one. */
  #hidden = false;
  #attached = false;
  #offs: (() => void)[] = [];
  #current: PartnerTransport | undefined;
  #waiting: { resolve(link: Transport): void; stop(): void } | undefined;

  constructor(
    readonly channel: BroadcastChannelLike,
    options: BroadcastChannelOptions = {},
  ) {
    this.#page = options.page === undefined ? pageOf(globalThis) : (options.page ?? undefined);
    this.policy = returningPolicy(options.whileDown);
    asReconnecting(this);
  }

  /** The next link: the next partner, once paired. */
  #dial({ signal }: DialContext): Transport | Promise<Transport> {
    if (!this.#attached) {
      this.#attached = true;
      // The peer closed: stop listening, and close the channel.
      const onClose = () => {
        this.#detach();
        this.channel.close();
      };
      signal.addEventListener('abort', onClose, { once: true });
      this.#offs = [() => signal.removeEventListener('abort', onClose)];
      this.#listen(this.channel, 'message', this.#onMessage);
      this.#listen(this.#page, 'pagehide', this.#onHide);
      this.#listen(this.#page, 'pageshow', this.#onShow);
      if (this.partner === undefined) this.post('hello');
    }
    if (this.partner !== undefined && !this.#current) return this.#link(this.partner);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiting = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting = { resolve, stop: () => signal.removeEventListener('abort', onAbort) };
    });
  }

  post(type: Envelope['type'], to?: string, data?: unknown): void {
    const envelope: Envelope =
      type === 'data' ? { saltline: 'bc/1', type, from: this.id, to, data } : { saltline: 'bc/1', type, from: this.id, to };
    this.channel.postMessage(envelope);
  }

  /** The session closed its link without the partner leaving (it closed, or failed): stop listening. */
  closedByPeer(link: PartnerTransport): void {
    if (this.#current !== link) return;
    this.#current = undefined;
    this.partner = undefined;
    this.#detach();
  }

  #listen(target: PageScope | BroadcastChannelLike | undefined, type: string, listener: (event: any) => void): void {
    if (!target) return;
    target.addEventListener(type, listener);
    this.#offs.push(() => target.removeEventListener(type, listener));
  }

  #detach(): void {
    this.#attached = false;
    for (const off of this.#offs.splice(0)) off();
  }

  #link(partner: string): PartnerTransport {
    const link = new PartnerTransport(this, partner);
    this.#current = link;
    return link;
  }

  readonly #onMessage = (event: MessageEvent): void => {
    const message = event.data as Envelope | null;
    if (this.#hidden || typeof message !== 'object' || message === null || message.saltline !== 'bc/1') return;
    const { from, to } = message;
    if (typeof from !== 'string' || (to !== undefined && to !== this.id)) return;
    const partner = this.partner;
    switch (message.type) {
      case 'data':
        if (from === partner) this.#current?.deliver(message.data);
        return;
      case 'hello':
        if (partner === undefined) this.post('offer', from);
        return;
      case 'offer':
        if (partner !== undefined && partner !== from) return;
        this.post('accept', from);
        return this.#pair(from);
      case 'accept':
        // It took our offer while we took another's: let it go and find someone else.
        if (partner === undefined) this.#pair(from);
        else if (partner !== from) this.post('bye', from);
        return;
      case 'bye':
        if (from === partner) this.#unpair('the other side went away');
    }
  };

  #pair(partner: string): void {
    if (this.partner === partner) return;
    this.partner = partner;
    const waiting = this.#waiting;
    if (!waiting) return; // the next dial takes it
    this.#waiting = undefined;
    waiting.stop();
    waiting.resolve(this.#link(partner));
  }

  #unpair(why: string, announce = true): void {
    this.partner = undefined;
    const link = this.#current;
    this.#current = undefined;
    link?.drop(new Error(why));
    if (announce) this.post('hello');
  }

  readonly #onHide = (): void => {
    if (this.partner !== undefined) this.post('bye', this.partner);
    this.#unpair('this page was hidden', false);
    this.#hidden = true;
  };

  readonly #onShow = (): void => {
    if (!this.#hidden || !this.#attached) return;
    this.#hidden = false;
    this.post('hello');
  };
}

/** One pairing with one partner: a link that lives once. */
class PartnerTransport implements Transport {
  readonly encoding = 'clone';
  readonly initiator = undefined;
  #receiver: TransportReceiver | undefined;
  #done = false;

  constructor(
    readonly owner: BroadcastChannelDialer,
    readonly partner: string,
  ) {}

  /** The session starts within the task that paired us, before the partner's next frame can arrive. */
  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  deliver(data: unknown): void {
    if (!this.#done) this.#receiver?.message(data);
  }

  send(message: unknown): void {
    if (!this.#done) this.owner.post('data', this.partner, message);
  }

  drop(reason: unknown): void {
    if (this.#done) return;
    this.#done = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.closed(reason);
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#receiver = undefined;
    this.owner.closedByPeer(this);
  }
}
