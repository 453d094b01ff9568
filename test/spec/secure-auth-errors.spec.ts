// A handshake that fails because of the far side's key, token, network key, psk or `authorize`
// ends both channels with RpcError('UNAUTHENTICATED') itself as the close reason, and calls held
// for that handshake reject with UNAUTHENTICATED itself (DESIGN §2), not UNAVAILABLE.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { RpcError } from '../../src/index.js';
import { sameBytes } from '../../src/secure/bytes.js';
import { generateIdentity } from '../../src/secure/index.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { type ConnectOptions, connectSecure, type Link, links } from '../support/secure.js';

interface Failure {
  readonly name: string;
  readonly options: ConnectOptions;
}

const failures: readonly Failure[] = [
  {
    name: 'a responder key that is not the pinned one',
    options: { client: { secure: { expectedRemoteKey: generateIdentity().publicKey } } },
  },
  { name: 'an initiator key that authorize does not know', options: { client: { secure: { identity: generateIdentity() } } } },
  {
    name: 'a token that authorize refuses',
    options: {
      client: { secure: { token: 'forged' } },
      server: { secure: { authorize: ({ token }) => !!token && sameBytes(token, new TextEncoder().encode('valid')) } },
    },
  },
  {
    name: 'an authorize that throws',
    options: {
      server: {
        secure: {
          authorize: () => {
            throw new Error('the user store is down');
          },
        },
      },
    },
  },
  { name: 'another network key', options: { server: { secure: { networkKey: nacl.randomBytes(32) } } } },
  {
    name: 'another psk',
    options: { client: { secure: { psk: nacl.randomBytes(32) } }, server: { secure: { psk: nacl.randomBytes(32) } } },
  },
];

/**
 * The failure's options, plus a short handshake timeout where the link cannot report a close
 * (Chromium's MessagePort): there the end that did not fail learns of it only by its timeout.
 */
function options(link: Link, failure: Failure): ConnectOptions {
  if (link.reportsClose) return failure.options;
  const quick = (side: ConnectOptions['client']) => ({ ...side, secure: { ...side?.secure, handshakeTimeout: 100 } });
  return { client: quick(failure.options.client), server: quick(failure.options.server) };
}

/** The close reason is RpcError('UNAUTHENTICATED') itself: what a peer reads from its transport. */
function unauthenticated(reason: unknown): void {
  ok(reason instanceof RpcError, `the close reason is not an RpcError: ${String(reason)}`);
  equal(reason.code, 'UNAUTHENTICATED');
}

for (const link of links) {
  describe(`secure channel authentication failures over ${link.name}`, () => {
    checkLeaks();

    for (const failure of failures) {
      it(`ends both channels with UNAUTHENTICATED as the close reason on ${failure.name}`, async () => {
        const c = connectSecure(link, options(link, failure));
        unauthenticated(await c.client.closed);
        unauthenticated(await c.server.closed);
      });

      // Needs the peer's half (src/peer.ts, the lead's): held and pending calls reject with the
      // transport's close reason when it is an RpcError UNAUTHENTICATED. Fails until that is merged.
      it(`rejects a call held for the handshake with UNAUTHENTICATED on ${failure.name}`, async () => {
        const c = connectSecure(link, options(link, failure));
        await rejectsWith(c.client.remote().ok(), 'UNAUTHENTICATED');
      });
    }

    it('rejects a call the responder held for the handshake with UNAUTHENTICATED when its authorize refuses', async () => {
      const c = connectSecure(link, options(link, { name: '', options: { client: { secure: { identity: generateIdentity() } } } }));
      await rejectsWith(c.server.remote().ok(), 'UNAUTHENTICATED');
    });
  });
}
