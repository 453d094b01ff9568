/**
 * `saltline/compression`: deflate-raw for large frames on byte transports, negotiated in HELLO,
 * bomb-safe. `createPeer(t, { plugins: [compression()] })` on both sides; a far side without it
 * gets every frame as it is. Ports (structured clone) are never compressed.
 */
import type { Plugin } from '../plugins.js';
import type { Peer } from '../types.js';
import { deflateRaw } from './deflate.js';
import { CompressingLink, type CompressionOptions } from './link.js';

export type { Compressor } from './compressor.js';
export { type DeflateOptions, deflateRaw, type ZlibLike } from './deflate.js';
export { tooLarge } from './envelope.js';
export type { CompressionOptions } from './link.js';

/** The plugin: this side announces its compressors' names and compresses toward a far side that lists one. */
export function compression(options: CompressionOptions = {}): Plugin {
  const compressors = options.compressors ?? [deflateRaw()];
  const links = new WeakMap<Peer, CompressingLink>();
  return {
    name: 'compression',
    compressors,
    features: compressors.map((compressor) => compressor.name),
    wrapTransport(transport, { peer, maxMessageSize }) {
      if (transport.encoding === 'clone') return transport;
      // Compressed frames are bytes: layers above send none as text (a text frame is never compressed).
      const link = new CompressingLink(transport, { ...transport.encoding, text: false }, options, compressors, maxMessageSize);
      links.set(peer, link);
      return link;
    },
    ready: (peer, names) => links.get(peer)?.accept(names),
  };
}
