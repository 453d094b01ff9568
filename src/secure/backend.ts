/**
 * Crypto backends for the record layer's XSalsa20-Poly1305 secretbox and the handshake's
 * primitives (./primitives.ts). Every backend produces byte-identical boxes (tag ‖ ciphertext, the
 * `crypto_secretbox_easy` layout) and the same handshake bytes, so which one an end uses is its own
 * business: no negotiation, and a channel may switch backend between records.
 *
 * - `tweetnacl`: always there, the reference and the fallback (its `crypto_secretbox`, run in place
 *   over a buffer padded the NaCl way).
 * - `sodium-native`: native libsodium in Node, used by default when the optional package is
 *   installed. Loaded with `createRequire` through `process.getBuiltinModule`, so no bundler sees it.
 * - `libsodium`: libsodium's WebAssembly build (`libsodium-wrappers`), opt-in: the app imports it
 *   and hands it to `loadLibsodium`; records use tweetnacl until it is ready.
 */
import nacl from 'tweetnacl';
import {
  type HandshakePrimitives,
  type LibsodiumPrimitives,
  libsodiumPrimitives,
  type SodiumNativePrimitives,
  sodiumNativePrimitives,
  tweetnaclPrimitives,
} from './primitives.js';

/** One implementation of secretbox (nonces are 24 bytes, keys 32) and of the handshake's primitives. */
export interface SecretboxBackend extends HandshakePrimitives {
  readonly name: BackendName;
  /**
   * Seals `first ‖ rest` (a record's type byte and payload). Returns tag ‖ ciphertext as a view
   * over a buffer only it uses (so the caller may transfer `box.buffer`), or, when `into` is given
   * and has `sealRoom(rest)` bytes, a view of `into`, which it seals in place (no allocation).
   */
  seal(first: number, rest: Uint8Array, nonce: Uint8Array, key: Uint8Array, into?: Uint8Array): Uint8Array;
  /**
   * Opens tag ‖ ciphertext; returns the plaintext, or undefined when the tag does not verify
   * (checked before any byte is decrypted). `owned` says `box` is ours alone: it may be decrypted
   * in place, and the 16 bytes in front of it in its buffer, when there are any, may be overwritten.
   */
  open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array, owned: boolean): Uint8Array | undefined;
}

export type BackendName = 'tweetnacl' | 'sodium-native' | 'libsodium';
/** What `secure.crypto` accepts: a backend's name, or `'auto'`. */
export type CryptoChoice = 'auto' | BackendName;
/** Picks the backend for the next record (a lazily loaded one may become ready between records). */
export type BackendSource = () => SecretboxBackend;

const TAG = 16;
/** crypto_secretbox_ZEROBYTES: the zero padding in front of a NaCl plaintext. */
const ZERO_BYTES = 32;

/** Bytes a backend's `seal` needs in `into` for a payload of `rest` bytes (room for tweetnacl's padding). */
export const sealRoom = (rest: number): number => ZERO_BYTES + 1 + rest;

/** `into`'s first `length` bytes when it has room for them, else a new array of `length` bytes. */
const room = (into: Uint8Array | undefined, length: number): Uint8Array =>
  into && into.byteLength >= length ? into.subarray(0, length) : new Uint8Array(length);

interface Lowlevel {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
}
const lowlevel = (nacl as unknown as { lowlevel: Lowlevel }).lowlevel;

/**
 * tweetnacl's `crypto_secretbox` over `0^32 ‖ first ‖ rest` in place: the box lands 16 bytes in,
 * after 16 bytes the function zeroes. One copy of the payload, no extra allocation.
 */
export const tweetnaclBackend: SecretboxBackend = {
  ...tweetnaclPrimitives,
  name: 'tweetnacl',
  seal(first, rest, nonce, key, into) {
    const length = sealRoom(rest.byteLength);
    const buffer = room(into, length);
    buffer.fill(0, 0, ZERO_BYTES);
    buffer[ZERO_BYTES] = first;
    buffer.set(rest, ZERO_BYTES + 1);
    lowlevel.crypto_secretbox(buffer, buffer, length, nonce, key);
    return buffer.subarray(TAG);
  },
  open(box, nonce, key, owned) {
    const length = box.byteLength + TAG;
    const inPlace = owned && box.byteOffset >= TAG && box.buffer instanceof ArrayBuffer;
    const padded = inPlace ? new Uint8Array(box.buffer, box.byteOffset - TAG, length) : new Uint8Array(length);
    if (!inPlace) padded.set(box, TAG); // the 16 bytes in front are never read
    // Verifies the tag first; decrypts into the same buffer only when it matched.
    if (lowlevel.crypto_secretbox_open(padded, padded, length, nonce, key) !== 0) return undefined;
    return padded.subarray(ZERO_BYTES);
  },
};

interface SodiumNative extends SodiumNativePrimitives {
  crypto_secretbox_detached(c: Uint8Array, mac: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_detached(m: Uint8Array, c: Uint8Array, mac: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
}

/** libsodium's detached secretbox, in place (libsodium allows c = m). */
function sodiumNativeBackend(sodium: SodiumNative): SecretboxBackend {
  return {
    ...sodiumNativePrimitives(sodium),
    name: 'sodium-native',
    seal(first, rest, nonce, key, into) {
      const box = room(into, TAG + 1 + rest.byteLength);
      box[TAG] = first;
      box.set(rest, TAG + 1);
      const body = box.subarray(TAG);
      sodium.crypto_secretbox_detached(body, box.subarray(0, TAG), body, nonce, key);
      return box;
    },
    open(box, nonce, key, owned) {
      const cipher = box.subarray(TAG);
      const plain = owned ? cipher : new Uint8Array(cipher.byteLength);
      return sodium.crypto_secretbox_open_detached(plain, cipher, box.subarray(0, TAG), nonce, key) ? plain : undefined;
    },
  };
}

interface Libsodium extends LibsodiumPrimitives {
  ready: Promise<void>;
  crypto_secretbox_easy(m: Uint8Array, n: Uint8Array, k: Uint8Array): Uint8Array;
  crypto_secretbox_open_easy(c: Uint8Array, n: Uint8Array, k: Uint8Array): Uint8Array;
}

/** libsodium-wrappers copies in and out of the WebAssembly heap: the box it returns is fresh. */
function libsodiumBackend(sodium: Libsodium): SecretboxBackend {
  return {
    ...libsodiumPrimitives(sodium),
    name: 'libsodium',
    seal(first, rest, nonce, key) {
      const message = new Uint8Array(1 + rest.byteLength);
      message[0] = first;
      message.set(rest, 1);
      return sodium.crypto_secretbox_easy(message, nonce, key);
    },
    open(box, nonce, key) {
      try {
        return sodium.crypto_secretbox_open_easy(box, nonce, key);
      } catch {
        return undefined; // it throws when the tag does not verify
      }
    },
  };
}

let native: SecretboxBackend | null | undefined;

/** sodium-native when this is Node and the package is installed; null otherwise. Tried once. */
export function sodiumNative(): SecretboxBackend | null {
  if (native !== undefined) return native;
  native = null;
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  try {
    const module = proc?.getBuiltinModule?.('node:module') as { createRequire(from: string): (id: string) => unknown } | undefined;
    if (module) native = sodiumNativeBackend(module.createRequire(import.meta.url)('sodium-native') as SodiumNative);
  } catch {
    // not installed, or no prebuilt binary for this platform: tweetnacl it is
  }
  return native;
}

let wasm: SecretboxBackend | undefined;
let wasmLoading: Promise<SecretboxBackend> | undefined;

/**
 * Readies libsodium's WebAssembly build (once per realm) from the module the app imported —
 * `loadLibsodium(import('libsodium-wrappers'))` — and resolves to its backend. The app imports
 * it, not saltline, so its bundler sees the import and an app without it bundles nothing of it.
 * Until it is ready (or when it fails), channels that asked for `'libsodium'` use tweetnacl.
 */
export function loadLibsodium(module: unknown): Promise<SecretboxBackend> {
  wasmLoading ??= Promise.resolve(module).then(async (imported) => {
    const sodium = ((imported as { default?: Libsodium }).default ?? imported) as Libsodium;
    await sodium.ready;
    wasm = libsodiumBackend(sodium);
    return wasm;
  });
  return wasmLoading;
}

/**
 * The backend source for `secure.crypto`. `'auto'` is sodium-native when present, else
 * tweetnacl; `'libsodium'` starts loading the WebAssembly build and answers tweetnacl until it is
 * ready. Throws a TypeError for `'sodium-native'` where it cannot be loaded.
 */
export function backendSource(choice: CryptoChoice): BackendSource {
  switch (choice) {
    case 'tweetnacl':
      return () => tweetnaclBackend;
    case 'sodium-native': {
      const backend = sodiumNative();
      if (!backend) throw new TypeError("secure.crypto 'sodium-native' needs Node and the sodium-native package");
      return () => backend;
    }
    case 'libsodium':
      return () => wasm ?? tweetnaclBackend; // once the app's loadLibsodium(...) has readied it

    default: {
      const backend = autoBackend();
      return () => backend;
    }
  }
}

/** `'auto'`'s backend: sodium-native when it can be loaded, else tweetnacl. Identities are made with it too. */
export const autoBackend = (): SecretboxBackend => sodiumNative() ?? tweetnaclBackend;
