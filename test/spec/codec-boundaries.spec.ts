import { describe, it } from '#harness';
import { cborCodec } from '../../src/cbor.js';
import type { Codec } from '../../src/codec/codec.js';
import { codecs } from '../../src/codecs/index.js';
import { NegotiatingCodec } from '../../src/codecs/negotiating.js';
import { jsonCodec } from '../../src/json.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';

/** Three messages of different sizes, as a batch frame holds them. */
const batch = [
  [1, 1, 'small', [1]],
  [1, 2, 'big', ['x'.repeat(300)], { trace: 'abc' }],
  [3, 7, { nested: [[1, 2], { deep: [true, null] }] }],
];

const sizeAlone = (codec: Codec, message: unknown) => (codec.encode(message) as Uint8Array).byteLength;

type Limits = { maxValues?: number; maxMessageSize?: number };
const makers: [string, (limits?: Limits) => Codec, number][] = [
  // Framing per element beyond its own encoding: none in msgpack and CBOR, a comma (or the closing bracket) in JSON.
  ['msgpack', (limits) => msgpackCodec(limits), 0],
  ['JSON', (limits) => jsonCodec(limits), 1],
  ['CBOR', (limits) => cborCodec(limits), 0],
];

for (const [name, make, separator] of makers) {
  describe(`${name} batch boundaries`, () => {
    it('ends each message where its own encoding ends, the last at the frame length', () => {
      const codec = make();
      const frame = codec.encode(batch) as Uint8Array;
      const ends = codec.boundaries!(frame);
      equal(ends.length, 3);
      equal(ends[2], frame.byteLength);
      equal(ends[1]! - ends[0]!, sizeAlone(codec, batch[1]) + separator);
      equal(ends[2]! - ends[1]!, sizeAlone(codec, batch[2]) + separator);
    });

    it('refuses a frame of more values than maxValues, as decode does', () => {
      const codec = make();
      const frame = codec.encode([[1, 1, 'm', new Array(100).fill(0)]]);
      const small = make({ maxValues: 50 });
      ok(throws(() => small.boundaries!(frame)) instanceof RangeError);
      throws(() => small.decode(frame));
    });

    it('refuses a frame over maxMessageSize without reading it', () => {
      const codec = make();
      const frame = codec.encode(batch) as Uint8Array;
      const small = make({ maxMessageSize: 64 });
      ok(throws(() => small.boundaries!(frame)) instanceof RangeError);
    });
  });
}

describe('msgpack batch boundaries of hostile frames', () => {
  it('refuses a batch that claims more messages than its bytes could hold, before reading one', () => {
    // array 32: 2^32 − 1 elements claimed, four bytes follow.
    ok(
      throws(() => msgpackCodec().boundaries!(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0x91, 0x01, 0x01, 0x01]))) instanceof
        RangeError,
    );
  });

  it('refuses a frame that is not an array', () => {
    ok(throws(() => msgpackCodec().boundaries!(msgpackCodec().encode({ a: 1 }))) instanceof RangeError);
  });

  it('refuses bytes after the batch', () => {
    const frame = msgpackCodec().encode(batch) as Uint8Array;
    ok(throws(() => msgpackCodec().boundaries!(new Uint8Array([...frame, 0xc0]))) instanceof RangeError);
  });
});

describe('negotiated codec boundaries', () => {
  it("moves the chosen codec's boundaries past the frame's two-byte prefix", () => {
    const json = jsonCodec();
    const negotiating = new NegotiatingCodec(msgpackCodec(), [json], 1 << 20);
    negotiating.choose(['json']);
    const frame = negotiating.encode(batch) as Uint8Array;
    deepEqual(
      negotiating.boundaries(frame),
      json.boundaries!(frame.subarray(2)).map((end) => end + 2),
    );
  });

  it('reads a frame in the default codec with its boundaries', () => {
    const negotiating = new NegotiatingCodec(msgpackCodec(), [jsonCodec()], 1 << 20);
    const frame = msgpackCodec().encode(batch);
    deepEqual(negotiating.boundaries(frame), msgpackCodec().boundaries!(frame));
  });

  it('is what the codecs() plugin puts on a byte link', () => {
    const plugin = codecs([cborCodec()]);
    const codec = plugin.wrapCodec!(msgpackCodec(), { peer: {} as never, maxMessageSize: 1 << 20 });
    equal(typeof codec.boundaries, 'function');
  });
});

describe('msgpack decodeAdmitted', () => {
  const frame = [
    [1, 1, 'keep', [1], {}],
    [2, 'note', ['n']],
    [1, 2, 'drop', [{ big: 'x'.repeat(100) }]],
    [5, 1],
  ];

  it('shows admit each CALL and NOTIFY header in order and puts its refusal in place of the refused', () => {
    const seen: unknown[] = [];
    const decoded = msgpackCodec().decodeAdmitted!(msgpackCodec().encode(frame), (kind, id, method) => {
      seen.push([kind, id, method]);
      return method === 'drop' ? 'refused' : undefined;
    });
    deepEqual(seen, [
      [1, 1, 'keep'],
      [2, undefined, 'note'],
      [1, 2, 'drop'],
    ]);
    deepEqual(decoded, [frame[0], frame[1], 'refused', frame[3]]);
  });

  it('decodes a lone message as decode does when admitted', () => {
    const lone = [1, 9, 'keep', [new Date(0)], { a: 1 }];
    deepEqual(
      msgpackCodec().decodeAdmitted!(msgpackCodec().encode(lone), () => undefined),
      lone,
    );
  });

  it('still refuses a refused message whose remaining bytes are malformed', () => {
    const bytes = msgpackCodec().encode(frame) as Uint8Array;
    ok(throws(() => msgpackCodec().decodeAdmitted!(bytes.subarray(0, bytes.length - 3), () => 'refused')) instanceof RangeError);
  });

  it("asks nothing of a batch over the protocol's cap of 4,096 messages, decoded for the session to refuse whole", () => {
    let asked = 0;
    const big = Array.from({ length: 4097 }, (_, i) => [1, i, 'm', []]);
    const decoded = msgpackCodec().decodeAdmitted!(msgpackCodec().encode(big), () => (asked++, 'refused')) as unknown[];
    equal(asked, 0);
    equal(decoded.length, 4097);
  });
});
