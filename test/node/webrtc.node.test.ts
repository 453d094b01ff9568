import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer';
import {
  connectSignaling,
  type DataChannelLike,
  fromDataChannel,
  fromSimplePeer,
  loopbackOnly,
  type SignalingServerApi,
  signalingService,
} from '../../adapters/webrtc.js';
import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { loopbackPair, negotiate } from '../support/rtc.js';
import { client, serve } from '../support/ws-node.js';

const MiB = 1024 * 1024;

/** A long stream: `count` blocks of `size` bytes, block i filled with i. */
async function* blocks(count: number, size: number) {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i & 0xff);
}

/** A simple-peer on @roamhq/wrtc: no STUN/TURN servers, destroyed by the end of the test. */
function simplePeer(initiator: boolean, options: SimplePeer.Options = {}): SimplePeer.Instance {
  const peer = new SimplePeer({ initiator, wrtc, iceCompleteTimeout: 200, config: { iceServers: [] }, ...options });
  afterClose(() => {
    if (!peer.destroyed) peer.destroy();
  });
  return peer;
}

/** A signaling service over ws on 127.0.0.1 and a client for it. */
async function signaling() {
  const rooms = signalingService();
  const served = await serve({ maxMessageSize: 64 * 1024 }, (peer) => rooms.accept(peer));
  const join = () => {
    const signalingClient = connectSignaling(fromWebSocket(client(served.service.url)));
    track(signalingClient.peer);
    return signalingClient;
  };
  return { rooms, served, join };
}

/** Two Node peers joined by a simple-peer data channel, set up through the signaling service. */
async function pair(options: { server?: object; client?: object; channel?: Parameters<typeof fromSimplePeer>[1] } = {}) {
  const signal = await signaling();
  const room = randomUUID();
  // The first joins alone; the second, joining after it, makes the offer.
  const join = async (client: ReturnType<typeof signal.join>) => {
    let made!: (peer: SimplePeer.Instance) => void;
    const peer = new Promise<SimplePeer.Instance>((resolve) => (made = resolve));
    await client.join(room, {
      createSimplePeer: (initiator) => simplePeer(initiator),
      onPeer: (p) => made(p),
      filterSignal: loopbackOnly,
    });
    return { peer };
  };
  const first = await join(signal.join());
  const second = await join(signal.join());
  const [a, b] = await Promise.all([first.peer, second.peer]);
  const server = track(createPeer(fromSimplePeer(a, options.channel), { expose: { ...service, blocks }, ...options.server }));
  const caller = track(createPeer(fromSimplePeer(b, options.channel), options.client));
  return { a, b, server, caller, api: caller.remote<Service>() };
}

describe('WebRTC between Node peers (@roamhq/wrtc, loopback candidates only)', () => {
  checkLeaks();

  it('connects two peers through the signaling helper and calls both ways', async () => {
    const { api, server } = await pair({ client: { expose: { double: (x: number) => 2 * x } } });
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(12), 144);
    equal(await server.call('double', [21]), 42);
  });

  it('reports the offerer as the initiator', async () => {
    const { a, b } = await pair();
    equal(fromSimplePeer(a).initiator, false);
    equal(fromSimplePeer(b).initiator, true);
  });

  it('carries a 16 MiB payload without the channel buffer passing the high-water mark', async () => {
    const { api, b } = await pair({ channel: { highWaterMark: MiB } });
    let most = 0;
    let chunks = 0;
    const send = b.send.bind(b);
    b.send = (chunk) => {
      send(chunk);
      chunks++;
      most = Math.max(most, b.bufferSize);
    };
    const payload = new Uint8Array(16 * MiB).map((_, i) => (i * 7) & 0xff);
    const back = (await api.echo(payload)) as Uint8Array;
    equal(back.byteLength, payload.byteLength);
    deepEqual(back.subarray(16 * MiB - 1024), payload.subarray(16 * MiB - 1024));
    equal(back[8 * MiB + 3], payload[8 * MiB + 3]);
    ok(chunks >= (16 * MiB) / (16 * 1024), `only ${chunks} chunks`);
    ok(most <= MiB, `the channel held ${most} bytes`);
  });

  it('streams 16 MiB in 1,024 blocks without the channel buffer passing the high-water mark', async () => {
    const { caller, a } = await pair({ channel: { highWaterMark: 256 * 1024 } });
    let most = 0;
    const send = a.send.bind(a);
    a.send = (chunk) => {
      send(chunk);
      most = Math.max(most, a.bufferSize);
    };
    let count = 0;
    let bytes = 0;
    for await (const block of caller.remote<{ blocks: typeof blocks }>().blocks(1024, 16 * 1024)) {
      equal((block as Uint8Array)[0], count & 0xff);
      count++;
      bytes += (block as Uint8Array).byteLength;
    }
    equal(count, 1024);
    equal(bytes, 16 * MiB);
    ok(most <= 256 * 1024, `the channel held ${most} bytes`);
  });

  it('rejects the pending calls with UNAVAILABLE when the far side closes', async () => {
    const { api, server } = await pair();
    equal(await api.add(1, 1), 2);
    const pending = api.wait();
    server.close();
    await rejectsWith(pending, 'UNAVAILABLE');
  });

  it('works over a bare RTCDataChannel given while it is still connecting', async () => {
    const { a, b } = loopbackPair(wrtc.RTCPeerConnection as typeof RTCPeerConnection);
    const channel = a.createDataChannel('rpc') as unknown as DataChannelLike;
    const remote = new Promise<DataChannelLike>(
      (resolve) => (b.ondatachannel = (event) => resolve(event.channel as unknown as DataChannelLike)),
    );
    const caller = track(createPeer(fromDataChannel(channel, { initiator: true, connection: a })));
    const call = caller.call('add', [2, 3]);
    await negotiate(a, b);
    track(createPeer(fromDataChannel(await remote, { initiator: false }), { expose: service }));
    equal(await call, 5);
    equal(await caller.call('echo', ['x'.repeat(100_000)]), 'x'.repeat(100_000));
  });

  it('refuses an unordered data channel with a clear error', async () => {
    const { a } = loopbackPair(wrtc.RTCPeerConnection as typeof RTCPeerConnection);
    const channel = a.createDataChannel('loose', { ordered: false }) as unknown as DataChannelLike;
    const error = (await rejects(Promise.resolve().then(() => fromDataChannel(channel)))) as Error;
    ok(error instanceof TypeError);
    ok(error.message.includes('ordered, reliable') && error.message.includes('unordered'), error.message);
  });

  it('refuses a lossy data channel (maxRetransmits or maxPacketLifeTime)', async () => {
    const { a } = loopbackPair(wrtc.RTCPeerConnection as typeof RTCPeerConnection);
    for (const init of [{ maxRetransmits: 0 }, { maxPacketLifeTime: 100 }]) {
      const channel = a.createDataChannel('lossy', init) as unknown as DataChannelLike;
      const error = (await rejects(Promise.resolve().then(() => fromDataChannel(channel)))) as Error;
      ok(error.message.includes('lossy'), error.message);
    }
  });

  it('refuses a simple-peer made with an unordered channelConfig', async () => {
    const peer = simplePeer(true, { channelConfig: { ordered: false } });
    const error = (await rejects(Promise.resolve().then(() => fromSimplePeer(peer)))) as Error;
    ok(error.message.includes('unordered'), error.message);
  });
});

describe('the signaling service', () => {
  checkLeaks();

  it('tells a newcomer who is in the room and relays signals only between members', async () => {
    const { join } = await signaling();
    const [a, b, c] = [join(), join(), join()];
    const serverA = a.peer.remote<SignalingServerApi>();
    const first = await serverA.join('room-1');
    deepEqual(first.members, []);
    const got: unknown[] = [];
    const second = await b.join('room-1', { createSimplePeer: fake(got), onPeer: () => {} });
    equal(second.peers.size, 1);
    ok(second.peers.has(first.id));
    const outsider = await c.peer.remote<SignalingServerApi>().join('room-2');
    await rejectsWith(c.peer.remote<SignalingServerApi>().signal('room-2', first.id, 'hi'), 'NOT_FOUND');
    await rejectsWith(serverA.signal('room-1', outsider.id, 'hi'), 'NOT_FOUND');
    await serverA.signal('room-1', second.id, { type: 'offer', sdp: 'v=0' });
    await serverA.signal('room-1', second.id, 'sync');
    deepEqual(got, [{ type: 'offer', sdp: 'v=0' }, 'sync']);
  });

  it('refuses to join a full room with RESOURCE_EXHAUSTED', async () => {
    const rooms = signalingService({ maxRoomSize: 1 });
    const served = await serve({}, (peer) => rooms.accept(peer));
    const one = track(createPeer(fromWebSocket(client(served.service.url)))).remote<SignalingServerApi>();
    const two = track(createPeer(fromWebSocket(client(served.service.url)))).remote<SignalingServerApi>();
    await one.join('small');
    await rejectsWith(two.join('small'), 'RESOURCE_EXHAUSTED');
  });

  it('tells the others when a member disconnects, and forgets empty rooms', async () => {
    const { join, rooms, served } = await signaling();
    const [a, b] = [join(), join()];
    const left = new Promise<string>((resolve) => a.join('room', { createSimplePeer: fake([]), onPeer: () => {}, onLeave: resolve }));
    const room = await b.join('room', { createSimplePeer: fake([]), onPeer: () => {} });
    b.close();
    equal(await left, room.id);
    equal(rooms.rooms().get('room'), 1);
    a.close();
    await served.peers[0]!.closed;
    equal(rooms.rooms().size, 0);
  });
});

describe('loopbackOnly', () => {
  checkLeaks();

  const candidate = (address: string) => ({
    type: 'candidate',
    candidate: { candidate: `candidate:1 1 udp 2122260223 ${address} 50000 typ host`, sdpMid: '0' },
  });

  it('keeps loopback candidates and drops every other address', () => {
    deepEqual(loopbackOnly(candidate('127.0.0.1')), candidate('127.0.0.1'));
    deepEqual(loopbackOnly(candidate('::1')), candidate('::1'));
    for (const address of ['192.0.2.2', 'fd00::2', '3f1c0b2e-1d7a-4c1e.local', '10.0.0.1'])
      equal(loopbackOnly(candidate(address)), undefined);
  });

  it('strips non-loopback candidates from a session description and keeps the rest', () => {
    const sdp = [
      'v=0',
      'a=candidate:1 1 udp 1 192.0.2.2 5000 typ host',
      'a=candidate:2 1 udp 1 127.0.0.1 5001 typ host',
      'a=mid:0',
      '',
    ].join('\r\n');
    deepEqual(loopbackOnly({ type: 'offer', sdp }), {
      type: 'offer',
      sdp: ['v=0', 'a=candidate:2 1 udp 1 127.0.0.1 5001 typ host', 'a=mid:0', ''].join('\r\n'),
    });
  });

  it('passes signals without addresses through', () => {
    deepEqual(loopbackOnly({ renegotiate: true }), { renegotiate: true });
  });
});

/** A stand-in simple-peer that records the signals it is given. */
function fake(got: unknown[]) {
  return () => ({
    signal: (data: unknown) => void got.push(data),
    on: () => undefined,
    removeListener: () => undefined,
    destroy: () => {},
  });
}
