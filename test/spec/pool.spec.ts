import { afterEach, describe, it } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { createPeer, type Peer, RpcError, withContext } from '../../src/index.js';
import { createPool, type Pool, type PoolOptions } from '../../src/pool/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

interface Api {
  whoami(): number;
  hang(): Promise<never>;
  refuse(): never;
  count(n: number): AsyncIterable<number>;
}

/**
 * Members on memory links, each serving `Api` as member `index`; `drop(i)` cuts member i's link as
 * a crash would. `entered` resolves when a `hang` call reaches a member (with its index).
 */
function members() {
  const ends: (MemoryTransport | undefined)[] = [];
  const servers: (Peer | undefined)[] = [];
  const dials: number[] = [];
  const hanging: ((index: number) => void)[] = [];
  let hangOn: number | undefined;
  const factory = (index: number) => {
    dials.push(index);
    const [near, far] = createMemoryPair();
    ends[index] = far;
    const api = {
      whoami: () => index,
      hang: withContext((ctx) => {
        for (const wake of hanging.splice(0)) wake(index);
        if (hangOn !== undefined && hangOn !== index) return 'answered';
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      }),
      refuse: () => {
        throw new RpcError('UNAVAILABLE', 'not today');
      },
      async *count(n: number) {
        for (let i = 0; i < n; i++) yield index;
      },
    };
    servers[index] = track(createPeer(far, { expose: api }));
    return near;
  };
  return {
    factory,
    dials,
    /** Only member `index` hangs; the others answer `hang` at once. */
    hangOnly(index: number) {
      hangOn = index;
    },
    entered: () => new Promise<number>((resolve) => hanging.push(resolve)),
    drop(index: number) {
      ends[index]?.close();
      servers[index]?.close('crashed');
    },
  };
}

const pools: Pool[] = [];
/** A pool whose member peers are leak-checked; closed after the test, before the leak check. */
function pool(factory: (index: number) => MemoryTransport | Promise<MemoryTransport>, options: PoolOptions = {}): Pool {
  const made = createPool(factory, { createPeer: (t, o) => track(createPeer(t, o)), backoff: { initial: 0 }, ...options });
  pools.push(made);
  return made;
}

/** Resolves once `pool` has a member up in every slot and `dials` dials were made. */
async function replaced(made: Pool, dials: number[], count: number): Promise<void> {
  while (dials.length < count || made.stats().members.some((m) => m.state === 'down')) await new Promise((r) => setTimeout(r, 1));
}

describe('createPool(factory, options)', () => {
  afterEach(async () => {
    for (const made of pools.splice(0)) {
      made.close('test over');
      await made.closed;
    }
  });
  checkLeaks();

  it('sends a call to the member with the fewest pending calls', async () => {
    const far = members();
    const api = pool(far.factory, { size: 2 }).remote<Api>();
    // Both members say hello first, so neither is preferred for being the only one ready.
    await Promise.all([api.whoami(), api.whoami()]);
    const entered = far.entered();
    const hung = api.hang();
    const busy = await entered;
    deepEqual(await Promise.all([api.whoami(), api.whoami(), api.whoami()]), [1 - busy, 1 - busy, 1 - busy]);
    hung.catch(() => {});
  });

  it('sends calls to each member in turn with the round-robin strategy', async () => {
    const far = members();
    const api = pool(far.factory, { size: 3, strategy: 'round-robin' }).remote<Api>();
    await Promise.all([api.whoami(), api.whoami(), api.whoami()]);
    const order = [];
    for (let i = 0; i < 6; i++) order.push(await api.whoami());
    deepEqual(order, [order[0], order[1], order[2], order[0], order[1], order[2]]);
    equal(new Set(order).size, 3);
  });

  it('rejects a call in flight with UNAVAILABLE when its member fails', async () => {
    const far = members();
    const api = pool(far.factory, { size: 2 }).remote<Api>();
    const entered = far.entered();
    const call = api.hang();
    far.drop(await entered);
    await rejectsWith(call, 'UNAVAILABLE');
  });

  it('retries a call to an idempotent method once on another member when its member fails', async () => {
    const far = members();
    far.hangOnly(0);
    const made = pool(far.factory, { size: 2, idempotent: ['hang'] });
    await Promise.all([made.call('whoami'), made.call('whoami')]);
    const entered = far.entered();
    const call = made.call('hang');
    equal(await entered, 0);
    far.drop(0);
    equal(await call, 'answered');
    equal(made.stats().retries, 1);
  });

  it('does not retry an idempotent method that answered UNAVAILABLE itself', async () => {
    const far = members();
    const made = pool(far.factory, { size: 2, idempotent: () => true });
    const error = await rejectsWith(made.call('refuse'), 'UNAVAILABLE');
    equal(error.message, 'not today');
    equal(made.stats().retries, 0);
  });

  it('replaces a failed member with a new one from the factory', async () => {
    const far = members();
    const made = pool(far.factory, { size: 2, strategy: 'round-robin' });
    await Promise.all([made.call('whoami'), made.call('whoami')]);
    far.drop(1);
    await replaced(made, far.dials, 3);
    deepEqual(far.dials, [0, 1, 1]);
    equal(made.stats().replacements, 1);
    deepEqual(new Set(await Promise.all([made.call('whoami'), made.call('whoami')])), new Set([0, 1]));
  });

  it('reads every item of a stream from the member that started it', async () => {
    const far = members();
    const api = pool(far.factory, { size: 3, strategy: 'round-robin' }).remote<Api>();
    const seen: number[] = [];
    for await (const index of api.count(6)) {
      seen.push(index);
      await api.whoami(); // calls in between go round the other members
    }
    equal(seen.length, 6);
    equal(new Set(seen).size, 1);
  });

  it('holds calls made while no member is up and sends them when one comes up', async () => {
    const far = members();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const made = pool(async (index) => (await gate, far.factory(index)), { size: 1 });
    const call = made.call('whoami');
    equal(made.stats().waiting, 1);
    open();
    equal(await call, 0);
  });

  it('rejects a call past maxWaiting with RESOURCE_EXHAUSTED while no member is up', async () => {
    const made = pool(() => new Promise<MemoryTransport>(() => {}), { size: 1, maxWaiting: 1 });
    const first = made.call('whoami');
    await rejectsWith(made.call('whoami'), 'RESOURCE_EXHAUSTED');
    made.close();
    await rejectsWith(first, 'UNAVAILABLE');
  });

  it('rejects a waiting call with DEADLINE_EXCEEDED at its timeout', async () => {
    const made = pool(() => new Promise<MemoryTransport>(() => {}), { size: 1 });
    await rejectsWith(made.call('whoami', [], { timeout: 5 }), 'DEADLINE_EXCEEDED');
    equal(made.stats().waiting, 0);
  });

  it('keeps replacing a member whose factory throws, without failing the pool', async () => {
    const far = members();
    let failures = 2;
    const made = pool(
      (index) => {
        if (failures-- > 0) throw new Error('cannot start');
        return far.factory(index);
      },
      { size: 1 },
    );
    equal(await made.call('whoami'), 0);
    equal(made.stats().members[0]!.failures, 2);
  });

  it('rejects pending calls with UNAVAILABLE and closes every member when the pool closes', async () => {
    const far = members();
    const memberPeers: Peer[] = [];
    const made = pool(far.factory, { size: 2, createPeer: (t, o) => (memberPeers.push(track(createPeer(t, o))), memberPeers.at(-1)!) });
    const entered = far.entered();
    const call = made.call('hang');
    await entered;
    made.close();
    await rejectsWith(call, 'UNAVAILABLE');
    await made.closed;
    ok(memberPeers.every((peer) => peer.stats().closed));
  });
});
