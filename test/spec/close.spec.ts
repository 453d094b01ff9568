import { describe, it } from '#harness';
import { RpcError, withContext } from '../../src/index.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const never = { hang: () => new Promise(() => {}), add: (a: number, b: number) => a + b };

for (const connector of connectors) {
  describe(`closing over ${connector.name}`, () => {
    checkLeaks();

    it('rejects every pending call at once with UNAVAILABLE and the reason as cause', async () => {
      const { client } = connector.connect({ expose: never });
      const calls = [client.call('hang'), client.call('hang'), client.call('hang')];
      const reason = new Error('going away');
      client.close(reason);
      for (const call of calls) {
        const error = await rejectsWith(call, 'UNAVAILABLE');
        equal(error.cause, reason);
      }
      equal(client.stats().pendingCalls, 0);
    });

    it('rejects calls made after close immediately', async () => {
      const { client } = connector.connect({ expose: never });
      client.close('bye');
      const error = await rejectsWith(client.call('add', [1, 2]), 'UNAVAILABLE');
      equal(error.cause, 'bye');
    });

    it('fulfils closed with the reason', async () => {
      const { client } = connector.connect({ expose: never });
      client.close('the reason');
      equal(await client.closed, 'the reason');
    });

    it('closes the far side too, whose pending calls reject with UNAVAILABLE', async () => {
      const { client, server } = connector.connect({ expose: never }, { expose: never });
      equal(await client.call('add', [1, 1]), 2);
      const fromServer = server.call('hang');
      await Promise.resolve();
      client.close('client leaves');
      const reason = await server.closed;
      ok(reason instanceof RpcError && reason.code === 'UNAVAILABLE', `server closed with ${String(reason)}`);
      await rejectsWith(fromServer, 'UNAVAILABLE');
    });

    it('closes through Symbol.asyncDispose', async () => {
      const { client } = connector.connect({ expose: never });
      await client[Symbol.asyncDispose]();
      equal(client.stats().closed, true);
    });

    it('ignores a second close', async () => {
      const { client } = connector.connect({ expose: never });
      client.close('first');
      client.close('second');
      equal(await client.closed, 'first');
    });

    it('aborts a running notification handler when the peer closes', async () => {
      let aborted!: (reason: unknown) => void;
      const reason = new Promise((resolve) => (aborted = resolve));
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const api = {
        watch: withContext(
          (ctx) =>
            new Promise<void>((resolve) => {
              started();
              ctx.signal.addEventListener('abort', () => (aborted(ctx.signal.reason), resolve()));
            }),
        ),
      };
      const { client, server } = connector.connect({ expose: api });
      client.notify('watch');
      await running;
      equal(server.stats().activeHandlers, 1);
      server.close('bye');
      const error = (await reason) as RpcError;
      equal(error.code, 'UNAVAILABLE');
    });

    it('drops a notification sent after close', async () => {
      const { client } = connector.connect({ expose: never });
      client.close();
      client.notify('add', 1, 2);
      equal(client.stats().pendingCalls, 0);
    });
  });
}
