/**
 * The record layer: one transport message = one record = secretbox(type ‖ payload, nonce, k),
 * nonce = direction byte ‖ 15 zero bytes ‖ 64-bit big-endian counter. The counter is implicit
 * (never sent), so a replayed, reordered or dropped record fails to open.
 *
 * XSalsa20-Poly1305 is secretbox's construction, computed from tweetnacl's `lowlevel` parts
 * rather than through `crypto_secretbox`, with byte-identical output:
 *
 * - XSalsa20 is HSalsa20(k, nonce[0:16]) as the Salsa20 key, with nonce[16:24] as the Salsa20
 *   nonce. Our nonce[0:16] never changes for a key (the direction byte and zeros), so the
 *   HSalsa20 subkey is computed once per key instead of once per seal and twice per open.
 * - Sealing runs the stream over a buffer with 32 zero bytes in front of `type ‖ payload`, in
 *   place (safe: the stream XOR reads each byte before writing it), so Salsa20 block 0's first 32
 *   bytes land in front as the Poly1305 key, and Poly1305 (which reads its key first) writes the
 *   tag just before the ciphertext: secretbox's layout, and one copy of the payload. The record
 *   is a view 16 bytes into that buffer, whose first 16 bytes (half the one-time key) are zeroed.
 * - Opening first computes Salsa20 block 0 alone (the Poly1305 key) and checks the tag on the
 *   record as it is. A small record (type ‖ payload ≤ 32 bytes, every small call's) is then
 *   decrypted with the rest of that same block: one Salsa20 core and one Poly1305, where
 *   `crypto_secretbox_open` runs two HSalsa20 and two Salsa20 cores. A larger one runs the stream
 *   over a padded buffer, in place when we own the bytes and they already sit 16 bytes into their
 *   buffer (records that crossed a port), else in a copy.
 *
 * The tag is checked (`crypto_verify_16`, constant time) before a byte is decrypted, and the
 * counter advances only after a record opened.
 */
import nacl from 'tweetnacl';
import { LAST, MORE, WHOLE } from '../fragment.js';
import { utf8, wipe } from './bytes.js';
import { hmac } from './hmac.js';

export { LAST, MORE, WHOLE };
/** The responder's first record: confirms both sides hold the same keys. Empty. */
export const READY = 3;
/** The sender switches to the next key after this record. Empty. */
export const REKEY = 4;
/** The sender is closing; an end without it is a truncation. Empty. */
export const CLOSE = 5;

/** Authenticator bytes in front of every record. */
const TAG_SIZE = 16;
/** The smallest record: a tag and a type byte. */
export const MIN_RECORD = TAG_SIZE + 1;
/** The largest record on the wire (64 KiB), checked before opening. */
export const MAX_RECORD = 64 * 1024;
/** Direction bytes of the nonce. */
export const FROM_INITIATOR = 0x49; // 'I'
export const FROM_RESPONDER = 0x52; // 'R'
/** Records one key may seal before the sender rekeys. */
export const REKEY_RECORDS = 2 ** 20;
/** Milliseconds one key may be used before the sender rekeys (checked when it sends). */
export const REKEY_INTERVAL = 10 * 60 * 1000;
/** The channel fails long before the 64-bit counter could wrap: at 2^60, i.e. the high 32 bits at 2^28. */
const MAX_COUNTER_HIGH = 2 ** 28;
const TWO_32 = 2 ** 32;

const ZERO_BYTES = 32; // crypto_secretbox_ZEROBYTES: the Poly1305 key's share of Salsa20 block 0
const BOX_ZERO_BYTES = 16; // crypto_secretbox_BOXZEROBYTES
/** `type ‖ payload` up to this length is decrypted with Salsa20 block 0 alone. */
const ONE_BLOCK = 64 - ZERO_BYTES;
const REKEY_LABEL = utf8('saltline/1 rekey');
/** Salsa20's constant, "expand 32-byte k". */
const SIGMA = utf8('expand 32-byte k');

interface Lowlevel {
  crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, k: Uint8Array, c: Uint8Array): void;
  crypto_stream_salsa20(c: Uint8Array, cpos: number, b: number, n: Uint8Array, k: Uint8Array): number;
  crypto_stream_salsa20_xor(c: Uint8Array, cpos: number, m: Uint8Array, mpos: number, b: number, n: Uint8Array, k: Uint8Array): number;
  crypto_onetimeauth(out: Uint8Array, outpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array): number;
  crypto_verify_16(x: Uint8Array, xi: number, y: Uint8Array, yi: number): number;
}
const lowlevel = (nacl as unknown as { lowlevel: Lowlevel }).lowlevel;

/** The next key of a direction: HMAC-SHA-512(k, "saltline/1 rekey")[0:32]. One-way. */
export function nextKey(key: Uint8Array): Uint8Array {
  const mac = hmac(key, REKEY_LABEL);
  const next = mac.slice(0, 32);
  wipe(mac);
  return next;
}

/** One direction's key and counter. The channel has one to seal and one to open. */
export class RecordCipher {
  /** HSalsa20(key, direction ‖ 0^15): the Salsa20 key of every record under `key`. */
  readonly #subkey = new Uint8Array(32);
  /** nonce[16:24]: the counter, big-endian. */
  readonly #nonce = new Uint8Array(8);
  /** Salsa20 block 0 of the current record (the Poly1305 key, then keystream); wiped after use. */
  readonly #block = new Uint8Array(64);
  /** The tag computed when opening, compared to the record's. */
  readonly #tag = new Uint8Array(16);
  readonly #direction: number;
  /** The counter as two 32-bit halves: no BigInt per record. */
  #high = 0;
  #low = 0;
  #key: Uint8Array;

  constructor(key: Uint8Array, direction: number) {
    this.#key = key;
    this.#direction = direction;
    this.#derive();
  }

  /** Records sealed or opened so far in this direction. */
  get count(): bigint {
    return (BigInt(this.#high) << 32n) | BigInt(this.#low);
  }

  /**
   * Seals one record. Returns it as a view 16 bytes into a buffer only it uses (the 16 bytes in
   * front are zero), so the caller can transfer `record.buffer` over a port.
   */
  seal(type: number, payload: Uint8Array): Uint8Array {
    if (this.#high >= MAX_COUNTER_HIGH) throw new RangeError('the record counter is exhausted');
    const size = payload.byteLength;
    const length = ZERO_BYTES + 1 + size;
    const buffer = new Uint8Array(length);
    buffer[ZERO_BYTES] = type;
    buffer.set(payload, ZERO_BYTES + 1);
    lowlevel.crypto_stream_salsa20_xor(buffer, 0, buffer, 0, length, this.#setNonce(), this.#subkey);
    lowlevel.crypto_onetimeauth(buffer, BOX_ZERO_BYTES, buffer, ZERO_BYTES, size + 1, buffer);
    buffer.fill(0, 0, BOX_ZERO_BYTES); // half the one-time key: it must not travel with the record
    this.#advance();
    return buffer.subarray(BOX_ZERO_BYTES);
  }

  /**
   * Opens one record; returns the padded plaintext (type at [32], payload after it; the 32 bytes
   * in front carry nothing), or `undefined` when it does not authenticate. `owned` says the
   * bytes are ours alone (a port delivered a fresh copy): then a record 16 bytes into its buffer
   * is opened in place.
   */
  open(record: Uint8Array, owned: boolean): Uint8Array | undefined {
    const length = record.byteLength;
    if (length <= BOX_ZERO_BYTES) return undefined;
    const size = length - BOX_ZERO_BYTES; // type ‖ payload
    const nonce = this.#setNonce();
    const block = this.#block;
    lowlevel.crypto_stream_salsa20(block, 0, 64, nonce, this.#subkey);
    lowlevel.crypto_onetimeauth(this.#tag, 0, record, BOX_ZERO_BYTES, size, block);
    if (lowlevel.crypto_verify_16(record, 0, this.#tag, 0) !== 0) {
      block.fill(0);
      return undefined;
    }
    const inPlace = owned && record.byteOffset >= BOX_ZERO_BYTES && record.buffer instanceof ArrayBuffer;
    const plain = inPlace
      ? new Uint8Array(record.buffer, record.byteOffset - BOX_ZERO_BYTES, length + BOX_ZERO_BYTES)
      : new Uint8Array(length + BOX_ZERO_BYTES);
    if (size <= ONE_BLOCK) {
      for (let i = BOX_ZERO_BYTES, j = ZERO_BYTES; i < length; i++, j++) plain[j] = record[i]! ^ block[j]!;
    } else {
      if (!inPlace) plain.set(record.subarray(BOX_ZERO_BYTES), ZERO_BYTES);
      lowlevel.crypto_stream_salsa20_xor(plain, 0, plain, 0, plain.length, nonce, this.#subkey);
      plain.fill(0, 0, ZERO_BYTES); // what the stream left there is the one-time key
    }
    block.fill(0);
    this.#advance(); // only after a record opened
    return plain;
  }

  /** Moves to the next key and wipes the old one; the counter runs on. */
  rekey(): void {
    const next = nextKey(this.#key);
    wipe(this.#key);
    this.#key = next;
    this.#derive();
  }

  wipe(): void {
    wipe(this.#key, this.#subkey, this.#block, this.#tag);
  }

  /** The subkey for the current key: HSalsa20 of the constant nonce[0:16]. */
  #derive(): void {
    const prefix = new Uint8Array(16);
    prefix[0] = this.#direction;
    lowlevel.crypto_core_hsalsa20(this.#subkey, prefix, this.#key, SIGMA);
  }

  /** nonce[16:24] for the current counter. */
  #setNonce(): Uint8Array {
    const nonce = this.#nonce;
    const high = this.#high;
    const low = this.#low;
    nonce[0] = high >>> 24;
    nonce[1] = (high >>> 16) & 0xff;
    nonce[2] = (high >>> 8) & 0xff;
    nonce[3] = high & 0xff;
    nonce[4] = low >>> 24;
    nonce[5] = (low >>> 16) & 0xff;
    nonce[6] = (low >>> 8) & 0xff;
    nonce[7] = low & 0xff;
    return nonce;
  }

  #advance(): void {
    if (++this.#low === TWO_32) {
      this.#low = 0;
      this.#high++;
    }
  }
}
