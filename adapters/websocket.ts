/**
 * `saltline/websocket`: a byte transport over a browser `WebSocket` or a `ws` socket
 * (`fromWebSocket`), a redialling client (`connectWebSocket`, for `createPeer`) and a Node server that yields one
 * peer per connection (`serveWebSocket`, which loads `ws` only when called).
 *
 * Frames are binary (`binaryType = 'arraybuffer'`), one saltline message a frame; once the JSON
 * codec is negotiated (`codecs()` from `saltline/codecs`), its frames are text frames. Keep-alive:
 * where the socket can ping (`ws`), protocol-level ping frames, which any WebSocket answers;
 * in a browser, which cannot send pings, a text frame `"ping"` that the far adapter answers with
 * `"pong"`. Both run below the codec and the secure channel, so they never touch saltline frames.
 */
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

export type { ReconnectPolicy } from '../src/dialer.js';
export type { AllowOrigins } from './origin.js';
export { fromRelay, RelayTransport, type RelayTransportOptions } from './relay.js';
export type { ConnectionState, ConnectionStateChange, ConnectWebSocketOptions } from './websocket-reconnect.js';
export { connectWebSocket } from './websocket-reconnect.js';
export type {
  AcceptResult,
  HttpServerLike,
  ServeWebSocketOptions,
  UpgradeRequest,
  WebSocketService,
  WebSocketServiceStats,
} from './websocket-server.js';
export { serveWebSocket } from './websocket-server.js';
export type { KeepAliveOptions, WebSocketCloseInfo, WebSocketLike, WebSocketTransportOptions } from './websocket-transport.js';
export { CLOSE_KEEPALIVE_TIMEOUT, closeReason, WebSocketTransport } from './websocket-transport.js';

/**
 * A transport over one socket you have opened (a browser `WebSocket`, or a `ws` `WebSocket`), or
 * one a server accepted (then pass `initiator: false`). Sends made before the socket opens wait
 * for it. `peer.close()` closes the socket with 1000; a close from the far side closes the peer
 * with an `UNAVAILABLE` error whose `cause` is `closeReason(code, reason)`.
 */
export function fromWebSocket(socket: WebSocketLike, options: WebSocketTransportOptions = {}): WebSocketTransport {
  return new WebSocketTransport(socket, options);
}
