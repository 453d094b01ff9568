/** The signaling service on a Redis bus, two services in one process standing for two processes. */
import { after, afterEach, before, describe, it } from 'node:test';
import { createMemoryPair } from '../../adapters/memory.js';
import { type SignalingService, signalingService } from '../../adapters/webrtc.js';
import { type RedisBus, redisBus } from '../../src/cluster/index.js';
import { createPeer } from '../../src/index.js';
import { rejectsWith } from '../harness/assert.js';
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

  async function service(maxRoomSize: number): Promise<SignalingService> {
    const bus = await redisBus({ url: redis.url, key: KEY });
    const made = signalingService({ bus, maxRoomSize });
    open.push({ bus, service: made });
    return made;
  }

  /** A member connected to `to`, ready to join. */
  function member(to: SignalingService) {
    const [near, far] = createMemoryPair('bytes');
    to.accept(track(createPeer(far)));
    return track(createPeer(near, { expose: { joined: () => {}, left: () => {}, signal: () => {} } }));
  }

  it('refuses a member past maxRoomSize with RESOURCE_EXHAUSTED, counting members on the other service', async () => {
    const [one, two] = [await service(2), await service(2)];
    await member(one).call('join', ['full']);
    await member(one).call('join', ['full']);
    // `two` has no member in the room: only the shared set tells it the room is full.
    await rejectsWith(member(two).call('join', ['full']), 'RESOURCE_EXHAUSTED');
  });
});
