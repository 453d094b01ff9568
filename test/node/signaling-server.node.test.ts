/**
 * WebRTC signaling against hostile parties: a signaling server that invents members to make a
 * client build peer connections without end, and a client that never says hello.
 */
import { describe, it } from 'node:test';
import { createMemoryPair } from '../../adapters/memory.js';
import { connectSignaling, type SignalingClient, type SimplePeerLike, signalingService } from '../../adapters/webrtc.js';
import { createPeer, type Peer } from '../../src/index.js';
import { CALL, HELLO } from '../../src/protocol.js';
import { equal, ok } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { rawPeer, replyTo } from '../support/raw.js';

const ROOM = 'room';
const MANY = 10_000;

/** A stand-in simple-peer: records its signals, and closes (with its listeners gone) on destroy. */
class FakeSimplePeer implements SimplePeerLike {
  connected = false;
  destroyed = false;
  readonly signals: unknown[] = [];
  readonly #listeners = new Map<string, Set<(...args: unknown[]) => void>>();

  constructor(
    readonly initiator: boolean,
    readonly remoteId: string,
  ) {}

  signal(data: unknown): void {
    this.signals.push(data);
  }
  on(event: string, listener: (...args: unknown[]) => void): void {
    (this.#listeners.get(event) ?? this.#listeners.set(event, new Set()).get(event)!).add(listener);
  }
  removeListener(event: string, listener: (...args: unknown[]) => void): void {
    this.#listeners.get(event)?.delete(listener);
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const listener of [...(this.#listeners.get('close') ?? [])]) listener();
  }
  get listeners(): number {
    return [...this.#listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }
}

/**
 * A signaling client joined to `ROOM` on a hostile server: `server` is the server's peer, which the
 * test drives; the join answers with `members`. Every simple-peer the client makes is recorded.
 */
async function hostile(members: string[] = [], maxPeers?: number) {
  const [near, far] = createMemoryPair('bytes');
  const server: Peer = track(createPeer(far, { expose: { join: () => ({ id: 'me', members }), leave: () => {}, signal: () => {} } }));
  const signaling: SignalingClient = connectSignaling(near);
  track(signaling.peer);
  const made: FakeSimplePeer[] = [];
  const room = await signaling.join(ROOM, {
    createSimplePeer: (initiator, remoteId) => {
      const peer = new FakeSimplePeer(initiator, remoteId);
      made.push(peer);
      return peer;
    },
    onPeer: () => {},
    ...(maxPeers === undefined ? {} : { maxPeers }),
  });
  afterClose(() => {
    for (const peer of made) peer.destroy();
  });
  /** Resolves once the client has handled every notification sent before it (they are handled in order). */
  const settled = () => server.call('left', [ROOM, 'nobody']);
  return { server, room, made, settled };
}

describe('a signaling client facing a hostile signaling server', () => {
  checkLeaks();

  it('makes no peer connection for signals from members it was never told about', async () => {
    const { server, made, settled } = await hostile();
    for (let i = 0; i < MANY; i++) server.notify('signal', ROOM, `invented-${i}`, { type: 'offer', sdp: 'v=0' });
    await settled();
    equal(made.length, 0);
  });

  it('answers a member that a joined notification announced', async () => {
    const { server, made, settled } = await hostile();
    server.notify('joined', ROOM, 'newcomer');
    server.notify('signal', ROOM, 'newcomer', { type: 'offer', sdp: 'v=0' });
    await settled();
    equal(made.length, 1);
    equal(made[0]!.initiator, false);
    equal(made[0]!.signals.length, 1);
  });

  it('makes at most 16 peer connections by default however many members are announced', async () => {
    const { server, made, room, settled } = await hostile();
    for (let i = 0; i < MANY; i++) {
      server.notify('joined', ROOM, `member-${i}`);
      server.notify('signal', ROOM, `member-${i}`, { type: 'offer', sdp: 'v=0' });
    }
    await settled();
    equal(made.length, 16);
    equal(room.peers.size, 16);
  });

  it('calls at most maxPeers of the members a join answers with', async () => {
    const members = Array.from({ length: MANY }, (_, i) => `member-${i}`);
    const { made } = await hostile(members, 3);
    equal(made.length, 3);
    ok(made.every((peer) => peer.initiator));
  });

  it('makes room for a new member once one that never connected leaves, destroying its peer', async () => {
    const { server, made, room, settled } = await hostile(['a', 'b'], 2);
    server.notify('joined', ROOM, 'c');
    server.notify('signal', ROOM, 'c', { type: 'offer', sdp: 'v=0' });
    await settled();
    equal(made.length, 2);
    server.notify('left', ROOM, 'a');
    server.notify('joined', ROOM, 'c');
    server.notify('signal', ROOM, 'c', { type: 'offer', sdp: 'v=0' });
    await settled();
    ok(made[0]!.destroyed, 'the peer of the member that left is still up');
    equal(made[0]!.listeners, 0);
    equal(made.length, 3);
    equal(made[2]!.remoteId, 'c');
    equal(room.peers.size, 2);
  });

  it('refuses a maxPeers that would turn the cap off with a TypeError', async () => {
    const error = await hostile([], Number.NaN).then(
      () => undefined,
      (e: unknown) => e,
    );
    ok(error instanceof TypeError, String(error));
  });

  it('ignores member ids that are not short strings', async () => {
    const { server, made, settled } = await hostile();
    for (const id of [42, { id: 'x' }, 'x'.repeat(10_000), '']) {
      server.notify('joined', ROOM, id);
      server.notify('signal', ROOM, id, { type: 'offer', sdp: 'v=0' });
    }
    await settled();
    equal(made.length, 0);
  });
});

describe('the signaling service facing a client that never says hello', () => {
  checkLeaks();

  it('refuses to seat a member that has not said hello, so nothing is held for it', async () => {
    const rooms = signalingService();
    const raw = rawPeer('bytes');
    rooms.accept(raw.peer);
    raw.send([CALL, 1, 'join', [ROOM]]);
    const reply = await raw.next(replyTo(1));
    equal(reply[0], 4);
    equal((reply[2] as { code?: string }).code, 'FAILED_PRECONDITION');
    equal(rooms.rooms().size, 0);
  });

  it('does not echo a long room name or member id back in its NOT_FOUND error', async () => {
    const rooms = signalingService();
    const raw = rawPeer('bytes');
    rooms.accept(raw.peer);
    const long = 'x'.repeat(100_000);
    raw.send([HELLO, 1, false, {}], [CALL, 1, 'signal', [long, long, 'data']]);
    const error = (await raw.next(replyTo(1)))[2] as { code?: string; message?: string };
    equal(error.code, 'NOT_FOUND');
    ok(String(error.message).length < 100, `a message of ${String(error.message).length} characters`);
  });

  it('seats a member once it has said hello', async () => {
    const rooms = signalingService();
    const raw = rawPeer('bytes');
    rooms.accept(raw.peer);
    raw.send([HELLO, 1, false, {}], [CALL, 1, 'join', [ROOM]]);
    const reply = await raw.next(replyTo(1));
    equal(reply[0], 3);
    equal(rooms.rooms().get(ROOM), 1);
  });
});
