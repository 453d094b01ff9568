import { describe, it } from '#harness';
import { Callee } from '../../src/callee.js';
import { type Admission, type Interceptor, type Plugin, RpcError } from '../../src/index.js';
import { rateLimit } from '../../src/limits/index.js';
import { createMetrics } from '../../src/observe/index.js';
import { References } from '../../src/ref-table.js';
import { deepEqual, equal, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

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

for (const connector of connectors) {
  describe(`admission over ${connector.name}`, () => {
    checkLeaks();

    it("imports nothing of a refused call's arguments: its callback is never made a proxy", async () => {
      const { client } = connector.connect({ expose: api, plugins: [onePerSecond()] });
      equal(await client.call('get', [1]), 1);
      const imports = spy(References.prototype, 'importValue');
      try {
        await rejectsWith(client.call('each', [2, () => undefined]), 'RESOURCE_EXHAUSTED');
        equal(imports.count(), 0);
      } finally {
        imports.restore();
      }
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
