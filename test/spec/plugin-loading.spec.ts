import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer, type Peer, type Plugin, RpcError } from '../../src/index.js';
import { satisfies, VERSION } from '../../src/semver.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

describe('loading plugins', () => {
  checkLeaks();

  it('refuses at createPeer a plugin whose saltline range excludes this version, naming it', () => {
    const [near, far] = createMemoryPair();
    const error = throws(() => createPeer(near, { plugins: [{ name: 'from-the-future', requires: { saltline: '^9.0.0' } }] }));
    ok(error instanceof TypeError);
    equal(error.message, `plugin "from-the-future" requires saltline ^9.0.0; this is ${VERSION}`);
    near.close();
    far.close();
  });

  it('accepts a plugin whose saltline range includes this version', async () => {
    const [near, far] = createMemoryPair();
    track(createPeer(far, { expose: { one: () => 1 } }));
    const peer = track(createPeer(near, { plugins: [{ name: 'fits', requires: { saltline: `^${VERSION} || >=9.0.0` } }] }));
    equal(await peer.call('one'), 1);
  });

  it('closes the peer with an error naming the plugin whose setup throws', async () => {
    const [near, far] = createMemoryPair();
    track(createPeer(far));
    let made: Peer | undefined;
    const error = throws(() =>
      createPeer(near, {
        plugins: [
          {
            name: 'broken',
            setup: (peer) => {
              made = peer;
              throw new Error('no database');
            },
          },
        ],
      }),
    );
    ok(error instanceof RpcError && error.code === 'FAILED_PRECONDITION');
    equal(error.message, 'plugin "broken" failed to set up: no database');
    equal(await made?.closed, error);
  });
});

describe('plugins of one peer', () => {
  checkLeaks();

  it("never see another peer's calls, even through the same interceptor", async () => {
    const seen: string[] = [];
    const watching: Plugin = {
      name: 'watching',
      interceptors: { incoming: [(next) => (call) => (seen.push(call.method), next(call))] },
    };
    const api = { watched: () => 1, unwatched: () => 2 };
    const [a1, b1] = createMemoryPair();
    const [a2, b2] = createMemoryPair();
    track(createPeer(b1, { expose: api, plugins: [watching] }));
    track(createPeer(b2, { expose: api }));
    const one = track(createPeer(a1));
    const two = track(createPeer(a2));
    await Promise.all([one.call('watched'), two.call('unwatched')]);
    deepEqual(seen, ['watched']);
  });
});

describe('the saltline version range check', () => {
  const cases: [string, string, boolean][] = [
    ['1.2.3', '^1.2.0', true],
    ['1.9.0', '^1.2.0', true],
    ['2.0.0', '^1.2.0', false],
    ['1.1.9', '^1.2.0', false],
    ['0.2.5', '^0.2.1', true],
    ['0.3.0', '^0.2.1', false],
    ['0.0.4', '^0.0.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['5.0.0', '>=1.0.0', true],
    ['0.9.0', '>=1.0.0', false],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['3.0.0', '^1.0.0 || ^3.0.0', true],
    ['0.1.0', '^0.1', true],
  ];
  for (const [version, range, expected] of cases) {
    it(`says ${version} ${expected ? 'is' : 'is not'} in ${range}`, () => equal(satisfies(version, range), expected));
  }

  it('throws on a range it cannot read, rather than guess', () => {
    ok(throws(() => satisfies('1.0.0', '1.x')) instanceof TypeError);
  });
});
