/**
 * A WebSocket client that redials: one transport, and so one peer, across many connections.
 * When a connection drops, the peer is told (`interrupted`): calls in flight fail with
 * `UNAVAILABLE`, and new calls wait for the next connection or fail at once (`whileDown`). When a
 * redial opens, the peer starts a fresh session with a hello (`resumed`) and the server, which
 * sees a new connection, serves it with a new peer.
 */

import { msgpackCodec } from '../src/codec/msgpack.js';
import { RpcError } from '../src/errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../src/protocol.js';
import type { Transport } from '../src/transport.js';
import { Redialling } from './redial.js';
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

export type { ConnectionState, ConnectionStateChange } from './connection-state.js';

export interface ReconnectOptions {
  /** Delay before the first redial, in ms. Default 250. */
  readonly initialDelay?: number;
  /** Longest delay between dials, in ms. Default 30,000. */
  readonly maxDelay?: number;
  /** Growth of the delay after each failed dial. Default 2. */
  readonly factor?: number;
  /** Share of each delay drawn at random, 0–1, so clients spread out: the delay is in `[d·(1 − jitter), d]`. Default 0.5. */
  readonly jitter?: number;
  /** Failed dials in a row before giving up and closing the peer. Default `Infinity`. */
  readonly maxAttempts?: number;
  /** Whether a dropped connection is worth redialling. Default: all but a 1008 close (policy violation: refused). */
  readonly shouldRetry?: (reason: unknown) => boolean;
}

export interface ConnectWebSocketOptions extends Omit<WebSocketTransportOptions, 'initiator'> {
  /** Redialling; `false` for a single connection. Default `{}` (on, with the defaults above). */
  readonly reconnect?: ReconnectOptions | false;
  /** While the link is down: `wait` holds new calls until it is back (bounded by `maxWait` and each call's timeout); `fail` rejects them with `UNAVAILABLE` at once. Default `wait`. */
  readonly whileDown?: 'wait' | 'fail';
  /** With `wait`: after this many ms down, held calls fail with `UNAVAILABLE` and new ones fail at once until the link is back. Default 30,000. */
  readonly maxWait?: number;
  /** The WebSocket class when given a URL. Default `globalThis.WebSocket`; on Node 20 pass `ws`'s. */
  readonly WebSocket?: new (
    url: string,
    protocols?: string | string[],
  ) => WebSocketLike;
  /** Subprotocols for the WebSocket constructor. Default none. */
  readonly protocols?: string | string[];
}

const isPolicyClose = (reason: unknown) =>
  (reason as RpcError | undefined)?.data !== undefined && ((reason as RpcError).data as { code?: unknown }).code === 1008;

/**
 * A redialling client transport for `createPeer`: `target` is a URL, or a function that opens a
 * new socket each time (for headers, `ws` options, or a URL that changes between dials).
 */
export function connectWebSocket(
  target: string | URL | (() => WebSocketLike),
  options: ConnectWebSocketOptions = {},
): ReconnectingWebSocket {
  let open: () => WebSocketLike;
  if (typeof target === 'function') open = target;
  else {
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: ConnectWebSocketOptions['WebSocket'] }).WebSocket;
    if (!Socket) throw new TypeError("no global WebSocket here: pass { WebSocket } (on Node, the 'ws' package's class)");
    const url = String(target);
    open = () => (options.protocols === undefined ? new Socket(url) : new Socket(url, options.protocols));
  }
  return new ReconnectingWebSocket(open, options);
}

export class ReconnectingWebSocket extends Redialling implements Transport {
  readonly kind = 'bytes';
  readonly codec = msgpackCodec;
  readonly maxMessageSize: number;

  private link: WebSocketTransport | undefined;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly retry: Required<ReconnectOptions> | undefined;

  constructor(
    private readonly open: () => WebSocketLike,
    private readonly options: ConnectWebSocketOptions = {},
  ) {
    super(options.whileDown);
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    const r = options.reconnect ?? {};
    this.retry =
      r === false
        ? undefined
        : {
            initialDelay: r.initialDelay ?? 250,
            maxDelay: r.maxDelay ?? 30_000,
            factor: r.factor ?? 2,
            jitter: Math.min(1, Math.max(0, r.jitter ?? 0.5)),
            maxAttempts: r.maxAttempts ?? Infinity,
            shouldRetry: r.shouldRetry ?? ((reason) => !isPolicyClose(reason)),
          };
  }

  /** The open socket, if any. */
  get socket(): WebSocketLike | undefined {
    return this.state === 'open' ? this.link?.socket : undefined;
  }

  get bufferedAmount(): number {
    return this.link?.bufferedAmount ?? 0;
  }

  send(message: unknown): void {
    // While down, what the old session still sends (a cancel, a late reply) means nothing to the next one.
    if (!this.down) this.link?.send(message);
  }

  protected release(): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    const link = this.link;
    this.link = undefined;
    link?.close();
  }

  protected dial(): void {
    let link: WebSocketTransport;
    try {
      link = new WebSocketTransport(this.open(), { ...this.options, initiator: true });
    } catch (error) {
      // A URL the WebSocket constructor refuses (or a throwing factory) will not get better by waiting.
      return this.shutdown(RpcError.from(error, 'INVALID_ARGUMENT'));
    }
    this.link = link;
    link.onOpen = () => this.opened(link);
    link.start({
      message: (data) => this.receiver?.message(data),
      closed: (reason) => this.dropped(link, reason),
      interrupted: () => {},
      resumed: () => {},
    });
  }

  private opened(link: WebSocketTransport): void {
    if (link !== this.link || this.isClosed) return;
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.linkUp();
  }

  private dropped(link: WebSocketTransport | undefined, reason: unknown): void {
    if (link !== this.link || this.isClosed) return;
    this.link = undefined;
    this.failures++;
    const retry = this.retry;
    if (!retry || this.failures > retry.maxAttempts || !retry.shouldRetry(reason)) return this.shutdown(reason ?? 'the connection ended');
    const base = Math.min(retry.maxDelay, retry.initialDelay * retry.factor ** (this.failures - 1));
    const outage = this.redialIn(base * (1 - retry.jitter * Math.random()), reason);
    const maxWait = this.options.maxWait ?? 30_000;
    if (outage && this.options.whileDown !== 'fail' && maxWait < Infinity) {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        this.receiver?.interrupted(new RpcError('UNAVAILABLE', `still reconnecting after ${maxWait} ms`, { cause: reason }), false);
      }, maxWait);
    }
  }
}
