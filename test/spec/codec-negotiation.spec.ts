import { describe, it } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { cborCodec } from '../../src/cbor.js';
import { codecs } from '../../src/codecs/index.js';
import { compression } from '../../src/compression/index.js';
import { createPeer, type Peer, type Plugin } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

const api = { echo: (value: unknown) => value };
const json = (): Plugin => codecs([jsonCodec()]);
const cbor = (): Plugin => codecs([cborCodec()]);

interface Pair {
  readonly client: Peer;
  readonly server: Peer;
  readonly near: MemoryTransport;
  readonly far: MemoryTransport;
}

function connect(clientPlugins: Plugin[], serverPlugins: Plugin[]): Pair {
  const [near, far] = createMemoryPair('bytes');
  near.record = far.record = true;
  const server = track(createPeer(far, { expose: api, plugins: serverPlugins }));
  const client = track(createPeer(near, { plugins: clientPlugins }));
  return { client, server, near, far };
}

/** The first two bytes of each frame after the opening hello, as hex. */
const tags = (frames: unknown[]) =>
  frames.slice(1).map((frame) => [...(frame as Uint8Array).subarray(0, 2)].map((b) => b.toString(16)).join(' '));
/** The value sent: a Set and a bigint, which every codec must carry. */
const value = { tags: new Set(['a', 'b']), big: 10n ** 20n };

describe('codec negotiation', () => {
  checkLeaks();

  it('moves both directions to a codec both sides offer, once each has the other’s hello', async () => {
    const { client, near, far } = connect([json()], [json()]);
    deepEqual(await client.call('echo', [value]), value);
    ok(tags(near.sent).includes('c1 80'), tags(near.sent).join(', '));
    ok(tags(far.sent).includes('c1 80'), tags(far.sent).join(', '));
    // The opening hello is msgpack, which every peer reads: a fixarray of 4.
    equal((near.sent[0] as Uint8Array)[0], 0x94);
  });

  it('keeps msgpack toward a far side that offers no codec, and both still talk', async () => {
    const { client, near, far } = connect([json()], []);
    deepEqual(await client.call('echo', [value]), value);
    ok([...near.sent, ...far.sent].every((frame) => (frame as Uint8Array)[0] !== 0xc1));
  });

  it('sends in each side’s own first choice that the far side has, when their preferences differ', async () => {
    const { client, near, far } = connect([codecs([cborCodec(), jsonCodec()])], [codecs([jsonCodec(), cborCodec()])]);
    deepEqual(await client.call('echo', [value]), value);
    // cbor is second in the server's list (index 1), json second in the client's.
    ok(tags(near.sent).includes('c1 81'), tags(near.sent).join(', '));
    ok(tags(far.sent).includes('c1 81'), tags(far.sent).join(', '));
  });

  it('keeps the default when the two sides offer no codec in common', async () => {
    const { client, near } = connect([cbor()], [json()]);
    deepEqual(await client.call('echo', [value]), value);
    ok(near.sent.every((frame) => (frame as Uint8Array)[0] !== 0xc1));
  });

  it('drops and counts a frame tagged with a codec this side did not offer', async () => {
    const { client, server, far } = connect([json()], [json()]);
    await client.call('echo', [1]);
    far.deliver(new Uint8Array([0xc1, 0x85, 0x5b, 0x5d]));
    equal(await client.call('echo', [2]), 2);
    equal(server.stats().malformed, 1);
  });

  it('compresses frames of a negotiated codec too', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `user ${i}` }));
    const { client, near } = connect([json(), compression()], [json(), compression()]);
    deepEqual(await client.call('echo', [rows]), rows);
    ok(near.sent.some((frame) => (frame as Uint8Array)[0] === 0xc1 && (frame as Uint8Array)[1] === 0));
  });

  it('leaves clone transports on structured clone', async () => {
    const [near, far] = createMemoryPair('clone');
    near.record = true;
    track(createPeer(far, { expose: api, plugins: [json()] }));
    const client = track(createPeer(near, { plugins: [json()] }));
    deepEqual(await client.call('echo', [value]), value);
    ok(near.sent.every((message) => !(message instanceof Uint8Array)));
  });
});
