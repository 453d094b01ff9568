export { cloneCodec } from './codec/clone.js';
export type { AdmitHeader, Codec, CodecExtension } from './codec/codec.js';
export type { ConnectionState, ConnectionStateChange } from './connection-state.js';
export { type CallContext, type ContextHandler, withContext } from './context.js';
export { type Dial, type DialContext, type Reconnecting, type ReconnectingPeer, type ReconnectPolicy, reconnecting } from './dialer.js';
export { codes, publicError, RpcError, type RpcErrorCode, type RpcErrorOptions } from './errors.js';
export { createPeer } from './peer.js';
export type { Admission, Plugin } from './plugins.js';
export { PROTOCOL_VERSION } from './protocol.js';
export { release, retain } from './retain.js';
export type { RemoteStream } from './streams.js';
export { RpcTarget, type Target, target } from './target.js';
export { transfer } from './transfer.js';
export type { BytesEncoding, Transport, TransportReceiver } from './transport.js';
export type {
  CacheInfo,
  CacheRequest,
  Call,
  Callback,
  CallbackMustReturnPromise,
  CallHandler,
  CallOptions,
  ClassInstanceIsNotCallable,
  Interceptor,
  Limits,
  Logger,
  Peer,
  PeerOptions,
  PeerStats,
  Remote,
  RemoteDescriptor,
  RemoteFunction,
  RemoteObject,
  RemoteResult,
  RemoteTarget,
} from './types.js';
