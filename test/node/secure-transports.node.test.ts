/**
 * The secure channel over real network transports: a `ws` server on 127.0.0.1 and a WebRTC data
 * channel between two @roamhq/wrtc peers. The relay in the middle (the ws server process, the
 * signaling service) sees only records.
 */
import { describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer';
import { fromSimplePeer, loopbackOnly } from '../../adapters/webrtc.js';
import { fromWebSocket } from '../../adapters/websocket.js';
import type { RpcError } from '../../src/index.js';
import { createPeer as createSecurePeer, generateIdentity } from '../../src/secure/index.js';
import { type Service, service } from '../fixtures/service.js';
import { equal, ok } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { client, serve } from '../support/ws-node.js';

const serverIdentity = generateIdentity();
const clientIdentity = generateIdentity();
const networkKey = new Uint8Array(32).fill(7);

const serverSecure = { identity: serverIdentity, networkKey, expectedRemoteKey: clientIdentity.publicKey };
const clientSecure = { identity: clientIdentity, networkKey, expectedRemoteKey: serverIdentity.publicKey };

/** Two simple-peers on wrtc, signaled directly in this process with loopback candidates only. */
async function dataChannelPair(): Promise<[SimplePeer.Instance, SimplePeer.Instance]> {
  const make = (initiator: boolean) => {
    const peer = new SimplePeer({ initiator, wrtc, iceCompleteTimeout: 200, config: { iceServers: [] } });
    afterClose(() => {
      if (!peer.destroyed) peer.destroy();
    });
    return peer;
  };
  const a = make(true);
  const b = make(false);
  const relay = (from: SimplePeer.Instance, to: SimplePeer.Instance) =>
    from.on('signal', (data: SimplePeer.SignalData) => {
      if (loopbackOnly(data as never)) to.signal(data);
    });
  relay(a, b);
  relay(b, a);
  await Promise.all([new Promise((resolve) => a.once('connect', resolve)), new Promise((resolve) => b.once('connect', resolve))]);
  return [a, b];
}

describe('the secure channel over network transports', () => {
  checkLeaks();

  it('authenticates both ends and answers calls over a ws connection', async () => {
    const served = await serve(
      {
        createPeer: (transport, options) => createSecurePeer(transport, { ...options, secure: serverSecure }),
      },
      (peer) => peer.expose(service),
    );
    const peer = track(createSecurePeer(fromWebSocket(client(served.service.url)), { secure: clientSecure }));
    equal(await peer.remote<Service>().add(2, 3), 5);
    const seen = (await served.peer(0)).remoteIdentity;
    ok(seen && Buffer.from(seen).equals(Buffer.from(clientIdentity.publicKey)), 'the server did not see the client key');
    ok(peer.remoteIdentity && Buffer.from(peer.remoteIdentity).equals(Buffer.from(serverIdentity.publicKey)));
  });

  it('refuses a ws client whose key the server does not expect, with UNAUTHENTICATED', async () => {
    const served = await serve(
      {
        createPeer: (transport, options) => createSecurePeer(transport, { ...options, secure: serverSecure }),
      },
      (peer) => peer.expose(service),
    );
    const stranger = generateIdentity();
    const peer = track(
      createSecurePeer(fromWebSocket(client(served.service.url)), {
        secure: { identity: stranger, networkKey, expectedRemoteKey: serverIdentity.publicKey },
      }),
    );
    const call = peer.remote<Service>().add(1, 1);
    const error = (await call.catch((e) => e)) as RpcError;
    equal(error.code, 'UNAUTHENTICATED'); // needs the peer's half of item 15 (src/peer.ts, the lead's)
    const reason = (await (await served.peer(0)).closed) as RpcError;
    equal(reason.code, 'UNAUTHENTICATED');
  });

  it('answers calls over a WebRTC data channel, both ends authenticated', async () => {
    const [a, b] = await dataChannelPair();
    track(createSecurePeer(fromSimplePeer(b), { secure: serverSecure, expose: service }));
    const caller = track(createSecurePeer(fromSimplePeer(a), { secure: clientSecure }));
    equal(await caller.remote<Service>().math.square(12), 144);
    const big = new Uint8Array(256 * 1024).fill(3);
    const back = (await caller.remote<Service>().echo(big)) as Uint8Array;
    equal(back.byteLength, big.byteLength);
    equal(back[back.length - 1], 3);
  });
});
