/**
 * What a compressor plugin provides: a name both sides announce in HELLO, and the two directions.
 * Either may answer synchronously (Node's zlib) or with a promise (the platform's
 * `CompressionStream`); the link keeps frames in order either way.
 */
export interface Compressor {
  /** The name announced in HELLO's `compression` list, e.g. `deflate-raw`. At most 64 characters. */
  readonly name: string;
  compress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /**
   * Restores exactly `length` bytes. It must stop as soon as the output would pass `length` and
   * throw `tooLarge()`'s error (a compression bomb), never producing more; other input that does
   * not inflate to `length` bytes throws anything else. `compress` gets a buffer of its own, which it may read later.
   */
  decompress(data: Uint8Array, length: number): Uint8Array | Promise<Uint8Array>;
}
