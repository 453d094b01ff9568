import { describe, it, watchUnhandledRejections } from '#harness';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';
import { rawPeer } from '../support/raw.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the untyped proxy is what these tests poke at */

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
