import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { cborCodec } from '../../src/cbor.js';
import { type Codec, createPeer, RpcError } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

/** The rows of the value table in docs/protocol.md §11.1, each with what it must arrive as. */
const table: [string, unknown, (value: unknown) => void][] = [
  ['null', null, (v) => equal(v, null)],
  ['undefined (as null; CBOR keeps undefined)', [undefined], (v) => ok((v as unknown[])[0] == null, String(v))],
  ['booleans', [true, false], (v) => deepEqual(v, [true, false])],
  [
    'safe integers',
    [0, -1, 127, -33, 65_536, 2 ** 53 - 1, -(2 ** 53 - 1)],
    (v) => deepEqual(v, [0, -1, 127, -33, 65_536, 2 ** 53 - 1, -(2 ** 53 - 1)]),
  ],
  [
    'other numbers',
    [0.5, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    (v) => {
      const [half, big, nan, inf, minf] = v as number[];
      deepEqual([half, big, inf, minf], [0.5, 2 ** 60, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      ok(Number.isNaN(nan));
    },
  ],
  ['strings', ['', 'é', '😀', 'x'.repeat(300)], (v) => deepEqual(v, ['', 'é', '😀', 'x'.repeat(300)])],
  [
    'Uint8Array',
    new Uint8Array([0, 1, 255]),
    (v) => {
      ok(v instanceof Uint8Array);
      deepEqual([...v], [0, 1, 255]);
    },
  ],
  [
    'ArrayBuffer (bytes at least)',
    new Uint8Array([9, 8]).buffer,
    (v) => deepEqual([...new Uint8Array(v instanceof ArrayBuffer ? v : (v as Uint8Array))], [9, 8]),
  ],
  [
    'DataView (its bytes)',
    new DataView(new Uint8Array([7, 6, 5]).buffer, 1, 2),
    (v) => {
      ok(v instanceof Uint8Array, String(v));
      deepEqual([...v], [6, 5]);
    },
  ],
  ['arrays', [1, [2, [3]]], (v) => deepEqual(v, [1, [2, [3]]])],
  ['plain objects', { a: 1, b: { c: 'd' } }, (v) => deepEqual(v, { a: 1, b: { c: 'd' } })],
  ['an object with a "~" key', { '~': [7, 'not a tag'] }, (v) => deepEqual(v, { '~': [7, 'not a tag'] })],
  ['bigint', [2n ** 70n, -(2n ** 70n)], (v) => deepEqual(v, [2n ** 70n, -(2n ** 70n)])],
  [
    'Error',
    new TypeError('boom'),
    (v) => {
      ok(v instanceof Error);
      equal(v.message, 'boom');
    },
  ],
  [
    'an RpcError with its code, data, own properties and cause chain',
    Object.assign(new RpcError('NOT_FOUND', 'no user', { data: { id: 7 }, cause: new TypeError('lookup', { cause: new Error('db') }) }), {
      retryable: false,
    }),
    (v) => {
      ok(v instanceof RpcError, String(v));
      deepEqual(
        [v.code, v.message, v.data, (v as unknown as { retryable: unknown }).retryable],
        ['NOT_FOUND', 'no user', { id: 7 }, false],
      );
      ok(v.cause instanceof TypeError && v.cause.message === 'lookup', String(v.cause));
      ok(v.cause.cause instanceof Error && v.cause.cause.message === 'db', String(v.cause.cause));
    },
  ],
  [
    'Date',
    new Date(1_700_000_000_123),
    (v) => {
      ok(v instanceof Date);
      equal(v.getTime(), 1_700_000_000_123);
    },
  ],
  [
    'Map',
    new Map<unknown, unknown>([
      ['k', 1],
      [2, { x: [3] }],
    ]),
    (v) => {
      ok(v instanceof Map);
      deepEqual(
        [...v],
        [
          ['k', 1],
          [2, { x: [3] }],
        ],
      );
    },
  ],
  [
    'Set',
    new Set([1, 'two']),
    (v) => {
      ok(v instanceof Set);
      deepEqual([...v], [1, 'two']);
    },
  ],
  [
    'other typed arrays',
    [new Float64Array([1.5, -2]), new Int16Array([1, -1]), new BigInt64Array([-5n])],
    (v) => {
      const [f, i, b] = v as [Float64Array, Int16Array, BigInt64Array];
      ok(f instanceof Float64Array && i instanceof Int16Array && b instanceof BigInt64Array);
      deepEqual([[...f], [...i], [...b]], [[1.5, -2], [1, -1], [-5n]]);
    },
  ],
];

const codecs: [string, () => Codec][] = [
  ['msgpack', () => msgpackCodec()],
  ['json', () => jsonCodec()],
  ['cbor', () => cborCodec()],
];

for (const [name, make] of codecs) {
  describe(`the ${name} codec`, () => {
    checkLeaks();

    for (const [row, value, check] of table) {
      it(`round-trips ${row}`, () => {
        const codec = make();
        const [decoded] = codec.decode(codec.encode([value])) as [unknown];
        check(decoded);
      });
    }

    it('carries a call and its result between two peers that both use it', async () => {
      const [a, b] = createMemoryPair('bytes');
      track(createPeer(b, { codec: make(), expose: { echo: (value: unknown) => value } }));
      const client = track(createPeer(a, { codec: make() }));
      const sent = { when: new Date(5), tags: new Set(['a']), big: 10n ** 30n };
      deepEqual(await client.call('echo', [sent]), sent);
    });

    it('refuses to decode a value nested deeper than maxDepth', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 10; i++) deep = [deep];
      const bytes = make().encode(deep);
      const shallow =
        name === 'msgpack' ? msgpackCodec({ maxDepth: 5 }) : name === 'json' ? jsonCodec({ maxDepth: 5 }) : cborCodec({ maxDepth: 5 });
      throws(() => shallow.decode(bytes));
    });

    it('refuses to encode a message of more values than maxValues', () => {
      const small =
        name === 'msgpack'
          ? msgpackCodec({ maxValues: 100 })
          : name === 'json'
            ? jsonCodec({ maxValues: 100 })
            : cborCodec({ maxValues: 100 });
      throws(() => small.encode(new Array(200).fill(0)));
    });
  });
}

describe('the json codec against hostile input', () => {
  it('refuses a tagged value of an unknown tag', () => {
    throws(() => jsonCodec().decode(new TextEncoder().encode('[{"~":[99,1]}]')));
  });

  it('refuses a bigint of more than 4,096 digits', () => {
    throws(() => jsonCodec().decode(new TextEncoder().encode(`[{"~":[1,"${'9'.repeat(4097)}"]}]`)));
  });

  it('keeps a "__proto__" key an own property, never a prototype', () => {
    const [value] = jsonCodec().decode(new TextEncoder().encode('[{"__proto__":{"polluted":1}}]')) as [Record<string, unknown>];
    equal(Object.getPrototypeOf(value), Object.prototype);
    equal((value as { polluted?: unknown }).polluted, undefined);
  });

  it('refuses text that is not UTF-8', () => {
    throws(() => jsonCodec().decode(new Uint8Array([0x5b, 0xc1, 0x5d])));
  });

  it('refuses text of more values than maxValues before JSON.parse builds any', () => {
    const error = unparsed(() => jsonCodec({ maxValues: 100 }).decode(`[${'{},'.repeat(200)}{}]`));
    ok(error instanceof RangeError && /values/.test(error.message), String(error));
  });

  it('refuses text nested deeper than twice maxDepth before JSON.parse builds any', () => {
    const error = unparsed(() => jsonCodec({ maxDepth: 5 }).decode(`${'['.repeat(11)}${']'.repeat(11)}`));
    ok(error instanceof RangeError && /deep/.test(error.message), String(error));
  });

  it('counts no value inside strings, escaped quotes included', () => {
    const text = JSON.stringify([`"[{,:}]\\"${',{['.repeat(50)}`]);
    deepEqual(jsonCodec({ maxValues: 2, maxDepth: 1 }).decode(text), [`"[{,:}]\\"${',{['.repeat(50)}`]);
  });
});

/** The error `decode` throws, checking that `JSON.parse` was never called on the way. */
function unparsed(decode: () => unknown): unknown {
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = (...args: Parameters<typeof parse>) => (parsed++, parse(...args));
  try {
    return throws(decode);
  } finally {
    JSON.parse = parse;
    equal(parsed, 0, 'JSON.parse ran');
  }
}

describe('the cbor codec against hostile input', () => {
  it('refuses an array that claims more items than the bytes that follow, before allocating', () => {
    // 0x9b: an array whose count is the next 8 bytes: 2^32 items in a 9-byte message.
    const error = throws(() => cborCodec().decode(new Uint8Array([0x9b, 0, 0, 0, 1, 0, 0, 0, 0])));
    ok(error instanceof RangeError && /bytes left/.test(error.message));
  });

  it('refuses tags it does not map, such as shared references', () => {
    // tag 28 (shareable) around an empty array
    throws(() => cborCodec().decode(new Uint8Array([0xd8, 28, 0x80])));
  });

  it('refuses indefinite lengths and trailing bytes', () => {
    throws(() => cborCodec().decode(new Uint8Array([0x9f, 0x01, 0xff])));
    throws(() => cborCodec().decode(new Uint8Array([0x80, 0x00])));
  });

  it('never builds a RegExp from the generic-object tag', () => {
    throws(() => cborCodec().decode(new Uint8Array([0xd8, 27, 0x82, 0x66, ...new TextEncoder().encode('RegExp'), 0x61, 0x61])));
  });
});

describe('errors from a codec', () => {
  it('fail only the call whose value does not encode', async () => {
    const [a, b] = createMemoryPair('bytes');
    track(createPeer(b, { codec: jsonCodec(), expose: { echo: (value: unknown) => value } }));
    const client = track(createPeer(a, { codec: jsonCodec() }));
    const error = await client.call('echo', [Symbol('no')]).catch((e: unknown) => e);
    ok(error instanceof RpcError && error.code === 'INVALID_ARGUMENT');
    equal(await client.call('echo', [1]), 1);
  });
});
