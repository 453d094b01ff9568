/** The signaling service on a Redis bus, two services in one process standing for two processes. */
import { after, afterEach, before, describe, it } from 'node:test';
import type { Bus } from '../../adapters/bus.js';
import { createMemoryPair } from '../../adapters/memory.js';
import { type SignalingService, signalingService } from '../../adapters/webrtc.js';
import { type RedisBus, redisBus } from '../../src/cluster/index.js';
import { createPeer } from '../../src/index.js';
import { ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const KEY = 'a shared key of at least 32 bytes, for tests only';

describe('signalingService({ bus }) across two services', () => {
  let redis: RedisServer;
  const open: { bus: RedisBus; service: SignalingService }[] = [];
  checkLeaks();

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    for (const { bus, service } of open.splice(0)) {
      service.close();
      await bus.close();
    }
  });

  async function service(maxRoomSize = 16, wrap = (bus: Bus) => bus): Promise<SignalingService> {
    const bus = await redisBus({ url: redis.url, key: KEY });
    const made = signalingService({ bus: wrap(bus), maxRoomSize });
    open.push({ bus, service: made });
    return made;
  }

  /** A member connected to `to`, ready to join; `heard` lists the `joined` news it gets. */
  function member(to: SignalingService, heard: unknown[][] = []) {
    const [near, far] = createMemoryPair('bytes');
    to.accept(track(createPeer(far)));
    const joined = (...args: unknown[]) => void heard.push(args);
    return track(createPeer(near, { expose: { joined, left: () => {}, signal: () => {} } }));
  }

  /** Resolves once `to` has heard, on `channel`, a marker published by `from` (after all `from` published before). */
  async function drained(from: RedisBus, to: RedisBus, channel: string): Promise<void> {
    let heard!: () => void;
    const marker = new Promise<void>((resolve) => (heard = resolve));
    const stop = await to.subscribe(channel, (message) => (message as { marker?: string })?.marker === from.node && heard());
    from.publish(channel, { marker: from.node });
    await marker.finally(stop);
  }

  it('refuses a member past maxRoomSize with RESOURCE_EXHAUSTED, counting members on the other service', async () => {
    const [one, two] = [await service(2), await service(2)];
    await member(one).call('join', ['full']);
    await member(one).call('join', ['full']);
    // `two` has no member in the room: only the shared set tells it the room is full.
    await rejectsWith(member(two).call('join', ['full']), 'RESOURCE_EXHAUSTED');
  });

  it('lets two members who join one room at the same instant on two processes see each other', async () => {
    // Process one's entry in the room's set is held back until process two has read the set: the
    // two joins interleave as they can when both arrive at once (each reads before the other writes).
    let released!: () => void;
    const release = new Promise<void>((resolve) => (released = resolve));
    let adding!: () => void;
    const addCalled = new Promise<void>((resolve) => (adding = resolve));
    const one = await service(16, (bus) => ({
      node: bus.node,
      publish: (channel, message) => bus.publish(channel, message),
      subscribe: (channel, listener) => bus.subscribe(channel, listener),
      add: async (set, key) => (adding(), await release, bus.add(set, key)),
      remove: (set, key) => bus.remove(set, key),
      members: (set) => bus.members(set),
      onNodeDown: (listener) => bus.onNodeDown(listener),
    }));
    const two = await service(16, (bus) => ({
      node: bus.node,
      publish: (channel, message) => bus.publish(channel, message),
      subscribe: (channel, listener) => bus.subscribe(channel, listener),
      add: (set, key) => bus.add(set, key),
      remove: (set, key) => bus.remove(set, key),
      members: async (set) => {
        const found = await bus.members(set);
        released();
        return found;
      },
      onNodeDown: (listener) => bus.onNodeDown(listener),
    }));
    const heardByAlice: unknown[][] = [];
    const heardByBob: unknown[][] = [];
    const joiningAlice = member(one, heardByAlice).call<{ id: string; members: string[] }>('join', ['same-instant']);
    await addCalled;
    const b = await member(two, heardByBob).call<{ id: string; members: string[] }>('join', ['same-instant']);
    const a = await joiningAlice;
    // Everything each process published for the room has reached the other.
    const [busOne, busTwo] = [open[0]!.bus, open[1]!.bus];
    await Promise.all([drained(busOne, busTwo, 'room:same-instant'), drained(busTwo, busOne, 'room:same-instant')]);
    const sees = (answer: { members: string[] }, heard: unknown[][], id: string) =>
      answer.members.includes(id) || heard.some(([, who]) => who === id);
    ok(sees(b, heardByBob, a.id), 'bob never learned of alice');
    ok(sees(a, heardByAlice, b.id), 'alice never learned of bob');
  });
});
