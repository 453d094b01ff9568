/**
 * `saltline/msgpack`: the byte codec. Byte adapters (WebSocket, WebRTC, extension ports) and the
 * secure channel use it by default; import it to tune its limits or add extension types, or to
 * give a byte transport of your own a codec. Apps on ports alone never load it.
 */

export type { Codec, CodecExtension } from './codec/codec.js';
export { type MsgpackOptions, msgpackCodec } from './codec/msgpack.js';
