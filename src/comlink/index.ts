/**
 * `saltline/comlink`: a saltline `Peer` that speaks comlink's wire protocol over worker, port and
 * window transports, to call `Comlink.expose`d objects and to serve `Comlink.wrap` callers.
 * See docs/guide/from-comlink.md.
 */
export type { ComlinkLimits, ComlinkPeerOptions } from './options.js';
export { comlinkPeer } from './peer.js';
