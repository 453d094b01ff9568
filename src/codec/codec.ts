/**
 * A codec turns one frame — a protocol message, or a batch (array) of them — into one transport
 * message and back. `kind` must match the transport's: `bytes` codecs produce `Uint8Array`s.
 */
export interface Codec {
  readonly name: string;
  readonly kind: 'clone' | 'bytes';
  /** Throws when a value cannot be encoded; the peer then retries message by message. */
  encode(frame: unknown): unknown;
  /**
   * Optional: like `encode`, but may return a view of a buffer the codec reuses, valid only until
   * its next encode. The peer uses it when the transport copies what it sends before `send`
   * returns (`Transport.copiesOnSend`), which saves a copy and an allocation per message.
   */
  encodeShared?(frame: unknown): unknown;
  /** Throws on malformed input; the peer drops the message and counts it. */
  decode(data: unknown): unknown;
  /**
   * Optional: where each message of a batch frame (`data` encodes an array of messages) ends, as
   * offsets into `data` (bytes; UTF-16 units for a text frame), the last being its length, so
   * the differences are the messages' encoded sizes (the batch's own framing counted to the
   * first). Walks the frame without building its values, within `decode`'s limits; throws
   * where `decode` would on malformed framing. Read by `createMetrics()`'s byte counts.
   */
  boundaries?(data: unknown): readonly number[];
  /**
   * Optional: `decode`, except that the header of each CALL (kind, id, method) and NOTIFY (kind,
   * method) in the frame is shown to `admit` as soon as it is read, before the rest of the message;
   * when `admit` returns a value, the message is skipped without being built (its extension types
   * never decoded) and that value stands in its place. The session uses it to refuse calls before
   * their arguments are decoded (`Plugin.admit`). Default: calls are admitted after decoding.
   */
  decodeAdmitted?(data: unknown, admit: AdmitHeader): unknown;
  /**
   * True when `encode` makes UTF-8 text and `decode` also takes it as a string (JSON): negotiated
   * with `codecs()`, its frames go as text frames where the transport has them. Default false.
   */
  readonly text?: boolean;
}

/** Shown each CALL's and NOTIFY's header by `Codec.decodeAdmitted`: a value refuses the message (`id` undefined for a NOTIFY). */
export type AdmitHeader = (kind: number, id: unknown, method: string) => unknown;

/** A codec extension type: `encode` returns `null` to pass the value on to the next one. */
export interface CodecExtension<T = unknown> {
  readonly type: number;
  encode(value: unknown): T | null;
  decode(data: T): unknown;
}
