/**
 * A relay on a port path can hand the secure channel a record as a view over a
 * `SharedArrayBuffer` and change it from another thread while the channel works on it. Node only:
 * a page has `SharedArrayBuffer` only when cross-origin isolated, which the test runner's is not.
 */
import { describe, it } from 'node:test';
import { msgpackCodec } from '../../src/msgpack.js';
import { Handshake } from '../../src/secure/handshake.js';
import { createPeer } from '../../src/secure/index.js';
import { FROM_INITIATOR, RecordCipher, WHOLE } from '../../src/secure/records.js';
import type { Transport, TransportReceiver } from '../../src/transport.js';
import { deepEqual, equal } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks, track } from '../support/connect.js';
import { clientIdentity, contains, networkKey, serverSecure } from '../support/secure.js';

/** A responder's link driven by the test: `deliver` is the relay handing it a message. */
function handLink(): { link: Transport; sent: Uint8Array[]; deliver(message: unknown): void } {
  let receiver: TransportReceiver | undefined;
  const sent: Uint8Array[] = [];
  const link: Transport = {
    encoding: {},
    initiator: false,
    start: (r) => void (receiver = r),
    send: (message) => void sent.push((message as Uint8Array).slice()),
    close: () => void (receiver = undefined),
  };
  return { link, sent, deliver: (message) => receiver?.message(message) };
}

describe('secure channel and shared memory', () => {
  checkLeaks();

  for (const { name, backend } of backends) {
    it(`decrypts a record handed over in shared memory from a private copy, whatever the memory says once ${name} opens it`, async () => {
      const got: string[] = [];
      const { link, sent, deliver } = handLink();
      const answered = new Promise<void>((resolve) => {
        const take = (text: string) => (got.push(text), resolve(), true);
        track(createPeer(link, { logger: { warn() {} }, expose: { take }, secure: serverSecure({ crypto: name }) }));
      });
      // A genuine client, by hand: the relay holds its records.
      const handshake = new Handshake(true, { identity: clientIdentity, networkKey });
      deliver(handshake.writeHello(Date.now()));
      handshake.readIdentity(sent[0]!);
      deliver(handshake.writeAuth());
      const keys = handshake.finish();
      equal(sent.length, 2, 'the server sent READY');
      const payload = msgpackCodec().encode([
        [0, 1, false, {}],
        [1, 1, 'take', ['original']],
      ]) as Uint8Array;
      const record = new RecordCipher(keys.send, FROM_INITIATOR).seal(WHOLE, payload);
      const text = new TextEncoder().encode('original');
      const at = 16 + 1 + payload.findIndex((_, i) => contains(payload.subarray(i, i + text.length), text)); // tag, type, payload
      const shared = new Uint8Array(new SharedArrayBuffer(record.byteLength));
      shared.set(record);
      // Another thread's write, landing as the backend starts on the record (its tag check and
      // decryption are one call): a channel working on the shared bytes would fail to open it.
      const open = backend.open;
      let flipped = 0;
      (backend as { open: typeof open }).open = (...args) => {
        shared[at]! ^= 0x01;
        flipped++;
        return open(...args);
      };
      try {
        deliver(shared);
      } finally {
        (backend as { open: typeof open }).open = open;
      }
      await answered;
      equal(flipped, 1);
      deepEqual(got, ['original']);
    });
  }
});
