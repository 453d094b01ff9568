/**
 * saltline/comlink against the real comlink package (4.4) over a MessageChannel, both ways:
 * comlinkPeer calling `Comlink.expose`, and `Comlink.wrap` calling comlinkPeer's `expose`.
 */

import * as Comlink from 'comlink';
import { describe, it } from '#harness';
import { fromPort, type PortLike } from '../../adapters/worker.js';
import { comlinkPeer } from '../../src/comlink/index.js';
import { type CallContext, RpcError, transfer, withContext } from '../../src/index.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

interface Worker {
  add(a: number, b: number): number;
  math: { mul(a: number, b: number): number };
  each(items: number[], visit: (item: number) => Promise<void>): Promise<number>;
  counter(): { inc(): number };
  fail(): never;
  size(bytes: Uint8Array): number;
  hang(): Promise<never>;
}

/** What the comlink side exposes (as a worker would with Comlink.expose). */
function comlinkWorker(): Worker {
  return {
    add: (a, b) => a + b,
    math: { mul: (a, b) => a * b },
    async each(items, visit) {
      for (const item of items) await visit(item);
      return items.length;
    },
    counter() {
      let count = 0;
      return Comlink.proxy({ inc: () => ++count });
    },
    fail() {
      throw new RangeError('out of range');
    },
    size: (bytes) => bytes.byteLength,
    hang: () => new Promise<never>(() => {}),
  };
}

function channel(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel();
  afterClose(() => {
    port1.close();
    port2.close();
  });
  return [port1, port2];
}

describe('comlinkPeer calling an object exposed with Comlink.expose', () => {
  checkLeaks();

  function connect() {
    const [near, far] = channel();
    Comlink.expose(comlinkWorker(), far);
    return track(comlinkPeer(fromPort(near as unknown as PortLike)));
  }

  it('calls a method and gets its result', async () => {
    equal(await connect().remote<Worker>().add(2, 3), 5);
  });

  it('reaches methods on nested paths', async () => {
    equal(await connect().remote<Worker>().math.mul(6, 7), 42);
  });

  it('passes a function, which the comlink side calls back as a proxy', async () => {
    const seen: number[] = [];
    const count = await connect()
      .remote<Worker>()
      .each([1, 2, 3], async (item) => void seen.push(item));
    equal(count, 3);
    deepEqual(seen, [1, 2, 3]);
  });

  it('calls the methods of an object the comlink side returns with Comlink.proxy', async () => {
    const counter = await connect().remote<Worker>().counter();
    equal(await counter.inc(), 1);
    equal(await counter.inc(), 2);
  });

  it("rejects with a thrown error's name and message", async () => {
    const error = (await rejects(connect().remote<Worker>().fail())) as Error;
    equal(error.name, 'RangeError');
    equal(error.message, 'out of range');
  });

  it('moves a buffer marked with transfer() instead of copying it', async () => {
    const bytes = new Uint8Array(64);
    equal(
      await connect()
        .remote<Worker>()
        .size(transfer(bytes, [bytes.buffer])),
      64,
    );
    equal(bytes.byteLength, 0);
  });

  it('rejects a call past its timeout with DEADLINE_EXCEEDED', async () => {
    await rejectsWith(connect().call('hang', [], { timeout: 5 }), 'DEADLINE_EXCEEDED');
  });

  it('rejects pending calls with UNAVAILABLE on close', async () => {
    const peer = connect();
    const call = peer.call('hang');
    peer.close();
    await rejectsWith(call, 'UNAVAILABLE');
  });

  it('refuses a stream argument with INVALID_ARGUMENT', async () => {
    async function* numbers() {
      yield 1;
    }
    await rejectsWith(connect().call('add', [numbers()]), 'INVALID_ARGUMENT');
  });
});

const exposed = {
  add: (a: number, b: number) => a + b,
  math: { mul: (a: number, b: number) => a * b },
  async each(items: number[], visit: (item: number) => Promise<void>) {
    for (const item of items) await visit(item);
    return items.length;
  },
  fail() {
    throw new RpcError('PERMISSION_DENIED', 'not you');
  },
  bytes() {
    const bytes = new Uint8Array(32);
    return transfer(bytes, [bytes.buffer]);
  },
  who: withContext((ctx: CallContext) => ctx.method),
  data: 'not a method',
};

describe('Comlink.wrap calling an object exposed with comlinkPeer', () => {
  checkLeaks();

  function connect() {
    const [near, far] = channel();
    const peer = track(comlinkPeer(fromPort(far as unknown as PortLike), { expose: exposed }));
    return { peer, remote: Comlink.wrap<typeof exposed>(near) };
  }

  it('calls a method and gets its result', async () => {
    equal(await connect().remote.add(2, 3), 5);
  });

  it('reaches methods on nested paths', async () => {
    // comlink types a namespace as a promise of it; the call itself goes as one APPLY on its path.
    const remote = connect().remote as unknown as { math: { mul(a: number, b: number): Promise<number> } };
    equal(await remote.math.mul(6, 7), 42);
  });

  it('calls back a Comlink.proxy callback', async () => {
    const seen: number[] = [];
    const { remote } = connect();
    equal(
      await remote.each(
        [4, 5],
        Comlink.proxy(async (item: number) => void seen.push(item)),
      ),
      2,
    );
    deepEqual(seen, [4, 5]);
  });

  it("rejects with the handler error's name and message", async () => {
    const error = (await rejects(connect().remote.fail())) as Error;
    equal(error.name, 'RpcError');
    equal(error.message, 'not you');
  });

  it('transfers a result marked with transfer()', async () => {
    const bytes = await connect().remote.bytes();
    equal(bytes.byteLength, 32);
  });

  it('gives a withContext handler its context', async () => {
    equal(await connect().remote.who(), 'who');
  });

  it('refuses to read a property (GET), exposing methods only', async () => {
    const error = (await rejects(Promise.resolve(connect().remote.data))) as Error;
    ok(error.message.includes('GET'), error.message);
  });

  it('never reaches the prototype chain of the exposed object', async () => {
    const { remote } = connect();
    const loose = remote as unknown as Record<string, () => Promise<unknown>>;
    for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
      const error = (await rejects(loose[name]!())) as Error;
      ok(error.message.includes('no method'), error.message);
    }
  });
});

describe('comlinkPeer under hostile input', () => {
  checkLeaks();

  /** A comlinkPeer serving `exposed`, and the raw port to it. */
  function raw(limits = {}) {
    const [near, far] = channel();
    const peer = track(comlinkPeer(fromPort(far as unknown as PortLike), { expose: exposed, limits }));
    const replies: unknown[] = [];
    const waiting: ((reply: unknown) => void)[] = [];
    near.onmessage = (event) => {
      const waiter = waiting.shift();
      if (waiter) waiter(event.data);
      else replies.push(event.data);
    };
    const next = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => waiting.push(resolve)));
    return { peer, port: near, next };
  }

  it('answers a path longer than maxPathLength as not found', async () => {
    const { port, next } = raw({ maxPathLength: 4 });
    port.postMessage({ id: 'x', type: 'APPLY', path: ['a', 'b', 'c', 'd', 'e'], argumentList: [] });
    const reply = (await next()) as { id: string; name: string; value: { value: { message: string } } };
    equal(reply.name, 'throw');
    ok(reply.value.value.message.includes('no such method'));
  });

  it('refuses SET and CONSTRUCT', async () => {
    const { port, next } = raw();
    port.postMessage({ id: 'set', type: 'SET', path: ['add'], value: { type: 'RAW', value: 1 } });
    equal(((await next()) as { name: string }).name, 'throw');
    port.postMessage({ id: 'new', type: 'CONSTRUCT', path: ['add'], argumentList: [] });
    equal(((await next()) as { name: string }).name, 'throw');
    equal(exposed.add(1, 1), 2);
  });

  it('answers a call carrying more proxies than maxProxies with RESOURCE_EXHAUSTED', async () => {
    const { port, next } = raw({ maxProxies: 2 });
    const ports = [new MessageChannel(), new MessageChannel(), new MessageChannel()];
    afterClose(() => {
      for (const c of ports) c.port1.close();
    });
    const argumentList = ports.map((c) => ({ type: 'HANDLER', name: 'proxy', value: c.port2 }));
    port.postMessage(
      { id: 'many', type: 'APPLY', path: ['add'], argumentList },
      ports.map((c) => c.port2),
    );
    const reply = (await next()) as { value: { value: { message: string } } };
    ok(reply.value.value.message.includes('more than 2 comlink proxies'), reply.value.value.message);
  });

  it('drops messages that are not comlink, counting them as malformed, and keeps serving', async () => {
    const { peer, port, next } = raw();
    port.postMessage('hello');
    port.postMessage({ id: 7, type: 'APPLY' });
    port.postMessage({
      id: 'ok',
      type: 'APPLY',
      path: ['add'],
      argumentList: [
        { type: 'RAW', value: 1 },
        { type: 'RAW', value: 2 },
      ],
    });
    deepEqual(await next(), { id: 'ok', type: 'RAW', value: 3 });
    equal(peer.stats().malformed, 2);
  });
});

describe('comlinkPeer proxies', () => {
  checkLeaks();

  it('serves nothing of the exposed API on the port of a proxy the far side passed', async () => {
    const [near, far] = channel();
    const peer = track(comlinkPeer(fromPort(far as unknown as PortLike), { expose: exposed }));
    // The far side passes a "callback" whose port it keeps, then sends requests down that port itself.
    const { port1: kept, port2: passed } = new MessageChannel();
    afterClose(() => kept.close());
    const argumentList = [
      { type: 'RAW', value: [1] },
      { type: 'HANDLER', name: 'proxy', value: passed },
    ];
    near.postMessage({ id: 'each', type: 'APPLY', path: ['each'], argumentList }, [passed]);
    const reply = new Promise<{ name?: string; value: unknown }>((resolve) => {
      kept.onmessage = (event) => {
        if (event.data?.id === 'sneak') resolve(event.data);
      };
    });
    kept.postMessage({
      id: 'sneak',
      type: 'APPLY',
      path: ['add'],
      argumentList: [
        { type: 'RAW', value: 1 },
        { type: 'RAW', value: 2 },
      ],
    });
    const answer = await reply;
    equal(answer.name, 'throw');
    peer.close(); // the handler of "each" is still waiting on the callback
  });
});
