import { describe, it } from '#harness';
import { type Interceptor, RpcError, withContext } from '../../src/index.js';
import { deepEqual, equal, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const api = {
  add: (a: number, b: number) => a + b,
  whoCalls: withContext((ctx) => ctx.meta.user ?? 'anonymous'),
};

for (const connector of connectors) {
  describe(`interceptors over ${connector.name}`, () => {
    checkLeaks();

    it('runs outgoing interceptors outermost first, around the call', async () => {
      const order: string[] = [];
      const tag =
        (name: string): Interceptor =>
        (next) =>
        async (call) => {
          order.push(`${name} before ${call.method}`);
          const result = await next(call);
          order.push(`${name} after`);
          return result;
        };
      const { client } = connector.connect({ expose: api }, { interceptors: { outgoing: [tag('outer'), tag('inner')] } });
      equal(await client.call('add', [1, 2]), 3);
      deepEqual(order, ['outer before add', 'inner before add', 'inner after', 'outer after']);
    });

    it('carries metadata set by an outgoing interceptor to the handler', async () => {
      const auth: Interceptor = (next) => (call) => {
        call.meta.user = 'ada';
        return next(call);
      };
      const { client } = connector.connect({ expose: api }, { interceptors: { outgoing: [auth] } });
      equal(await client.call('whoCalls'), 'ada');
    });

    it('lets an incoming interceptor refuse a call before its handler runs', async () => {
      let ran = false;
      const guard: Interceptor = (next) => (call) => {
        if (call.meta.user !== 'admin') throw new RpcError('PERMISSION_DENIED', 'admins only');
        return next(call);
      };
      const { client } = connector.connect({ expose: { ...api, drop: () => (ran = true) }, interceptors: { incoming: [guard] } });
      await rejectsWith(client.call('drop'), 'PERMISSION_DENIED');
      equal(await client.call('drop', [], { meta: { user: 'admin' } }), true);
      equal(ran, true);
    });

    it('sends result metadata from an incoming interceptor back to the outgoing one', async () => {
      let seen: unknown;
      const policy: Interceptor = (next) => async (call) => {
        const result = await next(call);
        call.resultMeta = { maxAge: 60 };
        return result;
      };
      const reader: Interceptor = (next) => async (call) => {
        const result = await next(call);
        seen = call.resultMeta;
        return result;
      };
      const { client } = connector.connect(
        { expose: api, interceptors: { incoming: [policy] } },
        { interceptors: { outgoing: [reader] } },
      );
      equal(await client.call('add', [2, 3]), 5);
      deepEqual(seen, { maxAge: 60 });
    });

    it('keeps its deadline timer from one sequential call to the next through an outgoing interceptor', async () => {
      // A step between the reply and the caller, as a watching interceptor (metrics, logging) takes.
      const watch: Interceptor = (next) => (call) => next(call).then((value) => value);
      const { client } = connector.connect({ expose: api }, { interceptors: { outgoing: [watch] } });
      equal(await client.call('add', [1, 2]), 3);
      equal(client.stats().timers, 1);
    });

    it('lets an outgoing interceptor answer without sending the call', async () => {
      const cache: Interceptor = (next) => (call) => (call.method === 'add' ? Promise.resolve('cached') : next(call));
      let runs = 0;
      const counted = { add: () => ++runs };
      const { client } = connector.connect({ expose: counted }, { interceptors: { outgoing: [cache] } });
      equal(await client.call('add', [1, 1]), 'cached');
      equal(client.stats().pendingCalls, 0);
      equal(runs, 0);
    });

    it('passes notifications through the outgoing chain, marked as such', async () => {
      const seen: string[] = [];
      const tagger: Interceptor = (next) => (call) => {
        seen.push(`${call.method}:${call.notification ? 'notify' : 'call'}`);
        call.meta.user = 'ada';
        return next(call);
      };
      let arrived!: (user: unknown) => void;
      const user = new Promise((resolve) => (arrived = resolve));
      const { client } = connector.connect(
        { expose: { note: withContext((ctx) => arrived(ctx.meta.user)) } },
        { interceptors: { outgoing: [tagger] } },
      );
      client.notify('note');
      equal(await user, 'ada');
      deepEqual(seen, ['note:notify']);
    });

    it('sees calls to missing methods in the incoming chain', async () => {
      const methods: string[] = [];
      const log: Interceptor = (next) => (call) => (methods.push(call.method), next(call));
      const { client } = connector.connect({ expose: api, interceptors: { incoming: [log] } });
      await rejectsWith(client.call('missing'), 'NOT_FOUND');
      deepEqual(methods, ['missing']);
    });
  });
}
