/**
 * `saltline/cbor`: the CBOR codec (RFC 8949) through `cbor-x`, an optional peer dependency:
 * `npm install cbor-x`. Pass it as `codec`, or offer it with `codecs()` from
 * `saltline/codecs` (docs/protocol.md §11.5).
 */
export { type CborOptions, cborCodec } from './codec/cbor.js';
