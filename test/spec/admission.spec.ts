import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { Callee } from '../../src/callee.js';
import type { CodecExtension } from '../../src/codec/codec.js';
import { codecs } from '../../src/codecs/index.js';
import { type Admission, createPeer, type Interceptor, type Peer, type Plugin, RpcError } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { rateLimit } from '../../src/limits/index.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { createMetrics } from '../../src/observe/index.js';
import { References } from '../../src/ref-table.js';
import { deepEqual, equal, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

const api = {
  get: (n: number) => n,
  each: (n: number, fn: (i: number) => void) => fn(n),
  note: () => void notes++,
};
let notes = 0;

/** A clock that stands still: a rate of 1 per second refuses the second call at once. */
const still = () => 0;
const onePerSecond = () => rateLimit({ perPeer: { rate: 1 }, clock: still });

/** Counts calls of `method` on `proto` until `restore()`. */
function spy(proto: object, method: string): { count: () => number; restore: () => void } {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method]!;
  let count = 0;
  target[method] = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return { count: () => count, restore: () => void (target[method] = original) };
}

/** A plugin that admits every call and records what it was asked and told. */
function recorder(name: string, seen: string[]): Plugin {
  return {
    name,
    admit: (call) => void seen.push(`${name} admit ${call.method}`),
    refused: (call, error) => void seen.push(`${name} refused ${call.method} ${error.code}`),
  };
}

/** Calls `each` with a callback past the limit: refused, and nothing of its arguments imported. */
async function refusedWithoutImport(client: Peer): Promise<void> {
  const imports = spy(References.prototype, 'importValue');
  try {
    await rejectsWith(client.call('each', [2, () => undefined]), 'RESOURCE_EXHAUSTED');
    equal(imports.count(), 0);
  } finally {
    imports.restore();
  }
}

for (const connector of connectors) {
  describe(`admission over ${connector.name}`, () => {
    checkLeaks();

    it("imports nothing of a refused call's arguments: its callback is never made a proxy", async () => {
      const { client } = connector.connect({ expose: api, plugins: [onePerSecond()] });
      equal(await client.call('get', [1]), 1);
      await refusedWithoutImport(client);
    });

    it('runs no interceptor for a call refused on admission', async () => {
      const seen: string[] = [];
      const watching: Interceptor = (next) => (call) => (seen.push(call.method), next(call));
      const { client } = connector.connect({ expose: api, plugins: [onePerSecond()], interceptors: { incoming: [watching] } });
      await client.call('get', [1]);
      await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      deepEqual(seen, ['get']);
    });

    it('refuses with the RpcError of the first plugin that returns one, with its data', async () => {
      const no: Plugin = { name: 'no', admit: () => new RpcError('RESOURCE_EXHAUSTED', 'later', { data: { retryAfterMs: 7 } }) };
      const never: Plugin = { name: 'never', admit: () => new RpcError('PERMISSION_DENIED', 'not asked') };
      const { client } = connector.connect({ expose: api, plugins: [no, never] });
      const refused = await rejectsWith(client.call('get', [1]), 'RESOURCE_EXHAUSTED');
      deepEqual(refused.data, { retryAfterMs: 7 });
    });

    it('tells the plugins before the refusing one of the refusal, and not those after it', async () => {
      const seen: string[] = [];
      const { client } = connector.connect({
        expose: api,
        plugins: [recorder('before', seen), onePerSecond(), recorder('after', seen)],
      });
      await client.call('get', [1]);
      seen.length = 0;
      await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      deepEqual(seen, ['before admit get', 'before refused get RESOURCE_EXHAUSTED']);
    });

    it('shows admit the method, the peer the call arrived at and no arguments', async () => {
      const asked: Admission[] = [];
      const { client, server } = connector.connect({ expose: api, plugins: [{ name: 'ask', admit: (call) => void asked.push(call) }] });
      await client.call('get', [1]);
      equal(asked.length, 1);
      equal(asked[0]!.method, 'get');
      equal(asked[0]!.peer, server);
      equal('args' in asked[0]!, false);
    });

    it('drops a refused notification without running its handler', async () => {
      notes = 0;
      const { client } = connector.connect({ expose: api, plugins: [onePerSecond()] });
      client.notify('note');
      client.notify('note');
      equal(await client.call('get', [1]).catch((error: RpcError) => error.code), 'RESOURCE_EXHAUSTED');
      equal(notes, 1);
    });

    it('counts a call refused on admission in metrics placed before the limit', async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: api, plugins: [metrics, onePerSecond()] });
      await client.call('get', [1]);
      await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
      const get = metrics.snapshot().methods.find((m) => m.method === 'get' && m.side === 'server')!;
      deepEqual([get.total, get.rateLimited, get.inFlight, get.calls.RESOURCE_EXHAUSTED], [2, 1, 0, 1]);
    });

    it('runs no admission code on a peer without a plugin that admits', async () => {
      const asked = spy(Callee.prototype, 'admission');
      try {
        const { client } = connector.connect({ expose: api, plugins: [createMetrics()] });
        for (let i = 0; i < 10; i++) await client.call('get', [i]);
        equal(asked.count(), 0);
      } finally {
        asked.restore();
      }
    });
  });
}

/** A value of a msgpack extension type whose decoder counts its runs. */
class Payload {
  constructor(readonly n: number) {}
}

function countingCodec() {
  const counts = { decoded: 0 };
  const extension: CodecExtension<Uint8Array> = {
    type: 40,
    encode: (value) => (value instanceof Payload ? new Uint8Array([value.n]) : null),
    decode: (data) => (counts.decoded++, new Payload(data[0]!)),
  };
  return { counts, codec: () => msgpackCodec({ extensions: [extension] }) };
}

describe('admission before decoding, over a byte transport with msgpack', () => {
  checkLeaks();

  const order: string[] = [];
  const recorded = {
    get: (n: number) => (order.push(`get ${n}`), n),
    put: (n: number) => (order.push(`put ${n}`), n),
    take: (payload: Payload) => payload.n,
  };

  /** A pair over one memory link, the server limited as `plugins` say, both with the counting codec. */
  function connect(plugins: Plugin[], clientPlugins: Plugin[] = []) {
    const { counts, codec } = countingCodec();
    const [near, far] = createMemoryPair('bytes');
    const server = track(createPeer(far, { expose: recorded, plugins, codec: codec() }));
    const client = track(createPeer(near, { plugins: clientPlugins, codec: codec() }));
    return { client, server, near, counts };
  }

  it("never decodes a refused call's arguments: its extension type's decoder does not run", async () => {
    const { client, counts } = connect([onePerSecond()]);
    equal(await client.call('take', [new Payload(5)]), 5);
    equal(counts.decoded, 1);
    await rejectsWith(client.call('take', [new Payload(6)]), 'RESOURCE_EXHAUSTED');
    equal(counts.decoded, 1);
  });

  it('carries retryAfterMs in the refusal of a call refused before decoding', async () => {
    const { client } = connect([rateLimit({ perPeer: { rate: 10 }, clock: still })]);
    await client.call('get', [1]);
    const refused = await rejectsWith(client.call('get', [2]), 'RESOURCE_EXHAUSTED');
    deepEqual(refused.data, { retryAfterMs: 100 });
  });

  it('runs the admitted calls of one batch frame in their order and refuses the others in place', async () => {
    const { client, near } = connect([rateLimit({ perMethod: { put: { rate: 1 } }, clock: still })]);
    await client.call('get', [0]);
    order.length = 0;
    near.record = true;
    const results = await Promise.all(
      ['put 1', 'get 2', 'put 3', 'get 4', 'put 5'].map((text) => {
        const [method, n] = text.split(' ') as [string, string];
        return client.call(method, [Number(n)]).catch((error: RpcError) => error.code);
      }),
    );
    equal(near.sent.length, 1, 'the five calls went in one frame');
    deepEqual(order, ['put 1', 'get 2', 'get 4']);
    deepEqual(results, [1, 2, 'RESOURCE_EXHAUSTED', 4, 'RESOURCE_EXHAUSTED']);
  });

  it('admits after decoding, still before importing, when the negotiated codec cannot read headers first', async () => {
    const [near, far] = createMemoryPair('bytes');
    track(createPeer(far, { expose: api, plugins: [codecs([jsonCodec()]), onePerSecond()] }));
    const client = track(createPeer(near, { plugins: [codecs([jsonCodec()])] }));
    equal(await client.call('get', [1]), 1);
    await refusedWithoutImport(client);
  });
});
