import type { AdmitHeader, Codec } from '../codec/codec.js';
import { textOver } from '../codec/text-size.js';
import type { TextLink } from './text-link.js';

/** Codec names a side may offer, and their length: what a HELLO may make the receiver look through. */
const MAX_CODECS = 16;
const TAG = 0xc1;
const CODEC_BIT = 0x80;

const readWith = (codec: Codec, data: unknown, admit: AdmitHeader | undefined): unknown =>
  admit && codec.decodeAdmitted ? codec.decodeAdmitted(data, admit) : codec.decode(data);

/**
 * The session's codec on one link while codecs are negotiated (docs/protocol.md §3.1). It sends
 * in the default codec until `choose` names one the far side offered, then in that one, each frame
 * prefixed `c1 8i` (`i`: its index in the far side's list); it reads both, by the prefix. Over a
 * transport with text frames, a text codec's frames go as text (`TextLink`) and text frames are
 * read by this side's first text codec.
 */
export class NegotiatingCodec implements Codec {
  readonly kind = 'bytes' as const;
  readonly #default: Codec;
  readonly #offered: readonly Codec[];
  /** What this side sends in, once chosen, and the prefix its frames carry. */
  #chosen: Codec | undefined;
  #prefix = 0;
  readonly #text: Codec | undefined;
  readonly #textLink: TextLink | undefined;
  readonly #maxMessageSize: number;
  readonly encodeShared?: (frame: unknown) => unknown;

  constructor(fallback: Codec, offered: readonly Codec[], maxMessageSize: number, textLink?: TextLink) {
    this.#default = fallback;
    this.#offered = offered.slice(0, MAX_CODECS);
    this.#maxMessageSize = maxMessageSize;
    this.#textLink = textLink;
    this.#text = textLink && this.#offered.find((codec) => codec.text);
    // The outbox asks once whether a shared buffer may be used: only the default codec's, and only until a choice.
    if (fallback.encodeShared) this.encodeShared = (frame) => (this.#chosen ? this.encode(frame) : fallback.encodeShared!(frame));
  }

  get name(): string {
    return this.#chosen?.name ?? this.#default.name;
  }

  /** The far side's list (untrusted): from now on frames go in the first of ours it names, if any. */
  choose(theirs: unknown): void {
    if (!Array.isArray(theirs)) return;
    const names = theirs.slice(0, MAX_CODECS);
    for (const codec of this.#offered) {
      const index = names.indexOf(codec.name);
      if (index < 0) continue;
      this.#chosen = codec;
      this.#prefix = CODEC_BIT | index;
      this.#textLink?.sendAsText(codec.text ? this.#prefix : 0);
      return;
    }
  }

  encode(frame: unknown): unknown {
    const chosen = this.#chosen;
    if (!chosen) return this.#default.encode(frame);
    const body = chosen.encode(frame) as Uint8Array;
    const out = new Uint8Array(body.byteLength + 2);
    out[0] = TAG;
    out[1] = this.#prefix;
    out.set(body, 2);
    return out;
  }

  /** The boundaries of a frame in whichever codec it is in (offsets past the prefix moved by its 2 bytes). */
  boundaries(data: unknown): readonly number[] {
    if (typeof data === 'string' && this.#text?.boundaries) return this.#text.boundaries(data);
    const codec = this.#codecOf(data);
    if (codec === this.#default) return this.#default.boundaries?.(data) ?? [];
    const ends = codec.boundaries?.((data as Uint8Array).subarray(2)) ?? [];
    return ends.map((end) => end + 2);
  }

  /** The codec a byte frame is in, by its prefix. */
  #codecOf(data: unknown): Codec {
    if (!(data instanceof Uint8Array) || data[0] !== TAG || data.byteLength < 2 || !(data[1]! & CODEC_BIT)) return this.#default;
    const codec = this.#offered[data[1]! & ~CODEC_BIT];
    if (!codec) throw new RangeError('a frame in a codec this side did not offer');
    return codec;
  }

  decode(data: unknown): unknown {
    return this.#read(data, undefined);
  }

  /** `decode`, admitting calls as they are read where the frame's codec can (else after decoding). */
  decodeAdmitted(data: unknown, admit: AdmitHeader): unknown {
    return this.#read(data, admit);
  }

  #read(data: unknown, admit: AdmitHeader | undefined): unknown {
    if (typeof data === 'string' && this.#text) {
      // The session bounds bytes only; text is held to the same limit, in UTF-8 bytes.
      if (textOver(data, this.#maxMessageSize)) throw new RangeError('a text frame larger than maxMessageSize');
      return readWith(this.#text, data, admit);
    }
    const codec = this.#codecOf(data);
    return readWith(codec, codec === this.#default ? data : (data as Uint8Array).subarray(2), admit);
  }
}
