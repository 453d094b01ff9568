import type { Codec } from './codec.js';

/**
 * Codecs offered by plugins, negotiated in HELLO (docs/protocol.md §3.1). A frame in one of them
 * starts with `c1 8i`, `i` being the codec's index in the receiver's HELLO list; frames in the
 * session's default codec carry no tag, so a session without codec plugins reads and writes
 * exactly as before.
 */
export const MAX_CODECS = 16;
const TAG = 0xc1;
const CODEC_BIT = 0x80;

/** `codec`'s frames, tagged with the receiver's `index`. */
export function tagged(codec: Codec, index: number): Codec {
  const tag = CODEC_BIT | index;
  return {
    name: codec.name,
    kind: codec.kind,
    encode: (frame) => {
      const body = codec.encode(frame) as Uint8Array;
      const out = new Uint8Array(body.byteLength + 2);
      out[0] = TAG;
      out[1] = tag;
      out.set(body, 2);
      return out;
    },
    decode: codec.decode,
  };
}

/** The codec a received frame names, and its body; `undefined` when it is in the default codec. */
export function taggedCodec(data: unknown, codecs: readonly Codec[]): [Codec, Uint8Array] | undefined {
  if (!(data instanceof Uint8Array) || data[0] !== TAG || data.byteLength < 2 || !(data[1]! & CODEC_BIT)) return undefined;
  const codec = codecs[data[1]! & ~CODEC_BIT];
  if (!codec) throw new RangeError('a frame in a codec this side did not offer');
  return [codec, data.subarray(2)];
}

/** The first of `ours` that the far side's HELLO list (untrusted) names, tagged with its index there. */
export function chooseCodec(ours: readonly Codec[], theirs: unknown): Codec | undefined {
  if (!Array.isArray(theirs)) return undefined;
  const names = theirs.slice(0, MAX_CODECS);
  for (const codec of ours) {
    const index = names.indexOf(codec.name);
    if (index >= 0) return tagged(codec, index);
  }
  return undefined;
}
