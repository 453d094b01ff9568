import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer, type Interceptor, type Peer, type Plugin, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith, throws } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';

const api = { add: (a: number, b: number) => a + b };

/** An interceptor that records `name` around each call into `order`. */
const recording =
  (order: string[], name: string): Interceptor =>
  (next) =>
  async (call) => {
    order.push(`${name} ${call.method}`);
    return next(call);
  };

for (const connector of connectors) {
  describe(`plugins over ${connector.name}`, () => {
    checkLeaks();

    it("runs plugins' interceptors inside the peer's own, first plugin outermost", async () => {
      const order: string[] = [];
      const plugin = (name: string): Plugin => ({ name, interceptors: { outgoing: [recording(order, name)] } });
      const { client } = connector.connect(
        { expose: api },
        { interceptors: { outgoing: [recording(order, 'own')] }, plugins: [plugin('first'), plugin('second')] },
      );
      equal(await client.call('add', [1, 2]), 3);
      deepEqual(order, ['own add', 'first add', 'second add']);
    });

    it("tells each side's plugin what the far side's plugin of that name announced in hello", async () => {
      const heard: [string, unknown][] = [];
      const plugin = (side: string, features: unknown): Plugin => ({
        name: 'versions',
        features,
        ready: (_peer, remote) => heard.push([side, remote]),
      });
      const { client } = connector.connect(
        { plugins: [plugin('server', { api: [1, 2] })] },
        { plugins: [plugin('client', { api: [2] })] },
      );
      await client.call('nothing').catch(() => undefined); // a round trip: both hellos have arrived
      deepEqual(heard.sort(), [
        ['client', { api: [1, 2] }],
        ['server', { api: [2] }],
      ]);
    });

    it('tells a plugin undefined when the far side announced nothing under its name', async () => {
      let heard: unknown = 'not told';
      const { client } = connector.connect({ expose: api }, { plugins: [{ name: 'lonely', ready: (_peer, remote) => (heard = remote) }] });
      equal(await client.call('add', [2, 2]), 4);
      equal(heard, undefined);
    });

    it("lets a plugin's incoming interceptor answer a method the api does not expose", async () => {
      const health: Plugin = {
        name: 'health',
        interceptors: { incoming: [(next) => (call) => (call.method === '$health' ? Promise.resolve('ok') : next(call))] },
      };
      const { client } = connector.connect({ expose: api, plugins: [health] });
      equal(await client.call('$health'), 'ok');
      await rejectsWith(client.call('missing'), 'NOT_FOUND');
    });
  });
}

describe('plugin lifecycle', () => {
  checkLeaks();

  it('refuses two plugins with one name', () => {
    const [near, far] = createMemoryPair();
    const error = throws(() => createPeer(near, { plugins: [{ name: 'twin' }, { name: 'twin' }] }));
    ok(error instanceof TypeError && /twin/.test(error.message));
    near.close();
    far.close();
  });

  it('refuses a plugin without a name', () => {
    const [near, far] = createMemoryPair();
    throws(() => createPeer(near, { plugins: [{ name: '' }] }));
    near.close();
    far.close();
  });

  it('calls setup once before any call and teardown once after close, last plugin first', async () => {
    const events: string[] = [];
    const plugin = (name: string): Plugin => ({
      name,
      setup: (peer) => events.push(`setup ${name} ${peer.stats().closed}`),
      teardown: (peer) => events.push(`teardown ${name} ${peer.stats().closed}`),
    });
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: api }));
    const peer = createPeer(near, { plugins: [plugin('a'), plugin('b')] });
    deepEqual(events, ['setup a false', 'setup b false']);
    peer.close();
    await peer.closed;
    await Promise.resolve();
    deepEqual(events, ['setup a false', 'setup b false', 'teardown b true', 'teardown a true']);
  });

  it('fails createPeer with the error a setup throws, and closes the peer', async () => {
    let made: Peer | undefined;
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: api }));
    const failing: Plugin = {
      name: 'failing',
      setup: (peer) => {
        made = peer;
        throw new RpcError('FAILED_PRECONDITION', 'no license');
      },
    };
    const error = throws(() => createPeer(near, { plugins: [failing] }));
    ok(error instanceof RpcError && error.code === 'FAILED_PRECONDITION');
    await made?.closed;
    equal(made?.stats().closed, true);
  });

  it('keeps the peer working when a plugin throws in ready, and says so in the log', async () => {
    const warnings: string[] = [];
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: api }));
    const peer = track(
      createPeer(near, {
        plugins: [
          {
            name: 'clumsy',
            ready: () => {
              throw new Error('oops');
            },
          },
        ],
        logger: { warn: (message) => warnings.push(message) },
      }),
    );
    equal(await peer.remote<typeof api>().add(1, 1), 2);
    deepEqual(warnings, ['plugin "clumsy" failed on hello']);
  });
});
