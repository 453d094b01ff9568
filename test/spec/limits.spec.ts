import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer } from '../../src/index.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';
import { kindIs, rawPeer } from '../support/raw.js';

const api = {
  echo: (value: unknown) => value,
  make: (size: number) => new Uint8Array(size),
  hang: () => new Promise(() => {}),
  symbol: () => Symbol('a symbol cannot be sent'),
};

for (const connector of connectors) {
  describe(`limits over ${connector.name}`, () => {
    checkLeaks();

    it('refuses calls beyond maxPendingCalls with RESOURCE_EXHAUSTED', async () => {
      const { client } = connector.connect({ expose: api }, { limits: { maxPendingCalls: 2 } });
      const first = client.call('hang');
      const second = client.call('hang');
      const error = await rejectsWith(client.call('echo', [1]), 'RESOURCE_EXHAUSTED');
      equal(error.message, 'more than 2 calls pending');
      client.close();
      await rejectsWith(first, 'UNAVAILABLE');
      await rejectsWith(second, 'UNAVAILABLE');
    });

    it('refuses incoming calls beyond maxActiveHandlers with RESOURCE_EXHAUSTED', async () => {
      const { client, server } = connector.connect({ expose: api, limits: { maxActiveHandlers: 1 } });
      const first = client.call('hang');
      await rejectsWith(client.call('echo', [1]), 'RESOURCE_EXHAUSTED');
      equal(server.stats().activeHandlers, 1);
      client.close();
      await rejectsWith(first, 'UNAVAILABLE');
      await server.closed;
    });

    it('keeps counting a cancelled handler until it settles', async () => {
      let settle!: () => void;
      const stuck = new Promise<void>((resolve) => (settle = resolve));
      const slow = { stuck: () => stuck, echo: (value: unknown) => value };
      const { client, server } = connector.connect({ expose: slow, limits: { maxActiveHandlers: 1 } });
      const controller = new AbortController();
      const first = client.call('stuck', [], { signal: controller.signal });
      await rejectsWith(client.call('echo', [1]), 'RESOURCE_EXHAUSTED');
      controller.abort();
      await rejectsWith(first, 'CANCELLED');
      await rejectsWith(client.call('echo', [2]), 'RESOURCE_EXHAUSTED');
      equal(server.stats().activeHandlers, 1);
      settle();
      await stuck;
      equal(await client.call('echo', [3]), 3);
    });

    it('fails only the call whose arguments cannot be encoded', async () => {
      const { client } = connector.connect({ expose: api });
      const bad = client.call('echo', [Symbol('symbols do not encode')]);
      const good = client.call('echo', ['fine']);
      await rejectsWith(bad, 'INVALID_ARGUMENT');
      equal(await good, 'fine');
    });

    it('fails the caller when a result cannot be encoded', async () => {
      const { client } = connector.connect({ expose: api });
      const error = await rejectsWith(client.call('symbol'), 'INVALID_ARGUMENT');
      ok(error.message.startsWith('the result'), error.message);
    });
  });
}

describe('message size limits (bytes)', () => {
  checkLeaks();

  it('keeps within the largest message its transport carries', async () => {
    const [a, b] = createMemoryPair('bytes', 1024);
    track(createPeer(b, { expose: api }));
    const client = track(createPeer(a));
    await rejectsWith(client.call('echo', [new Uint8Array(2048)]), 'RESOURCE_EXHAUSTED');
    equal(await client.call('echo', ['fits']), 'fits');
  });

  for (const connector of connectors.filter((c) => c.kind === 'bytes')) {
    it('fails an oversize call with RESOURCE_EXHAUSTED and sends the others of its tick', async () => {
      const { client } = connector.connect({ expose: api }, { limits: { maxMessageSize: 1024 } });
      const big = client.call('echo', [new Uint8Array(2048)]);
      const small = client.call('echo', ['small']);
      await rejectsWith(big, 'RESOURCE_EXHAUSTED');
      equal(await small, 'small');
    });

    it('keeps within the limit the far side announced', async () => {
      const { client } = connector.connect({ expose: api, limits: { maxMessageSize: 1024 } });
      await client.call('echo', [1]); // hello exchanged
      await rejectsWith(client.call('echo', [new Uint8Array(2048)]), 'RESOURCE_EXHAUSTED');
      equal(await client.call('echo', ['still usable']), 'still usable');
    });

    it('fails the caller when the result is over the limit', async () => {
      const { client } = connector.connect({ expose: api, limits: { maxMessageSize: 1024 } });
      await rejectsWith(client.call('make', [4096]), 'RESOURCE_EXHAUSTED');
    });
  }

  it('closes with RESOURCE_EXHAUSTED on a message over its limit, which a well-behaved peer never sends', async () => {
    const end = rawPeer('bytes', { limits: { maxMessageSize: 1024 } });
    const call = end.peer.call('hang');
    end.sendRaw(new Uint8Array(2048));
    await rejectsWith(call, 'UNAVAILABLE');
    const reason = (await end.peer.closed) as { code?: string };
    equal(reason.code, 'RESOURCE_EXHAUSTED');
  });

  it('drops a message whose metadata has too many entries', async () => {
    const end = rawPeer('bytes', { expose: api, limits: { maxMetaEntries: 2 } });
    end.send([1, 1, 'echo', [1], { a: 1, b: 2, c: 3 }]);
    const reply = await end.next((m) => m[0] === 4 && m[1] === 1);
    equal((reply[2] as { code: string }).code, 'INVALID_ARGUMENT');
    end.send([10, 1]);
    await end.next(kindIs(11));
  });
});
