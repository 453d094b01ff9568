/* biome-ignore-all lint/suspicious/noExplicitAny: shapes must accept each platform's own signatures */
import type { Transport, TransportReceiver } from '../src/transport.js';

/** Anything with `postMessage`: a Worker, a MessagePort, a worker's `self`, Node's `parentPort`. */
export interface PostMessageTarget {
  postMessage(message: any, ...rest: any[]): void;
}

/** The DOM shape: browser workers, ports and worker scopes. */
export interface DomEndpoint extends PostMessageTarget {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  start?(): void;
}

/** The Node shape: `worker_threads` workers and ports, which deliver data, not events. */
export interface NodeEndpoint extends PostMessageTarget {
  on(type: string, listener: (...args: any[]) => void): unknown;
  off(type: string, listener: (...args: any[]) => void): unknown;
}

export type Endpoint = DomEndpoint | NodeEndpoint;

/**
 * A structured-clone transport over any message endpoint. `release` runs on close, after the
 * listeners are gone: it closes a port, terminates a worker, or does nothing for a worker scope.
 * A `messageerror` (a message that could not be deserialized) is delivered as `undefined`, which
 * the peer counts as malformed.
 */
export class EndpointTransport implements Transport {
  readonly encoding = 'clone';
  readonly #stops: (() => void)[] = [];
  readonly #endpoint: Endpoint;
  readonly #release: () => void;

  constructor(
    endpoint: Endpoint,
    release: () => void,
    readonly initiator: boolean | undefined,
  ) {
    this.#endpoint = endpoint;
    this.#release = release;
  }

  start(receiver: TransportReceiver): void {
    const closed = (reason: unknown) => {
      this.#stop();
      receiver.closed(reason);
    };
    const endpoint = this.#endpoint;
    if ('on' in endpoint && typeof endpoint.on === 'function') {
      this.#listenNode(endpoint, 'message', (data) => receiver.message(data));
      this.#listenNode(endpoint, 'messageerror', () => receiver.message(undefined));
      this.#listenNode(endpoint, 'close', () => closed('the port closed'));
      this.#listenNode(endpoint, 'exit', (code) => closed(`the worker exited with code ${String(code)}`));
      // A Node worker's uncaught error ends it; the error becomes the close reason for pending calls.
      this.#listenNode(endpoint, 'error', (error) => closed(error));
    } else {
      const dom = endpoint as DomEndpoint;
      let heard = false;
      this.#listenDom(dom, 'message', (event) => {
        heard = true;
        receiver.message((event as MessageEvent).data);
      });
      this.#listenDom(dom, 'messageerror', () => receiver.message(undefined));
      this.#listenDom(dom, 'close', () => closed('the port closed'));
      // A browser worker reports errors without dying, except one that fails to load, which
      // errors before it has said a word: only that one closes the peer.
      if (this.initiator) this.#listenDom(dom, 'error', (event) => heard || closed(errorOf(event)));
      dom.start?.();
    }
  }

  send(message: unknown, transfer?: Transferable[]): void {
    if (transfer) this.#endpoint.postMessage(message, transfer);
    else this.#endpoint.postMessage(message);
  }

  close(): void {
    this.#stop();
    this.#release();
  }

  #stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  #listenNode(endpoint: NodeEndpoint, type: string, listener: (value: unknown) => void): void {
    endpoint.on(type, listener);
    this.#stops.push(() => endpoint.off(type, listener));
  }

  #listenDom(endpoint: DomEndpoint, type: string, listener: (event: MessageEvent) => void): void {
    endpoint.addEventListener(type, listener);
    this.#stops.push(() => endpoint.removeEventListener(type, listener));
  }
}

function errorOf(event: unknown): Error {
  const message = (event as { message?: unknown }).message;
  return new Error(typeof message === 'string' && message ? message : 'the worker failed to load');
}
