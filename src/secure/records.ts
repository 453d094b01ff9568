/**
 * The record layer: one transport message = one record = secretbox(type ‖ payload, nonce, k),
 * nonce = direction byte ‖ 15 zero bytes ‖ 64-bit big-endian counter. The counter is implicit
 * (never sent), so a replayed, reordered or dropped record fails to open.
 *
 * The secretbox itself comes from a backend (./backend.ts: tweetnacl, sodium-native or libsodium's
 * WebAssembly build), each one's own audited `crypto_secretbox`; the boxes are byte-identical.
 * The tag is checked before a byte is decrypted, and the counter advances only after a record opened.
 */
import { LAST, MORE, WHOLE } from '../fragment.js';
import { type BackendSource, tweetnaclBackend } from './backend.js';
import { utf8, wipe } from './bytes.js';
import { type Hash, hmac } from './hmac.js';

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

const REKEY_LABEL = utf8('saltline/1 rekey');

/** The next key of a direction: HMAC-SHA-512(k, "saltline/1 rekey")[0:32]. One-way. */
export function nextKey(key: Uint8Array, hash?: Hash): Uint8Array {
  const mac = hmac(key, [REKEY_LABEL], hash);
  const next = mac.slice(0, 32);
  wipe(mac);
  return next;
}

/** One direction's key and counter. The channel has one to seal and one to open. */
export class RecordCipher {
  /** direction ‖ 0^15 ‖ counter (big-endian): the nonce of the next record. */
  readonly #nonce = new Uint8Array(24);
  readonly #backend: BackendSource;
  /** The counter as two 32-bit halves: no BigInt per record. */
  #high = 0;
  #low = 0;
  #key: Uint8Array;

  /** `backend` picks the secretbox for each record; default tweetnacl. */
  constructor(key: Uint8Array, direction: number, backend: BackendSource = () => tweetnaclBackend) {
    this.#key = key;
    this.#nonce[0] = direction;
    this.#backend = backend;
  }

  /** Records sealed or opened so far in this direction. */
  get count(): bigint {
    return (BigInt(this.#high) << 32n) | BigInt(this.#low);
  }

  /**
   * Seals one record: a view over a buffer only it uses, so the caller can transfer `record.buffer`;
   * or, given `into` (`sealRoom(payload)` bytes, see ./backend.ts), a view of `into`, valid until it is reused.
   */
  seal(type: number, payload: Uint8Array, into?: Uint8Array): Uint8Array {
    if (this.#high >= MAX_COUNTER_HIGH) throw new RangeError('the record counter is exhausted');
    const record = this.#backend().seal(type, payload, this.#setNonce(), this.#key, into);
    this.#advance();
    return record;
  }

  /**
   * Opens one record; returns `type ‖ payload`, or `undefined` when it does not authenticate.
   * `owned` says the bytes are ours alone (a port delivered a fresh copy): then the backend may
   * decrypt in place.
   */
  open(record: Uint8Array, owned: boolean): Uint8Array | undefined {
    if (record.byteLength <= TAG_SIZE) return undefined;
    const plain = this.#backend().open(record, this.#setNonce(), this.#key, owned);
    if (plain) this.#advance(); // only after a record opened
    return plain;
  }

  /** Moves to the next key and wipes the old one; the counter runs on. */
  rekey(): void {
    const next = nextKey(this.#key, this.#backend().hash);
    wipe(this.#key);
    this.#key = next;
  }

  wipe(): void {
    wipe(this.#key);
  }

  /** nonce[16:24] for the current counter. */
  #setNonce(): Uint8Array {
    const nonce = this.#nonce;
    const high = this.#high;
    const low = this.#low;
    nonce[16] = high >>> 24;
    nonce[17] = (high >>> 16) & 0xff;
    nonce[18] = (high >>> 8) & 0xff;
    nonce[19] = high & 0xff;
    nonce[20] = low >>> 24;
    nonce[21] = (low >>> 16) & 0xff;
    nonce[22] = (low >>> 8) & 0xff;
    nonce[23] = low & 0xff;
    return nonce;
  }

  #advance(): void {
    if (++this.#low === TWO_32) {
      this.#low = 0;
      this.#high++;
    }
  }
}
