// The test vectors of docs/protocol.md ("Secure channel"), made by an independent implementation
// (test/node/secure-reference.ts, Node's crypto): src/secure must reproduce every byte, on every backend.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { Handshake } from '../../src/secure/handshake.js';
import { channelBinding, handshakeGuard, importIdentity } from '../../src/secure/index.js';
import { FROM_INITIATOR, FROM_RESPONDER, nextKey, READY, REKEY, RecordCipher, WHOLE } from '../../src/secure/records.js';
import { secureVectors } from '../fixtures/secure-vectors.js';
import { deepEqual, equal } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';
import { bytesOf, connectSecure, links } from '../support/secure.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
const text = (value: string) => new TextEncoder().encode(value);
const EMPTY = new Uint8Array(0);

for (const vector of secureVectors) {
  const initiator = importIdentity(unhex(vector.initiatorSeed));
  const responder = importIdentity(unhex(vector.responderSeed));
  const ephemeral = (secret: string) => nacl.box.keyPair.fromSecretKey(unhex(secret));
  const networkKey = unhex(vector.networkKey);
  const psk = vector.psk ? unhex(vector.psk) : undefined;
  const tokenI = vector.tokenI ? unhex(vector.tokenI) : undefined;
  const tokenR = vector.tokenR ? unhex(vector.tokenR) : undefined;
  const helloTime = parseInt(vector.helloTime, 16);
  /** Both ends' clocks at the vector's time. */
  const at = (secret: string) => ({ ephemerals: [ephemeral(secret)], clock: () => helloTime });

  describe(`secure test vectors: ${vector.name}`, () => {
    checkLeaks();

    for (const { name, backend } of backends) {
      it(`derives the documented keys and messages from the fixed keys with ${name}`, () => {
        equal(hex(backend.signKeyPair(unhex(vector.initiatorSeed)).publicKey), vector.initiatorKey);
        equal(hex(backend.signKeyPair(unhex(vector.responderSeed)).publicKey), vector.responderKey);
        const i = new Handshake(true, {
          identity: initiator,
          networkKey,
          psk,
          token: tokenI,
          ephemeral: ephemeral(vector.initiatorEphemeralSecret),
          backend,
        });
        const r = new Handshake(false, {
          identity: responder,
          networkKey,
          psk,
          token: tokenR,
          ephemeral: ephemeral(vector.responderEphemeralSecret),
          backend,
        });
        equal(hex(i.ephemeral.publicKey), vector.initiatorEphemeral);
        equal(hex(r.ephemeral.publicKey), vector.responderEphemeral);
        const message1 = i.writeHello(helloTime);
        equal(hex(message1), vector.message1);
        r.readHello(message1);
        const message2 = r.writeIdentity();
        equal(hex(message2), vector.message2);
        const seenByI = i.readIdentity(message2);
        equal(hex(seenByI.remoteKey), vector.responderKey);
        equal(hex(seenByI.token ?? EMPTY), vector.tokenR);
        const message3 = i.writeAuth();
        equal(hex(message3), vector.message3);
        const seenByR = r.readAuth(message3);
        equal(hex(seenByR.remoteKey), vector.initiatorKey);
        equal(hex(seenByR.token ?? EMPTY), vector.tokenI);
        const keysI = i.finish();
        const keysR = r.finish();
        equal(hex(keysI.send), vector.initiatorToResponder);
        equal(hex(keysI.receive), vector.responderToInitiator);
        equal(hex(keysR.send), vector.responderToInitiator);
        equal(hex(keysI.binding), vector.channelBinding);
        equal(hex(keysR.binding), vector.channelBinding);
      });
    }

    for (const { name, source } of backends) {
      it(`seals and opens the documented records, across a rekey, with ${name}`, () => {
        const kIR = unhex(vector.initiatorToResponder);
        const kRI = unhex(vector.responderToInitiator);
        equal(hex(new RecordCipher(kRI.slice(), FROM_RESPONDER, source).seal(READY, EMPTY)), vector.readyRecord);
        const sender = new RecordCipher(kIR.slice(), FROM_INITIATOR, source);
        equal(hex(sender.seal(WHOLE, text('saltline'))), vector.firstRecord);
        equal(hex(sender.seal(REKEY, EMPTY)), vector.rekeyRecord);
        equal(hex(nextKey(kIR)), vector.initiatorToResponderAfterRekey);
        sender.rekey();
        equal(hex(sender.seal(WHOLE, text('rekeyed'))), vector.rekeyedRecord);
        const opener = new RecordCipher(kIR.slice(), FROM_INITIATOR, source);
        deepEqual(opener.open(unhex(vector.firstRecord), false), Uint8Array.of(WHOLE, ...text('saltline')));
        deepEqual(opener.open(unhex(vector.rekeyRecord), false), Uint8Array.of(REKEY));
        opener.rekey();
        deepEqual(opener.open(unhex(vector.rekeyedRecord), false), Uint8Array.of(WHOLE, ...text('rekeyed')));
      });
    }

    for (const { name: crypto } of backends) {
      it(`puts exactly the documented handshake on the wire of a real channel with ${crypto}`, async () => {
        const link = links[0]!;
        const { client, server, wire } = connectSecure(link, {
          client: {
            secure: { identity: initiator, networkKey, psk, token: tokenI, expectedRemoteKey: responder.publicKey, crypto },
            seams: at(vector.initiatorEphemeralSecret),
          },
          server: {
            expose: { ping: () => 'pong' },
            // A replay cache of this test's own: each vector puts the same hello on the wire.
            secure: {
              ...{
                identity: responder,
                networkKey,
                psk,
                token: tokenR,
                expectedRemoteKey: initiator.publicKey,
                authorize: undefined,
                crypto,
              },
              handshakes: handshakeGuard(),
            },
            seams: at(vector.responderEphemeralSecret),
          },
        });
        equal(await client.remote().ping(), 'pong');
        equal(hex(bytesOf(wire.up[0])), vector.message1);
        equal(hex(bytesOf(wire.down[0])), vector.message2);
        equal(hex(bytesOf(wire.up[1])), vector.message3);
        equal(hex(bytesOf(wire.down[1])), vector.readyRecord);
        equal(hex(channelBinding(client)!), vector.channelBinding);
        equal(hex(channelBinding(server)!), vector.channelBinding);
      });
    }
  });
}
