import { Decoder } from '@msgpack/msgpack';
import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { type Codec, createPeer } from '../../src/index.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok, rejectsWith, throws } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

/** A user codec: JSON text in UTF-8 bytes. */
const jsonCodec: Codec = {
  name: 'json',
  kind: 'bytes',
  encode: (messages) => new TextEncoder().encode(JSON.stringify(messages)),
  decode: (data) => JSON.parse(new TextDecoder().decode(data as Uint8Array)),
};

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** A user msgpack extension: Point as two float64s. */
const pointCodec = () =>
  msgpackCodec({
    extensions: [
      {
        type: 40,
        encode: (value) => (value instanceof Point ? new Uint8Array(new Float64Array([value.x, value.y]).buffer) : null),
        decode: (data) => {
          const [x, y] = new Float64Array(data.slice().buffer);
          return new Point(x!, y!);
        },
      },
    ],
  });

/** A value of every msgpack type the encoder writes without extensions, from a seeded sequence. */
function sampleValue(next: () => number, depth = 0): unknown {
  const strings = ['', 'add', 'é', '\ud800 lone', '😀', 'a'.repeat(300), 'ü'.repeat(120), 'k'.repeat(16), 'x'.repeat(70_000)];
  switch (Math.floor(next() * (depth > 3 ? 9 : 12))) {
    case 0:
      return [null, true, false][Math.floor(next() * 3)];
    case 1:
      return Math.floor(next() * 2 ** 40) - 2 ** 39;
    case 2: {
      const edges = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769];
      return edges[Math.floor(next() * edges.length)];
    }
    case 3:
      return [2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 60, -(2 ** 60), 0.5, -1e300, NaN, Infinity][Math.floor(next() * 8)];
    case 4:
      return next() * 1e12;
    case 5:
    case 6:
      return strings[Math.floor(next() * strings.length)];
    case 7:
    case 8:
      return new Uint8Array(Math.floor(next() * 300)).map((_, i) => i);
    case 9:
      return Array.from({ length: Math.floor(next() * 20) }, () => sampleValue(next, depth + 1));
    default: {
      const length = Math.floor(next() * 20);
      return Object.fromEntries(Array.from({ length }, (_, i) => [`k${i}${'ß'.repeat(i % 3)}`, sampleValue(next, depth + 1)]));
    }
  }
}

describe('codecs', () => {
  checkLeaks();

  it('plugs in a codec of the user’s own', async () => {
    const [a, b] = createMemoryPair('bytes');
    track(createPeer(b, { codec: jsonCodec, expose: { greet: (name: string) => `hello ${name}` } }));
    const client = track(createPeer(a, { codec: jsonCodec }));
    equal(await client.call('greet', ['json']), 'hello json');
  });

  it('round-trips a class through a registered msgpack extension', async () => {
    const [a, b] = createMemoryPair('bytes');
    track(createPeer(b, { codec: pointCodec(), expose: { mirror: (p: Point) => new Point(-p.x, -p.y) } }));
    const client = track(createPeer(a, { codec: pointCodec() }));
    const result = await client.call('mirror', [new Point(1.5, 2)]);
    ok(result instanceof Point);
    deepEqual({ ...result }, { x: -1.5, y: -2 });
  });

  it('refuses a codec whose kind does not match the transport', () => {
    const [a] = createMemoryPair('clone');
    const error = throws(() => createPeer(a, { codec: jsonCodec }));
    ok(error instanceof TypeError);
    equal((error as Error).message, 'codec "json" makes bytes messages; the transport carries clone');
  });

  it('asks for a codec when a byte transport of the user’s own names none', () => {
    const [a] = createMemoryPair('bytes');
    const bare = { encoding: {}, start: a.start.bind(a), send: a.send.bind(a), close: a.close.bind(a) };
    const error = throws(() => createPeer(bare));
    ok(error instanceof TypeError);
    ok((error as Error).message.includes("'saltline/msgpack'"));
    a.close();
  });

  it('uses the codec a byte transport names when the options name none', async () => {
    const [a, b] = createMemoryPair('bytes');
    track(createPeer(b, { expose: { big: () => 2n ** 70n } }));
    const client = track(createPeer(a));
    equal(await client.call('big'), 2n ** 70n); // bigint crosses only through msgpack's ext 1
  });

  it('encodes every message of a batch with one msgpack array', () => {
    const codec = msgpackCodec();
    const bytes = codec.encode([[1, 1, 'add', [1, 2]]]) as Uint8Array;
    deepEqual([...bytes], [0x91, 0x94, 0x01, 0x01, 0xa3, 0x61, 0x64, 0x64, 0x92, 0x01, 0x02]);
    deepEqual(codec.decode(bytes), [[1, 1, 'add', [1, 2]]]);
  });

  it('decodes what it encodes exactly as @msgpack/msgpack decodes it', () => {
    const codec = msgpackCodec();
    const reference = new Decoder();
    let seed = 0x5eed;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 2_000; i++) {
      const bytes = codec.encode(sampleValue(next)) as Uint8Array;
      deepEqual(codec.decode(bytes), reference.decode(bytes), `bytes ${i}`);
    }
  });

  it('refuses to decode a bigint extension that is not decimal digits', () => {
    const codec = msgpackCodec();
    const bytes = new Uint8Array([0x91, 0xd4, 0x01, 0x41]); // [ext 1 with "A"]
    ok(throws(() => codec.decode(bytes)) instanceof Error);
  });
});

/** What a value must arrive as, or how its call must fail, on every transport (issue 19). */
for (const connector of connectors) {
  describe(`values that used to arrive altered or not at all (${connector.name})`, () => {
    checkLeaks();
    const echo = { echo: (value: unknown) => value };

    it('delivers an own __proto__ key as an own property, never as the prototype', async () => {
      const { client } = connector.connect({ expose: echo });
      const result = (await client.call('echo', [JSON.parse('{"__proto__": 1, "a": 2}')])) as object;
      equal(Object.getPrototypeOf(result), Object.prototype);
      deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__'), { value: 1, writable: true, enumerable: true, configurable: true });
      deepEqual(Object.keys(result), ['__proto__', 'a']);
    });

    it('answers the other calls of a tick that carries an own __proto__ key', async () => {
      const { client } = connector.connect({ expose: echo });
      const results = await Promise.all([client.call('echo', [JSON.parse('{"__proto__": {}}')]), client.call('echo', ['other'])]);
      equal(results[1], 'other');
    });

    if (connector.kind === 'bytes') {
      it('fails only the call whose bigint is over 4,096 digits, with INVALID_ARGUMENT', async () => {
        const { client } = connector.connect({ expose: echo });
        const huge = 10n ** 4096n; // 4,097 digits
        const [refused, sent] = [client.call('echo', [huge]), client.call('echo', [-(10n ** 4095n)])];
        await rejectsWith(refused, 'INVALID_ARGUMENT');
        equal(await sent, -(10n ** 4095n));
      });

      it('fails only the call whose arguments hold more values than maxValues, with INVALID_ARGUMENT', async () => {
        const codec = () => msgpackCodec({ maxValues: 1_000 });
        const { client } = connector.connect({ expose: echo, codec: codec() }, { codec: codec() });
        const [refused, sent] = [client.call('echo', [new Array(1_000).fill(0)]), client.call('echo', [new Array(900).fill(0)])];
        const error = await rejectsWith(refused, 'INVALID_ARGUMENT');
        ok(error.message.includes('maxValues'), error.message);
        equal(((await sent) as unknown[]).length, 900);
      });

      it('fails a call that carries an Invalid Date with INVALID_ARGUMENT', async () => {
        const { client } = connector.connect({ expose: echo });
        const error = await rejectsWith(client.call('echo', [{ when: new Date(NaN) }]), 'INVALID_ARGUMENT');
        ok(error.message.includes('Invalid Date'), error.message);
      });
    } else {
      it('delivers an Invalid Date as an Invalid Date', async () => {
        const { client } = connector.connect({ expose: echo });
        const result = await client.call('echo', [new Date(NaN)]);
        ok(result instanceof Date && Number.isNaN(result.getTime()));
      });
    }
  });
}
