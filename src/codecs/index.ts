/**
 * `saltline/codecs`: offer codecs beyond msgpack (`jsonCodec` from `saltline/json`, `cborCodec`
 * from `saltline/cbor`, your own) and use one only with a far side that offers it too:
 * `createPeer(t, { plugins: [codecs([cborCodec()])] })`. HELLOs stay in the default codec; a far
 * side without the plugin, or with no codec in common, keeps the default (docs/protocol.md §3.1).
 */
import type { Codec } from '../codec/codec.js';
import type { Plugin } from '../plugins.js';
import type { Peer } from '../types.js';
import { NegotiatingCodec } from './negotiating.js';

/** The plugin: `offered` in order of preference; each side sends in its first one the far side offers. */
export function codecs(offered: readonly Codec[]): Plugin {
  const bytes = offered.filter((codec) => codec.kind === 'bytes');
  const links = new WeakMap<Peer, NegotiatingCodec>();
  return {
    name: 'codecs',
    codecs: bytes,
    features: bytes.map((codec) => codec.name),
    wrapCodec(codec, { peer }) {
      if (codec.kind !== 'bytes' || bytes.length === 0) return codec;
      const negotiating = new NegotiatingCodec(codec, bytes);
      links.set(peer, negotiating);
      return negotiating;
    },
    ready: (peer, names) => links.get(peer)?.choose(names),
  };
}
