// The secure channel's building blocks, each against an outside reference where one exists.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { sealRoom } from '../../src/secure/backend.js';
import { concat, utf8 } from '../../src/secure/bytes.js';
import { fromBase64url, toBase32, toBase64url } from '../../src/secure/encoding.js';
import { diffieHellman, Handshake, HandshakeError } from '../../src/secure/handshake.js';
import { hkdf, hmac } from '../../src/secure/hmac.js';
import { decodeKey, encodeKey, exportIdentity, fingerprint, generateIdentity, importIdentity } from '../../src/secure/index.js';
import { isCanonicalKey, isCanonicalSignature, isSmallOrderKey, signatureFault } from '../../src/secure/keys.js';
import { FROM_INITIATOR, FROM_RESPONDER, nextKey, RecordCipher, WHOLE } from '../../src/secure/records.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
/** libsodium's X25519 blocklist: the points of order dividing 8, on the curve and its twist, and p - 1, p, p + 1. */
const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(unhex);

describe('secure channel primitives', () => {
  checkLeaks();

  it('computes HMAC-SHA-512 as RFC 4231 test cases 1, 2 and 6 say', () => {
    equal(
      hex(hmac(new Uint8Array(20).fill(0x0b), [utf8('Hi There')])),
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    );
    equal(
      hex(hmac(utf8('Jefe'), [utf8('what do ya want '), utf8('for nothing?')])),
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
    equal(
      hex(hmac(new Uint8Array(131).fill(0xaa), [utf8('Test Using Larger Than Block-Size Key - Hash Key First')])),
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    );
  });

  it('derives with HKDF-SHA-512 what RFC 5869 gives for two 64-byte blocks and empty info', () => {
    const [first, second] = hkdf(
      Uint8Array.from({ length: 64 }, (_, i) => i),
      utf8('input key material'),
    );
    // Node's crypto.hkdfSync('sha512', ikm, salt, '', 128)
    equal(
      hex(concat(first, second)),
      '015206ebe01bb508cbbd8f5f1c71a8a3da42c67164abce53997889eaa9bb5bf6dbc44b6ff1e5176ac47c65c2209f6a34ab76d6b043e74583097b075ba9f70994' +
        '333dab724ea81eccdab8dc713c66ecd06e3ba1ecd96cc75359209aae6abf6e2d50c436261124ad33da3ecd3fa486f4dcc956144c6071e80affcf7305269bd299',
    );
  });

  it('encodes base64url and base32 as RFC 4648 does', () => {
    const words = ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'];
    deepEqual(
      words.map((w) => toBase64url(utf8(w))),
      ['', 'Zg', 'Zm8', 'Zm9v', 'Zm9vYg', 'Zm9vYmE', 'Zm9vYmFy'],
    );
    deepEqual(
      words.map((w) => toBase32(utf8(w))),
      ['', 'my', 'mzxq', 'mzxw6', 'mzxw6yq', 'mzxw6ytb', 'mzxw6ytboi'],
    );
    deepEqual(fromBase64url('Zm9vYmE'), utf8('fooba'));
    deepEqual(fromBase64url('-_8='), Uint8Array.of(0xfb, 0xff));
    const bytes = nacl.randomBytes(100);
    deepEqual(fromBase64url(toBase64url(bytes)), bytes);
    ok(throws(() => fromBase64url('a$b')) instanceof TypeError);
  });

  it('exports an identity as its seed and imports it back', () => {
    const identity = generateIdentity();
    const text = exportIdentity(identity);
    equal(text.length, 43);
    deepEqual(importIdentity(text), identity);
    ok(throws(() => importIdentity('Zm9v')) instanceof TypeError);
  });

  it('encodes keys as base64url and refuses anything that is not 32 bytes', () => {
    const { publicKey } = generateIdentity();
    deepEqual(decodeKey(encodeKey(publicKey)), publicKey);
    ok(throws(() => decodeKey(encodeKey(publicKey.subarray(1)))) instanceof TypeError);
  });

  it('makes a short fingerprint people can compare: 16 base32 characters in groups of four', () => {
    const a = generateIdentity().publicKey;
    const b = generateIdentity().publicKey;
    ok(/^[a-z2-7]{4}( [a-z2-7]{4}){3}$/.test(fingerprint(a)), fingerprint(a));
    equal(fingerprint(a), fingerprint(a.slice()));
    ok(fingerprint(a) !== fingerprint(b));
  });

  it('knows every small-order Ed25519 key, with either sign bit, and no ordinary one', () => {
    const small = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ].map(unhex);
    for (const key of small) {
      ok(isSmallOrderKey(key), hex(key));
      const signed = key.slice();
      signed[31]! |= 0x80;
      ok(isSmallOrderKey(signed), hex(signed));
    }
    for (let i = 0; i < 50; i++) ok(!isSmallOrderKey(generateIdentity().publicKey));
  });

  it('accepts a signature with S < L only', () => {
    const { secretKey } = generateIdentity();
    const signature = nacl.sign.detached(utf8('message'), secretKey);
    ok(isCanonicalSignature(signature));
    const atL = signature.slice();
    atL.set(unhex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'), 32);
    ok(!isCanonicalSignature(atL));
    const high = signature.slice();
    high[63] = 0xff;
    ok(!isCanonicalSignature(high));
  });

  for (const { name, source } of backends) {
    it(`seals a record with ${name} to exactly what nacl.secretbox makes, in a buffer of its own`, () => {
      const key = nacl.randomBytes(32);
      const payload = nacl.randomBytes(1000);
      const record = new RecordCipher(key.slice(), FROM_INITIATOR, source).seal(WHOLE, payload);
      const nonce = new Uint8Array(24);
      nonce[0] = FROM_INITIATOR;
      deepEqual(record, nacl.secretbox(concat(Uint8Array.of(WHOLE), payload), nonce, key));
      ok(record.buffer.byteLength <= record.byteLength + 16, 'the record shares its buffer (it could not be transferred)');
    });

    it(`seals a record with ${name} into a used buffer to exactly what nacl.secretbox makes`, () => {
      const key = nacl.randomBytes(32);
      const payload = nacl.randomBytes(1000);
      const into = new Uint8Array(sealRoom(payload.byteLength) + 7).fill(0xff); // left dirty by an earlier record
      const record = new RecordCipher(key.slice(), FROM_INITIATOR, source).seal(WHOLE, payload, into);
      const nonce = new Uint8Array(24);
      nonce[0] = FROM_INITIATOR;
      deepEqual(record, nacl.secretbox(concat(Uint8Array.of(WHOLE), payload), nonce, key));
      if (name !== 'libsodium') equal(record.buffer, into.buffer); // libsodium's WebAssembly heap hands back a copy
    });

    it(`opens a record with ${name} by copy, leaving the record as it was`, () => {
      const key = nacl.randomBytes(32);
      const payload = nacl.randomBytes(1000);
      const record = new RecordCipher(key.slice(), FROM_INITIATOR).seal(WHOLE, payload);
      const before = record.slice();
      const plain = new RecordCipher(key.slice(), FROM_INITIATOR, source).open(record, false)!;
      deepEqual(plain, concat(Uint8Array.of(WHOLE), payload));
      deepEqual(record, before);
    });

    it(`opens an owned record with ${name}, in place where the backend can`, () => {
      const key = nacl.randomBytes(32);
      const payload = nacl.randomBytes(1000);
      const record = new RecordCipher(key.slice(), FROM_INITIATOR).seal(WHOLE, payload);
      const plain = new RecordCipher(key.slice(), FROM_INITIATOR, source).open(record, true)!;
      deepEqual(plain, concat(Uint8Array.of(WHOLE), payload));
      if (name !== 'libsodium') equal(plain.buffer, record.buffer); // libsodium's WebAssembly heap is a copy anyway
    });

    it(`refuses a record with one flipped bit with ${name}, without advancing the counter`, () => {
      const key = nacl.randomBytes(32);
      const record = new RecordCipher(key.slice(), FROM_INITIATOR).seal(WHOLE, nacl.randomBytes(100));
      record[40]! ^= 1;
      const opener = new RecordCipher(key.slice(), FROM_INITIATOR, source);
      equal(opener.open(record, true), undefined);
      equal(opener.count, 0n);
    });
  }

  it('tells a canonical Ed25519 key (y < p) from a non-canonical one, whatever its sign bit', () => {
    const key = (first: number, last: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? first : i === 31 ? last : 0xff));
    ok(isCanonicalKey(key(0xec, 0x7f))); // p - 1
    ok(!isCanonicalKey(key(0xed, 0x7f))); // p
    ok(!isCanonicalKey(key(0xf0, 0xff))); // p + 3, sign bit set
    ok(isCanonicalKey(key(0xff, 0x7e)));
    for (let i = 0; i < 20; i++) ok(isCanonicalKey(generateIdentity().publicKey));
  });

  for (const { name, backend } of backends) {
    it(`computes SHA-512, X25519 and Ed25519 with ${name} to the bytes tweetnacl makes`, () => {
      const message = nacl.randomBytes(300);
      deepEqual(backend.hash(message), nacl.hash(message));
      const ours = backend.boxKeyPair();
      const theirs = nacl.box.keyPair();
      deepEqual(ours.publicKey, nacl.scalarMult.base(ours.secretKey));
      deepEqual(backend.scalarMult(ours.secretKey, theirs.publicKey), nacl.scalarMult(theirs.secretKey, ours.publicKey));
      const seed = nacl.randomBytes(32);
      const identity = backend.signKeyPair(seed);
      deepEqual(identity, nacl.sign.keyPair.fromSeed(seed));
      const signature = backend.sign(message, identity.secretKey);
      deepEqual(signature, nacl.sign.detached(message, identity.secretKey));
      ok(backend.verify(message, signature, identity.publicKey));
    });

    it(`refuses every low-order X25519 key, whatever its top bit, with ${name} as a low-order ephemeral key`, () => {
      const { secretKey } = backend.boxKeyPair();
      for (const low of LOW_ORDER_X25519) {
        for (const top of [0, 0x80]) {
          const key = low.slice();
          key[31]! |= top;
          const error = throws(() => diffieHellman(secretKey, key, backend));
          ok(error instanceof HandshakeError && error.message === 'a low-order ephemeral key', `${hex(key)}: ${String(error)}`);
        }
      }
    });

    it(`gives each hostile signature the same reason for refusing it with ${name}`, () => {
      const { publicKey, secretKey } = nacl.sign.keyPair();
      const message = utf8('message');
      const good = nacl.sign.detached(message, secretKey);
      const flipped = good.slice();
      flipped[40]! ^= 1;
      const highS = good.slice();
      highS[63] = 0xff;
      const smallR = concat(LOW_ORDER_X25519[1]!, good.subarray(32)); // R = the identity point
      const nonCanonical = unhex('f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
      deepEqual(
        [
          signatureFault(backend, message, good, publicKey),
          signatureFault(backend, message, flipped, publicKey),
          signatureFault(backend, message, good, LOW_ORDER_X25519[1]!),
          signatureFault(backend, message, good, nonCanonical),
          signatureFault(backend, message, highS, publicKey),
          signatureFault(backend, message, smallR, publicKey),
        ],
        [
          undefined,
          'a bad signature',
          'a small-order identity key',
          'a non-canonical identity key',
          'a non-canonical signature (S ≥ L)',
          'a signature whose R is of small order',
        ],
      );
    });
  }

  it('opens a record only under its own direction and counter', () => {
    const key = nacl.randomBytes(32);
    const sender = new RecordCipher(key.slice(), FROM_INITIATOR);
    const first = sender.seal(WHOLE, utf8('one')).slice();
    const second = sender.seal(WHOLE, utf8('two')).slice();
    equal(new RecordCipher(key.slice(), FROM_RESPONDER).open(first, false), undefined); // same key, other direction
    const opener = new RecordCipher(key.slice(), FROM_INITIATOR);
    equal(opener.open(second, false), undefined); // out of order
    equal(opener.count, 0n); // a failed open does not advance the counter
    ok(opener.open(first, false));
    ok(opener.open(second, false));
    equal(opener.count, 2n);
  });

  it('rekeys one way: the next key differs, and both ends reach the same one', () => {
    const key = nacl.randomBytes(32);
    const next = nextKey(key);
    equal(next.byteLength, 32);
    ok(hex(next) !== hex(key));
    deepEqual(nextKey(key), next);
  });

  for (const { name, backend } of backends) {
    it(`gives both ends of a handshake with ${name} the same keys, crossed, and the same binding`, () => {
      const networkKey = nacl.randomBytes(32);
      const initiator = new Handshake(true, { identity: generateIdentity(), networkKey, backend });
      const responder = new Handshake(false, { identity: generateIdentity(), networkKey, token: utf8('r'), backend });
      responder.readHello(initiator.writeHello(Date.now()));
      const seenByI = initiator.readIdentity(responder.writeIdentity());
      deepEqual(seenByI.token, utf8('r'));
      const seenByR = responder.readAuth(initiator.writeAuth());
      equal(seenByR.token, undefined);
      const i = initiator.finish();
      const r = responder.finish();
      deepEqual(i.send, r.receive);
      deepEqual(i.receive, r.send);
      deepEqual(i.binding, r.binding);
      ok(hex(i.send) !== hex(i.receive));
    });
  }
});
