import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { fragmenting, LAST, MORE, Reassembler, split, WHOLE } from '../../src/fragment.js';
import { createPeer, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

describe('fragmentation', () => {
  checkLeaks();

  it('splits a message into views no longer than the chunk size, flagged, and joins them back', () => {
    const message = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const chunks: [number, Uint8Array][] = [];
    split(message, 300, (flag, chunk) => chunks.push([flag, chunk]));
    deepEqual(
      chunks.map(([flag, chunk]) => [flag, chunk.byteLength]),
      [
        [MORE, 300],
        [MORE, 300],
        [MORE, 300],
        [LAST, 100],
      ],
    );
    equal(chunks[0]![1].buffer, message.buffer); // views, not copies
    const reassembler = new Reassembler(1000);
    const results = chunks.map(([flag, chunk]) => reassembler.push(flag, chunk));
    deepEqual(results.slice(0, 3), [undefined, undefined, undefined]);
    deepEqual(results[3], message);
    equal(reassembler.buffered, 0);
  });

  it('passes a message that fits in one chunk whole', () => {
    const chunks: number[] = [];
    split(new Uint8Array(10), 10, (flag) => chunks.push(flag));
    deepEqual(chunks, [WHOLE]);
  });

  it('refuses to reassemble past its cap with RESOURCE_EXHAUSTED and holds nothing after', () => {
    const reassembler = new Reassembler(100);
    reassembler.push(MORE, new Uint8Array(60));
    const error = throws(() => reassembler.push(MORE, new Uint8Array(60)));
    ok(error instanceof RpcError && error.code === 'RESOURCE_EXHAUSTED');
    equal(reassembler.buffered, 0);
  });

  it('refuses broken sequences with DATA_LOSS', () => {
    const lastFirst = throws(() => new Reassembler(100).push(LAST, new Uint8Array(1)));
    ok(lastFirst instanceof RpcError && lastFirst.code === 'DATA_LOSS');
    const reassembler = new Reassembler(100);
    reassembler.push(MORE, new Uint8Array(1));
    const wholeInside = throws(() => reassembler.push(WHOLE, new Uint8Array(1)));
    ok(wholeInside instanceof RpcError && wholeInside.code === 'DATA_LOSS');
    const unknown = throws(() => new Reassembler(100).push(7, new Uint8Array(1)));
    ok(unknown instanceof RpcError && unknown.code === 'DATA_LOSS');
  });

  it('carries calls larger than the link’s chunk size', async () => {
    const [a, b] = createMemoryPair('bytes');
    track(
      createPeer(fragmenting(b, 64), {
        expose: { sum: (bytes: Uint8Array) => bytes.reduce((x, y) => x + y, 0), make: (n: number) => new Uint8Array(n).fill(1) },
      }),
    );
    const client = track(createPeer(fragmenting(a, 64)));
    equal(await client.call('sum', [new Uint8Array(10_000).fill(2)]), 20_000);
    equal(((await client.call('make', [5000])) as Uint8Array).byteLength, 5000);
  });

  it('carries a 16 MiB argument and a 16 MiB result in 16 KiB chunks', async () => {
    const [a, b] = createMemoryPair('bytes');
    const echo = (bytes: Uint8Array) => bytes;
    track(createPeer(fragmenting(b, 16 * 1024), { expose: { echo } }));
    const client = track(createPeer(fragmenting(a, 16 * 1024)));
    const big = new Uint8Array(16 * 1024 * 1024);
    big[0] = 1;
    big[big.length - 1] = 2;
    const back = (await client.call('echo', [big])) as Uint8Array;
    equal(back.byteLength, big.byteLength);
    equal(back[0], 1);
    equal(back[back.length - 1], 2);
  });

  it('closes the link when a hostile peer sends a fragment sequence over the cap', async () => {
    const [a, b] = createMemoryPair('bytes');
    const peer = track(createPeer(fragmenting(b, 64, 1000)));
    const call = peer.call('anything');
    a.start({ message: () => {}, closed: () => {} });
    for (let i = 0; i < 20; i++) a.send(Uint8Array.of(MORE, ...new Uint8Array(63)));
    const reason = (await peer.closed) as RpcError;
    equal(reason.code, 'RESOURCE_EXHAUSTED');
    equal(((await call.catch((e) => e)) as RpcError).code, 'UNAVAILABLE');
  });
});
