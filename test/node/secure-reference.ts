/**
 * A second implementation of the secure handshake and record layer, written from
 * docs/protocol.md ("Secure channel") with Node's own crypto (SHA-512, HMAC, HKDF, X25519,
 * Ed25519) and only tweetnacl's public `secretbox` (Node has no XSalsa20). It produces the test
 * vectors in test/fixtures/secure-vectors.ts; the shared specs check src/secure against them.
 *
 *   node --import tsx test/node/secure-reference.ts              prints the vectors as TypeScript
 *   node --import tsx test/node/secure-reference.ts --markdown   prints them as docs/protocol.md does
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, sign } from 'node:crypto';
import nacl from 'tweetnacl';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));
const sha512 = (data: Uint8Array) => new Uint8Array(createHash('sha512').update(data).digest());
const hmac = (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha512', key).update(data).digest());
/** HKDF-SHA-512, salt = ck, info empty, 128 bytes, cut in two (Noise's HKDF with two outputs). */
function hkdf(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = new Uint8Array(hkdfSync('sha512', ikm, ck, new Uint8Array(0), 128));
  return [out.slice(0, 64), out.slice(64)];
}
const sequence = (start: number) => Uint8Array.from({ length: 32 }, (_, i) => start + i);
/** The vectors' hello time: 2026-01-01T00:00:00Z, in milliseconds since the Unix epoch. */
export const HELLO_TIME = Date.UTC(2026, 0, 1);
function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

function x25519(secret: Uint8Array) {
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, secret]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32));
  return {
    publicKey,
    dh: (other: Uint8Array) =>
      new Uint8Array(
        diffieHellman({
          privateKey,
          publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, other]), format: 'der', type: 'spki' }),
        }),
      ),
  };
}

function ed25519(seed: Uint8Array) {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32));
  return { publicKey, sign: (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)) };
}

const secretbox = (message: Uint8Array, nonce: Uint8Array, key: Uint8Array) => nacl.secretbox(message, nonce, key);

function nonce(direction: 'I' | 'R', counter: number): Uint8Array {
  const n = new Uint8Array(24);
  n[0] = direction.charCodeAt(0);
  new DataView(n.buffer).setBigUint64(16, BigInt(counter));
  return n;
}

export interface VectorInputs {
  readonly name: string;
  readonly psk: boolean;
  readonly tokenI: string;
  readonly tokenR: string;
}

/** Runs one handshake and a few records from fixed keys; every value as lowercase hex. */
export function transcript({ name, psk, tokenI, tokenR }: VectorInputs): Record<string, string> {
  const inputs = {
    initiatorSeed: sequence(0x00),
    responderSeed: sequence(0x20),
    initiatorEphemeralSecret: sequence(0x40),
    responderEphemeralSecret: sequence(0x60),
    networkKey: sequence(0x80),
    psk: psk ? sequence(0xa0) : new Uint8Array(0),
  };
  const I = ed25519(inputs.initiatorSeed);
  const R = ed25519(inputs.responderSeed);
  const eI = x25519(inputs.initiatorEphemeralSecret);
  const eR = x25519(inputs.responderEphemeralSecret);
  const K = inputs.networkKey;
  const zero = new Uint8Array(24);

  let h: Uint8Array = sha512(ascii('saltline/1 secure: X25519 Ed25519 XSalsa20-Poly1305 SHA-512'));
  const h0 = h;
  let ck: Uint8Array = h;
  [ck] = hkdf(ck, K);
  const ck0 = ck;
  const time = u64(HELLO_TIME);
  const msg1 = cat(eI.publicKey, time, hmac(K, cat(ascii('saltline/1 hello'), eI.publicKey, time)).subarray(0, 32));
  h = sha512(cat(h, msg1));
  h = sha512(cat(h, eR.publicKey));
  const dh = eR.dh(eI.publicKey);
  let out: Uint8Array;
  [ck, out] = hkdf(ck, dh);
  const k1 = out.slice(0, 32);
  const sigR = R.sign(cat(ascii('saltline/1 R'), h));
  const c2 = secretbox(cat(R.publicKey, sigR, ascii(tokenR)), zero, k1);
  h = sha512(cat(h, c2));
  const msg2 = cat(eR.publicKey, c2);
  [ck, out] = hkdf(ck, inputs.psk);
  const k2 = out.slice(0, 32);
  const sigI = I.sign(cat(ascii('saltline/1 I'), h));
  const msg3 = secretbox(cat(I.publicKey, sigI, ascii(tokenI)), zero, k2);
  h = sha512(cat(h, msg3));
  const [t1, t2] = hkdf(ck, new Uint8Array(0));
  const kIR = t1.slice(0, 32);
  const kRI = t2.slice(0, 32);
  const kIR2 = hmac(kIR, ascii('saltline/1 rekey')).slice(0, 32);
  const record = (type: number, payload: string, direction: 'I' | 'R', counter: number, key: Uint8Array) =>
    secretbox(cat(Uint8Array.of(type), ascii(payload)), nonce(direction, counter), key);
  return {
    name,
    initiatorSeed: hex(inputs.initiatorSeed),
    responderSeed: hex(inputs.responderSeed),
    initiatorEphemeralSecret: hex(inputs.initiatorEphemeralSecret),
    responderEphemeralSecret: hex(inputs.responderEphemeralSecret),
    networkKey: hex(K),
    psk: hex(inputs.psk),
    tokenI: hex(ascii(tokenI)),
    tokenR: hex(ascii(tokenR)),
    initiatorKey: hex(I.publicKey),
    responderKey: hex(R.publicKey),
    initiatorEphemeral: hex(eI.publicKey),
    responderEphemeral: hex(eR.publicKey),
    helloTime: hex(time),
    h0: hex(h0),
    ck0: hex(ck0),
    message1: hex(msg1),
    sharedSecret: hex(dh),
    k1: hex(k1),
    responderSignature: hex(sigR),
    message2: hex(msg2),
    k2: hex(k2),
    initiatorSignature: hex(sigI),
    message3: hex(msg3),
    channelBinding: hex(h),
    initiatorToResponder: hex(kIR),
    responderToInitiator: hex(kRI),
    /** R→I counter 0: READY (type 3, empty). */
    readyRecord: hex(record(3, '', 'R', 0, kRI)),
    /** I→R counter 0: DATA whole (type 0), "saltline". */
    firstRecord: hex(record(0, 'saltline', 'I', 0, kIR)),
    /** I→R counter 1: REKEY (type 4, empty), still under the first key. */
    rekeyRecord: hex(record(4, '', 'I', 1, kIR)),
    initiatorToResponderAfterRekey: hex(kIR2),
    /** I→R counter 2: DATA whole, "rekeyed", under the next key. */
    rekeyedRecord: hex(record(0, 'rekeyed', 'I', 2, kIR2)),
  };
}

export const vectorInputs: readonly VectorInputs[] = [
  { name: 'basic', psk: false, tokenI: '', tokenR: '' },
  { name: 'psk and tokens', psk: true, tokenI: 'token of I', tokenR: 'token of R' },
];

/** Labels of the values as docs/protocol.md prints them, in its order. */
const DOC_LABELS: Record<string, string> = {
  initiatorSeed: 'I identity seed (Ed25519)',
  responderSeed: 'R identity seed',
  initiatorEphemeralSecret: 'e_I secret (X25519)',
  responderEphemeralSecret: 'e_R secret',
  networkKey: 'K',
  psk: 'psk',
  tokenI: 'token_I',
  tokenR: 'token_R',
  initiatorKey: 'I public key',
  responderKey: 'R public key',
  initiatorEphemeral: 'e_I public',
  responderEphemeral: 'e_R public',
  helloTime: 'time (2026-01-01T00:00:00Z)',
  h0: 'h after init',
  ck0: 'ck after MixKey(K)',
  message1: 'message 1',
  sharedSecret: 'X25519(e_I, e_R)',
  k1: 'k1',
  responderSignature: 'sig_R',
  message2: 'message 2',
  k2: 'k2',
  initiatorSignature: 'sig_I',
  message3: 'message 3',
  channelBinding: 'final h = channel binding',
  initiatorToResponder: 'k_IR',
  responderToInitiator: 'k_RI',
  readyRecord: 'R→I #0 READY',
  firstRecord: 'I→R #0 DATA WHOLE "saltline"',
  rekeyRecord: 'I→R #1 REKEY',
  initiatorToResponderAfterRekey: 'k_IR after one rekey',
  rekeyedRecord: 'I→R #2 DATA WHOLE "rekeyed" (new key)',
};

/** One vector as docs/protocol.md prints it: labelled values, 64 hex digits a line. */
function markdown(vector: Record<string, string>): string {
  const lines = [`#### Vector "${vector.name}"`, '', '```'];
  for (const [name, label] of Object.entries(DOC_LABELS)) {
    const value = vector[name]!;
    if (value === '') lines.push(`${label}: (empty)`);
    else lines.push(`${label}:`, ...value.match(/.{1,64}/g)!.map((line) => `  ${line}`));
  }
  return [...lines, '```'].join('\n');
}

if (process.argv[1]?.endsWith('secure-reference.ts')) {
  const vectors = vectorInputs.map(transcript);
  if (process.argv[2] === '--markdown') {
    console.log(vectors.map(markdown).join('\n\n'));
    process.exit(0);
  }
  console.log(
    `// Generated by test/node/secure-reference.ts (Node's crypto, written from docs/protocol.md).\n// Do not edit by hand: the shared specs check src/secure against these bytes.\nexport const secureVectors = ${JSON.stringify(vectors, null, 2)} as const;`,
  );
}
