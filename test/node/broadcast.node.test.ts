import { describe, it } from 'node:test';
import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer, type Peer } from '../../src/index.js';
import { deepEqual, equal, rejectsWith } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { client, serve } from '../support/ws-node.js';

/** A service whose clients may subscribe to topics; each client records the news it hears. */
async function newsService(maxTopicsPerPeer?: number) {
  const served = await serve(maxTopicsPerPeer === undefined ? {} : { maxTopicsPerPeer }, (peer: Peer) =>
    peer.expose({
      subscribe: (topic: string) => served.service.subscribe(peer, topic),
      unsubscribe: (topic: string) => served.service.unsubscribe(peer, topic),
    }),
  );
  const join = () => {
    const news: unknown[] = [];
    let heard: () => void = () => {};
    const peer = track(
      createPeer(fromWebSocket(client(served.service.url)), {
        expose: {
          news: (text: unknown) => {
            news.push(text);
            heard();
          },
        },
      }),
    );
    return { peer, news, next: () => new Promise<void>((resolve) => (heard = resolve)) };
  };
  return { service: served.service, join };
}

describe('broadcast(topic, method, ...args) on one process', () => {
  checkLeaks();

  it('notifies the peers subscribed to the topic and no others', async () => {
    const { service, join } = await newsService();
    const [a, b] = [join(), join()];
    await a.peer.call('subscribe', ['prices']);
    await b.peer.call('subscribe', ['weather']);
    const heard = a.next();
    service.broadcast('prices', 'news', 'up');
    await heard;
    await b.peer.call('subscribe', ['weather']); // a round trip: anything sent to b before it has arrived
    deepEqual([a.news, b.news], [['up'], []]);
  });

  it('stops notifying a peer once it unsubscribes', async () => {
    const { service, join } = await newsService();
    const [a, b] = [join(), join()];
    await Promise.all([a.peer.call('subscribe', ['prices']), b.peer.call('subscribe', ['prices'])]);
    await a.peer.call('unsubscribe', ['prices']);
    const heard = b.next();
    service.broadcast('prices', 'news', 'down');
    await heard;
    await a.peer.call('subscribe', ['other']);
    deepEqual(a.news, []);
  });

  it('refuses a subscription past maxTopicsPerPeer with RESOURCE_EXHAUSTED', async () => {
    const { join } = await newsService(2);
    const a = join();
    await a.peer.call('subscribe', ['one']);
    await a.peer.call('subscribe', ['two']);
    await rejectsWith(a.peer.call('subscribe', ['three']), 'RESOURCE_EXHAUSTED');
  });

  it('refuses a topic that is not a string of 1 to 256 characters with INVALID_ARGUMENT', async () => {
    const { join } = await newsService();
    const a = join();
    const error = await rejectsWith(a.peer.call('subscribe', ['x'.repeat(257)]), 'INVALID_ARGUMENT');
    equal(error.message, 'a topic is a string of 1 to 256 characters');
  });
});
