/**
 * Several Node processes serving one API on one Redis (the bus of saltline/cluster): signaling
 * rooms across processes, broadcasts to clients of every process, a process killed mid-session.
 */
import { after, before, describe, it } from 'node:test';
import { connectWebSocket, fromWebSocket } from '../../adapters/websocket.js';
import { createCache } from '../../src/cache/index.js';
import { createPeer, type Peer } from '../../src/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { type ClusterNode, startNode } from '../support/cluster.js';
import { checkLeaks, track } from '../support/connect.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { client, WebSocket } from '../support/ws-node.js';

interface Heard {
  readonly events: unknown[][];
  /** Resolves with the first event `match` accepts, at once if it came already. */
  next(match: (event: unknown[]) => boolean): Promise<unknown[]>;
}

/** Records every notification a peer gets, as `[method, ...args]`. */
function heard(): { expose: Record<string, (...args: unknown[]) => void>; heard: Heard } {
  const events: unknown[][] = [];
  const waiting: { match: (event: unknown[]) => boolean; resolve: (event: unknown[]) => void }[] = [];
  const record =
    (method: string) =>
    (...args: unknown[]) => {
      const event = [method, ...args];
      events.push(event);
      for (const waiter of [...waiting]) {
        if (!waiter.match(event)) continue;
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    };
  return {
    expose: { joined: record('joined'), left: record('left'), signal: record('signal'), news: record('news') },
    heard: {
      events,
      next: (match) => {
        const found = events.find(match);
        return found ? Promise.resolve(found) : new Promise((resolve) => waiting.push({ match, resolve }));
      },
    },
  };
}

/** A client peer of `node` on `path`, recording what it is told. */
function connect(node: ClusterNode, path: '/rpc' | '/signal'): { peer: Peer; heard: Heard } {
  const { expose, heard: h } = heard();
  return { peer: track(createPeer(fromWebSocket(client(node.url(path))), { expose })), heard: h };
}

describe('a cluster of 3 processes on one Redis', () => {
  let redis: RedisServer;
  let nodes: ClusterNode[];
  const extra: ClusterNode[] = [];
  checkLeaks();

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all(['a', 'b', 'c'].map((name) => startNode(name, redis.url)));
  });
  after(async () => {
    await Promise.all([...nodes, ...extra].map((node) => node.stop()));
    await redis.stop();
  });

  it('relays signals between two clients connected to different processes', async () => {
    const alice = connect(nodes[0]!, '/signal');
    const bob = connect(nodes[1]!, '/signal');
    const a = await alice.peer.call<{ id: string; members: string[] }>('join', ['room-1']);
    const b = await bob.peer.call<{ id: string; members: string[] }>('join', ['room-1']);
    deepEqual(b.members, [a.id]);
    await bob.peer.call('signal', ['room-1', a.id, { type: 'offer', sdp: 'v=0' }]);
    deepEqual(await alice.heard.next((e) => e[0] === 'signal'), ['signal', 'room-1', b.id, { type: 'offer', sdp: 'v=0' }]);
    await alice.peer.call('signal', ['room-1', b.id, { type: 'answer' }]);
    deepEqual(await bob.heard.next((e) => e[0] === 'signal'), ['signal', 'room-1', a.id, { type: 'answer' }]);
  });

  it('tells a member when a member connected to another process joins its room', async () => {
    const alice = connect(nodes[0]!, '/signal');
    const carol = connect(nodes[2]!, '/signal');
    await alice.peer.call('join', ['room-2']);
    const c = await carol.peer.call<{ id: string }>('join', ['room-2']);
    deepEqual(await alice.heard.next((e) => e[0] === 'joined'), ['joined', 'room-2', c.id]);
  });

  it('reaches subscribed clients on all 3 processes with one broadcast', async () => {
    const clients = nodes.map((node) => connect(node, '/rpc'));
    await Promise.all(clients.map(({ peer }) => peer.call('subscribe', ['prices'])));
    await clients[1]!.peer.call('broadcast', ['prices', 'up']);
    const got = await Promise.all(clients.map(({ heard: h }) => h.next((e) => e[0] === 'news')));
    deepEqual(
      got,
      [0, 1, 2].map(() => ['news', 'up', 'b']),
    );
  });

  it('invalidates a result cached by a client of one process when another process invalidates its tag', async () => {
    const { expose, heard: h } = heard();
    const cache = createCache();
    const reader = track(createPeer(fromWebSocket(client(nodes[1]!.url('/rpc'))), { expose, cache }));
    await reader.call('subscribe', ['invalidated-1']);
    const first = await reader.call('price');
    equal(await reader.call('price'), first);
    equal(cache.stats().hits, 1);
    // Process a invalidates, then broadcasts: b hears both in that order, and so does the reader.
    await connect(nodes[0]!, '/rpc').peer.call('invalidate', ['prices', 'invalidated-1']);
    await h.next((e) => e[0] === 'news' && e[1] === 'invalidated');
    const second = await reader.call('price');
    equal(cache.stats().hits, 1);
    ok(second !== first, `still ${second}: the invalidation did not reach process b's client`);
  });

  it('removes the members of a killed process from their rooms and tells the others', async () => {
    const doomed = await startNode('doomed', redis.url);
    extra.push(doomed);
    const alice = connect(nodes[0]!, '/signal');
    const dave = connect(doomed, '/signal');
    await alice.peer.call('join', ['room-3']);
    const d = await dave.peer.call<{ id: string }>('join', ['room-3']);
    await alice.heard.next((e) => e[0] === 'joined');
    await doomed.kill();
    deepEqual(await alice.heard.next((e) => e[0] === 'left'), ['left', 'room-3', d.id]);
    // A newcomer sees no ghost of dave.
    const erin = connect(nodes[1]!, '/signal');
    const e = await erin.peer.call<{ members: string[] }>('join', ['room-3']);
    equal(e.members.includes(d.id), false);
  });

  it('lets a client of a killed process redial another process and resume its calls and subscriptions', async () => {
    const doomed = await startNode('doomed-2', redis.url);
    extra.push(doomed);
    const urls = [doomed.url('/rpc'), nodes[0]!.url('/rpc')];
    let dials = 0;
    const { expose, heard: h } = heard();
    const peer = track(
      createPeer(
        connectWebSocket(() => new WebSocket(urls[Math.min(dials++, 1)]!), { reconnect: { initialDelay: 10, jitter: 0 } }),
        { expose },
      ),
    );
    equal(await peer.call('whoami'), 'doomed-2');
    const reopened = new Promise<void>((resolve) => {
      const stop = peer.onStateChange((change) => change.state === 'open' && (stop(), resolve()));
    });
    await doomed.kill();
    await reopened;
    equal(await peer.call('whoami'), 'a');
    await peer.call('subscribe', ['after-failover']);
    await (await connect(nodes[2]!, '/rpc')).peer.call('broadcast', ['after-failover', 'still here']);
    ok(await h.next((e) => e[1] === 'still here'));
  });
});
