/**
 * A codec turns one batch of protocol messages into one transport message and back.
 * `kind` must match the transport's: `bytes` codecs produce `Uint8Array`s.
 */
export interface Codec {
  readonly name: string;
  readonly kind: 'clone' | 'bytes';
  /** Throws when a value cannot be encoded; the peer then retries message by message. */
  encode(messages: readonly unknown[]): unknown;
  /** Throws on malformed input; the peer drops the message and counts it. */
  decode(data: unknown): unknown;
}

/** A codec extension type: `encode` returns `null` to pass the value on to the next one. */
export interface CodecExtension<T = unknown> {
  readonly type: number;
  encode(value: unknown): T | null;
  decode(data: T): unknown;
}
