/**
 * The cache over real WebSocket connections: `serveWebSocket` takes a cache in its peer options,
 * and `invalidate(service, ...)` reaches every caching client. `ws` sockets on 127.0.0.1.
 */
import { describe, it } from 'node:test';
import { fromWebSocket } from '../../adapters/websocket.js';
import { cached, createCache, invalidate } from '../../src/cache/index.js';
import { createPeer, type Peer } from '../../src/index.js';
import { equal } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { client, serve } from '../support/ws-node.js';

describe('the cache over serveWebSocket', () => {
  checkLeaks();

  it('pushes invalidate(service) to every caching client, whose next call runs the handler again', async () => {
    let runs = 0;
    const api = { price: cached({ maxAge: 60_000, tags: () => ['prices'] }, () => ++runs) };
    const served = await serve({ peer: { expose: api, cache: createCache() } });
    const clients: Peer[] = [0, 1].map(() => track(createPeer(fromWebSocket(client(served.service.url)), { cache: createCache() })));
    for (const peer of clients) await peer.call('price');
    for (const peer of clients) await peer.call('price');
    equal(runs, 2);
    invalidate(served.service, { tags: ['prices'] });
    for (const peer of clients) await peer.call('price', [], { cache: 'no-store' }); // a round trip: the push has arrived
    for (const peer of clients) await peer.call('price');
    equal(runs, 6);
  });

  it('keeps answering a client without a cache, which never sees an invalidation', async () => {
    const api = { price: cached({ maxAge: 60_000, tags: () => ['prices'] }, () => 1) };
    const served = await serve({ peer: { expose: api, cache: createCache() } });
    const plain = track(createPeer(fromWebSocket(client(served.service.url))));
    equal(await plain.call('price'), 1);
    invalidate(served.service, { tags: ['prices'] });
    equal(await plain.call('price'), 1);
    equal(plain.stats().malformed, 0);
  });
});
