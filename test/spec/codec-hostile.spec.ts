/**
 * The msgpack decoder against bytes a hostile peer chose: every claimed length is checked against
 * the bytes that remain, every message has a value budget and a depth limit, and what it refuses
 * is a RangeError that the session counts as malformed.
 */
import { describe, it } from '#harness';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { rawPeer, replyTo } from '../support/raw.js';

/** The error `decode` throws on `bytes`; fails the test when it decodes. */
function refusal(bytes: number[] | Uint8Array, codec = msgpackCodec()): RangeError {
  const error = throws(() => codec.decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
  ok(error instanceof RangeError, `expected a RangeError, got ${String(error)}`);
  return error;
}

/** An array 32 header claiming `count` elements, then `body`. */
function array32(count: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = 0xdd;
  new DataView(out.buffer).setUint32(1, count);
  out.set(body, 5);
  return out;
}

/** `levels` arrays, each the only element of the one around it, around a 0. */
function nestedArrays(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('msgpack decoding of hostile bytes', () => {
  checkLeaks();

  it('refuses an array that claims more elements than bytes remain', () => {
    const error = refusal([0xdd, 0x01, 0xff, 0xff, 0xff]);
    ok(error.message.includes('33554431'), error.message);
  });

  it('refuses a map that claims more entries than bytes remain', () => {
    const error = refusal([0x91, 0xdf, 0x00, 0x00, 0x00, 0x03, 0xa1, 0x61, 0x01, 0xa1, 0x62]);
    ok(error.message.includes('map'), error.message);
  });

  it('refuses a string, binary or extension longer than the bytes that remain', () => {
    for (const bytes of [
      [0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61],
      [0xc6, 0x00, 0x01, 0x00, 0x00, 0x00],
      [0xc9, 0x00, 0x00, 0x00, 0x09, 0x28, 0x00],
    ]) {
      ok(refusal(bytes).message.includes('remain'), `0x${bytes[0]!.toString(16)}`);
    }
  });

  it('refuses a frame of more values than maxValues', () => {
    const codec = msgpackCodec({ maxValues: 1_000 });
    const error = refusal(array32(1_000, new Uint8Array(1_000).fill(0x80)), codec);
    ok(error.message.includes('maxValues'), error.message);
  });

  it('decodes a frame of exactly maxValues values', () => {
    const codec = msgpackCodec({ maxValues: 1_000 });
    equal((codec.decode(array32(999, new Uint8Array(999).fill(0x90))) as unknown[]).length, 999);
  });

  it('refuses a frame over the budget before decoding any of its values', () => {
    let decoded = 0;
    const codec = msgpackCodec({ maxValues: 100, extensions: [{ type: 40, encode: () => null, decode: () => ++decoded }] });
    // [[ext 40 × 50] × 3]: no one header claims more than the budget, the three together do.
    const inner = [0xdc, 0x00, 50, ...Array.from({ length: 50 }, () => [0xd4, 40, 0x00]).flat()];
    refusal([0x93, ...inner, ...inner, ...inner], codec);
    equal(decoded, 0);
  });

  it('decodes the right keys when more distinct short keys arrive than it caches', () => {
    const codec = msgpackCodec();
    const keys = Array.from({ length: 2_000 }, (_, i) => `k${i.toString(36)}`);
    const value = Object.fromEntries(keys.map((key, i) => [key, i]));
    deepEqual(codec.decode(codec.encode([value, value])), [value, value]);
  });

  it('counts the values inside Map, Set and Error extensions against the same budget', () => {
    const sender = msgpackCodec();
    const receiver = msgpackCodec({ maxValues: 1_000 });
    const inMap = new Map(Array.from({ length: 500 }, (_, i) => [i, i]));
    const inSet = new Set(Array.from({ length: 1_000 }, (_, i) => i));
    const inError = Object.assign(new Error('many'), { list: Array.from({ length: 1_000 }, (_, i) => i) });
    for (const value of [inMap, inSet, inError]) refusal(sender.encode([value]) as Uint8Array, receiver);
  });

  it('decodes a 32 MiB binary payload and an array of 1 Mi numbers under the default budget', () => {
    const codec = msgpackCodec();
    const binary = new Uint8Array(32 * 1024 * 1024 - 64);
    equal(((codec.decode(codec.encode([3, 1, binary])) as unknown[])[2] as Uint8Array).byteLength, binary.byteLength);
    const numbers = Array.from({ length: 1024 * 1024 }, (_, i) => i + 0.5);
    equal(((codec.decode(codec.encode([3, 1, numbers])) as unknown[])[2] as unknown[]).length, numbers.length);
  });

  it('decodes the deepest value the encoder sends, and refuses one level more', () => {
    const codec = msgpackCodec();
    const deepest = codec.encode(nestedArrays(99)) as Uint8Array;
    deepEqual(codec.decode(deepest), nestedArrays(99));
    ok(throws(() => codec.encode(nestedArrays(100))) instanceof Error);
    const tooDeep = new Uint8Array([0x91, ...deepest]);
    ok(refusal(tooDeep).message.includes('maxDepth'));
  });

  it('refuses Map, Set and Error extensions nested deeper than the encoder nests them', () => {
    const codec = msgpackCodec();
    let value: unknown = 0;
    for (let i = 0; i < 16; i++) value = new Set([value]);
    codec.decode(codec.encode(value));
    ok(throws(() => codec.encode(new Set([value]))) instanceof RangeError);
    // The same 17 levels written by hand: ext 5 (fixext or ext 8) around the msgpack of [inner].
    let bytes = new Uint8Array([0x00]);
    for (let i = 0; i < 17; i++) {
      const payload = new Uint8Array([0x91, ...bytes]);
      bytes = new Uint8Array([0xc7, payload.length, 0x05, ...payload]);
    }
    ok(refusal(bytes).message.includes('nest'));
  });

  it('refuses trailing bytes after an extension payload it decodes itself', () => {
    // ext 5 (Set) whose payload is [] followed by one stray byte.
    refusal([0xd5, 0x05, 0x90, 0x00]);
  });

  it('counts a frame over the budget as malformed and still answers the next call', async () => {
    const end = rawPeer('bytes', { codec: msgpackCodec({ maxValues: 100 }), expose: { add: (a: number, b: number) => a + b } });
    end.send([0, 1, true, {}]);
    end.sendRaw(array32(200, new Uint8Array(200).fill(0x80)));
    end.send([1, 7, 'add', [2, 3]]);
    deepEqual(await end.next(replyTo(7)), [3, 7, 5]);
    equal(end.peer.stats().malformed, 1);
  });
});
