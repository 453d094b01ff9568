/**
 * A WebSocket client that redials: `connectWebSocket` names how to open each connection, and
 * `createPeer` runs one peer across them with `reconnecting()` (a fresh session on each; the
 * server, which sees a new connection, serves it with a new peer). See docs/guide/reconnecting.md.
 */

import { type Reconnecting, type ReconnectPolicy, reconnecting } from '../src/dialer.js';
import { RpcError } from '../src/errors.js';
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

export type { ConnectionState, ConnectionStateChange } from '../src/connection-state.js';

/** Options of `connectWebSocket`: the socket's options, how to redial, and the secure channel. */
export interface ConnectWebSocketOptions extends Omit<WebSocketTransportOptions, 'initiator'> {
  /**
   * How to redial (backoff, `maxAttempts`, `maxWait`, `whileDown`: see `ReconnectPolicy`); `false`
   * for a single connection. Default `{}`, with `shouldRetry` refusing a 1008 close (policy
   * violation: the server refused us) and a URL the WebSocket constructor refused.
   */
  readonly reconnect?: ReconnectPolicy | false;
  /** The WebSocket class when given a URL. Default `globalThis.WebSocket`; on Node 20 pass `ws`'s. */
  readonly WebSocket?: new (
    url: string,
    protocols?: string | string[],
  ) => WebSocketLike;
  /** Subprotocols for the WebSocket constructor. Default none. */
  readonly protocols?: string | string[];
}

/** Not worth redialling: the server said no (1008), or the socket could not even be made. */
const isRefusal = (reason: unknown) =>
  reason instanceof RpcError && (reason.code === 'INVALID_ARGUMENT' || (reason.data as { code?: unknown } | undefined)?.code === 1008);

/**
 * What `createPeer` needs for a redialling client: `target` is a URL, or a function that opens a
 * new socket each time (for headers, `ws` options, or a URL that changes between dials).
 */
export function connectWebSocket(target: string | URL | (() => WebSocketLike), options: ConnectWebSocketOptions = {}): Reconnecting {
  let open: () => WebSocketLike;
  if (typeof target === 'function') open = target;
  else {
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: ConnectWebSocketOptions['WebSocket'] }).WebSocket;
    if (!Socket) throw new TypeError("no global WebSocket here: pass { WebSocket } (on Node, the 'ws' package's class)");
    const url = String(target);
    open = () => (options.protocols === undefined ? new Socket(url) : new Socket(url, options.protocols));
  }
  const { reconnect = {}, ...socketOptions } = options;
  const policy: ReconnectPolicy = reconnect === false ? { maxAttempts: 0 } : { shouldRetry: (reason) => !isRefusal(reason), ...reconnect };
  return reconnecting(() => {
    let socket: WebSocketLike;
    try {
      socket = open();
    } catch (error) {
      // A URL the WebSocket constructor refuses (or a throwing factory) will not get better by waiting.
      throw RpcError.from(error, 'INVALID_ARGUMENT');
    }
    return new WebSocketTransport(socket, { ...socketOptions, initiator: true });
  }, policy);
}
