/**
 * `saltline/codecs`: offer codecs beyond msgpack (`jsonCodec` from `saltline/json`, `cborCodec`
 * from `saltline/cbor`, your own) and use one only with a far side that offers it too:
 * `createPeer(t, { plugins: [codecs([cborCodec()])] })`. HELLOs stay in the default codec; a far
 * side without the plugin, or with no codec in common, keeps the default (docs/protocol.md §3.1).
 */
import type { Codec } from '../codec/codec.js';
import type { Plugin } from '../plugins.js';
import { bytesOf } from '../transport.js';
import type { Peer } from '../types.js';
import { NegotiatingCodec } from './negotiating.js';
import { TextLink } from './text-link.js';

/** The plugin: `offered` in order of preference; each side sends in its first one the far side offers. */
export function codecs(offered: readonly Codec[]): Plugin {
  const bytes = offered.filter((codec) => codec.kind === 'bytes');
  const links = new WeakMap<Peer, NegotiatingCodec>();
  /** The text layer of the link being made, from `wrapTransport` to `wrapCodec` (both run as the session starts). */
  const texts = new WeakMap<Peer, TextLink>();
  const hasText = bytes.some((codec) => codec.text);
  return {
    name: 'codecs',
    codecs: bytes,
    features: bytes.map((codec) => codec.name),
    wrapTransport(transport, { peer }) {
      texts.delete(peer);
      if (!hasText || !bytesOf(transport)?.text) return transport;
      const link = new TextLink(transport);
      texts.set(peer, link);
      return link;
    },
    wrapCodec(codec, { peer, maxMessageSize }) {
      const text = texts.get(peer);
      texts.delete(peer);
      if (codec.kind !== 'bytes' || bytes.length === 0) return codec;
      const negotiating = new NegotiatingCodec(codec, bytes, maxMessageSize, text);
      links.set(peer, negotiating);
      return negotiating;
    },
    ready: (peer, names) => links.get(peer)?.choose(names),
  };
}
