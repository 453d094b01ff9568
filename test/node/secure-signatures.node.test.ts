/**
 * A signature tweetnacl accepts and libsodium refuses: R of small order under a key of mixed order
 * (aB + T, T of order 8). Every backend must refuse it, and with the same reason, or two ends of one
 * network would disagree on who proved an identity. Node only: it is built with sodium-native's
 * point arithmetic, which neither tweetnacl nor libsodium-wrappers exposes.
 */
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import nacl from 'tweetnacl';
import { concat, utf8 } from '../../src/secure/bytes.js';
import { signatureFault } from '../../src/secure/keys.js';
import { equal, ok } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';

interface Ed25519Core {
  crypto_core_ed25519_add(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
}
const sodium = createRequire(import.meta.url)('sodium-native') as Ed25519Core;

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const unhex = (text: string) => Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
const toInt = (bytes: Uint8Array) => bytes.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
const toBytes = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const add = (p: Uint8Array, q: Uint8Array) => {
  const r = new Uint8Array(32);
  sodium.crypto_core_ed25519_add(r, p, q);
  return r;
};

/** A point of order 8 (libsodium's blocklist) and its multiples 0T … 7T. */
const T = unhex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
const multiples = [unhex(`01${'00'.repeat(31)}`), T];
for (let m = 2; m < 8; m++) multiples.push(add(multiples[m - 1]!, T));

/** A key aB + T with its signature over some message whose R = -h·T, so that SB - hA = R for S = h·a. */
function mixedOrderForgery(): { key: Uint8Array; message: Uint8Array; signature: Uint8Array } {
  const a = toInt(nacl.randomBytes(32)) % L;
  const aB = new Uint8Array(32);
  sodium.crypto_scalarmult_ed25519_base_noclamp(aB, toBytes(a));
  const key = add(aB, T);
  for (let attempt = 0; ; attempt++) {
    const message = utf8(`message ${attempt}`);
    for (let m = 0; m < 8; m++) {
      const R = multiples[m]!;
      const h = toInt(nacl.hash(concat(R, key, message))) % L;
      if (Number((8n - (h % 8n)) % 8n) !== m) continue;
      return { key, message, signature: concat(R, toBytes((h * a) % L)) };
    }
  }
}

describe('secure signatures under a key of mixed order', () => {
  checkLeaks();

  it('builds a signature tweetnacl alone accepts', () => {
    const { key, message, signature } = mixedOrderForgery();
    ok(nacl.sign.detached.verify(message, signature, key));
  });

  for (const { name, backend } of backends) {
    it(`refuses a signature whose R is of small order with ${name}, saying so`, () => {
      const { key, message, signature } = mixedOrderForgery();
      equal(signatureFault(backend, message, signature, key), 'a signature whose R is of small order');
    });
  }
});
