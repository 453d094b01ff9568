import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { cborCodec } from '../../src/cbor.js';
import { codecs } from '../../src/codecs/index.js';
import { createPeer, type Plugin } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { createMetrics, type MethodSnapshot, type Metrics } from '../../src/observe/index.js';
import { equal, ok } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

const api = {
  echo: (value: unknown) => value,
  small: () => 1,
  hold: () => held,
  async *items(n: number) {
    for (let i = 0; i < n; i++) yield 'item';
  },
};
let held: Promise<string> = Promise.resolve('');

const row = (metrics: Metrics, method: string, side: 'client' | 'server'): MethodSnapshot =>
  metrics.snapshot().methods.find((m) => m.method === method && m.side === side)!;

for (const connector of connectors) {
  describe(`metrics bytes over ${connector.name}`, () => {
    checkLeaks();

    if (connector.kind === 'bytes') {
      it("counts a call's request and response bytes alike on both sides, per method", async () => {
        const [near, far] = [createMetrics(), createMetrics()];
        const { client } = connector.connect({ expose: api, plugins: [far] }, { plugins: [near] });
        await client.call('echo', ['x'.repeat(1000)]);
        const [sent, received] = [row(near, 'echo', 'client'), row(far, 'echo', 'server')];
        ok(sent.requestBytes > 1000 && sent.requestBytes < 1100, `request of ${sent.requestBytes} bytes`);
        ok(sent.responseBytes > 1000 && sent.responseBytes < 1100, `response of ${sent.responseBytes} bytes`);
        equal(received.requestBytes, sent.requestBytes);
        equal(received.responseBytes, sent.responseBytes);
      });

      it('keeps per peer the bytes of every frame, the far side receiving what this side sent', async () => {
        const [near, far] = [createMetrics(), createMetrics()];
        const { client } = connector.connect({ expose: api, plugins: [far] }, { plugins: [near] });
        for await (const _ of await client.call<AsyncIterable<string>>('items', [20])) void _;
        await client.call('small', []);
        const [mine, theirs] = [near.snapshot().peers[0]!, far.snapshot().peers[0]!];
        ok(mine.bytesSent > 0 && mine.bytesReceived > mine.bytesSent, `sent ${mine.bytesSent}, received ${mine.bytesReceived}`);
        equal(theirs.bytesReceived, mine.bytesSent);
        equal(theirs.bytesSent, mine.bytesReceived);
      });

      it('forgets the oldest calls in progress past its 64 slots and maxTrackedCalls: their replies go uncredited', async () => {
        const counted = async (maxTrackedCalls: number) => {
          const metrics = createMetrics({ maxTrackedCalls });
          const { client } = connector.connect({ expose: api, plugins: [metrics] });
          let release!: (value: string) => void;
          held = new Promise((resolve) => (release = resolve));
          // 74 at once: 64 take the slots, 10 go to the map, and the `small` call after them too; with
          // maxTrackedCalls 4 the map keeps the last 4 (3 of them `hold`).
          const calls = Array.from({ length: 74 }, () => client.call('hold', []));
          await client.call('small', []); // they have all arrived
          release('done');
          await Promise.all(calls);
          return row(metrics, 'hold', 'server').responseBytes;
        };
        const [all, kept] = [await counted(10_000), await counted(4)];
        // Seven replies of one size went uncredited.
        ok(all > kept && (all - kept) % 7 === 0, `${kept} bytes credited of ${all}`);
      });
    } else {
      it('counts no bytes over a clone transport, which has none', async () => {
        const metrics = createMetrics();
        const { client } = connector.connect({ expose: api }, { plugins: [metrics] });
        await client.call('echo', ['x'.repeat(1000)]);
        const echo = row(metrics, 'echo', 'client');
        equal(echo.requestBytes + echo.responseBytes + metrics.snapshot().peers[0]!.bytesSent, 0);
      });
    }
  });
}

const links: [string, () => Plugin[]][] = [
  ['msgpack', () => []],
  ['negotiated JSON', () => [codecs([jsonCodec()])]],
  ['negotiated CBOR', () => [codecs([cborCodec()])]],
];

for (const [name, plugins] of links) {
  describe(`metrics bytes of batch frames in ${name}`, () => {
    checkLeaks();

    it('credits each message of a batch frame its own size, not the whole frame', async () => {
      const [near, far] = createMemoryPair('bytes');
      const metrics = createMetrics();
      track(createPeer(far, { expose: api, plugins: plugins() }));
      const client = track(createPeer(near, { plugins: [metrics, ...plugins()] }));
      await client.call('small', []); // hello done, codec chosen
      near.record = true;
      await Promise.all([client.call('small', []), client.call('echo', ['y'.repeat(2000)])]);
      equal(near.sent.length, 1, 'the two calls went in one frame');
      const [small, echo] = [row(metrics, 'small', 'client'), row(metrics, 'echo', 'client')];
      ok(small.requestBytes < 2 * 40, `small: ${small.requestBytes} bytes for two calls`);
      ok(echo.requestBytes > 2000 && echo.requestBytes < 2100, `echo: ${echo.requestBytes} bytes`);
    });
  });
}
