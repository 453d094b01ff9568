/** base64url (RFC 4648 §5, no padding) and the short base32 form used for fingerprints. */

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const URL_VALUES = new Map([...URL_ALPHABET].map((c, i) => [c, i]));
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Bytes as base64url without padding: safe in URLs, file names and JSON. */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += URL_ALPHABET[n >> 18]! + URL_ALPHABET[(n >> 12) & 63]! + URL_ALPHABET[(n >> 6) & 63]! + URL_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += URL_ALPHABET[n >> 18]! + URL_ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += URL_ALPHABET[n >> 18]! + URL_ALPHABET[(n >> 12) & 63]! + URL_ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Parses base64url (padding and standard `+/` tolerated); throws a TypeError on anything else. */
export function fromBase64url(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (clean.length % 4 === 1) throw new TypeError('not base64url: bad length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const char of clean) {
    const v = URL_VALUES.get(char);
    if (v === undefined) throw new TypeError('not base64url: unexpected character');
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** Lowercase base32 (RFC 4648 alphabet) without padding: no case or symbol to misread aloud. */
export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(value >> bits) & 31]!;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31]!;
  return out;
}
