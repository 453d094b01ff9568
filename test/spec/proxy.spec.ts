/* biome-ignore-all lint/suspicious/noExplicitAny: the untyped proxy is what these tests poke at */
import { describe, it, watchUnhandledRejections } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer } from '../../src/index.js';
import { assertExposable } from '../../src/lookup.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';
import { rawPeer } from '../support/raw.js';

const api = {
  add: (a: number, b: number) => a + b,
  ok: () => 'ok',
  math: { mul: (a: number, b: number) => a * b },
};

/**
 * Runs `act` on an untyped proxy over a hand-driven far end, then makes one marked call, and
 * returns the methods of the calls that went out before it: those `act` sent.
 */
async function callsSentBy(act: (remote: any) => unknown | Promise<unknown>): Promise<string[]> {
  const end = rawPeer('clone');
  end.send([0, 1, true, {}]); // the far end's hello: calls are no longer held
  await act(end.peer.remote());
  const marker = end.peer.call('marker');
  const sent = await end.next((m) => m[0] === 1 && m[2] === 'marker');
  end.send([3, sent[1], null]);
  await marker;
  return end.received.filter((m) => m[0] === 1 && m[2] !== 'marker').map((m) => String(m[2]));
}

/** One turn of the event loop, in which the host reports rejections nobody handled. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(0);
  });
}

describe('remote proxy: names the language asks for are answered locally', () => {
  checkLeaks();

  it('turns String(remote.a) into a label naming its path', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    equal(String(client.remote<any>().math.mul), '[saltline remote math.mul]');
  });

  it('labels the root proxy [saltline remote]', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    equal(`${client.remote<any>()}`, '[saltline remote]');
  });

  it('sends no call when a proxy is interpolated into a template literal', async () => {
    deepEqual(await callsSentBy((remote) => `${remote.a}`), []);
  });

  it('leaves no unhandled rejection when a proxy is interpolated into a template literal', async () => {
    const stop = watchUnhandledRejections();
    try {
      const { client } = connectors[0]!.connect({ expose: api });
      const remote = client.remote<any>();
      equal(`${remote.a} and ${remote.math}`, '[saltline remote a] and [saltline remote math]');
      equal(await remote.ok(), 'ok');
      await nextTask();
    } finally {
      deepEqual(stop(), []);
    }
  });

  it('sends no call for toString, toLocaleString or valueOf', async () => {
    deepEqual(await callsSentBy((remote) => [remote.a.toString(), remote.a.toLocaleString(), remote.a.valueOf()]), []);
  });

  it('answers valueOf with the proxy itself, as Object.prototype.valueOf does', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    const remote = client.remote<any>();
    equal(remote.a.valueOf(), remote.a);
  });

  it('is dropped by JSON.stringify like any function, without a call or an unhandled rejection', async () => {
    const stop = watchUnhandledRejections();
    try {
      const { client } = connectors[0]!.connect({ expose: api });
      const remote = client.remote<any>();
      equal(JSON.stringify({ a: remote.a, n: 1 }), '{"n":1}');
      equal(await remote.ok(), 'ok');
      await nextTask();
    } finally {
      deepEqual(stop(), []);
    }
  });

  it('is not thenable: awaiting a proxy gives the proxy back and sends nothing', async () => {
    let awaited: unknown;
    deepEqual(
      await callsSentBy(async (remote) => {
        awaited = await remote.a;
        equal(awaited, remote.a);
      }),
      [],
    );
    ok(awaited !== undefined, 'the await did not settle');
  });

  it('reports its tag to Object.prototype.toString', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    equal(Object.prototype.toString.call(client.remote<any>().a), '[object saltline remote]');
  });

  it('gives its label to the inspect hook of Node and debuggers', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    const remote = client.remote<any>();
    equal(remote.math.mul[Symbol.for('nodejs.util.inspect.custom')](), '[saltline remote math.mul]');
  });

  it('has no constructor and no prototype, so instanceof against it throws a TypeError locally', async () => {
    deepEqual(
      await callsSentBy((remote) => {
        equal(remote.a.constructor, undefined);
        equal(remote.a.prototype, undefined);
        ok(throws(() => ({}) instanceof remote.a) instanceof TypeError);
      }),
      [],
    );
  });

  it('answers every name of Object.prototype itself, none as a remote method', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    const a = client.remote<any>().a;
    const sent = Object.getOwnPropertyNames(Object.prototype).filter((name) => String(a[name]) === `[saltline remote a.${name}]`);
    deepEqual(sent, []);
  });

  it('throws a TypeError for new remote.a() and sends nothing', async () => {
    deepEqual(await callsSentBy((remote) => ok(throws(() => new remote.a()) instanceof TypeError)), []);
  });

  it('is not iterable: spreading a proxy throws a TypeError and sends nothing', async () => {
    deepEqual(await callsSentBy((remote) => ok(throws(() => [...remote.a]) instanceof TypeError)), []);
  });

  it('is not async iterable: for await over an uncalled method throws a TypeError and sends nothing', async () => {
    let error: unknown;
    deepEqual(
      await callsSentBy(async (remote) => {
        try {
          for await (const _ of remote.ticks) break;
        } catch (thrown) {
          error = thrown;
        }
      }),
      [],
    );
    ok(error instanceof TypeError);
  });

  it('refuses to be written to, so a property set cannot shadow a remote method', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    const remote = client.remote<any>();
    ok(throws(() => (remote.add = () => 0)) instanceof TypeError);
  });

  it('returns the same child for the same name, so a repeated path allocates nothing', async () => {
    const { client } = connectors[0]!.connect({ expose: api });
    const remote = client.remote<any>();
    equal(remote.math.mul, remote.math.mul);
  });
});

for (const connector of connectors) {
  describe(`remote proxy: bind, call and apply over ${connector.name}`, () => {
    checkLeaks();

    it('calls the remote method through remote.a.call(thisArg, ...args)', async () => {
      const { client } = connector.connect({ expose: api });
      equal(await client.remote<any>().add.call(null, 1, 2), 3);
    });

    it('calls the remote method through remote.a.apply(thisArg, args)', async () => {
      const { client } = connector.connect({ expose: api });
      equal(await client.remote<any>().math.mul.apply(null, [6, 7]), 42);
    });

    it('binds leading arguments with remote.a.bind(thisArg, ...args)', async () => {
      const { client } = connector.connect({ expose: api });
      const addOne = client.remote<any>().add.bind(null, 1);
      equal(await addOne(41), 42);
    });
  });
}

class Store {
  readonly #items = new Map<string, string>([['k', 'v']]);
  get(key: string) {
    return this.#items.get(key);
  }
  set(key: string, value: string) {
    this.#items.set(key, value);
  }
}

class BoundStore extends Store {
  constructor() {
    super();
    this.get = this.get.bind(this);
  }
}

describe('assertExposable', () => {
  it('refuses a class instance whose methods live on its prototype, naming them and the fix', () => {
    const error = throws(() => assertExposable(new Store()));
    ok(error instanceof TypeError);
    ok(/instance of Store/.test(error.message), error.message);
    ok(/get, set/.test(error.message), error.message);
    ok(/bind/.test(error.message), error.message);
  });

  it('accepts a class instance whose methods were bound onto it', () => {
    assertExposable(new BoundStore());
  });

  it('refuses a class instance nested as a namespace, naming its path', () => {
    const error = throws(() => assertExposable({ ok: () => 1, users: { store: new Store() } }));
    ok(error instanceof TypeError);
    ok(/api\.users\.store/.test(error.message), error.message);
  });

  it('refuses functions in an array, which lookup never follows', () => {
    const error = throws(() => assertExposable({ handlers: [() => 1] }));
    ok(error instanceof TypeError && /api\.handlers/.test(error.message));
  });

  it('accepts plain objects of functions, with data of every built-in kind beside them', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.f = () => 1;
    assertExposable({
      f: () => 1,
      bare,
      nested: { g: () => 2, data: [1, 2], when: new Date(), map: new Map(), bytes: new Uint8Array(2), error: new Error('x') },
      version: 3,
    });
  });

  it('accepts undefined (nothing exposed) and refuses a primitive', () => {
    assertExposable(undefined);
    ok(throws(() => assertExposable(42)) instanceof TypeError);
  });

  it('never runs a getter while checking', () => {
    let ran = false;
    assertExposable({
      get trap() {
        ran = true;
        return new Store();
      },
    });
    equal(ran, false);
  });

  it('walks a cyclic API once', () => {
    const cyclic: Record<string, unknown> = { f: () => 1 };
    cyclic.self = cyclic;
    cyclic.inner = { back: cyclic, store: new Store() };
    ok(throws(() => assertExposable(cyclic)) instanceof TypeError);
  });

  it('looks no deeper than maxDepth (default 32) below the exposed object', () => {
    const deep: Record<string, unknown> = {};
    let level = deep;
    for (let i = 0; i < 40; i++) level = (level.next = {}) as Record<string, unknown>;
    level.store = new Store();
    assertExposable(deep);
    ok(throws(() => assertExposable(deep, { maxDepth: 64 })) instanceof TypeError);
  });

  it('looks at no more than maxNodes properties (default 10,000)', () => {
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 10_001; i++) wide[`k${i}`] = i;
    wide.store = new Store();
    assertExposable(wide);
    ok(throws(() => assertExposable(wide, { maxNodes: 20_000 })) instanceof TypeError);
  });
});

// These two pass once the peer calls assertExposable in createPeer and expose() (see the report).
describe('exposing a class instance', () => {
  checkLeaks();

  it('createPeer throws when asked to expose a class instance whose methods live on its prototype', () => {
    const [a] = createMemoryPair();
    ok(throws(() => track(createPeer(a, { expose: new Store() }))) instanceof TypeError);
  });

  it('peer.expose() throws for a class instance and keeps what was exposed before', async () => {
    const { client, server } = connectors[0]!.connect({ expose: api });
    ok(throws(() => server.expose(new Store())) instanceof TypeError);
    equal(await client.remote<typeof api>().ok(), 'ok');
  });
});
