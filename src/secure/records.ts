/**
 * The record layer: one transport message = one record = secretbox(type ‖ payload, nonce, k),
 * nonce = direction byte ‖ 15 zero bytes ‖ 64-bit big-endian counter. The counter is implicit
 * (never sent), so a replayed, reordered or dropped record fails to open.
 *
 * tweetnacl's secretbox wants 32 zero bytes in front of the plaintext and returns the box after
 * 16 of them; its public API pays for that with a padded copy and a second output array each
 * way. We call its `lowlevel` functions on one buffer in place (both are safe in place: the
 * stream XOR reads each byte before writing it and Poly1305 reads its key first), so a sealed
 * record costs one copy of the payload into the padded buffer, and an opened one costs one copy
 * into a padded buffer, or none when we own the bytes and they already sit 16 bytes into their
 * buffer (records that crossed a port, see `open`).
 */
import nacl from 'tweetnacl';
import { LAST, MORE, WHOLE } from '../fragment.js';
import { utf8, wipe } from './bytes.js';
import { hmac } from './hmac.js';

export { WHOLE, MORE, LAST };
/** The responder's first record: confirms both sides hold the same keys. Empty. */
export const READY = 3;
/** The sender switches to the next key after this record. Empty. */
export const REKEY = 4;
/** The sender is closing; an end without it is a truncation. Empty. */
export const CLOSE = 5;

/** Authenticator bytes in front of every record. */
export const TAG_SIZE = 16;
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
/** The channel fails long before the 64-bit counter could wrap. */
const MAX_COUNTER = 2n ** 60n;

const ZERO_BYTES = 32; // crypto_secretbox_ZEROBYTES
const BOX_ZERO_BYTES = 16; // crypto_secretbox_BOXZEROBYTES
const REKEY_LABEL = utf8('saltline/1 rekey');

interface Lowlevel {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
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
  private readonly nonce = new Uint8Array(24);
  private readonly view = new DataView(this.nonce.buffer);
  private counter = 0n;

  constructor(
    private key: Uint8Array,
    direction: number,
  ) {
    this.nonce[0] = direction;
  }

  /** Records sealed or opened so far in this direction. */
  get count(): bigint {
    return this.counter;
  }

  /**
   * Seals one record. Returns it as a view 16 bytes into a buffer only it uses, so the caller
   * can transfer `record.buffer` over a port.
   */
  seal(type: number, payload: Uint8Array): Uint8Array {
    if (this.counter >= MAX_COUNTER) throw new RangeError('the record counter is exhausted');
    const length = ZERO_BYTES + 1 + payload.byteLength;
    const buffer = new Uint8Array(length);
    buffer[ZERO_BYTES] = type;
    buffer.set(payload, ZERO_BYTES + 1);
    this.view.setBigUint64(16, this.counter);
    lowlevel.crypto_secretbox(buffer, buffer, length, this.nonce, this.key);
    this.counter++;
    return buffer.subarray(BOX_ZERO_BYTES);
  }

  /**
   * Opens one record; returns the padded plaintext (type at [32], payload after it), or
   * `undefined` when it does not authenticate. `owned` says the bytes are ours alone (a port
   * delivered a fresh copy): then a record 16 bytes into its buffer is opened in place.
   */
  open(record: Uint8Array, owned: boolean): Uint8Array | undefined {
    const length = BOX_ZERO_BYTES + record.byteLength;
    let buffer: Uint8Array;
    if (owned && record.byteOffset >= BOX_ZERO_BYTES && record.buffer instanceof ArrayBuffer) {
      buffer = new Uint8Array(record.buffer, record.byteOffset - BOX_ZERO_BYTES, length);
      buffer.fill(0, 0, BOX_ZERO_BYTES);
    } else {
      buffer = new Uint8Array(length);
      buffer.set(record, BOX_ZERO_BYTES);
    }
    this.view.setBigUint64(16, this.counter);
    if (lowlevel.crypto_secretbox_open(buffer, buffer, length, this.nonce, this.key) !== 0) return undefined;
    this.counter++; // only after a record opened
    return buffer;
  }

  /** Moves to the next key and wipes the old one; the counter runs on. */
  rekey(): void {
    const next = nextKey(this.key);
    wipe(this.key);
    this.key = next;
  }

  wipe(): void {
    wipe(this.key);
  }
}
