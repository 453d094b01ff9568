/**
 * `saltline/json`: the JSON codec, for debugging and for peers that speak JSON. Every value of
 * the msgpack table crosses (docs/protocol.md §11.4). Pass it as `codec`, or offer it with `codecs()` from `saltline/codecs`.
 */
export { type JsonOptions, jsonCodec } from './codec/json.js';
