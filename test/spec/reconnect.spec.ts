import { describe, it } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { createPeer, type Peer, type ReconnectPolicy, RpcError, reconnecting, type Transport, withContext } from '../../src/index.js';
import { sameBytes } from '../../src/secure/bytes.js';
import { channelBinding, createPeer as createSecurePeer, generateIdentity } from '../../src/secure/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { until } from '../support/state.js';

/** A far side that serves `expose` on each link; `refuse` makes dials fail, `gate` makes them wait. */
function farSide(expose: object = { add: (a: number, b: number) => a + b }) {
  const servers: Peer[] = [];
  const ends: MemoryTransport[] = [];
  let refuse = false;
  let gate: Promise<void> | undefined;
  const dial = async () => {
    if (gate) await gate;
    if (refuse) throw new RpcError('UNAVAILABLE', 'nobody answered');
    const [near, far] = createMemoryPair();
    ends.push(far);
    servers.push(track(createPeer(far, { expose })));
    return near as Transport;
  };
  return {
    dial,
    servers,
    set refuse(value: boolean) {
      refuse = value;
    },
    /** Dials wait until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    /** The current link drops without a goodbye. */
    drop() {
      ends.at(-1)!.close();
      servers.at(-1)!.close('dropped');
    },
  };
}

const fast: ReconnectPolicy = { initialDelay: 0, maxDelay: 0, jitter: 0 };

describe('reconnecting(dial, policy)', () => {
  checkLeaks();

  it('sends calls over the first link once its far side has said hello', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    equal(await peer.remote<{ add(a: number, b: number): Promise<number> }>().add(1, 2), 3);
  });

  it('runs a fresh session with a new far peer on the next link after a drop', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    equal(await peer.call('add', [1, 1]), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    far.drop();
    await reopened;
    equal(await peer.call('add', [2, 2]), 4);
    equal(far.servers.length, 2);
  });

  it('rejects calls in flight with UNAVAILABLE when the link drops', async () => {
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    const hang = withContext((ctx) => {
      entered();
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    });
    const far = farSide({ hang });
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    const call = peer.call('hang');
    await started;
    const reopened = until(peer, (c) => c.state === 'open');
    far.drop();
    await rejectsWith(call, 'UNAVAILABLE');
    await reopened;
  });

  it('holds calls made while down and sends them on the next link', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    equal(await peer.call('add', [1, 1]), 2);
    const release = far.hold();
    const down = until(peer, (c) => c.state === 'reconnecting');
    far.drop();
    await down;
    const held = peer.call('add', [20, 22]);
    equal(peer.stats().heldCalls, 1);
    release();
    equal(await held, 42);
  });

  it('holds notifications made while down and sends them on the next link', async () => {
    let told!: (value: string) => void;
    const heard = new Promise<string>((resolve) => (told = resolve));
    const far = farSide({ tell: (value: string) => told(value), add: (a: number, b: number) => a + b });
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    equal(await peer.call('add', [1, 1]), 2);
    const release = far.hold();
    const down = until(peer, (c) => c.state === 'reconnecting');
    far.drop();
    await down;
    peer.notify('tell', 'while down');
    release();
    equal(await heard, 'while down');
  });

  it("fails calls at once with UNAVAILABLE while down when whileDown is 'fail'", async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, { ...fast, whileDown: 'fail' })));
    equal(await peer.call('add', [1, 1]), 2);
    const release = far.hold();
    const down = until(peer, (c) => c.state === 'reconnecting');
    far.drop();
    await down;
    await rejectsWith(peer.call('add', [1, 2]), 'UNAVAILABLE');
    const reopened = until(peer, (c) => c.state === 'open');
    release();
    await reopened;
  });

  it('fails held calls with UNAVAILABLE once no link has been up for maxWait', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, { ...fast, maxWait: 1 })));
    equal(await peer.call('add', [1, 1]), 2);
    const release = far.hold();
    const down = until(peer, (c) => c.state === 'reconnecting');
    far.drop();
    await down;
    const error = await rejectsWith(peer.call('add', [1, 2]), 'UNAVAILABLE');
    ok(error.cause instanceof RpcError && error.cause.message.startsWith('still reconnecting'), String(error.cause));
    release();
  });

  it('fails a held call with DEADLINE_EXCEEDED when its own timeout passes first', async () => {
    const far = farSide();
    const release = far.hold();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    await rejectsWith(peer.call('add', [1, 2], { timeout: 1 }), 'DEADLINE_EXCEEDED');
    equal(peer.stats().heldCalls, 0);
    release();
  });

  it('rejects a held call with CANCELLED when its signal aborts, and holds it no longer', async () => {
    const far = farSide();
    const release = far.hold();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    const controller = new AbortController();
    const call = peer.call('add', [1, 2], { signal: controller.signal });
    controller.abort('changed my mind');
    await rejectsWith(call, 'CANCELLED');
    equal(peer.stats().heldCalls, 0);
    release();
  });

  it('refuses calls past limits.maxPendingCalls while no link is up with RESOURCE_EXHAUSTED', async () => {
    const far = farSide();
    const release = far.hold();
    const peer = track(createPeer(reconnecting(far.dial, fast), { limits: { maxPendingCalls: 2 } }));
    const held = [peer.call('add', [1, 1]), peer.call('add', [2, 2])];
    await rejectsWith(peer.call('add', [3, 3]), 'RESOURCE_EXHAUSTED');
    release();
    deepEqual(await Promise.all(held), [2, 4]);
  });

  it('drops notifications past limits.maxPendingCalls while no link is up, with a warning', async () => {
    const heard: string[] = [];
    let told!: () => void;
    const allHeard = new Promise<void>((resolve) => (told = resolve));
    const far = farSide({ tell: (value: string) => heard.push(value) === 2 && told() });
    const release = far.hold();
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    const peer = track(createPeer(reconnecting(far.dial, fast), { limits: { maxPendingCalls: 2 }, logger }));
    for (const value of ['one', 'two', 'three']) peer.notify('tell', value);
    equal(warnings.length, 1);
    release();
    await allHeard;
    deepEqual(heard, ['one', 'two']);
  });

  it('closes the peer with the last reason after maxAttempts failed links in a row', async () => {
    const far = farSide();
    far.refuse = true;
    const peer = track(createPeer(reconnecting(far.dial, { ...fast, maxAttempts: 2 })));
    const call = peer.call('add', [1, 1]);
    const reason = (await peer.closed) as RpcError;
    equal(reason.message, 'nobody answered');
    equal(peer.state, 'closed');
    await rejectsWith(call, 'UNAVAILABLE');
  });

  it('closes without redialling when shouldRetry refuses the reason', async () => {
    let dials = 0;
    const refused = new RpcError('PERMISSION_DENIED', 'not you');
    const dial = () => {
      dials++;
      throw refused;
    };
    const peer = track(createPeer(reconnecting(dial, { ...fast, shouldRetry: (reason) => reason !== refused })));
    equal(await peer.closed, refused);
    equal(dials, 1);
  });

  it('rejects calls made after it closed with UNAVAILABLE and the reason as cause', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    peer.close('bye');
    equal((await rejectsWith(peer.call('add', [1, 2]), 'UNAVAILABLE')).cause, 'bye');
  });

  it('does not redial once the far side closes with a goodbye', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    equal(await peer.call('add', [1, 1]), 2);
    far.servers[0]!.close('kicked');
    equal(((await peer.closed) as RpcError).message, 'the remote peer closed');
    equal(far.servers.length, 1);
  });

  it('aborts a dial still pending when the peer closes, and closes the transport it brings', async () => {
    const far = farSide();
    const release = far.hold();
    let signal: AbortSignal | undefined;
    let dialled: Promise<Transport> | undefined;
    const dial = (context: { signal: AbortSignal }) => {
      signal = context.signal;
      return (dialled = far.dial());
    };
    const peer = track(createPeer(reconnecting(dial, fast)));
    peer.close('done');
    ok(signal?.aborted);
    release();
    await dialled;
    equal(((await far.servers[0]!.closed) as RpcError).code, 'UNAVAILABLE');
  });

  it('reports its states in order: connecting, open, reconnecting, open, closed', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    const states: string[] = [peer.state];
    peer.onStateChange((c) => states.push(c.state));
    equal(await peer.call('add', [1, 1]), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    far.drop();
    await reopened;
    peer.close();
    deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  it('grows the delay between dials by factor up to maxDelay', async () => {
    const far = farSide();
    far.refuse = true;
    const peer = track(createPeer(reconnecting(far.dial, { initialDelay: 1, factor: 3, maxDelay: 20, jitter: 0, maxAttempts: 5 })));
    const delays: number[] = [];
    peer.onStateChange((c) => c.delay !== undefined && delays.push(c.delay));
    await peer.closed;
    deepEqual(delays, [1, 3, 9, 20, 20]);
  });

  it('serves what this side exposes to the far peer of every link', async () => {
    const far = farSide();
    const peer = track(createPeer(reconnecting(far.dial, fast)));
    peer.expose({ ping: () => 'pong' });
    equal(await peer.call('add', [1, 1]), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    far.drop();
    await reopened;
    equal(await far.servers[1]!.call('ping'), 'pong');
  });
});

describe("reconnecting(dial, policy) with createPeer from 'saltline/secure'", () => {
  checkLeaks();

  it('runs a fresh handshake on each link and calls go again after a drop', async () => {
    const client = generateIdentity();
    const server = generateIdentity();
    const servers: Peer[] = [];
    const ends: MemoryTransport[] = [];
    const dial = () => {
      const [near, far] = createMemoryPair('bytes');
      ends.push(far);
      const secure = { identity: server, expectedRemoteKey: client.publicKey, role: 'responder' } as const;
      servers.push(track(createSecurePeer(far, { secure, expose: { add: (a: number, b: number) => a + b } })));
      return near;
    };
    const peer = track(createSecurePeer(reconnecting(dial, fast), { secure: { identity: client, expectedRemoteKey: server.publicKey } }));
    equal(await peer.call('add', [1, 1]), 2);
    const first = channelBinding(peer);
    const reopened = until(peer, (c) => c.state === 'open');
    ends[0]!.close();
    servers[0]!.close('dropped');
    await reopened;
    equal(await peer.call('add', [2, 2]), 4);
    ok(first && channelBinding(peer) && !sameBytes(first, channelBinding(peer)!), 'the second link reused the first handshake');
    deepEqual(peer.remoteIdentity, server.publicKey);
  });
});
