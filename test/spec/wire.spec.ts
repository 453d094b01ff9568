import { describe, it } from '#harness';
import { PROTOCOL_VERSION, RpcError } from '../../src/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { kindIs, rawPeer, replyTo } from '../support/raw.js';

const HELLO = 0,
  CALL = 1,
  NOTIFY = 2,
  RESULT = 3,
  ERROR = 4,
  CANCEL = 5,
  PING = 10,
  PONG = 11,
  GOODBYE = 12;
const api = { add: (a: number, b: number) => a + b, hang: () => new Promise(() => {}) };

for (const kind of ['clone', 'bytes'] as const) {
  describe(`the wire protocol (${kind})`, () => {
    checkLeaks();

    it('opens with a hello carrying the protocol version, the message size limit and the default timeout', async () => {
      const end = rawPeer(kind, { limits: { maxMessageSize: 4096 } });
      const hello = await end.next(kindIs(HELLO));
      deepEqual(hello, [HELLO, PROTOCOL_VERSION, false, { maxMessageSize: 4096, timeout: 30_000 }]);
    });

    it('leaves the timeout out of a call that waits the default time, and writes any other', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      await end.next(kindIs(HELLO));
      const calls = [
        end.peer.call('add', [1, 2]),
        end.peer.call('add', [1, 2], { timeout: 5_000.2 }),
        end.peer.call('add', [1, 2], { timeout: 0 }),
      ];
      for (const call of calls) void call.catch(() => {});
      await end.next((m) => m[0] === CALL && m[1] === 3);
      deepEqual(
        end.received.filter(kindIs(CALL)).map((m) => m.slice(4)),
        [[], [null, 5_001], [null, null]],
      );
      end.peer.close();
    });

    it("gives a call without a timeout field the caller's default from its hello", async () => {
      const { withContext } = await import('../../src/index.js');
      const end = rawPeer(kind, { expose: { deadline: withContext((ctx) => ctx.deadline) } });
      end.send([HELLO, 1, false, { timeout: 60_000 }]);
      const before = Date.now();
      end.send([CALL, 1, 'deadline', []]);
      end.send([CALL, 2, 'deadline', [], null, null]);
      const [first, second] = [await end.next(replyTo(1)), await end.next(replyTo(2))];
      const deadline = first[2] as number;
      ok(deadline >= before + 60_000 && deadline <= Date.now() + 60_000, `deadline ${deadline - before} ms away`);
      equal(second[2], Infinity);
    });

    it('answers a hello with an acknowledging hello', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, false, {}]);
      const ack = await end.next((m) => m[0] === HELLO && m[2] === true);
      equal(ack[1], PROTOCOL_VERSION);
    });

    it('sends the calls of one tick as one transport message', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      await end.next(kindIs(HELLO));
      const before = end.batches;
      const api = end.peer.remote<{ add(a: number, b: number): number }>();
      for (let i = 0; i < 50; i++) void api.add(i, i).catch(() => {});
      await end.next((m) => m[0] === CALL && m[1] === 50);
      equal(end.batches - before, 1);
      equal(end.received.filter(kindIs(CALL)).length, 50);
      end.peer.close();
    });

    it('answers the calls of one batch in one transport message', async () => {
      const end = rawPeer(kind, { expose: api });
      end.send([HELLO, 1, true, {}]);
      await end.next(kindIs(HELLO));
      const before = end.batches;
      end.send(...Array.from({ length: 20 }, (_, i) => [CALL, i + 1, 'add', [i, 1]]));
      await end.next(replyTo(20));
      equal(end.batches - before, 1);
      deepEqual(end.received.find(replyTo(7)), [RESULT, 7, 7]);
    });

    it('closes with UNIMPLEMENTED when the far side speaks another protocol version', async () => {
      const end = rawPeer(kind);
      const call = end.peer.call('add', [1, 2]);
      end.send([HELLO, 2, false, {}]);
      const reason = await end.peer.closed;
      ok(reason instanceof RpcError && reason.code === 'UNIMPLEMENTED');
      equal(reason.message, 'protocol version mismatch: this peer speaks 1, the remote peer 2');
      const error = (await call.catch((e) => e)) as RpcError;
      equal(error.code, 'UNAVAILABLE');
      equal(error.cause, reason);
    });

    it('replies INVALID_ARGUMENT to a malformed call that has an id', async () => {
      const end = rawPeer(kind, { expose: api });
      end.send([CALL, 9, 42, 'not an array']);
      const reply = await end.next(replyTo(9));
      equal(reply[0], ERROR);
      equal((reply[2] as { code: string }).code, 'INVALID_ARGUMENT');
      equal(end.peer.stats().malformed, 1);
    });

    it('drops messages of unknown kind and counts them', async () => {
      const end = rawPeer(kind, { expose: api });
      end.send([99, 1, 2], ['not a kind'], [CALL, 1, 'add', [2, 2]]);
      deepEqual(await end.next(replyTo(1)), [RESULT, 1, 4]);
      equal(end.peer.stats().malformed, 2);
    });

    it('drops a hello whose plugins entry is not a map, so no plugin hears it', async () => {
      let heard = 0;
      const end = rawPeer(kind, { expose: api, plugins: [{ name: 'p', ready: () => heard++ }] });
      end.send([HELLO, 1, true, { plugins: ['p'] }], [HELLO, 1, true, { plugins: { p: 7 } }], [CALL, 1, 'add', [1, 1]]);
      deepEqual(await end.next(replyTo(1)), [RESULT, 1, 2]);
      equal(end.peer.stats().malformed, 1);
      equal(heard, 1);
    });

    it("announces its plugins' features in its hello, under their names", async () => {
      const end = rawPeer(kind, { plugins: [{ name: 'p', features: { v: 2 } }, { name: 'quiet' }] });
      const hello = await end.next(kindIs(HELLO));
      deepEqual((hello[3] as { plugins: unknown }).plugins, { p: { v: 2 } });
    });

    it('answers a ping with a pong', async () => {
      const end = rawPeer(kind);
      end.send([PING, 77]);
      deepEqual(await end.next(kindIs(PONG)), [PONG, 77]);
    });

    it('stops a running handler when the caller cancels, and sends no reply', async () => {
      let aborted!: () => void;
      const stopped = new Promise<void>((resolve) => (aborted = resolve));
      const { withContext } = await import('../../src/index.js');
      const end = rawPeer(kind, {
        expose: {
          wait: withContext(
            (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => (aborted(), reject(ctx.signal.reason)))),
          ),
        },
      });
      end.send([CALL, 3, 'wait', []]);
      end.send([CANCEL, 3, 'CANCELLED'], [CALL, 4, 'wait', []], [CANCEL, 4]);
      await stopped;
      end.send([PING, 1]);
      await end.next(kindIs(PONG));
      equal(end.received.filter(replyTo(3)).length, 0);
      equal(end.peer.stats().activeHandlers, 0);
    });

    it('ignores replies to calls it never made', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}], [RESULT, 12345, 'stray'], [ERROR, 999, { name: 'Error', message: 'stray' }]);
      end.send([PING, 2]);
      await end.next(kindIs(PONG));
      equal(end.peer.stats().malformed, 0);
    });

    it('rejects the pending call when the reply error is malformed', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      const call = end.peer.call('add', [1, 2]);
      const sent = await end.next(kindIs(CALL));
      end.send([ERROR, sent[1], 'not an error object']);
      const error = (await call.catch((e) => e)) as RpcError;
      equal(error.code, 'INTERNAL');
    });

    it('closes when the far side says goodbye, rejecting pending calls', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      const call = end.peer.call('hang');
      await end.next(kindIs(CALL));
      end.send([GOODBYE]);
      const error = (await call.catch((e) => e)) as RpcError;
      equal(error.code, 'UNAVAILABLE');
      equal(end.peer.stats().closed, true);
    });

    it('drops error properties that would shadow Object.prototype', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      const call = end.peer.call('add', [1, 2]);
      const sent = await end.next(kindIs(CALL));
      end.send([ERROR, sent[1], { name: 'Error', message: 'boom', props: { toString: 1, valueOf: 2, status: 3 } }]);
      const error = (await call.catch((e) => e)) as Error & { status: number };
      equal(String(error), 'Error: boom');
      equal(error.status, 3);
    });

    it('counts a malformed reference inside stream data as malformed, and carries on', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}], [6, 1, { '~ref': ['nonsense'] }, 1], [PING, 9]);
      await end.next(kindIs(PONG));
      equal(end.peer.stats().closed, false);
    });

    it('returns undefined, not null, when the result carries metadata', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, true, {}]);
      const call = end.peer.call('nothing');
      const sent = await end.next(kindIs(CALL));
      end.send([RESULT, sent[1], null, { maxAge: 1 }, 2]);
      equal(await call, undefined);
    });

    it('drops a notification whose method name is over the limit', async () => {
      let ran = false;
      const end = rawPeer(kind, { expose: { ['x'.repeat(300)]: () => (ran = true) } });
      end.send([NOTIFY, 'x'.repeat(300), []], [PING, 4]);
      await end.next(kindIs(PONG));
      equal(ran, false);
      equal(end.peer.stats().malformed, 1);
    });

    it('runs a notification and sends nothing back', async () => {
      let got: unknown[] = [];
      const end = rawPeer(kind, { expose: { note: (...args: unknown[]) => void (got = args) } });
      end.send([NOTIFY, 'note', ['x', 1]], [PING, 5]);
      await end.next(kindIs(PONG));
      deepEqual(got, ['x', 1]);
      equal(end.received.filter((m) => m[0] === RESULT || m[0] === ERROR).length, 0);
    });
  });
}
