/**
 * `saltline/jsonrpc`: JSON-RPC 2.0 as a saltline `Peer` (`jsonRpcPeer`), served over WebSocket
 * (`serveJsonRpc`) and HTTP POST (`handleJsonRpcHttp`, `jsonRpcNodeListener`), called over
 * WebSocket (`fromWebSocket` from `saltline/websocket`) or HTTP (`fromHttp`). See docs/guide/jsonrpc.md.
 */
export {
  fromErrorObject,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  type JsonRpcErrorObject,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  type SaltlineErrorData,
  SERVER_ERROR,
  toErrorObject,
} from './errors.js';
export { fromHttp, type HttpTransportOptions } from './fetch-transport.js';
export { handleJsonRpcHttp, type JsonRpcHttpOptions, jsonRpcNodeListener, type NodeRequestLike, type NodeResponseLike } from './http.js';
export { DEFAULT_MAX_MESSAGE_SIZE, type JsonRpcLimits, type JsonRpcServeOptions } from './limits.js';
export { byName } from './params.js';
export { type JsonRpcPeerOptions, jsonRpcPeer } from './peer.js';
export { type JsonRpcId, type JsonRpcResponse, JsonRpcServer } from './server.js';
export { type ServeJsonRpcOptions, serveJsonRpc } from './websocket.js';
