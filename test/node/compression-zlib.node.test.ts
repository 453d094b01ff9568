import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { createMemoryPair } from '../../adapters/memory.js';
import { compression, deflateRaw } from '../../src/compression/index.js';
import { createPeer, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com` }));

describe('deflate-raw on node:zlib', () => {
  checkLeaks();

  it('round-trips a frame synchronously', () => {
    const codec = deflateRaw({ zlib });
    const data = new TextEncoder().encode(JSON.stringify(rows));
    const packed = codec.compress(data) as Uint8Array;
    ok(packed.byteLength < data.byteLength / 4);
    deepEqual([...(codec.decompress(packed, data.byteLength) as Uint8Array)], [...data]);
  });

  it('stops inflating a bomb at the announced length with RESOURCE_EXHAUSTED', () => {
    const bomb = zlib.deflateRawSync(new Uint8Array(64 << 20));
    const error = throws(() => deflateRaw({ zlib }).decompress(bomb, 1024));
    ok(error instanceof RpcError && error.code === 'RESOURCE_EXHAUSTED');
  });

  it('interoperates with the CompressionStream side', async () => {
    const [near, far] = createMemoryPair('bytes');
    near.record = true;
    track(createPeer(far, { expose: { echo: (value: unknown) => value }, plugins: [compression()] }));
    const client = track(createPeer(near, { plugins: [compression({ compressors: [deflateRaw({ zlib })] })] }));
    deepEqual(await client.call('echo', [rows]), rows);
    equal(near.sent.filter((frame) => (frame as Uint8Array)[0] === 0xc1).length, 1);
  });
});
