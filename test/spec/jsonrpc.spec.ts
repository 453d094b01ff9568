import { describe, it } from '#harness';
import { RpcError, withContext } from '../../src/index.js';
import type { Interceptor } from '../../src/types.js';
import { deepEqual, equal, ok, rejectsWith, throws } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { jsonRpcPair } from '../support/jsonrpc.js';

const api = {
  add: (a: number, b: number) => a + b,
  math: { neg: (a: number) => -a },
  echo: (value: unknown) => value,
  named: (params: { a: number; b: number }) => params.a * params.b,
  nothing: () => undefined,
  refuse: () => {
    throw new RpcError('PERMISSION_DENIED', 'not you', { data: { who: 'guest' } });
  },
  bad: () => {
    throw new TypeError('not a number');
  },
  stream: async function* () {
    yield 1;
  },
  bytes: () => new Uint8Array(4),
  waitForClose: withContext((ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted')))),
  whoCalls: withContext((ctx) => ctx.peer !== undefined && ctx.method),
};

describe('jsonRpcPeer calls', () => {
  checkLeaks();

  it('returns the result of a remote function', async () => {
    const { client } = jsonRpcPair({ expose: api });
    equal(await client.remote<typeof api>().add(1, 2), 3);
  });

  it('reaches functions in nested namespaces by dotted name', async () => {
    const { client } = jsonRpcPair({ expose: api });
    equal(await client.remote<typeof api>().math.neg(5), -5);
  });

  it('lets both sides expose methods and call each other', async () => {
    const { client, server } = jsonRpcPair({ expose: { side: () => 'server' } }, { expose: { side: () => 'client' } });
    equal(await client.call('side'), 'server');
    equal(await server.call('side'), 'client');
  });

  it('answers null for a handler that returns nothing', async () => {
    const { client } = jsonRpcPair({ expose: api });
    equal(await client.call('nothing'), null);
  });

  it('carries nested JSON values unchanged', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const value = { list: [1, 'two', null, true, { deep: [3.5] }], text: 'é ✓ \u2028' };
    deepEqual(await client.call('echo', [value]), value);
  });

  it('runs a notification without a reply', async () => {
    let seen: unknown;
    const { client } = jsonRpcPair({ expose: { ...api, note: (value: unknown) => (seen = value) } });
    client.notify('note', 'hello');
    equal(await client.call('echo', [1]), 1);
    equal(seen, 'hello');
  });

  it('gives a handler context its peer and method', async () => {
    const { client } = jsonRpcPair({ expose: api });
    equal(await client.call('whoCalls'), 'whoCalls');
  });

  it('replaces the exposed api with expose()', async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    server.expose({ add: () => 'replaced' });
    equal(await client.call('add', [1, 2]), 'replaced');
  });
});

describe('jsonRpcPeer errors', () => {
  checkLeaks();

  it("gives a caller a saltline handler's RpcError with its code, message and data", async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('refuse'), 'PERMISSION_DENIED');
    equal(error.message, 'not you');
    deepEqual(error.data, { who: 'guest' });
  });

  it("gives a caller a plain thrown error's name and message, as UNKNOWN", async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('bad'), 'UNKNOWN');
    equal(error.name, 'TypeError');
    equal(error.message, 'not a number');
  });

  it('rejects a call of a method not exposed with NOT_FOUND', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('missing'), 'NOT_FOUND');
    deepEqual(error.data, { code: -32601 });
  });

  it('never reaches the prototype chain of the exposed object', async () => {
    const { client } = jsonRpcPair({ expose: api });
    for (const method of ['toString', 'constructor', '__proto__.toString', 'add.call', 'hasOwnProperty']) {
      await rejectsWith(client.call(method), 'NOT_FOUND');
    }
  });

  it('refuses methods whose name starts with "rpc." as the specification reserves them', async () => {
    const { client } = jsonRpcPair({ expose: { rpc: { discover: () => 'mine' } } });
    await rejectsWith(client.call('rpc.discover'), 'NOT_FOUND');
  });
});

describe('jsonRpcPeer refuses what JSON cannot carry', () => {
  checkLeaks();

  it('rejects a call with a callback argument with INVALID_ARGUMENT, naming it', async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('echo', [{ onEvent: () => {} }]), 'INVALID_ARGUMENT');
    ok(error.message.includes('params[0].onEvent is a function'), error.message);
    equal(server.stats().messagesReceived, 0);
  });

  it('rejects a call with a stream argument with INVALID_ARGUMENT', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('echo', [api.stream()]), 'INVALID_ARGUMENT');
    ok(error.message.includes('stream'), error.message);
  });

  it('rejects a call with bytes with INVALID_ARGUMENT', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('echo', [new Uint8Array(2)]), 'INVALID_ARGUMENT');
    ok(error.message.includes('binary'), error.message);
  });

  it('rejects a call with a bigint or a Map with INVALID_ARGUMENT', async () => {
    const { client } = jsonRpcPair({ expose: api });
    await rejectsWith(client.call('echo', [1n]), 'INVALID_ARGUMENT');
    await rejectsWith(client.call('echo', [new Map()]), 'INVALID_ARGUMENT');
  });

  it('throws INVALID_ARGUMENT from a notification with a callback', () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = throws(() => client.notify('echo', () => {}));
    ok(error instanceof RpcError && error.code === 'INVALID_ARGUMENT');
  });

  it('answers a handler that returns a stream with INTERNAL', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const error = await rejectsWith(client.call('stream'), 'INTERNAL');
    ok(error.message.includes('stream'), error.message);
  });

  it('answers a handler that returns bytes with INTERNAL', async () => {
    const { client } = jsonRpcPair({ expose: api });
    await rejectsWith(client.call('bytes'), 'INTERNAL');
  });
});

describe('jsonRpcPeer lifetimes', () => {
  checkLeaks();

  it('rejects a call past its timeout with DEADLINE_EXCEEDED', async () => {
    const { client } = jsonRpcPair({ expose: api });
    await rejectsWith(client.call('waitForClose', [], { timeout: 5 }), 'DEADLINE_EXCEEDED');
    equal(client.stats().timers, 0);
  });

  it("aborts the handler's signal when its call times out", async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    await rejectsWith(client.call('waitForClose', [], { timeout: 5 }), 'DEADLINE_EXCEEDED');
    equal(await client.call('add', [1, 1]), 2); // after the cancel notification
    equal(server.stats().activeHandlers, 0);
    equal(client.stats().malformed, 0); // the handler's late reply is expected, not malformed
  });

  it("aborts the handler's signal when the caller cancels", async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    const controller = new AbortController();
    const call = client.call('waitForClose', [], { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve)); // one task: the request has arrived
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
    equal(await client.call('add', [1, 1]), 2);
    equal(server.stats().activeHandlers, 0);
  });

  it('sends no cancel notification when cancelMethod is false', async () => {
    const { client, server } = jsonRpcPair({ expose: api }, { cancelMethod: false });
    const call = client.call('waitForClose', [], { timeout: 5 });
    await rejectsWith(call, 'DEADLINE_EXCEEDED');
    equal(await client.call('add', [1, 1]), 2);
    equal(server.stats().activeHandlers, 1);
    server.close();
  });

  it('rejects pending calls with UNAVAILABLE and the reason as cause on close', async () => {
    const { client } = jsonRpcPair({ expose: api });
    const call = client.call('waitForClose');
    client.close('bye');
    const error = await rejectsWith(call, 'UNAVAILABLE');
    equal(error.cause, 'bye');
  });

  it("aborts a running handler's signal when its peer closes", async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    const call = client.call('waitForClose');
    await new Promise((resolve) => setTimeout(resolve)); // one task: the request has arrived
    equal(server.stats().activeHandlers, 1);
    server.close();
    await rejectsWith(call, 'UNAVAILABLE');
    equal(server.stats().activeHandlers, 0);
  });

  it('closes when the far side closes', async () => {
    const { client, server } = jsonRpcPair({ expose: api });
    server.close();
    await client.closed;
    ok(client.stats().closed);
  });

  it('rejects a call made after close with UNAVAILABLE', async () => {
    const { client } = jsonRpcPair({ expose: api });
    client.close();
    await rejectsWith(client.call('add', [1, 2]), 'UNAVAILABLE');
  });
});

describe('jsonRpcPeer interceptors', () => {
  checkLeaks();

  it('runs outgoing interceptors around each call', async () => {
    const seen: string[] = [];
    const log: Interceptor = (next) => async (call) => {
      seen.push(`${call.method}(${call.args.join(',')})`);
      return next(call);
    };
    const { client } = jsonRpcPair({ expose: api }, { interceptors: { outgoing: [log] } });
    equal(await client.call('add', [1, 2]), 3);
    deepEqual(seen, ['add(1,2)']);
  });

  it('lets an incoming interceptor refuse a call with its own error', async () => {
    const guard: Interceptor = (next) => async (call) => {
      if (call.method === 'add') throw new RpcError('PERMISSION_DENIED', 'no adding');
      return next(call);
    };
    const { client } = jsonRpcPair({ expose: api, interceptors: { incoming: [guard] } });
    await rejectsWith(client.call('add', [1, 2]), 'PERMISSION_DENIED');
    equal(await client.call('math.neg', [1]), -1);
  });

  it('reports a method not found through interceptors as -32601', async () => {
    const pass: Interceptor = (next) => (call) => next(call);
    const { client } = jsonRpcPair({ expose: api, interceptors: { incoming: [pass] } });
    const error = await rejectsWith(client.call('missing'), 'NOT_FOUND');
    deepEqual(error.data, { code: -32601 });
  });
});

describe('jsonRpcPeer plugins', () => {
  checkLeaks();

  it("runs a plugin's interceptors on both sides", async () => {
    const seen: string[] = [];
    const plugin = (side: string) => ({
      name: 'log',
      interceptors: {
        outgoing: [((next) => (call) => (seen.push(`${side} out ${call.method}`), next(call))) as Interceptor],
        incoming: [((next) => (call) => (seen.push(`${side} in ${call.method}`), next(call))) as Interceptor],
      },
    });
    const { client } = jsonRpcPair({ expose: api, plugins: [plugin('server')] }, { plugins: [plugin('client')] });
    equal(await client.call('add', [1, 2]), 3);
    deepEqual(seen, ['client out add', 'server in add']);
  });

  it("calls a plugin's setup, ready (with nothing announced) and teardown once each", async () => {
    const events: unknown[] = [];
    const plugin = {
      name: 'life',
      setup: () => void events.push('setup'),
      ready: (_peer: unknown, features: unknown) => void events.push(['ready', features]),
      teardown: () => void events.push('teardown'),
    };
    const { client } = jsonRpcPair({ expose: api }, { plugins: [plugin] });
    client.close();
    await client.closed;
    await Promise.resolve();
    deepEqual(events, ['setup', ['ready', undefined], 'teardown']);
  });

  it('refuses two plugins of the same name', () => {
    const error = throws(() => jsonRpcPair({}, { plugins: [{ name: 'a' }, { name: 'a' }] }));
    ok(error instanceof TypeError);
  });
});
