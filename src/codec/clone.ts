import type { Codec } from './codec.js';

/** Structured clone: the platform copies (or transfers) values, so encoding is the identity. */
export const cloneCodec: Codec = {
  name: 'clone',
  kind: 'clone',
  encode: (frame) => frame,
  decode: (data) => data,
};
