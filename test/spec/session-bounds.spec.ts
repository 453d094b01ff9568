import { describe, it, watchUnhandledRejections } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer, publicError, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';
import { kindIs, rawPeer, replyTo } from '../support/raw.js';

const HELLO = 0;
const CALL = 1;
const NOTIFY = 2;
const PING = 10;
const STREAM_MARKER = 1;

const api = {
  echo: (value: unknown) => value,
  fail: (length: number) => {
    throw new Error('x'.repeat(length));
  },
  leaky: () => {
    const error = new Error('query failed', { cause: new Error('SELECT * FROM users WHERE password = ?') }) as Error & {
      parameters: string[];
    };
    error.parameters = ['hunter2'];
    throw error;
  },
};

const hello = (features: Record<string, unknown> = { maxMessageSize: 1 << 20 }) => [HELLO, 1, false, features];

for (const kind of ['clone', 'bytes'] as const) {
  describe(`session bounds against a hand-driven far side (${kind})`, () => {
    checkLeaks();

    it('closes with FAILED_PRECONDITION when the far side announces a message limit under 1 KiB', async () => {
      const unhandled = watchUnhandledRejections();
      const end = rawPeer(kind, { expose: api });
      const call = end.peer.call('echo', [1]);
      end.send(hello({ maxMessageSize: 1 }), [CALL, 1, 'echo', ['a reply that could never fit']]);
      const reason = (await end.peer.closed) as RpcError;
      equal(reason.code, 'FAILED_PRECONDITION');
      await rejectsWith(call, 'UNAVAILABLE');
      deepEqual(unhandled(), []);
    });

    it('answers with the error reduced to name, code and a short message when the whole error does not fit', async () => {
      const end = rawPeer(kind, { expose: api, exposeStacks: true });
      end.send(hello({ maxMessageSize: 1024 }), [CALL, 1, 'fail', [4000]]);
      if (kind === 'clone') {
        // Clone transports have no message size to keep to: the whole error goes.
        const [, , error] = (await end.next(replyTo(1))) as [number, number, { message: string }];
        equal(error.message.length, 4000);
        return;
      }
      const [, , error] = (await end.next(replyTo(1))) as [number, number, { name: string; message: string; stack?: string }];
      equal(error.name, 'Error');
      equal(error.message.length, 256);
      equal(error.stack, undefined);
    });

    it('closes with RESOURCE_EXHAUSTED on a batch of more than 4,096 messages, and answers none of them', async () => {
      const end = rawPeer(kind);
      const pings = Array.from({ length: 4097 }, (_, i) => [PING, i]);
      end.send(hello(), ...pings);
      const reason = (await end.peer.closed) as RpcError;
      equal(reason.code, 'RESOURCE_EXHAUSTED');
      equal(end.received.filter(kindIs(11)).length, 0);
    });

    it('sends more than 4,096 messages of one tick as several transport messages', async () => {
      const end = rawPeer(kind);
      end.send(hello());
      await end.next((message) => message[0] === HELLO && message[2] === true);
      const before = end.batches;
      for (let i = 0; i < 5000; i++) end.peer.notify('tick', i);
      await end.next((message) => message[0] === NOTIFY && (message[2] as unknown[])[0] === 4999);
      equal(end.received.filter(kindIs(NOTIFY)).length, 5000);
      equal(end.batches - before, 2);
    });

    it('answers NOT_FOUND to a missing method before it looks at the references in its arguments', async () => {
      const end = rawPeer(kind, { expose: api });
      // The same reference id twice is malformed: only a peer that imports before lookup sees it.
      const marker = { '~ref': [STREAM_MARKER, 7] };
      end.send(hello(), [CALL, 1, 'missing', [marker, marker], null, null, 1]);
      const [, , error] = (await end.next(replyTo(1))) as [number, number, { code: string }];
      equal(error.code, 'NOT_FOUND');
      equal(end.peer.stats().references, 0);
    });

    it('closes with DEADLINE_EXCEEDED when the far side says no hello within helloTimeout', async () => {
      const end = rawPeer(kind, { limits: { helloTimeout: 20 } });
      const call = end.peer.call('echo', [1]);
      const reason = (await end.peer.closed) as RpcError;
      equal(reason.code, 'DEADLINE_EXCEEDED');
      await rejectsWith(call, 'UNAVAILABLE');
    });

    it('holds no hello timer once the far side has said hello', async () => {
      const end = rawPeer(kind, { limits: { helloTimeout: 60_000 } });
      equal(end.peer.stats().timers, 1);
      end.send(hello());
      await end.next(kindIs(HELLO));
      equal(end.peer.stats().timers, 0);
    });

    it('closes with RESOURCE_EXHAUSTED once its transport holds more than maxBufferedBytes unsent', async () => {
      const [near, far] = createMemoryPair(kind);
      let unsent = 0;
      Object.defineProperty(far, 'bufferedAmount', { get: () => unsent });
      const server = track(createPeer(far, { expose: api, limits: { maxBufferedBytes: 1000 } }));
      const client = track(createPeer(near));
      equal(await client.call('echo', [1]), 1);
      unsent = 5000;
      const reply = client.call('echo', [2]);
      const reason = (await server.closed) as RpcError;
      equal(reason.code, 'RESOURCE_EXHAUSTED');
      // The reply the transport took still arrives; nothing more is sent.
      equal(await reply, 2);
      await client.closed;
    });

    it('drops notifications beyond maxPendingCalls while it waits for hello', async () => {
      const end = rawPeer(kind, { limits: { maxPendingCalls: 2 } });
      for (let i = 0; i < 5; i++) end.peer.notify('tick', i);
      end.send(hello());
      // Held messages go out together, in the batch that follows the hello.
      await end.next((message) => message[0] === NOTIFY && (message[2] as unknown[])[0] === 1);
      deepEqual(
        end.received.filter(kindIs(NOTIFY)).map((message) => message[2]),
        [[0], [1]],
      );
    });
  });
}

for (const connector of connectors) {
  describe(`what a handler's error tells the caller over ${connector.name}`, () => {
    checkLeaks();

    it("sends what onSendError returns in place of the handler's error", async () => {
      const seen: string[] = [];
      const { client } = connector.connect({
        expose: api,
        onSendError: (error, call) => {
          seen.push(call.method);
          return new RpcError('INTERNAL', `failed: ${(error as Error).message}`);
        },
      });
      const error = await rejectsWith(client.call('leaky'), 'INTERNAL');
      equal(error.message, 'failed: query failed');
      equal(error.cause, undefined);
      deepEqual(seen, ['leaky']);
    });

    it('sends only name and message when onSendError itself throws', async () => {
      const { client } = connector.connect({
        expose: api,
        onSendError: () => {
          throw new Error('a broken hook');
        },
      });
      const error = (await client.call('leaky').catch((e: unknown) => e)) as Error & { parameters?: unknown };
      equal(error.message, 'query failed');
      equal(error.cause, undefined);
      equal(error.parameters, undefined);
    });

    it('sends every own property and the cause chain by default', async () => {
      const { client } = connector.connect({ expose: api });
      const error = (await client.call('leaky').catch((e: unknown) => e)) as Error & { parameters?: unknown };
      deepEqual(error.parameters, ['hunter2']);
      ok(error.cause instanceof Error);
    });
  });
}

describe('publicError and RpcError.from', () => {
  it("keeps an RpcError's name, message, code and data, and drops its cause", () => {
    const inner = new RpcError('PERMISSION_DENIED', 'admins only', { data: { role: 'guest' }, cause: new Error('secret') });
    const safe = publicError(inner) as RpcError;
    ok(safe instanceof RpcError);
    equal(safe.code, 'PERMISSION_DENIED');
    deepEqual(safe.data, { role: 'guest' });
    equal(safe.cause, undefined);
  });

  it("keeps a plain error's name and message, and drops its own properties", () => {
    const error = Object.assign(new TypeError('bad input'), { query: 'SELECT 1' });
    const safe = publicError(error) as Error & { query?: string };
    equal(safe.name, 'TypeError');
    equal(safe.message, 'bad input');
    equal(safe.query, undefined);
  });

  it('turns an AbortError into CANCELLED and a TimeoutError into DEADLINE_EXCEEDED', () => {
    equal(RpcError.from(new DOMException('stop', 'AbortError')).code, 'CANCELLED');
    equal(RpcError.from(new DOMException('late', 'TimeoutError')).code, 'DEADLINE_EXCEEDED');
    equal(RpcError.from(new Error('other'), 'INTERNAL').code, 'INTERNAL');
  });

  it('keeps instanceof working for subclasses of RpcError', () => {
    class QuotaError extends RpcError {}
    const quota = new QuotaError('RESOURCE_EXHAUSTED', 'over quota');
    ok(quota instanceof QuotaError);
    ok(quota instanceof RpcError);
    ok(!(new RpcError('INTERNAL', 'plain') instanceof QuotaError));
    ok(!(new Error('plain') instanceof RpcError));
  });
});
