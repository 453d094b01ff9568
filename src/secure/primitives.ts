/**
 * The handshake's primitives (SHA-512, X25519, Ed25519) on each crypto backend. Every backend
 * computes the same bytes; where they differ is what they refuse, so the callers check their inputs
 * the same way on all of them (keys.ts `signatureFault`, handshake.ts `diffieHellman`).
 */
import nacl from 'tweetnacl';

/** An X25519 or Ed25519 key pair. Ed25519's `secretKey` is 64 bytes: seed ‖ public key. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** What the handshake, the transcript and the identity helpers need from a backend. */
export interface HandshakePrimitives {
  /** SHA-512: 64 bytes. */
  hash(message: Uint8Array): Uint8Array;
  /** X25519; undefined where the backend refuses the result (libsodium refuses an all-zero one, tweetnacl returns it). */
  scalarMult(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined;
  /** A new random X25519 key pair. */
  boxKeyPair(): KeyPair;
  /** The Ed25519 key pair of a 32-byte seed. */
  signKeyPair(seed: Uint8Array): KeyPair;
  /** A detached Ed25519 signature: 64 bytes. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Checks a detached Ed25519 signature. libsodium refuses more than tweetnacl: check inputs first. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}

export const tweetnaclPrimitives: HandshakePrimitives = {
  hash: nacl.hash,
  scalarMult: nacl.scalarMult,
  boxKeyPair: nacl.box.keyPair,
  signKeyPair: nacl.sign.keyPair.fromSeed,
  sign: nacl.sign.detached,
  verify: nacl.sign.detached.verify,
};

export interface SodiumNativePrimitives {
  crypto_hash_sha512(out: Uint8Array, message: Uint8Array): void;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_box_keypair(pk: Uint8Array, sk: Uint8Array): void;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
}

/** Native libsodium: its functions write into arrays we allocate, and throw where libsodium returns -1. */
export function sodiumNativePrimitives(sodium: SodiumNativePrimitives): HandshakePrimitives {
  const pair = (make: (pk: Uint8Array, sk: Uint8Array) => void, secret: number): KeyPair => {
    const keys = { publicKey: new Uint8Array(32), secretKey: new Uint8Array(secret) };
    make(keys.publicKey, keys.secretKey);
    return keys;
  };
  return {
    hash(message) {
      const out = new Uint8Array(64);
      sodium.crypto_hash_sha512(out, message);
      return out;
    },
    scalarMult(secretKey, publicKey) {
      const out = new Uint8Array(32);
      try {
        sodium.crypto_scalarmult(out, secretKey, publicKey);
        return out;
      } catch {
        return undefined;
      }
    },
    boxKeyPair: () => pair((pk, sk) => sodium.crypto_box_keypair(pk, sk), 32),
    signKeyPair: (seed) => pair((pk, sk) => sodium.crypto_sign_seed_keypair(pk, sk, seed), 64),
    sign(message, secretKey) {
      const signature = new Uint8Array(64);
      sodium.crypto_sign_detached(signature, message, secretKey);
      return signature;
    },
    verify: (message, signature, publicKey) => sodium.crypto_sign_verify_detached(signature, message, publicKey),
  };
}

interface LibsodiumPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export interface LibsodiumPrimitives {
  crypto_hash(message: Uint8Array): Uint8Array;
  crypto_scalarmult(n: Uint8Array, p: Uint8Array): Uint8Array;
  crypto_box_keypair(): LibsodiumPair;
  crypto_sign_seed_keypair(seed: Uint8Array): LibsodiumPair;
  crypto_sign_detached(message: Uint8Array, sk: Uint8Array): Uint8Array;
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
}

/** libsodium-wrappers returns fresh arrays and throws where libsodium returns -1. */
export function libsodiumPrimitives(sodium: LibsodiumPrimitives): HandshakePrimitives {
  const pair = ({ publicKey, privateKey }: LibsodiumPair): KeyPair => ({ publicKey, secretKey: privateKey });
  return {
    hash: (message) => sodium.crypto_hash(message),
    scalarMult(secretKey, publicKey) {
      try {
        return sodium.crypto_scalarmult(secretKey, publicKey);
      } catch {
        return undefined;
      }
    },
    boxKeyPair: () => pair(sodium.crypto_box_keypair()),
    signKeyPair: (seed) => pair(sodium.crypto_sign_seed_keypair(seed)),
    sign: (message, secretKey) => sodium.crypto_sign_detached(message, secretKey),
    verify(message, signature, publicKey) {
      try {
        return sodium.crypto_sign_verify_detached(signature, message, publicKey);
      } catch {
        return false; // it throws on a wrong length
      }
    },
  };
}
