// What a secure channel leaves of its secrets: its copies of the identity secret key, network key,
// psk and token are zero once it has closed for good, whether it closed or failed.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { isZero } from '../../src/secure/bytes.js';
import type { SecureTransport } from '../../src/secure/channel.js';
import { equal, ok } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { type ConnectOptions, clientIdentity, connectSecure, expectFailure, farSideSees, links } from '../support/secure.js';

const psk = nacl.randomBytes(32);

/** Every secret the channel holds is all zeros, and there are as many as it was given. */
function wiped(channel: SecureTransport, count: number): void {
  equal(channel.secretsHeld.length, count, 'secrets held');
  for (const secret of channel.secretsHeld) ok(secret.byteLength > 0 && isZero(secret), 'a secret survived');
}

for (const link of links) {
  describe(`secure channel key wiping over ${link.name}`, () => {
    checkLeaks();

    /** A client and server with a psk and a token each, and their channels. */
    function connect(options: ConnectOptions = {}) {
      const channels: { client?: SecureTransport; server?: SecureTransport } = {};
      const c = connectSecure(link, {
        client: {
          secure: { psk, token: 'client token', ...options.client?.secure },
          seams: { onTransport: (t) => (channels.client = t) },
        },
        server: {
          expose: { ok: () => true },
          secure: { psk, token: 'server token', ...options.server?.secure },
          seams: { onTransport: (t) => (channels.server = t) },
        },
      });
      return { ...c, channels: channels as Required<typeof channels> };
    }

    it('holds its secrets while the channel is open', async () => {
      const c = connect();
      equal(await c.client.remote().ok(), true);
      for (const channel of [c.channels.client, c.channels.server]) {
        ok(channel.secretsHeld.every((secret) => !isZero(secret)));
      }
    });

    it('wipes its copies of the identity secret key, network key, psk and token when it closes', async () => {
      const c = connect();
      equal(await c.client.remote().ok(), true);
      c.client.close();
      await c.client.closed;
      wiped(c.channels.client, 4);
    });

    it('wipes them on the far side too when the far side closes the channel', async () => {
      const c = connect();
      equal(await c.client.remote().ok(), true);
      c.client.close();
      await farSideSees(link, c.server, async () => void (await c.server.closed));
      wiped(c.channels.server, 4);
    });

    it('wipes them when the handshake fails', async () => {
      const c = connect({ server: { secure: { networkKey: nacl.randomBytes(32) } } });
      await expectFailure(c.server, c.serverLog, 'a hello under another network key');
      wiped(c.channels.server, 4);
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
      wiped(c.channels.client, 4);
    });

    it('leaves the application its own identity', async () => {
      const c = connect();
      equal(await c.client.remote().ok(), true);
      c.client.close();
      await c.client.closed;
      ok(!isZero(clientIdentity.secretKey));
    });
  });
}
