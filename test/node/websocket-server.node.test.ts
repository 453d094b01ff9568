/**
 * serveWebSocket's safe defaults against hostile clients: a connection cap, a browser Origin
 * allow-list, a hello timeout and redacted handler errors. Real `ws` sockets on 127.0.0.1.
 */
import { once } from 'node:events';
import { connect as tcp } from 'node:net';
import { describe, it } from 'node:test';
import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer, type Peer, type PeerOptions, RpcError } from '../../src/index.js';
import { service } from '../fixtures/service.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { client, closeCause, serve, type WebSocket } from '../support/ws-node.js';

const expose = { peer: { expose: service } };

/** A saltline client peer on a fresh ws socket (with `origin`, as a browser would send it). */
function connect(url: string, origin?: string): { socket: WebSocket; peer: Peer } {
  const socket = client(url, origin === undefined ? {} : { origin });
  return { socket, peer: track(createPeer(fromWebSocket(socket))) };
}

/** The HTTP status a refused upgrade answered with, as the client's close cause tells it. */
async function refusedWith(peer: Peer): Promise<string> {
  const cause = await closeCause(peer);
  return String((cause.cause as Error | undefined)?.message);
}

describe('serveWebSocket: the connection cap', () => {
  checkLeaks();

  it('refuses a connection over maxConnections with 503 before the handshake, and counts it', async () => {
    const served = await serve({ ...expose, maxConnections: 2 });
    const [a, b] = [connect(served.service.url), connect(served.service.url)];
    equal(await a.peer.call('add', [1, 1]), 2);
    equal(await b.peer.call('add', [1, 1]), 2);
    const third = connect(served.service.url);
    const status = await refusedWith(third.peer);
    ok(status.includes('503'), `not refused with 503: ${status}`);
    equal(served.peers.length, 2);
    equal(served.service.stats().refused.full, 1);
  });

  it('counts upgrades still waiting on the accept hook against maxConnections', async () => {
    let release!: () => void;
    const gate = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    let asked = 0;
    let firstAsked!: () => void;
    const waiting = new Promise<void>((resolve) => (firstAsked = resolve));
    const served = await serve({ ...expose, maxConnections: 1, accept: () => (asked++, firstAsked(), gate) });
    const first = connect(served.service.url);
    await waiting;
    const second = connect(served.service.url);
    ok((await refusedWith(second.peer)).includes('503'));
    release();
    equal(await first.peer.call('add', [2, 2]), 4);
    equal(asked, 1);
  });

  it('accepts a new connection once an open one has closed', async () => {
    const served = await serve({ ...expose, maxConnections: 1 });
    const first = connect(served.service.url);
    equal(await first.peer.call('add', [1, 1]), 2);
    first.peer.close();
    await served.peers[0]!.closed;
    const second = connect(served.service.url);
    equal(await second.peer.call('add', [1, 2]), 3);
    equal(served.service.stats().refused.full, 0);
  });

  it('throws a TypeError for a maxConnections that would turn the cap off', async () => {
    for (const maxConnections of [Number.NaN, 0, -1]) {
      const error = await serve({ maxConnections }).then(
        () => undefined,
        (e: unknown) => e,
      );
      ok(error instanceof TypeError, `maxConnections ${maxConnections} was taken`);
    }
  });

  it('reports the open connections in stats()', async () => {
    const served = await serve(expose);
    const { peer } = connect(served.service.url);
    equal(await peer.call('add', [1, 1]), 2);
    equal(served.service.stats().connections, 1);
  });
});

/** Sends an upgrade request from a foreign origin over raw TCP and resets the connection at once. */
async function upgradeAndReset(port: number): Promise<void> {
  const socket = tcp(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n',
  );
  socket.resetAndDestroy();
  await once(socket, 'close');
}

describe('serveWebSocket: the browser Origin allow-list', () => {
  checkLeaks();

  it('survives clients that reset the connection while their upgrade is being refused', async () => {
    const served = await serve(expose);
    for (let i = 0; i < 50; i++) await upgradeAndReset(served.service.address().port);
    const { peer } = connect(served.service.url);
    equal(await peer.call('add', [1, 1]), 2);
  });

  it('refuses a browser Origin by default with 403 before the handshake, and counts it', async () => {
    const served = await serve(expose);
    const { peer } = connect(served.service.url, 'https://evil.example');
    const status = await refusedWith(peer);
    ok(status.includes('403'), `not refused with 403: ${status}`);
    equal(served.peers.length, 0);
    equal(served.service.stats().refused.origin, 1);
  });

  it('accepts a client that sends no Origin (not a browser)', async () => {
    const served = await serve(expose);
    const { peer } = connect(served.service.url);
    equal(await peer.call('add', [2, 3]), 5);
  });

  it('accepts a browser Origin listed in allowOrigins and refuses one that only resembles it', async () => {
    const served = await serve({ ...expose, allowOrigins: ['https://app.example'] });
    const good = connect(served.service.url, 'https://app.example');
    equal(await good.peer.call('add', [2, 3]), 5);
    for (const origin of ['https://app.example.evil.example', 'http://app.example', 'https://app.example:8443', 'null']) {
      ok((await refusedWith(connect(served.service.url, origin).peer)).includes('403'), origin);
    }
    equal(served.service.stats().refused.origin, 4);
  });

  it("accepts every Origin with allowOrigins '*', leaving the decision to the accept hook", async () => {
    const seen: (string | undefined)[] = [];
    const served = await serve({ ...expose, allowOrigins: '*', accept: (request) => (seen.push(request.headers.origin as string), true) });
    const { peer } = connect(served.service.url, 'https://anywhere.example');
    equal(await peer.call('add', [1, 1]), 2);
    deepEqual(seen, ['https://anywhere.example']);
  });

  it('throws a TypeError for an allowOrigins entry that is not an exact origin', async () => {
    for (const entry of ['null', 'https://*.example.com', 'https://app.example/', 'app.example', 'HTTPS://App.Example']) {
      const error = (await serve({ allowOrigins: [entry] }).then(
        () => undefined,
        (e: unknown) => e,
      )) as Error | undefined;
      ok(error instanceof TypeError, `${entry} was taken`);
      ok(error.message.includes(JSON.stringify(entry)), error.message);
    }
  });
});

describe('serveWebSocket: defaults of each connection peer', () => {
  checkLeaks();

  /** The options each connection's peer was made with. */
  async function optionsOf(peer: PeerOptions = {}): Promise<PeerOptions> {
    let seen: PeerOptions | undefined;
    const make = (transport: Parameters<typeof createPeer>[0], options: PeerOptions) => ((seen = options), createPeer(transport, options));
    const served = await serve({ peer: { ...peer, expose: service }, createPeer: make });
    const { peer: caller } = connect(served.service.url);
    equal(await caller.call('add', [1, 1]), 2); // both hellos are through: no hello timer left armed
    return seen!;
  }

  it('gives each connection peer a 10 s hello timeout unless its peer options set one', async () => {
    equal((((await optionsOf()).limits ?? {}) as { helloTimeout?: number }).helloTimeout, 10_000);
    const own = await optionsOf({ limits: { helloTimeout: 250 } });
    equal(((own.limits ?? {}) as { helloTimeout?: number }).helloTimeout, 250);
  });

  // The timeout itself is the session's (Limits.helloTimeout); the test timeout only turns its absence into a failure, not a hang.
  it('closes a connection that never says hello with DEADLINE_EXCEEDED', { timeout: 10_000 }, async () => {
    const served = await serve({ ...expose, peer: { limits: { helloTimeout: 20 } } });
    const silent = client(served.service.url); // a bare ws socket: it never sends a hello
    const server = await served.peer(0);
    const reason = (await server.closed) as RpcError;
    equal(reason.code, 'DEADLINE_EXCEEDED');
    await once(silent, 'close');
  });

  it('sends a handler error to a client without its own properties or cause', async () => {
    const secret = Object.assign(new Error('lookup failed', { cause: new Error('password=hunter2') }), { query: 'SELECT secret' });
    const served = await serve({ peer: { expose: { fail: () => Promise.reject(secret) } } });
    const { peer } = connect(served.service.url);
    const error = (await peer.call('fail').then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { query?: unknown };
    equal(error.message, 'lookup failed');
    equal(error.query, undefined);
    equal(error.cause, undefined);
  });

  it("keeps an RpcError's code and data in what a client gets", async () => {
    const notFound = new RpcError('NOT_FOUND', 'no such user', { data: { id: 7 } });
    const served = await serve({ peer: { expose: { fail: () => Promise.reject(notFound) } } });
    const { peer } = connect(served.service.url);
    const error = (await peer.call('fail').catch((e: unknown) => e)) as RpcError;
    equal(error.code, 'NOT_FOUND');
    deepEqual(error.data, { id: 7 });
  });

  it('lets an onSendError in the peer options win over the default', async () => {
    const secret = Object.assign(new Error('lookup failed'), { query: 'SELECT 1' });
    const served = await serve({ peer: { expose: { fail: () => Promise.reject(secret) }, onSendError: () => undefined } });
    const { peer } = connect(served.service.url);
    const error = (await peer.call('fail').catch((e: unknown) => e)) as Error & { query?: unknown };
    equal(error.query, 'SELECT 1');
  });
});
