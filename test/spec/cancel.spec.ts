import { describe, it } from '#harness';
import { type CallContext, RpcError, withContext } from '../../src/index.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

/** A handler that waits until its call is aborted, and reports the abort reason. */
function abortable() {
  let started!: () => void;
  let aborted!: (reason: unknown) => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  const handlerAborted = new Promise<unknown>((resolve) => (aborted = resolve));
  let context: CallContext | undefined;
  const api = {
    ready: () => true,
    wait: withContext((ctx) => {
      context = ctx;
      started();
      return new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      });
    }),
  };
  return { api, handlerStarted, handlerAborted, context: () => context! };
}

for (const connector of connectors) {
  describe(`cancellation and timeouts over ${connector.name}`, () => {
    checkLeaks();

    it('rejects with DEADLINE_EXCEEDED when a call outlives its timeout', async () => {
      const { api, handlerAborted } = abortable();
      const { client } = connector.connect({ expose: api });
      // Once the session is open the call goes out at once, so the handler runs before its cancel
      // arrives; a call still held at its deadline would never reach the handler at all.
      await client.call('ready', [], { timeout: 0 });
      await rejectsWith(client.call('wait', [], { timeout: 5 }), 'DEADLINE_EXCEEDED');
      const reason = await handlerAborted;
      ok(reason instanceof RpcError && reason.code === 'DEADLINE_EXCEEDED', 'the handler saw no timeout');
    });

    it('applies the default timeout of the peer', async () => {
      const { api, handlerAborted } = abortable();
      const { client } = connector.connect({ expose: api }, { timeout: 5 });
      await client.call('ready', [], { timeout: 0 });
      await rejectsWith(client.call('wait'), 'DEADLINE_EXCEEDED');
      await handlerAborted;
    });

    it('tells the handler its deadline', async () => {
      const { api, handlerStarted, handlerAborted, context } = abortable();
      const { client } = connector.connect({ expose: api });
      const before = Date.now();
      const call = client.call('wait', [], { timeout: 60_000 });
      await handlerStarted;
      const { deadline } = context();
      ok(deadline >= before + 59_000 && deadline <= Date.now() + 60_000, `deadline ${deadline - before} ms away`);
      client.close('done');
      await rejectsWith(call, 'UNAVAILABLE');
      await handlerAborted;
    });

    it('cancels a call when its signal aborts, and the cancel reaches the handler', async () => {
      const { api, handlerStarted, handlerAborted } = abortable();
      const { client } = connector.connect({ expose: api });
      const controller = new AbortController();
      const call = client.call('wait', [], { signal: controller.signal });
      await handlerStarted;
      controller.abort(new Error('user gave up'));
      const error = await rejectsWith(call, 'CANCELLED');
      equal((error.cause as Error).message, 'user gave up');
      const reason = await handlerAborted;
      ok(reason instanceof RpcError && reason.code === 'CANCELLED');
    });

    it('does not send a call whose signal is already aborted', async () => {
      let ran = false;
      const { client } = connector.connect({ expose: { run: () => (ran = true) } });
      await rejectsWith(client.call('run', [], { signal: AbortSignal.abort() }), 'CANCELLED');
      equal(await client.call('run'), true); // the next call is the first to run
      equal(ran, true);
    });

    it('cancels a call still held before the far side is ready without ever sending it', async () => {
      let runs = 0;
      const { client } = connector.connect({ expose: { run: () => ++runs } });
      const controller = new AbortController();
      const call = client.call('run', [], { signal: controller.signal });
      controller.abort();
      await rejectsWith(call, 'CANCELLED');
      equal(await client.call('run'), 1);
    });

    it('aborts running handlers when the callee closes', async () => {
      const { api, handlerStarted, handlerAborted } = abortable();
      const { client, server } = connector.connect({ expose: api });
      const call = client.call('wait');
      await handlerStarted;
      server.close('shutting down');
      const reason = await handlerAborted;
      ok(reason instanceof RpcError && reason.code === 'UNAVAILABLE');
      await rejectsWith(call, 'UNAVAILABLE');
    });

    it('gives a handler called directly a context that never aborts', async () => {
      const local = withContext((ctx, a: number) => (ctx.signal.aborted ? -1 : a * 2));
      equal(local(21), 42);
    });

    it('gives a handler that first reads its signal after the caller cancelled an aborted signal', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let seen: AbortSignal | undefined;
      const late = {
        ready: () => true,
        look: withContext(async (ctx) => {
          await gate;
          seen = ctx.signal; // the signal is made on first read: it must already be aborted
        }),
      };
      const { client, server } = connector.connect({ expose: late });
      await client.call('ready');
      const controller = new AbortController();
      const call = client.call('look', [], { signal: controller.signal });
      await client.call('ready'); // a round trip: the handler is running
      controller.abort();
      await rejectsWith(call, 'CANCELLED');
      await client.call('ready'); // the server has seen the cancel
      release();
      while (server.stats().activeHandlers > 0) await client.call('ready');
      ok(seen?.aborted, 'the signal read late was not aborted');
      equal((seen.reason as RpcError).code, 'CANCELLED');
    });
  });
}

describe('call options on a typed proxy', () => {
  checkLeaks();

  it('applies the signal and timeout given to remote() to every call through it', async () => {
    const { api, handlerStarted, handlerAborted } = abortable();
    const { client } = connectors[0]!.connect({ expose: api });
    const controller = new AbortController();
    const call = client.remote<typeof api>({ signal: controller.signal }).wait();
    await handlerStarted;
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
    await handlerAborted;
    await rejectsWith(client.remote<{ wait(): void }>({ timeout: 1 }).wait(), 'DEADLINE_EXCEEDED');
  });
});
