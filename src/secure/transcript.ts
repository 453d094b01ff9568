/**
 * The handshake's running state, as in Noise: a transcript hash `h` over every handshake byte
 * and a chaining key `ck` into which each secret is mixed. Keys come only out of `ck`.
 */
import { concat, utf8, wipe } from './bytes.js';
import { type Hash, hkdf } from './hmac.js';

/** Names the protocol and its primitives; hashed to start `h` and `ck`. */
const PROTOCOL_NAME = 'saltline/1 secure: X25519 Ed25519 XSalsa20-Poly1305 SHA-512';

const EMPTY = new Uint8Array(0);

export class Transcript {
  /** The transcript hash: SHA-512 of everything mixed so far. */
  h: Uint8Array;
  #ck: Uint8Array;
  readonly #hash: Hash;

  /** `hash` is the backend's SHA-512. */
  constructor(hash: Hash) {
    this.#hash = hash;
    this.h = hash(utf8(PROTOCOL_NAME));
    this.#ck = this.h.slice();
  }

  /** h = SHA-512(h ‖ data). */
  mixHash(data: Uint8Array): void {
    this.h = this.#hash(concat(this.h, data));
  }

  /** (ck, k) = HKDF(ck, input); returns the 32-byte key k. */
  mixKey(input: Uint8Array = EMPTY): Uint8Array {
    const [ck, k] = hkdf(this.#ck, input, this.#hash);
    wipe(this.#ck);
    this.#ck = ck;
    const key = k.slice(0, 32);
    wipe(k);
    return key;
  }

  /** The two traffic keys, (first, second) = HKDF(ck, empty), each cut to 32 bytes; wipes `ck`. */
  split(): [Uint8Array, Uint8Array] {
    const [a, b] = hkdf(this.#ck, EMPTY, this.#hash);
    const keys: [Uint8Array, Uint8Array] = [a.slice(0, 32), b.slice(0, 32)];
    wipe(a, b, this.#ck);
    return keys;
  }

  wipe(): void {
    wipe(this.#ck);
  }
}
