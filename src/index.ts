export { createPeer } from './peer.js';
export { RpcError, codes, publicError, type RpcErrorCode, type RpcErrorOptions } from './errors.js';
export { withContext, type CallContext, type ContextHandler } from './context.js';
export { cloneCodec } from './codec/clone.js';
export type { Codec, CodecExtension } from './codec/codec.js';
export type { ConnectionState, ConnectionStateChange, Transport, TransportReceiver } from './transport.js';
export type {
  Call,
  Callback,
  CallbackMustReturnPromise,
  CallHandler,
  CallOptions,
  Interceptor,
  Limits,
  Logger,
  Peer,
  PeerOptions,
  PeerStats,
  ClassInstanceIsNotCallable,
  Remote,
  RemoteFunction,
  RemoteObject,
  RemoteResult,
} from './types.js';
export { PROTOCOL_VERSION } from './protocol.js';
export { transfer } from './transfer.js';
export { retain, release } from './ref-table.js';
export type { RemoteStream } from './streams.js';
