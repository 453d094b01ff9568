/**
 * End-to-end specs that pass once the session uses the reference APIs of the `refs` branch (see
 * the branch report): the walks may throw before a call is registered or a reply is built, the
 * reference limits come from `PeerOptions.limits`, and `keep` gets the call replied to. Not run
 * from here (no runner looks in test/pending); move this file to test/spec/ with the wiring.
 */
import { describe, it } from '#harness';
import { DEFAULT_MAX_REFERENCES_PER_MESSAGE } from '../../src/exchange.js';
import type { PeerOptions } from '../../src/index.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';
import { kindIs, rawPeer } from '../support/raw.js';

const HELLO = 0,
  CALL = 1,
  RESULT = 3;

const service = {
  square: (n: number) => n * n,
  later: () => ({ value: Promise.resolve(1) }),
  count: (...values: unknown[]) => values.length,
};

/** The per-message limit as an option; the lead adds it to `Limits`. */
const generous = { limits: { maxReferencesPerMessage: 5_000 } } as PeerOptions;

for (const connector of connectors) {
  describe(`reference limits at the session over ${connector.name}`, () => {
    checkLeaks();

    it('rejects a call whose argument is an unresolved call with INVALID_ARGUMENT', async () => {
      const { client } = connector.connect({ expose: service });
      const remote = client.remote<typeof service>();
      const inner = remote.square(2);
      const error = await rejectsWith(remote.square(inner as unknown as number), 'INVALID_ARGUMENT');
      ok(error.message.includes('await it first'), error.message);
      equal(await inner, 4);
    });

    it('answers INVALID_ARGUMENT when a handler returns a value holding a promise', async () => {
      const { client } = connector.connect({ expose: service });
      await rejectsWith(client.remote<typeof service>().later(), 'INVALID_ARGUMENT');
    });

    it('refuses, before sending, a call carrying more callbacks than maxReferencesPerMessage', async () => {
      const { client } = connector.connect({ expose: service });
      const callbacks = Array.from({ length: DEFAULT_MAX_REFERENCES_PER_MESSAGE + 1 }, () => () => {});
      await rejectsWith(client.call('count', callbacks), 'RESOURCE_EXHAUSTED');
      equal(client.stats().references, 0);
    });

    it('answers RESOURCE_EXHAUSTED to a caller that sends more references per message than the callee takes', async () => {
      const { client, server } = connector.connect({ expose: service }, generous);
      const streams = Array.from({ length: DEFAULT_MAX_REFERENCES_PER_MESSAGE + 1 }, () => new ReadableStream());
      await rejectsWith(client.call('count', streams), 'RESOURCE_EXHAUSTED');
      equal(server.stats().references, 0);
    });
  });
}

for (const kind of ['clone', 'bytes'] as const) {
  describe(`retained lists from a hostile callee over memory (${kind})`, () => {
    checkLeaks();

    it('lets a callee keep only callbacks of the call it replies to', async () => {
      const end = rawPeer(kind);
      end.send([HELLO, 1, false, {}]);
      const first = end.peer.call('first', [() => 1]);
      const firstCall = await end.next((message) => message[0] === CALL && message[2] === 'first');
      const second = end.peer.call('second', [() => 2]);
      const secondCall = await end.next((message) => message[0] === CALL && message[2] === 'second');
      const idIn = (call: unknown[]) => ((call[3] as unknown[])[0] as { '~ref': unknown[] })['~ref'][1];
      end.send([RESULT, secondCall[1], 'ok', null, 0, [idIn(firstCall), idIn(secondCall)]]);
      await second;
      end.send([RESULT, firstCall[1], 'ok', null, 0]);
      await first;
      equal(end.peer.stats().references, 1); // the second call's callback, retained by its own reply
      ok(end.received.some(kindIs(CALL)));
    });
  });
}
