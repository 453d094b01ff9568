import { executeServerCommand } from '@web/test-runner-commands';
import SimplePeer from 'simple-peer';
import { describe, it } from '#harness';
import { connectSignaling, type DataChannelLike, fromDataChannel, fromSimplePeer, loopbackOnly } from '../../adapters/webrtc.js';
import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, listenerCheck, track } from '../support/connect.js';
import { loopbackPair, negotiate } from '../support/rtc.js';

const MiB = 1024 * 1024;
type TabApi = Service & { askPage(x: number): number; sum(bytes: Uint8Array): number; make(size: number): Uint8Array; quit(): void };

/**
 * Joins a fresh room through the signaling service (on this page's dev server), opens a second
 * real tab that joins it too (test/browser/fixtures/webrtc-tab.ts), and returns this page's peer
 * to the tab over a simple-peer data channel. Loopback candidates only; no STUN/TURN servers.
 */
async function peerInAnotherTab(options: { expose?: object; highWaterMark?: number } = {}) {
  const room = crypto.randomUUID();
  const signaling = connectSignaling(fromWebSocket(new WebSocket(`ws://${location.host}/__saltline/signal`)));
  track(signaling.peer);
  let made!: (peer: SimplePeer.Instance) => void;
  const simplePeer = new Promise<SimplePeer.Instance>((resolve) => (made = resolve));
  // This page joins first; the tab, joining second, makes the offer.
  await signaling.join(room, {
    createSimplePeer: (initiator) => new SimplePeer({ initiator, config: { iceServers: [] } }),
    filterSignal: loopbackOnly,
    onPeer: (peer) => made(peer),
  });
  const tab = await executeServerCommand<number, { url: string }>('saltline:open-tab', {
    url: `${location.origin}/test/browser/fixtures/webrtc-tab.html?room=${room}`,
  });
  let tabOpen = true;
  const closeTab = async () => {
    if (!tabOpen) return;
    tabOpen = false;
    await executeServerCommand('saltline:close-tab', { id: tab });
  };
  afterClose(closeTab);
  const sp = await simplePeer;
  afterClose(() => {
    if (!sp.destroyed) sp.destroy();
  });
  const peer = track(createPeer(fromSimplePeer(sp, { highWaterMark: options.highWaterMark }), { expose: options.expose }));
  return { peer, sp, api: peer.remote<TabApi>(), closeTab };
}

/** Two RTCPeerConnections in this page, candidates exchanged directly, loopback only. */
async function channelPair(init?: RTCDataChannelInit) {
  const { a, b } = loopbackPair(RTCPeerConnection);
  const channel = a.createDataChannel('rpc', init);
  const remote = new Promise<RTCDataChannel>((resolve) => (b.ondatachannel = (event) => resolve(event.channel)));
  await negotiate(a, b);
  return { a, b, channel, remote };
}

describe('WebRTC between two Chromium tabs (simple-peer, signaling helper)', () => {
  checkLeaks();

  it('connects the tabs through the signaling helper and calls both ways', async () => {
    const { api } = await peerInAnotherTab({ expose: { double: (x: number) => 2 * x } });
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(7), 49);
    equal(await api.askPage(21), 42);
  });

  it('carries a 16 MiB payload to the other tab without the channel buffer passing the high-water mark', async () => {
    const { api, sp } = await peerInAnotherTab({ highWaterMark: MiB });
    let most = 0;
    const send = sp.send.bind(sp);
    sp.send = (chunk) => {
      send(chunk);
      most = Math.max(most, sp.bufferSize);
    };
    const payload = new Uint8Array(16 * MiB).map((_, i) => (i * 31) & 0xff);
    equal(
      await api.sum(payload),
      payload.reduce((a, b) => a + b, 0),
    );
    ok(most > 0 && most <= MiB, `the channel held up to ${most} bytes`);
    const made = await api.make(4 * MiB);
    equal(made.byteLength, 4 * MiB);
    equal(made[4 * MiB - 1], (4 * MiB - 1) & 0xff);
  });

  it('rejects the pending calls with UNAVAILABLE when the other tab closes its peer mid-call', async () => {
    const { api, peer } = await peerInAnotherTab();
    equal(await api.add(1, 1), 2);
    const pending = [api.wait(), api.wait()];
    equal(await api.add(1, 2), 3); // the waits are running in the tab
    peer.notify('quit');
    for (const call of pending) await rejectsWith(call, 'UNAVAILABLE');
    equal(peer.stats().closed, true);
  });
});

describe('a bare RTCDataChannel in Chromium', () => {
  checkLeaks();

  it('carries a 16 MiB payload without the channel buffer passing the high-water mark', async () => {
    const { channel, remote } = await channelPair();
    listenerCheck('the data channel', channel);
    let most = 0;
    const send = channel.send.bind(channel) as (data: Uint8Array) => void;
    (channel as { send(data: Uint8Array): void }).send = (data) => {
      send(data);
      most = Math.max(most, channel.bufferedAmount);
    };
    const caller = track(
      createPeer(fromDataChannel(channel as unknown as DataChannelLike, { highWaterMark: MiB, lowWaterMark: 256 * 1024 })),
    );
    track(createPeer(fromDataChannel((await remote) as unknown as DataChannelLike), { expose: service }));
    const payload = new Uint8Array(16 * MiB).map((_, i) => (i * 7) & 0xff);
    const back = (await caller.call('echo', [payload])) as Uint8Array;
    equal(back.byteLength, payload.byteLength);
    deepEqual(back.subarray(0, 4096), payload.subarray(0, 4096));
    deepEqual(back.subarray(16 * MiB - 4096), payload.subarray(16 * MiB - 4096));
    ok(most > 0 && most <= MiB, `the channel held up to ${most} bytes`);
  });

  it('streams 4 MiB in 256 blocks over the channel', async () => {
    const { channel, remote } = await channelPair();
    async function* blocks(count: number, size: number) {
      for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i & 0xff);
    }
    const caller = track(createPeer(fromDataChannel(channel as unknown as DataChannelLike)));
    track(createPeer(fromDataChannel((await remote) as unknown as DataChannelLike), { expose: { blocks } }));
    let count = 0;
    for await (const block of caller.remote<{ blocks: typeof blocks }>().blocks(256, 16 * 1024)) {
      equal((block as Uint8Array)[100], count & 0xff);
      count++;
    }
    equal(count, 256);
  });

  it('refuses an unordered channel with a clear error', async () => {
    const { channel } = await channelPair({ ordered: false });
    const error = (await rejects(Promise.resolve().then(() => fromDataChannel(channel as unknown as DataChannelLike)))) as Error;
    ok(error instanceof TypeError && error.message.includes('unordered'), error.message);
  });

  it('refuses a lossy channel with a clear error', async () => {
    const { channel } = await channelPair({ maxRetransmits: 0 });
    const error = (await rejects(Promise.resolve().then(() => fromDataChannel(channel as unknown as DataChannelLike)))) as Error;
    ok(error.message.includes('lossy'), error.message);
  });
});
