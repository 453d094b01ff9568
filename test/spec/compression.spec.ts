import { describe, it } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { type Compressor, compression, deflateRaw } from '../../src/compression/index.js';
import { createPeer, type Peer, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

const api = { echo: (value: unknown) => value };
/** A JSON-like payload of about 7 KiB that deflates well. */
const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com`, active: i % 3 === 0 }));

/** Bytes that do not compress: a fixed pseudo-random sequence. */
function noise(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

interface Pair {
  readonly client: Peer;
  readonly server: Peer;
  readonly near: MemoryTransport;
  readonly far: MemoryTransport;
}

function connect(clientPlugins: boolean, serverPlugins: boolean, compressor?: Compressor): Pair {
  const [near, far] = createMemoryPair('bytes');
  near.record = far.record = true;
  const plugins = () => [compression(compressor ? { compressors: [compressor] } : {})];
  const server = track(createPeer(far, { expose: api, ...(serverPlugins ? { plugins: plugins() } : {}) }));
  const client = track(createPeer(near, clientPlugins ? { plugins: plugins() } : {}));
  return { client, server, near, far };
}

const compressed = (frames: unknown[]) => frames.filter((frame) => (frame as Uint8Array)[0] === 0xc1);

/** What `deflateRaw` makes of `bytes`, sealed as a frame announcing `length` bytes. */
async function frame(bytes: Uint8Array, length: number): Promise<Uint8Array> {
  const payload = await deflateRaw().compress(bytes);
  const out = new Uint8Array(6 + payload.byteLength);
  out[0] = 0xc1;
  new DataView(out.buffer).setUint32(2, length);
  out.set(payload, 6);
  return out;
}

describe('compression', () => {
  checkLeaks();

  it('compresses a frame over 1 KiB once both sides have the plugin, and the call still works', async () => {
    const { client, near, far } = connect(true, true);
    deepEqual(await client.call('echo', [rows]), rows);
    equal(compressed(near.sent).length, 1);
    equal(compressed(far.sent).length, 1);
  });

  it('sends frames under 1 KiB as they are', async () => {
    const { client, near } = connect(true, true);
    equal(await client.call('echo', ['small']), 'small');
    equal(compressed(near.sent).length, 0);
  });

  it('sends a frame as it is when compression saves less than 10 %', async () => {
    const { client, near } = connect(true, true);
    const bytes = noise(4096);
    deepEqual([...((await client.call('echo', [bytes])) as Uint8Array)], [...bytes]);
    equal(compressed(near.sent).length, 0);
  });

  it('never compresses toward a far side without the plugin, and both still talk', async () => {
    const { client, near, far } = connect(true, false);
    deepEqual(await client.call('echo', [rows]), rows);
    equal(compressed(near.sent).length + compressed(far.sent).length, 0);
  });

  it('keeps frames in order while an asynchronous compressor works', async () => {
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const compressing = new Promise<void>((resolve) => (started = resolve));
    const inner = deflateRaw();
    const slow: Compressor = { ...inner, compress: (data) => (started(), gate.then(() => inner.compress(data))) };
    const { client, server } = connect(true, true, slow);
    const seen: string[] = [];
    server.expose({ log: (label: string) => seen.push(label.slice(0, 5)) });
    await client.call('log', ['ready']);
    const big = client.call('log', [`large${JSON.stringify(rows)}`]);
    await compressing;
    // The large frame is held by the compressor; this small one goes after it, not before.
    const small = client.call('log', ['small']);
    release();
    await Promise.all([big, small]);
    deepEqual(seen, ['ready', 'large', 'small']);
  });

  it('closes with RESOURCE_EXHAUSTED when a frame inflates past its announced length (a bomb)', async () => {
    const { server, far } = connect(true, true);
    await server.call('echo', [1]).catch(() => {});
    const bomb = await frame(new Uint8Array(4 << 20), 2048);
    far.deliver(bomb);
    const reason = await server.closed;
    ok(reason instanceof RpcError && reason.code === 'RESOURCE_EXHAUSTED', String(reason));
  });

  it('closes with RESOURCE_EXHAUSTED when a frame announces more than maxMessageSize', async () => {
    const [near, far] = createMemoryPair('bytes');
    const server = track(createPeer(far, { plugins: [compression()], limits: { maxMessageSize: 4096 } }));
    track(createPeer(near, { plugins: [compression()] }));
    far.deliver(await frame(new Uint8Array(100), 5000));
    const reason = await server.closed;
    ok(reason instanceof RpcError && reason.code === 'RESOURCE_EXHAUSTED', String(reason));
  });

  it('drops and counts a compressed frame that does not inflate, and keeps the session', async () => {
    const { client, server, far } = connect(true, true);
    await client.call('echo', [1]);
    const garbage = new Uint8Array([0xc1, 0, 0, 0, 8, 0, 0xff, 0xff, 0xff]);
    far.deliver(garbage);
    equal(await client.call('echo', [2]), 2);
    ok(server.stats().malformed >= 1);
  });

  it('closes with RESOURCE_EXHAUSTED when more than 4,096 frames wait behind an inflation', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = deflateRaw();
    const stalled: Compressor = { ...inner, decompress: (data, length) => gate.then(() => inner.decompress(data, length)) };
    const [near, far] = createMemoryPair('bytes');
    const server = track(createPeer(far, { plugins: [compression({ compressors: [stalled] })] }));
    const client = track(createPeer(near, { plugins: [compression()] }));
    await client.call('missing').catch(() => {});
    far.deliver(await frame(new TextEncoder().encode(JSON.stringify(rows)), JSON.stringify(rows).length));
    // PONGs, which a session ignores: each waits behind the stalled frame.
    for (let i = 0; i <= 4096; i++) far.deliver(new Uint8Array([0x91, 0x0b]));
    const reason = await server.closed;
    release();
    ok(reason instanceof RpcError && reason.code === 'RESOURCE_EXHAUSTED', String(reason));
  });

  it('leaves clone transports alone', async () => {
    const [near, far] = createMemoryPair('clone');
    near.record = true;
    track(createPeer(far, { expose: api, plugins: [compression()] }));
    const client = track(createPeer(near, { plugins: [compression()] }));
    deepEqual(await client.call('echo', [rows]), rows);
    ok(near.sent.every((message) => !(message instanceof Uint8Array)));
  });
});
