import { describe, it } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { type Cache, cached, createCache, invalidate } from '../../src/cache/index.js';
import { createPeer, type Peer, type ReconnectPolicy, reconnecting, type Transport } from '../../src/index.js';
import { equal } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { until } from '../support/state.js';

const fast: ReconnectPolicy = { initialDelay: 0, maxDelay: 0, jitter: 0 };

/** A server whose every link goes through `server.cache` (swap it for a restarted server), counting runs per id. */
function farSide() {
  const runs = new Map<number, number>();
  const api = {
    user: cached({ maxAge: 60_000, tags: ([id]: [number]) => [`user:${id}`] }, (id: number) => {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      return { id };
    }),
  };
  const ends: MemoryTransport[] = [];
  const servers: Peer[] = [];
  let gate: Promise<void> | undefined;
  const side = {
    runs,
    cache: createCache() as Cache,
    /** Runs once the far peer of a new link exists (its hello already built). */
    onDial: undefined as (() => void) | undefined,
    /** Dials wait until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    dial: async () => {
      if (gate) await gate;
      const [near, far] = createMemoryPair();
      ends.push(far);
      servers.push(track(createPeer(far, { expose: api, cache: side.cache })));
      side.onDial?.();
      return near as Transport;
    },
    drop() {
      ends.at(-1)!.close();
      servers.at(-1)!.close('dropped');
    },
  };
  return side;
}

/** A caching client that has stored users 42 and 43. */
async function warmClient(far: ReturnType<typeof farSide>) {
  const client = track(createPeer(reconnecting(far.dial, fast), { cache: createCache() }));
  await client.call('user', [42]);
  await client.call('user', [43]);
  return client;
}

/** Drops the link, runs `meanwhile` while it is down, and waits for the next link's hello. */
async function redial(client: ReturnType<typeof createPeer>, far: ReturnType<typeof farSide>, meanwhile: () => void) {
  const release = far.hold();
  const down = until(client as never, (c: { state: string }) => c.state === 'reconnecting');
  far.drop();
  await down;
  meanwhile();
  release();
  await client.call('user', [0], { cache: 'no-store' }); // over the new link: its hello has arrived
}

describe('cache invalidations across a redial', () => {
  checkLeaks();

  it('replays an invalidation missed while disconnected, invalidating only its entry', async () => {
    const far = farSide();
    const client = await warmClient(far);
    await redial(client, far, () => invalidate(far.cache, { tags: ['user:42'] }));
    await client.call('user', [42]);
    await client.call('user', [43]);
    equal(far.runs.get(42), 2);
    equal(far.runs.get(43), 1);
  });

  it("replays an invalidation logged after the new link's hello was built, before the caller's arrived", async () => {
    const far = farSide();
    const client = await warmClient(far);
    far.onDial = () => {
      far.onDial = undefined;
      invalidate(far.cache, { tags: ['user:42'] });
    };
    await redial(client, far, () => undefined);
    await client.call('user', [42]);
    equal(far.runs.get(42), 2);
  });

  it('marks the whole scope stale when the far side has a new epoch (it restarted)', async () => {
    const far = farSide();
    const client = await warmClient(far);
    await redial(client, far, () => (far.cache = createCache()));
    await client.call('user', [42]);
    await client.call('user', [43]);
    equal(far.runs.get(42), 2);
    equal(far.runs.get(43), 2);
  });

  it('marks the whole scope stale when the missed invalidations have left the replay log', async () => {
    const far = farSide();
    far.cache = createCache({ replayLog: 1 });
    const client = await warmClient(far);
    await redial(client, far, () => {
      invalidate(far.cache, { tags: ['user:1'] });
      invalidate(far.cache, { tags: ['user:2'] });
    });
    await client.call('user', [43]);
    equal(far.runs.get(43), 2);
  });

  it('keeps serving its entries after a redial that missed nothing', async () => {
    const far = farSide();
    const client = await warmClient(far);
    await redial(client, far, () => undefined);
    await client.call('user', [42]);
    equal(far.runs.get(42), 1);
  });
});
