// Which hellos a responder answers beyond the MAC: fresh (within the time window), new (not in the
// replay cache), within the handshake budget. Each bound is sent past, with a clock the test sets.

import nacl from 'tweetnacl';
import { describe, it } from '#harness';
import { DEFAULT_FRESHNESS, HelloGuard } from '../../src/secure/freshness.js';
import { handshakeGuard } from '../../src/secure/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { connectSecure, expectFailure, farSideSees, links } from '../support/secure.js';

const NOW = Date.UTC(2026, 5, 1);
const WINDOW = DEFAULT_FRESHNESS.window;
const mac = () => nacl.randomBytes(32);
/** A guard whose budget never runs out, to look at one bound at a time. */
const unlimited = (limits = {}) => new HelloGuard({ rate: 1e9, burst: 1e9, ...limits });

describe('hello freshness', () => {
  checkLeaks();

  it('answers a hello stamped as far from our clock as the window, either way', () => {
    const guard = unlimited();
    equal(guard.admit(NOW - WINDOW, mac(), NOW), undefined);
    equal(guard.admit(NOW + WINDOW, mac(), NOW), undefined);
  });

  it('refuses a hello stamped further from our clock than the window', () => {
    const guard = unlimited();
    ok(guard.admit(NOW - WINDOW - 1, mac(), NOW)?.startsWith('a hello outside the time window'));
    ok(guard.admit(NOW + WINDOW + 1, mac(), NOW)?.startsWith('a hello outside the time window'));
    equal(guard.size, 0);
  });

  it('refuses a hello it has answered before', () => {
    const guard = unlimited();
    const once = mac();
    equal(guard.admit(NOW, once, NOW), undefined);
    equal(guard.admit(NOW, once.slice(), NOW + 1000), 'a replayed hello');
  });

  it('refuses hellos past the burst until the budget refills', () => {
    const guard = new HelloGuard({ burst: 3, rate: 2 });
    for (let i = 0; i < 3; i++) equal(guard.admit(NOW, mac(), NOW), undefined);
    equal(guard.admit(NOW, mac(), NOW), 'a hello over the handshake rate limit');
    equal(guard.admit(NOW, mac(), NOW + 499), 'a hello over the handshake rate limit');
    equal(guard.admit(NOW, mac(), NOW + 500), undefined);
  });

  it('keeps at most maxEntries hellos, refusing new ones rather than forgetting live ones', () => {
    const guard = unlimited({ maxEntries: 4 });
    for (let i = 0; i < 4; i++) equal(guard.admit(NOW, mac(), NOW), undefined);
    equal(guard.admit(NOW, mac(), NOW), 'a hello while the replay cache is full');
    equal(guard.size, 4);
  });

  it('forgets a hello once its timestamp can no longer pass the window', () => {
    const guard = unlimited();
    const first = mac();
    guard.admit(NOW, first, NOW);
    guard.admit(NOW + WINDOW, mac(), NOW + 2 * WINDOW + 1);
    equal(guard.size, 1);
    ok(guard.admit(NOW, first, NOW + 2 * WINDOW + 1)?.startsWith('a hello outside the time window'));
  });

  it('refuses limits that are not positive numbers', () => {
    for (const limits of [{ window: 0 }, { rate: -1 }, { burst: 0.5 }, { maxEntries: 1.5 }, { window: Infinity }]) {
      throws(() => handshakeGuard(limits));
    }
  });

  it('has room by default for every hello its budget lets in while one is remembered', () => {
    const { rate, burst, window, maxEntries } = DEFAULT_FRESHNESS;
    ok(burst + (rate * 2 * window) / 1000 < maxEntries);
  });
});

for (const link of links) {
  describe(`hello freshness over ${link.name}`, () => {
    checkLeaks();

    it('stays silent to a client whose clock is ahead of ours by more than the window', async () => {
      const c = connectSecure(link, { client: { seams: { clock: () => Date.now() + WINDOW + 60_000 } } });
      await expectFailure(c.server, c.serverLog, 'a hello outside the time window');
      equal(c.wire.down.length, 0, 'the responder answered');
      await farSideSees(link, c.client, () => expectFailure(c.client, c.clientLog, 'the transport closed during the handshake'));
    });

    it('stays silent to a hello once the handshake budget is spent', async () => {
      const guard = handshakeGuard({ burst: 1, rate: 1e-6 });
      const first = connectSecure(link, { server: { expose: { ok: () => true }, secure: { handshakes: guard } } });
      equal(await first.client.remote().ok(), true);
      const second = connectSecure(link, { server: { secure: { handshakes: guard } } });
      await expectFailure(second.server, second.serverLog, 'a hello over the handshake rate limit');
      equal(second.wire.down.length, 0, 'the responder answered');
      const closed = 'the transport closed during the handshake';
      await farSideSees(link, second.client, () => expectFailure(second.client, second.clientLog, closed));
    });
  });
}
