/**
 * `serveJsonRpc`: JSON-RPC 2.0 over WebSocket text frames, on `serveWebSocket`'s server (the same
 * options: path, origins, connection cap, `accept`, keep-alive), one `jsonRpcPeer` a connection.
 */
import {
  type ServeWebSocketOptions,
  serveWebSocket,
  type UpgradeRequest,
  type WebSocketService,
} from '../../adapters/websocket-server.js';
import type { Peer, PeerOptions } from '../types.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './limits.js';
import { type JsonRpcPeerOptions, jsonRpcPeer } from './peer.js';

/** What `serveJsonRpc` takes: `serveWebSocket`'s options, with JSON-RPC peers and a frame bound. */
export interface ServeJsonRpcOptions extends Omit<ServeWebSocketOptions, 'peer' | 'createPeer'> {
  /**
   * Options for each connection's peer, or a function of the request: `{ expose: api }`. Handler
   * errors go out through `publicError` unless `onSendError` says otherwise. Default `{}`.
   */
  readonly peer?: JsonRpcPeerOptions | ((request: UpgradeRequest) => JsonRpcPeerOptions);
  /** Largest frame accepted, in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  readonly maxMessageSize?: number;
}

/** Serves JSON-RPC 2.0 over WebSocket; `onPeer` (optional) gets the peer of each connection, to call its client back. */
export function serveJsonRpc(
  options: ServeJsonRpcOptions,
  onPeer: (peer: Peer, request: UpgradeRequest) => void | Promise<void> = () => {},
): Promise<WebSocketService> {
  return serveWebSocket(
    {
      ...options,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      peer: options.peer as PeerOptions | ((request: UpgradeRequest) => PeerOptions),
      createPeer: (transport, peerOptions) => jsonRpcPeer(transport, peerOptions as JsonRpcPeerOptions),
    },
    onPeer,
  );
}
