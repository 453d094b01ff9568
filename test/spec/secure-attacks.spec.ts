// The attack suite of DESIGN §4: each attack its own test, on every link, asserting the exact
// outcome — which side fails, with the one generic error and which logged reason, what (nothing)
// it sent in answer, and that nothing reached the application.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { msgpackCodec } from '../../src/msgpack.js';
import type { CryptoChoice } from '../../src/secure/backend.js';
import { concat, sameBytes } from '../../src/secure/bytes.js';
import {
  diffieHellman,
  Handshake,
  helloBody,
  helloMac,
  RESPONDER_LABEL,
  sealIdentity,
  signTranscript,
} from '../../src/secure/handshake.js';
import { channelBinding, generateIdentity, handshakeGuard } from '../../src/secure/index.js';
import { FROM_INITIATOR, FROM_RESPONDER, READY, REKEY, RecordCipher, WHOLE } from '../../src/secure/records.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { backends, useCrypto } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';
import {
  bytesOf,
  type ConnectOptions,
  clientIdentity,
  connectSecure,
  expectFailure,
  expectTruncated,
  farSideSees,
  type Link,
  links,
  networkKey,
  rawAgainst,
  respondByHand,
  type SecureConnection,
  serverIdentity,
} from '../support/secure.js';

const ZERO_NONCE = new Uint8Array(24);
/** An X25519 point of order 8 (libsodium's blocklist). */
const ORDER_8_POINT = Uint8Array.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'.match(/../g)!, (b) =>
  parseInt(b, 16),
);
/** L, the order of the Ed25519 base point, little-endian. */
const L = Uint8Array.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'.match(/../g)!, (b) => parseInt(b, 16));

/** A signature's S replaced by S + L: a different signature tweetnacl still accepts. */
function malleate(signature: Uint8Array): Uint8Array {
  const out = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = out[32 + i]! + L[i]! + carry;
    out[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

/** A hello message under `key` for an ephemeral public key of our choosing, stamped now. */
function forgedHello(ephemeral: Uint8Array, key = networkKey): Uint8Array {
  const body = helloBody(ephemeral, Date.now());
  return concat(body, helloMac(key, body));
}

interface Established extends SecureConnection {
  readonly api: { add(a: number, b: number): Promise<number>; echo(value: unknown): Promise<unknown> };
  /** Calls the server's handlers have run. */
  handled(): number;
}

function attackSuite(link: Link, crypto: CryptoChoice): void {
  describe(`secure channel attacks over ${link.name} with ${crypto}`, () => {
    checkLeaks();
    useCrypto(crypto);

    /** A pair whose channel is open both ways: one call answered. */
    async function established(options: ConnectOptions = {}): Promise<Established> {
      let handled = 0;
      const expose = {
        add: (a: number, b: number) => (handled++, a + b),
        echo: (value: unknown) => (handled++, value),
      };
      const connection = connectSecure(link, { ...options, server: { expose, ...options.server } });
      const api = connection.client.remote<{ add(a: number, b: number): number; echo(value: unknown): unknown }>();
      equal(await api.add(1, 1), 2);
      return { ...connection, api, handled: () => handled };
    }

    /**
     * The server refused what reached it: it failed with the one generic error for `detail`,
     * ran no handler for it, sent not a byte in answer; the client saw its link cut.
     */
    async function serverRefused(c: Established, detail: string, calls: Promise<unknown>[] = []): Promise<void> {
      const handled = c.handled();
      const answered = c.wire.down.length;
      for (const call of calls) call.catch(() => {});
      await expectFailure(c.server, c.serverLog, detail);
      equal(c.handled(), handled, 'a handler ran');
      equal(c.wire.down.length, answered, 'the server answered');
      await farSideSees(link, c.client, () => expectTruncated(c.client));
      for (const call of calls) await rejectsWith(call, 'UNAVAILABLE');
    }

    /** Replaces the next client → server message with what `tamper` makes of it. */
    function tamperNextUp(c: Established, tamper: (record: Uint8Array) => unknown[]): void {
      const target = c.wire.up.length;
      c.wire.tap = (direction, message, index) => (direction === 'up' && index === target ? tamper(bytesOf(message)) : undefined);
    }

    // ---- records ----------------------------------------------------------------------------

    it('refuses a record with one flipped byte, and delivers nothing', async () => {
      const c = await established();
      tamperNextUp(c, (record) => {
        const flipped = record.slice();
        flipped[flipped.length - 1]! ^= 0x01;
        return [flipped];
      });
      await serverRefused(c, 'a record that did not open', [c.api.add(2, 2)]);
    });

    it('refuses a replayed record', async () => {
      const c = await established();
      const last = c.wire.up[c.wire.up.length - 1]!; // the record that carried the first call
      c.wire.inject('up', last);
      await serverRefused(c, 'a record that did not open');
    });

    it('refuses reordered records', async () => {
      const c = await established();
      const target = c.wire.up.length;
      let second: Promise<unknown> | undefined;
      let held: unknown;
      let tap!: () => void;
      const tapped = new Promise<void>((resolve) => (tap = resolve));
      c.wire.tap = (direction, message, index) => {
        if (direction !== 'up') return;
        if (index === target) {
          held = message;
          second = c.api.add(3, 3); // goes out in a later flush: its own record
          tap();
          return [];
        }
        if (index === target + 1) return [message, held];
      };
      const first = c.api.add(2, 2);
      await tapped;
      await serverRefused(c, 'a record that did not open', [first, second!]);
    });

    it('refuses the record after a dropped one', async () => {
      const c = await established();
      const target = c.wire.up.length;
      let second: Promise<unknown> | undefined;
      let tap!: () => void;
      const tapped = new Promise<void>((resolve) => (tap = resolve));
      c.wire.tap = (direction, _message, index) => {
        if (direction === 'up' && index === target) {
          second = c.api.add(3, 3); // goes out in a later flush: its own record
          tap();
          return [];
        }
      };
      const first = c.api.add(2, 2);
      await tapped;
      await serverRefused(c, 'a record that did not open', [first, second!]);
    });

    it('refuses a record cut short', async () => {
      const c = await established();
      tamperNextUp(c, (record) => [record.slice(0, record.byteLength - 4)]);
      await serverRefused(c, 'a record that did not open', [c.api.echo('some bytes to cut')]);
    });

    it('reports a transport that ends without a CLOSE record as truncated, on both sides', async () => {
      const c = await established();
      const pending = c.api.add(5, 5);
      pending.catch(() => {});
      c.wire.cut();
      await farSideSees(link, c.client, () => expectTruncated(c.client));
      await farSideSees(link, c.server, () => expectTruncated(c.server));
      await rejectsWith(pending, 'UNAVAILABLE');
      ok(!c.clientLog.some((line) => line.startsWith('secure channel failed')));
    });

    it('refuses an empty record', async () => {
      const c = await established();
      c.wire.inject('up', new Uint8Array(0));
      await serverRefused(c, 'an empty record');
    });

    it('refuses an under-length record', async () => {
      const c = await established();
      c.wire.inject('up', nacl.randomBytes(16));
      await serverRefused(c, 'an under-length record');
    });

    it('refuses an oversize record before opening it', async () => {
      const c = await established();
      c.wire.inject('up', nacl.randomBytes(64 * 1024 + 1));
      await serverRefused(c, 'an oversize record');
    });

    it('refuses a record reflected back to its sender', async () => {
      const c = await established();
      const own = c.wire.up[c.wire.up.length - 1]!;
      const answered = c.wire.up.length;
      c.wire.inject('down', own);
      await expectFailure(c.client, c.clientLog, 'a record that did not open');
      equal(c.wire.up.length, answered, 'the client answered');
      await farSideSees(link, c.server, () => expectTruncated(c.server));
    });

    it('refuses a record sealed for the other direction', async () => {
      const raw = rawAgainst(link, 'client');
      const keys = await respondByHand(raw);
      raw.send(new RecordCipher(keys.send, FROM_RESPONDER).seal(READY, new Uint8Array(0)));
      // What the client itself would send first: the I→R key and direction.
      raw.send(new RecordCipher(keys.receive, FROM_INITIATOR).seal(WHOLE, msgpackCodec().encode([[0, 1, false, {}]]) as Uint8Array));
      await expectFailure(raw.peer, raw.log, 'a record that did not open');
    });

    it('refuses a plaintext frame after the handshake (no downgrade)', async () => {
      const c = await established();
      const frame = [[1, 99, 'echo', ['a plaintext call that must not run']]];
      c.wire.inject('up', link.kind === 'bytes' ? msgpackCodec().encode(frame) : frame);
      await serverRefused(c, link.kind === 'bytes' ? 'a record that did not open' : 'a message that is not bytes');
    });

    it('refuses a data record sent before READY', async () => {
      const raw = rawAgainst(link, 'client');
      const keys = await respondByHand(raw);
      raw.send(new RecordCipher(keys.send, FROM_RESPONDER).seal(WHOLE, msgpackCodec().encode([[0, 1, false, {}]]) as Uint8Array));
      await expectFailure(raw.peer, raw.log, 'a record before READY');
      equal(raw.received.length, 2, 'the client sent more than hello and message 3');
    });

    it('refuses a record of an unknown type', async () => {
      const raw = rawAgainst(link, 'client');
      const keys = await respondByHand(raw);
      const sender = new RecordCipher(keys.send, FROM_RESPONDER);
      raw.send(sender.seal(READY, new Uint8Array(0)));
      raw.send(sender.seal(9, new Uint8Array(0)));
      await expectFailure(raw.peer, raw.log, 'a record of unknown type 9');
    });

    // ---- network key, identities, authorization ------------------------------------------

    it('stays silent to a hello under another network key', async () => {
      let asked = 0;
      const c = connectSecure(link, { server: { secure: { networkKey: nacl.randomBytes(32), authorize: () => (asked++, true) } } });
      await expectFailure(c.server, c.serverLog, 'a hello under another network key');
      equal(c.wire.down.length, 0, 'the responder said something');
      equal(asked, 0);
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
    });

    it('gives a stranger nothing but a hello when neither side knows its role', async () => {
      const c = connectSecure(link, { roles: 'unknown', server: { secure: { networkKey: nacl.randomBytes(32) } } });
      // Each end checks the other's hello before anything else; whichever checks first fails.
      const first = await Promise.race([c.server.closed.then(() => 'server'), c.client.closed.then(() => 'client')]);
      const [peer, log] = first === 'server' ? [c.server, c.serverLog] : [c.client, c.clientLog];
      await expectFailure(peer, log, 'a hello under another network key');
      const other = first === 'server' ? c.client : c.server;
      await farSideSees(link, other, async () => void (await other.closed));
      deepEqual([c.wire.up.length, c.wire.down.length], [1, 1]);
      equal(bytesOf(c.wire.up[0]).byteLength, 72);
    });

    it('refuses its own hello reflected back when neither side knows its role', async () => {
      const c = connectSecure(link, { roles: 'unknown' });
      c.wire.tap = (direction, message, index) => {
        if (index !== 0) return;
        if (direction === 'up') c.wire.inject('down', message); // the client's hello goes back to it
        return []; // and neither hello reaches its addressee
      };
      await expectFailure(c.client, c.clientLog, 'our own hello came back');
      equal(c.wire.up.length, 1);
      await farSideSees(link, c.server, () => expectFailure(c.server, c.serverLog, 'the transport closed during the handshake'));
    });

    it('refuses an initiator whose key authorize does not know', async () => {
      const c = connectSecure(link, { client: { secure: { identity: generateIdentity() } } });
      const call = c.client.remote().add(1, 2);
      call.catch(() => {});
      await expectFailure(c.server, c.serverLog, 'authorize refused the remote key');
      equal(c.wire.down.length, 1, 'the responder sent READY or more');
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
      await rejects(call); // with which code: secure-auth-errors.spec.ts
    });

    it('refuses a responder whose key is not the expected one, before revealing its own', async () => {
      const c = connectSecure(link, { client: { secure: { expectedRemoteKey: generateIdentity().publicKey } } });
      await expectFailure(c.client, c.clientLog, 'the remote key is not the expected key');
      equal(c.wire.up.length, 1, 'the initiator sent its identity');
      await farSideSees(link, c.server, () => expectFailure(c.server, c.serverLog, 'the transport closed during the handshake'));
    });

    it('refuses a man in the middle who swaps one ephemeral key', async () => {
      const c = connectSecure(link);
      const mitm = nacl.box.keyPair();
      c.wire.tap = (direction, _message, index) => (direction === 'up' && index === 0 ? [forgedHello(mitm.publicKey)] : undefined);
      await expectFailure(c.client, c.clientLog, 'an identity message that did not open');
      equal(c.wire.up.length, 1);
      await farSideSees(link, c.server, () => expectFailure(c.server, c.serverLog, 'the transport closed during the handshake'));
    });

    it('refuses a man in the middle who swaps both ephemeral keys and re-encrypts', async () => {
      const c = connectSecure(link);
      const toServer = new Handshake(true, { identity: generateIdentity(), networkKey });
      const toClient = new Handshake(false, { identity: generateIdentity(), networkKey });
      let clientEphemeral: Uint8Array | undefined;
      c.wire.tap = (direction, message, index) => {
        if (direction === 'up' && index === 0) {
          clientEphemeral = bytesOf(message).slice(0, 32);
          toClient.readHello(bytesOf(message));
          return [toServer.writeHello(Date.now())];
        }
        if (direction === 'down' && index === 0) {
          // Open the server's identity with our key to it, re-seal it under our key to the client.
          const reply = bytesOf(message);
          const ts = toServer.transcript;
          ts.mixHash(reply.subarray(0, 32));
          const k1 = ts.mixKey(diffieHellman(toServer.ephemeral.secretKey, reply.subarray(0, 32)));
          const body = nacl.secretbox.open(reply.subarray(32), ZERO_NONCE, k1)!;
          const tc = toClient.transcript;
          tc.mixHash(toClient.ephemeral.publicKey);
          const k2 = tc.mixKey(diffieHellman(toClient.ephemeral.secretKey, clientEphemeral!));
          return [concat(toClient.ephemeral.publicKey, sealIdentity(k2, body.subarray(0, 32), body.subarray(32, 96)))];
        }
      };
      await expectFailure(c.client, c.clientLog, 'a bad signature');
      equal(c.wire.up.length, 1, 'the client revealed its identity');
      await farSideSees(link, c.server, () => expectFailure(c.server, c.serverLog, 'the transport closed during the handshake'));
    });

    it('refuses an all-zero ephemeral key, and says nothing', async () => {
      const raw = rawAgainst(link, 'server');
      raw.send(forgedHello(new Uint8Array(32)));
      await expectFailure(raw.peer, raw.log, 'a low-order ephemeral key');
      equal(raw.received.length, 0);
    });

    it('refuses a low-order ephemeral key in the reply', async () => {
      const raw = rawAgainst(link, 'client');
      await raw.next();
      raw.send(concat(ORDER_8_POINT, nacl.randomBytes(112)));
      await expectFailure(raw.peer, raw.log, 'a low-order ephemeral key');
      equal(raw.received.length, 1);
    });

    it('refuses a small-order identity key whose signature verifies for any message', async () => {
      let asked = 0;
      const raw = rawAgainst(link, 'client', { secure: { expectedRemoteKey: undefined, authorize: () => (asked++, true) } });
      const hello = await raw.next();
      const handshake = new Handshake(false, { identity: serverIdentity, networkKey });
      handshake.readHello(hello);
      const t = handshake.transcript;
      t.mixHash(handshake.ephemeral.publicKey);
      const key = t.mixKey(diffieHellman(handshake.ephemeral.secretKey, hello.subarray(0, 32)));
      const neutral = new Uint8Array(32);
      neutral[0] = 1; // the identity point
      const universal = concat(neutral, new Uint8Array(32)); // R = identity, S = 0
      ok(nacl.sign.detached.verify(concat(RESPONDER_LABEL, t.h), universal, neutral), 'tweetnacl alone would accept it');
      raw.send(concat(handshake.ephemeral.publicKey, sealIdentity(key, neutral, universal)));
      await expectFailure(raw.peer, raw.log, 'a small-order identity key');
      equal(asked, 0);
      equal(raw.received.length, 1);
    });

    it('refuses a malleated signature (S + L)', async () => {
      const raw = rawAgainst(link, 'client');
      const hello = await raw.next();
      const handshake = new Handshake(false, { identity: serverIdentity, networkKey });
      handshake.readHello(hello);
      const t = handshake.transcript;
      t.mixHash(handshake.ephemeral.publicKey);
      const key = t.mixKey(diffieHellman(handshake.ephemeral.secretKey, hello.subarray(0, 32)));
      const signature = malleate(signTranscript(RESPONDER_LABEL, t.h, serverIdentity.secretKey));
      ok(nacl.sign.detached.verify(concat(RESPONDER_LABEL, t.h), signature, serverIdentity.publicKey), 'tweetnacl alone would accept it');
      raw.send(concat(handshake.ephemeral.publicKey, sealIdentity(key, serverIdentity.publicKey, signature)));
      await expectFailure(raw.peer, raw.log, 'a non-canonical signature (S ≥ L)');
      equal(raw.received.length, 1);
    });

    it('stays silent to a replayed hello, spending one MAC check on it', async () => {
      const first = await established();
      let asked = 0;
      const raw = rawAgainst(link, 'server', { secure: { authorize: () => (asked++, true) } });
      raw.send(first.wire.up[0]);
      await expectFailure(raw.peer, raw.log, 'a replayed hello');
      equal(raw.received.length, 0, 'the responder answered');
      equal(asked, 0);
    });

    it('refuses a replayed message 3 even where the hello before it got through', async () => {
      const first = await established();
      const [hello, auth] = [first.wire.up[0]!, first.wire.up[1]!];
      let asked = 0;
      // A responder with a replay cache of its own, which has not seen the hello: a second line of defence.
      const raw = rawAgainst(link, 'server', { secure: { authorize: () => (asked++, true), handshakes: handshakeGuard() } });
      raw.send(hello);
      await raw.next();
      raw.send(auth);
      await expectFailure(raw.peer, raw.log, 'an identity message that did not open');
      equal(asked, 0);
      equal(raw.received.length, 1, 'the server sent READY');
    });

    it('refuses a pre-shared key mismatch', async () => {
      const c = connectSecure(link, {
        client: { secure: { psk: nacl.randomBytes(32) } },
        server: { secure: { psk: nacl.randomBytes(32) } },
      });
      await expectFailure(c.server, c.serverLog, 'an identity message that did not open');
      equal(c.wire.down.length, 1);
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
    });

    it('refuses an initiator with a pre-shared key the responder does not have', async () => {
      const c = connectSecure(link, { client: { secure: { psk: nacl.randomBytes(32) } } });
      await expectFailure(c.server, c.serverLog, 'an identity message that did not open');
      equal(c.wire.down.length, 1);
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
    });

    it('refuses a reused token', async () => {
      const unused = new Set(['one-time-7f3a']);
      const authorize = ({ token }: { token: Uint8Array | undefined }) => unused.delete(new TextDecoder().decode(token));
      const options: ConnectOptions = {
        client: { secure: { token: 'one-time-7f3a' } },
        server: { expose: { ok: () => true }, secure: { authorize } },
      };
      const first = connectSecure(link, options);
      equal(await first.client.remote().ok(), true);
      const second = connectSecure(link, options);
      await expectFailure(second.server, second.serverLog, 'authorize refused the remote key');
      equal(second.wire.down.length, 1);
      await farSideSees(link, second.client, () =>
        expectFailure(second.client, second.clientLog, 'the transport closed during the handshake'),
      );
    });

    it('refuses an invalid token', async () => {
      const authorize = ({ token }: { token: Uint8Array | undefined }) => !!token && sameBytes(token, new TextEncoder().encode('valid'));
      const c = connectSecure(link, { client: { secure: { token: 'forged' } }, server: { secure: { authorize } } });
      await expectFailure(c.server, c.serverLog, 'authorize refused the remote key');
      equal(c.wire.down.length, 1);
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
    });

    it('refuses a message that arrives while authorize is still deciding', async () => {
      let decide!: (verdict: unknown) => void;
      const raw = rawAgainst(link, 'server', { secure: { authorize: () => new Promise((resolve) => (decide = resolve)) } });
      const handshake = new Handshake(true, { identity: clientIdentity, networkKey });
      raw.send(handshake.writeHello(Date.now()));
      handshake.readIdentity(await raw.next());
      raw.send(handshake.writeAuth());
      raw.send(nacl.randomBytes(40));
      await expectFailure(raw.peer, raw.log, 'a message while authorize was deciding');
      decide(true); // too late: nothing follows
      await Promise.resolve();
      equal(raw.received.length, 1);
    });

    // ---- time and keys ----------------------------------------------------------------------

    it('fails a handshake that stalls once its timeout passes', async () => {
      // Long enough for the hello to cross a loaded machine's port before the close drops it.
      const raw = rawAgainst(link, 'client', { secure: { handshakeTimeout: 500 } });
      await raw.next();
      await expectFailure(raw.peer, raw.log, 'the handshake timed out');
      equal(raw.received.length, 1);
    });

    it('fails a responder whose initiator stalls after the reply', async () => {
      // Long enough for the hello to reach the responder and its reply to come back on a loaded machine
      // (30 ms failed once in Chromium at load 17: the timeout fired before the hello arrived).
      const raw = rawAgainst(link, 'server', { secure: { handshakeTimeout: 250 } });
      raw.send(new Handshake(true, { identity: clientIdentity, networkKey }).writeHello(Date.now()));
      await expectFailure(raw.peer, raw.log, 'the handshake timed out');
      equal(raw.received.length, 1);
    });

    it('follows a REKEY: the next record under the new key is accepted', async () => {
      const raw = rawAgainst(link, 'client');
      const keys = await respondByHand(raw);
      const sender = new RecordCipher(keys.send, FROM_RESPONDER);
      raw.send(sender.seal(READY, new Uint8Array(0)));
      raw.send(sender.seal(REKEY, new Uint8Array(0)));
      sender.rekey();
      raw.send(sender.seal(WHOLE, msgpackCodec().encode([[0, 1, false, {}]]) as Uint8Array));
      await raw.next(); // the client's hello
      await raw.next(); // its answer to ours: our record was opened and read
      equal(raw.peer.stats().ready, true);
    });

    it('refuses a record under the old key after a REKEY', async () => {
      const raw = rawAgainst(link, 'client');
      const keys = await respondByHand(raw);
      const old = new RecordCipher(keys.send.slice(), FROM_RESPONDER);
      const sender = new RecordCipher(keys.send, FROM_RESPONDER);
      raw.send(sender.seal(READY, new Uint8Array(0)));
      raw.send(sender.seal(REKEY, new Uint8Array(0)));
      sender.rekey();
      old.seal(READY, new Uint8Array(0));
      old.seal(REKEY, new Uint8Array(0)); // now at the counter the client expects next
      raw.send(old.seal(WHOLE, msgpackCodec().encode([[0, 1, false, {}]]) as Uint8Array));
      await expectFailure(raw.peer, raw.log, 'a record that did not open');
    });

    it('agrees on the channel binding at both ends, and it differs across sessions', async () => {
      const first = await established();
      const second = await established();
      const binding = channelBinding(first.client)!;
      equal(binding.byteLength, 64);
      deepEqual(channelBinding(first.server), binding);
      deepEqual(channelBinding(second.server), channelBinding(second.client));
      ok(!sameBytes(binding, channelBinding(second.client)!), 'two sessions share a binding');
    });
  });
}

for (const { name } of backends) for (const link of links) attackSuite(link, name);
