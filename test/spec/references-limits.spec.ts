/**
 * The bounds on references and streams end to end: over every connector where a saltline peer can
 * send past them, and with the far end driven by hand (test/support/raw.ts) where only a hostile
 * peer would.
 */
import { describe, it } from '#harness';
import { DEFAULT_MAX_REFERENCES, DEFAULT_MAX_REFERENCES_PER_MESSAGE, DEFAULT_MAX_REFERENCES_PER_STREAM } from '../../src/exchange.js';
import { type Callback, type RpcError, release, retain } from '../../src/index.js';
import { MAX_STREAM_WINDOW } from '../../src/streams.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';
import { kindIs, rawPeer, replyTo } from '../support/raw.js';
import { sharedTree } from './references-hostile.spec.js';

const HELLO = 0,
  CALL = 1,
  RESULT = 3,
  ERROR = 4,
  PING = 10,
  PONG = 11;
const STREAM_DATA = 6,
  STREAM_CREDIT = 8,
  STREAM_CANCEL = 13;

const service = {
  ping: () => true,
  echo: (value: unknown, fn: Callback<() => void>) => (void fn, value),
  async *withCallbacks(count: number) {
    for (let i = 0; i < count; i++) yield { n: i, ack: () => i };
  },
  async *withPromise() {
    yield { later: Promise.resolve(1) };
  },
  async *endless() {
    for (let i = 0; ; i++) yield i;
  },
};

for (const connector of connectors) {
  describe(`reference and stream bounds over ${connector.name}`, () => {
    checkLeaks();

    if (connector.kind === 'clone') {
      // Only structured clone keeps shared parts; a byte codec sends trees.
      it('answers a call whose arguments share their parts 2^64 times', async () => {
        const { client } = connector.connect({ expose: service });
        const result = (await client.remote<typeof service>().echo(sharedTree(64, 1), () => {})) as unknown[];
        ok(result[0] === result[1]);
      });
    }

    it('refuses a call whose callback would take the callee past maxReferences', async () => {
      const kept: ((...args: never[]) => unknown)[] = [];
      const api = { hold: (fn: Callback<() => void>) => void kept.push(retain(fn)) };
      const { client, server } = connector.connect({ expose: api });
      const remote = client.remote<typeof api>();
      for (let held = 0; held < DEFAULT_MAX_REFERENCES; held += 1_000) {
        await Promise.all(Array.from({ length: 1_000 }, () => remote.hold(() => {})));
      }
      const error = await rejectsWith(
        remote.hold(() => {}),
        'RESOURCE_EXHAUSTED',
      );
      ok(error.message.includes('live in this session'), error.message);
      equal(server.stats().references, DEFAULT_MAX_REFERENCES);
      for (const fn of kept) release(fn);
      await client.call('missing').catch(() => {}); // the RELEASEs went ahead of this call
      equal(client.stats().references, 0);
    });

    it('fails a stream whose items carry more references than maxReferencesPerStream', async () => {
      const { client } = connector.connect({ expose: service });
      const remote = client.remote<typeof service>();
      let taken = 0;
      const error = await rejectsWith(
        (async () => {
          for await (const item of remote.withCallbacks(DEFAULT_MAX_REFERENCES_PER_STREAM + 1)) taken += item.n >= 0 ? 1 : 0;
        })(),
        'RESOURCE_EXHAUSTED',
      );
      ok(error.message.includes('one stream'), error.message);
      ok(taken <= DEFAULT_MAX_REFERENCES_PER_STREAM);
      await remote.ping(); // the STREAM_CANCEL went ahead of this call: the producer has stopped
    });

    it('keeps the callbacks of a stream’s last item alive until the consumer has seen the end', async () => {
      const { client } = connector.connect({ expose: service });
      const remote = client.remote<typeof service>();
      const answers: number[] = [];
      for await (const item of remote.withCallbacks(3)) {
        if (item.n === 2) await remote.ping(); // the stream's end has arrived by now
        answers.push(await item.ack());
      }
      deepEqual(answers, [0, 1, 2]);
      await remote.ping(); // the consumer's acknowledgement of the end went ahead of this call
    });

    it('ends a stream with INVALID_ARGUMENT when an item holds a promise', async () => {
      const { client } = connector.connect({ expose: service });
      const error = await rejectsWith(
        (async () => {
          for await (const item of client.remote<typeof service>().withPromise()) throw new Error(`no item expected, got ${String(item)}`);
        })(),
        'INVALID_ARGUMENT',
      );
      ok(error.message.includes('await it first'), error.message);
    });

    it('refuses a streamWindow over the limit at createPeer with a TypeError', () => {
      // A far side that asks for more anyway is bounded by the producer (references-hostile.spec.ts).
      let thrown: unknown;
      try {
        connector.connect({ expose: service }, { streamWindow: MAX_STREAM_WINDOW + 1 });
      } catch (error) {
        thrown = error;
      }
      ok(thrown instanceof TypeError);
    });
  });
}

for (const kind of ['clone', 'bytes'] as const) {
  describe(`references from a hostile peer over memory (${kind})`, () => {
    checkLeaks();

    it('answers a CALL carrying one stream marker too many with RESOURCE_EXHAUSTED and keeps none', async () => {
      const end = rawPeer(kind, { expose: service });
      const args = Array.from({ length: DEFAULT_MAX_REFERENCES_PER_MESSAGE + 1 }, (_, i) => ({ '~ref': [2, i + 1] }));
      end.send([CALL, 1, 'ping', args, null, null, 1]);
      const reply = await end.next(replyTo(1));
      equal(reply[0], ERROR);
      equal((reply[2] as { code: string }).code, 'RESOURCE_EXHAUSTED');
      equal(end.peer.stats().references, 0);
    });

    it('ignores a retained list that names a signal of the call', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, false, {}]);
      const controller = new AbortController();
      const result = end.peer.call('watch', [controller.signal]);
      const call = await end.next(kindIs(CALL));
      const signalId = ((call[3] as unknown[])[0] as { '~ref': unknown[] })['~ref'][1];
      end.send([RESULT, call[1], 'ok', null, 0, [signalId]]);
      equal(await result, 'ok');
      equal(end.peer.stats().references, 0);
    });

    it('fails a stream whose item holds a malformed marker, and tells the producer to stop', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, false, {}]);
      const result = end.peer.call<AsyncIterable<unknown>>('stream');
      const call = await end.next(kindIs(CALL));
      end.send([RESULT, call[1], { '~ref': [1, 7] }, null, 1]);
      const next = (await result)[Symbol.asyncIterator]().next();
      await end.next(kindIs(STREAM_CREDIT));
      end.send([STREAM_DATA, 7, { '~ref': [0, 'not an id'] }, 1]);
      equal(((await rejects(next)) as RpcError).code, 'INVALID_ARGUMENT');
      await end.next((message) => message[0] === STREAM_CANCEL && message[1] === 7);
    });

    for (const ref of [-1, 1.5]) {
      it(`fails a stream whose item holds a marker whose ref ${ref} is not a uint`, async () => {
        const end = rawPeer(kind);
        end.send([HELLO, 1, false, {}]);
        const result = end.peer.call<AsyncIterable<unknown>>('stream');
        const call = await end.next(kindIs(CALL));
        end.send([RESULT, call[1], { '~ref': [1, 7] }, null, 1]);
        const next = (await result)[Symbol.asyncIterator]().next();
        await end.next(kindIs(STREAM_CREDIT));
        end.send([STREAM_DATA, 7, { '~ref': [0, ref] }, 1]);
        equal(((await rejects(next)) as RpcError).code, 'INVALID_ARGUMENT');
        await end.next((message) => message[0] === STREAM_CANCEL && message[1] === 7);
      });
    }

    it('sends no more than the window to a consumer that grants far more credit than it reads', async () => {
      const end = rawPeer(kind, { expose: service });
      end.send([CALL, 1, 'endless', [], null, null]);
      const reply = await end.next(replyTo(1));
      const streamId = (reply[2] as { '~ref': unknown[] })['~ref'][1];
      end.send([STREAM_CREDIT, streamId, 4], ...Array.from({ length: 200 }, () => [STREAM_CREDIT, streamId, 65_536]));
      const items = () => end.received.filter((message) => message[0] === STREAM_DATA).length;
      await end.next(() => items() >= 4);
      end.send([PING, 1]);
      await end.next(kindIs(PONG));
      equal(items(), 4);
      end.send([STREAM_CANCEL, streamId], [PING, 2]);
      await end.next((message) => message[0] === PONG && message[1] === 2);
    });
  });
}
