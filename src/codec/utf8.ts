const textDecoder = new TextDecoder();

/** Above this many bytes the platform decoder is faster than the loop below. */
const SHORT_STRING = 200;

/**
 * Decodes UTF-8 the way `@msgpack/msgpack` encodes it: short strings leniently, so a lone
 * surrogate (which its encoder writes as three bytes) comes back as itself rather than as U+FFFD.
 * Longer strings go through `TextDecoder`, as in `@msgpack/msgpack`'s own decoder.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > SHORT_STRING) return textDecoder.decode(bytes.subarray(start, end));
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  const units: number[] = [];
  let i = start;
  const next = () => (i < end ? bytes[i++]! & 0x3f : 0);
  while (i < end) {
    const byte = bytes[i++]!;
    if (byte < 0x80) units.push(byte);
    else if ((byte & 0xe0) === 0xc0) units.push(((byte & 0x1f) << 6) | next());
    else if ((byte & 0xf0) === 0xe0) units.push(((byte & 0x0f) << 12) | (next() << 6) | next());
    else if ((byte & 0xf8) === 0xf0) {
      const point = ((byte & 0x07) << 18) | (next() << 12) | (next() << 6) | next();
      if (point > 0xffff) units.push(0xd800 | (((point - 0x10000) >>> 10) & 0x3ff), 0xdc00 | (point & 0x3ff));
      else units.push(point);
    } else units.push(byte);
  }
  return String.fromCharCode.apply(null, units);
}

const MAX_KEY_BYTES = 16;
const KEYS_PER_LENGTH = 16;

/**
 * Short map keys, decoded once: the objects of an array repeat the same keys, and a cached string
 * saves decoding and allocating it again. Bounded (16 keys of each length up to 16 bytes); when a
 * length's slots are full, a random one is replaced, so no sequence of keys can defeat it for long.
 */
export class KeyCache {
  readonly #slots: { bytes: Uint8Array; text: string }[][] = Array.from({ length: MAX_KEY_BYTES + 1 }, () => []);

  decode(bytes: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_KEY_BYTES || length === 0) return decodeUtf8(bytes, start, end);
    const slots = this.#slots[length]!;
    search: for (const slot of slots) {
      for (let i = 0; i < length; i++) if (slot.bytes[i] !== bytes[start + i]) continue search;
      return slot.text;
    }
    const text = decodeUtf8(bytes, start, end);
    const slot = { bytes: bytes.slice(start, end), text };
    if (slots.length < KEYS_PER_LENGTH) slots.push(slot);
    else slots[Math.floor(Math.random() * KEYS_PER_LENGTH)] = slot;
    return text;
  }
}
