import { once } from 'node:events';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { connectWebSocket, fromWebSocket, type ReconnectPolicy } from '../../adapters/websocket.js';
import { createPeer, type Peer, RpcError, withContext } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { until } from '../support/state.js';
import { client, closeCause, rawServer, serve, WebSocket } from '../support/ws-node.js';

const expose = { peer: { expose: service } };

/** The service plus `hang()`, which never returns; `entered(n)` resolves once n calls have started. */
function hanging() {
  let count = 0;
  const waiters: [number, () => void][] = [];
  const api = {
    ...service,
    hang: withContext((ctx) => {
      count++;
      for (const [n, wake] of waiters) if (count >= n) wake();
      return new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    }),
  };
  const entered = (n: number) => new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push([n, resolve])));
  return { options: { peer: { expose: api } }, entered };
}

function connect(url: string, options: Parameters<typeof fromWebSocket>[1] = {}, peerOptions = {}) {
  const socket = client(url);
  const peer = track(createPeer(fromWebSocket(socket, options), peerOptions));
  return { socket, peer, api: peer.remote<Service>() };
}

function redialling(url: string, reconnect: ReconnectPolicy = {}, peerOptions = {}) {
  const dialer = connectWebSocket(() => client(url), { keepAlive: false, reconnect: { initialDelay: 1, maxDelay: 5, ...reconnect } });
  const peer = track(createPeer(dialer, peerOptions));
  return { peer, api: peer.remote<Service>() };
}

describe('a WebSocket server and its clients (Node, ws, 127.0.0.1)', () => {
  checkLeaks();

  it('serves calls on a port of 127.0.0.1 that it reports', async () => {
    const { service: ws } = await serve(expose);
    const { host, port } = ws.address();
    equal(host, '127.0.0.1');
    ok(port > 0);
    equal(ws.url, `ws://127.0.0.1:${port}/`);
    const { api } = connect(ws.url);
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(9), 81);
  });

  it('lets the server call the client back on the same connection', async () => {
    const served = await serve(expose);
    const { api } = connect(served.service.url, {}, { expose: { double: (x: number) => 2 * x } });
    equal(await api.add(1, 1), 2);
    const server = await served.peer(0);
    equal(await server.call('double', [21]), 42);
  });

  it('yields one peer per connection, each with its own state', async () => {
    let count = 0;
    const served = await serve({}, (peer) => {
      const id = ++count;
      peer.expose({ id: () => id });
    });
    const a = connect(served.service.url);
    const b = connect(served.service.url);
    const ids = [await a.peer.call('id'), await b.peer.call('id')].sort();
    deepEqual(ids, [1, 2]);
    equal(served.peers.length, 2);
  });

  it('carries bytes as binary frames and arrives as Uint8Array', async () => {
    const { service: ws } = await serve(expose);
    const raw = client(ws.url);
    const [data, isBinary] = (await once(raw, 'message')) as [Buffer, boolean];
    ok(isBinary, 'the hello came as a text frame');
    ok(data.byteLength > 0);
    raw.close();
    const { api } = connect(ws.url);
    const bytes = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const back = await api.echo(bytes);
    ok(back instanceof Uint8Array);
    deepEqual(back, bytes);
  });

  it('sends what was called before the socket opened once it opens', async () => {
    const { service: ws } = await serve(expose);
    const { socket, api } = connect(ws.url);
    equal(socket.readyState, WebSocket.CONNECTING);
    equal(await api.add(2, 3), 5);
  });

  it('reports the initiator: true for the client, false on the server', async () => {
    let serverSide: boolean | undefined;
    const served = await serve({
      ...expose,
      createPeer: (transport, options) => {
        serverSide = transport.initiator;
        return createPeer(transport, options);
      },
    });
    const transport = fromWebSocket(client(served.service.url));
    const peer = track(createPeer(transport));
    equal(await peer.call('add', [1, 1]), 2); // both hellos are through: no hello timer left armed
    equal(transport.initiator, true);
    equal(serverSide, false);
  });

  it('closes a connection with 1011 when its peer cannot be made, and keeps serving', async () => {
    let fail = true;
    const served = await serve({
      ...expose,
      createPeer: (transport, options) => {
        if (fail) throw new TypeError('bad options');
        return createPeer(transport, options);
      },
    });
    const first = connect(served.service.url);
    equal((await closeCause(first.peer)).code, 'INTERNAL');
    fail = false;
    equal(await connect(served.service.url).api.add(1, 2), 3);
  });

  it('mounts on an existing HTTP server at its path and leaves other paths to other listeners', async () => {
    const http = createServer();
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    afterClose(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const others: string[] = [];
    http.on('upgrade', (request, socket) => {
      if (request.url === '/other') {
        others.push(request.url);
        socket.destroy();
      }
    });
    const served = await serve({ server: http, path: '/rpc', ...expose });
    const port = (http.address() as { port: number }).port;
    equal(served.service.url, `ws://127.0.0.1:${port}/rpc`);
    const { api } = connect(`ws://127.0.0.1:${port}/rpc?x=1`);
    equal(await api.add(1, 2), 3);
    const other = new WebSocket(`ws://127.0.0.1:${port}/other`);
    other.on('error', () => {}); // the other listener hangs up on it
    await new Promise((resolve) => other.once('close', resolve));
    deepEqual(others, ['/other']);
    equal(served.peers.length, 1);
  });

  it('refuses a connection the accept hook refuses, with its HTTP status, and makes no peer', async () => {
    const served = await serve({
      ...expose,
      accept: (request) => (request.headers.authorization === 'Bearer good' ? true : { status: 401, message: 'who are you' }),
    });
    const refused = track(createPeer(fromWebSocket(client(served.service.url))));
    const cause = await closeCause(refused);
    equal(cause.code, 'UNAVAILABLE');
    equal(cause.data?.code, 1006);
    ok(String((cause.cause as Error)?.message).includes('401'), `the cause does not say 401: ${(cause.cause as Error)?.message}`);
    const good = client(served.service.url, { headers: { authorization: 'Bearer good' } });
    const peer = track(createPeer(fromWebSocket(good)));
    equal(await peer.call('add', [1, 1]), 2);
    equal(served.peers.length, 1);
    equal(served.requests[0]!.headers.authorization, 'Bearer good');
  });

  it('accepts after an asynchronous accept hook resolves true', async () => {
    const served = await serve({ ...expose, accept: async (request) => request.url === '/?token=ok' });
    const { api } = connect(`${served.service.url}?token=ok`);
    equal(await api.add(2, 2), 4);
  });

  it('fails a call over the server maximum payload with RESOURCE_EXHAUSTED and keeps the connection', async () => {
    const { service: ws } = await serve({ ...expose, maxMessageSize: 64 * 1024 });
    const { api, peer } = connect(ws.url);
    equal(await api.add(1, 1), 2); // the server's hello has told the client its limit
    await rejectsWith(api.echo(new Uint8Array(100 * 1024)), 'RESOURCE_EXHAUSTED');
    equal(await api.add(2, 2), 4);
    equal(peer.stats().closed, false);
  });

  it('closes a connection that sends a frame over the maximum payload with 1009', async () => {
    const served = await serve({ ...expose, maxMessageSize: 64 * 1024 });
    const raw = client(served.service.url);
    await once(raw, 'open');
    const server = await served.peer(0);
    raw.send(new Uint8Array(100 * 1024));
    const [code] = (await once(raw, 'close')) as [number];
    equal(code, 1009);
    const cause = await closeCause(server);
    equal(cause.code, 'RESOURCE_EXHAUSTED');
    equal(cause.data?.code, 1009);
  });

  it('refuses an incoming message over the client maximum with 1009', async () => {
    const { service: ws } = await serve({ peer: { expose: { big: () => new Uint8Array(100 * 1024) } } });
    const { peer } = connect(ws.url, { maxMessageSize: 64 * 1024 }, { limits: { maxMessageSize: 1 << 20 } });
    const call = peer.call('big');
    await rejectsWith(call, 'UNAVAILABLE');
    const cause = await closeCause(peer);
    equal(cause.code, 'RESOURCE_EXHAUSTED');
  });

  it('maps the close code and reason of the far side to the close reason', async () => {
    const { server, url } = await rawServer();
    server.on('connection', (socket) => socket.close(1008, 'not allowed here'));
    const { peer } = connect(url);
    const cause = await closeCause(peer);
    ok(cause instanceof RpcError);
    equal(cause.code, 'PERMISSION_DENIED');
    equal(cause.data?.code, 1008);
    equal(cause.data?.reason, 'not allowed here');
  });

  it('maps 1011 to INTERNAL and application codes to UNKNOWN', async () => {
    const { server, url } = await rawServer();
    const codes = [1011, 4321];
    server.on('connection', (socket) => socket.close(codes.shift()!, 'bye'));
    equal((await closeCause(connect(url).peer)).code, 'INTERNAL');
    equal((await closeCause(connect(url).peer)).code, 'UNKNOWN');
  });

  it('closes every connection with 1001 (going away) when the service closes', async () => {
    const { service: ws } = await serve(expose);
    const { api, peer } = connect(ws.url);
    equal(await api.add(1, 1), 2);
    await ws.close();
    const cause = await closeCause(peer);
    equal(cause.data?.code, 1001);
    equal(ws.peers.size, 0);
  });

  it('says goodbye when the client peer closes, and the server peer closes too', async () => {
    const served = await serve(expose);
    const { api, peer } = connect(served.service.url);
    equal(await api.add(1, 1), 2);
    peer.close();
    const reason = (await (await served.peer(0)).closed) as RpcError;
    equal(reason.message, 'the remote peer closed');
  });

  it('rejects the pending calls with UNAVAILABLE when the connection drops mid-call', async () => {
    const { options, entered } = hanging();
    const served = await serve(options);
    const { peer } = connect(served.service.url);
    const pending = [peer.call('hang'), peer.call('hang')];
    await entered(2);
    served.requests[0]!.socket.destroy();
    for (const call of pending) await rejectsWith(call, 'UNAVAILABLE');
    equal((await closeCause(peer)).data?.code, 1006);
  });

  it('closes a client whose server stops answering keep-alive pings', async () => {
    const { url } = await rawServer({ autoPong: false });
    const { peer } = connect(url, { keepAlive: { interval: 10 } });
    const cause = await closeCause(peer);
    equal(cause.code, 'UNAVAILABLE');
    ok(String(cause.message).includes('keep-alive'), String(cause.message));
  });

  it('closes a server peer whose client stops answering keep-alive pings', async () => {
    const served = await serve({ ...expose, keepAlive: { interval: 10 } });
    const raw = client(served.service.url, { autoPong: false });
    const server = await served.peer(0);
    const cause = await closeCause(server);
    ok(String(cause.message).includes('keep-alive'), String(cause.message));
    await once(raw, 'close');
  });

  it('keeps a quiet but healthy connection open across many keep-alive intervals', async () => {
    const served = await serve({ ...expose, keepAlive: { interval: 5 } });
    const { api, socket } = connect(served.service.url, { keepAlive: { interval: 5 } });
    equal(await api.add(1, 1), 2);
    let pings = 0;
    socket.on('ping', () => pings++);
    while (pings < 5) await new Promise((resolve) => socket.once('ping', resolve));
    equal(await api.add(2, 2), 4);
  });
});

describe('a redialling WebSocket client', () => {
  checkLeaks();

  it('redials after the connection drops and is served by a new server peer', async () => {
    const served = await serve(expose);
    const { peer, api } = redialling(served.service.url);
    equal(await api.add(1, 1), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    served.requests[0]!.socket.destroy();
    await reopened;
    equal(await api.add(2, 2), 4);
    equal(served.peers.length, 2);
  });

  it('rejects calls in flight with UNAVAILABLE when the link drops, then serves new ones', async () => {
    const { options, entered } = hanging();
    const served = await serve(options);
    const { api, peer } = redialling(served.service.url);
    const pending = peer.call('hang');
    await entered(1);
    served.requests[0]!.socket.destroy();
    await rejectsWith(pending, 'UNAVAILABLE');
    equal(await api.add(3, 3), 6);
  });

  it('holds calls made while down and sends them after the redial', async () => {
    let refuse = false;
    const served = await serve({ ...expose, accept: () => !refuse });
    const { peer, api } = redialling(served.service.url);
    equal(await api.add(1, 1), 2);
    refuse = true;
    const failedOnce = until(peer, (c) => c.state === 'reconnecting' && c.attempt >= 2);
    served.requests[0]!.socket.destroy();
    await failedOnce;
    const held = api.add(20, 22);
    equal(peer.stats().heldCalls, 1);
    refuse = false;
    equal(await held, 42);
  });

  it("fails calls at once with UNAVAILABLE while down when whileDown is 'fail'", async () => {
    let refuse = false;
    const served = await serve({ ...expose, accept: () => !refuse });
    const { peer, api } = redialling(served.service.url, { whileDown: 'fail' });
    equal(await api.add(1, 1), 2);
    refuse = true;
    const down = until(peer, (c) => c.state === 'reconnecting');
    served.requests[0]!.socket.destroy();
    await down;
    await rejectsWith(api.add(1, 2), 'UNAVAILABLE');
    refuse = false;
    await until(peer, (c) => c.state === 'open');
    equal(await api.add(2, 2), 4);
  });

  it('fails held calls with UNAVAILABLE once the link has been down for maxWait', async () => {
    let refuse = false;
    const served = await serve({ ...expose, accept: () => !refuse });
    const { peer, api } = redialling(served.service.url, { maxWait: 20 });
    equal(await api.add(1, 1), 2);
    refuse = true;
    const down = until(peer, (c) => c.state === 'reconnecting');
    served.requests[0]!.socket.destroy();
    await down;
    const held = api.add(1, 2);
    const error = await rejectsWith(held, 'UNAVAILABLE');
    ok(error.cause instanceof RpcError && error.cause.message.startsWith('still reconnecting'), String((error.cause as Error)?.message));
    await rejectsWith(api.add(1, 2), 'UNAVAILABLE'); // new calls now fail at once
    refuse = false;
    await until(peer, (c) => c.state === 'open');
    equal(await api.add(2, 2), 4);
  });

  it('gives up after maxAttempts failed dials and closes the peer with the last reason', async () => {
    const served = await serve({ accept: () => false });
    const { peer } = redialling(served.service.url, { initialDelay: 1, maxDelay: 2, maxAttempts: 3 });
    const call = peer.call('add', [1, 1]);
    const reason = (await peer.closed) as RpcError;
    equal(reason.code, 'UNAVAILABLE');
    equal(peer.state, 'closed');
    equal(served.requests.length, 0);
    await rejectsWith(call, 'UNAVAILABLE');
  });

  it('closes at once, without redialling, when the socket cannot even be constructed', async () => {
    let dials = 0;
    const dialer = connectWebSocket(() => {
      dials++;
      throw new SyntaxError('not a WebSocket URL');
    });
    const peer = track(createPeer(dialer));
    const reason = (await peer.closed) as RpcError;
    equal(reason.code, 'INVALID_ARGUMENT');
    equal(peer.state, 'closed');
    equal(dials, 1);
  });

  it('grows the delay by factor up to maxDelay', async () => {
    const served = await serve({ accept: () => false });
    const reconnect = { initialDelay: 1, factor: 3, maxDelay: 20, jitter: 0, maxAttempts: 5 };
    const { peer } = redialling(served.service.url, reconnect);
    const delays: number[] = [];
    peer.onStateChange((c) => c.delay !== undefined && delays.push(c.delay));
    await peer.closed;
    deepEqual(delays, [1, 3, 9, 20, 20]);
  });

  it('draws jittered delays within [d·(1 − jitter), d]', async () => {
    const served = await serve({ accept: () => false });
    const reconnect = { initialDelay: 8, factor: 1, maxDelay: 8, jitter: 0.5, maxAttempts: 4 };
    const { peer } = redialling(served.service.url, reconnect);
    const delays: number[] = [];
    peer.onStateChange((c) => c.delay !== undefined && delays.push(c.delay));
    await peer.closed;
    equal(delays.length, 4);
    for (const delay of delays) ok(delay >= 4 && delay <= 8, `delay ${delay}`);
  });

  it('reports its states in order: connecting, open, reconnecting, open, closed', async () => {
    const served = await serve(expose);
    const { peer, api } = redialling(served.service.url);
    const states: string[] = [peer.state];
    peer.onStateChange((c) => states.push(c.state));
    equal(await api.add(1, 1), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    served.requests[0]!.socket.destroy();
    await reopened;
    equal(await api.add(2, 2), 4); // the new server peer has had its hello: no hello timer left armed
    peer.close();
    deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  it('redials when the service restarts (1001) but not after a 1008 close', async () => {
    const served = await serve(expose);
    const { peer, api } = redialling(served.service.url);
    equal(await api.add(1, 1), 2);
    const reconnecting = until(peer, (c) => c.state === 'reconnecting');
    await served.service.close();
    deepEqual(((await reconnecting).reason as RpcError).data, { code: 1001, reason: 'server shutting down', wasClean: true });
    peer.close('no server to come back to'); // it would redial forever: its timers are not a leak

    const { server, url } = await rawServer();
    server.on('connection', (socket) => socket.close(1008, 'go away'));
    const other = redialling(url);
    const reason = (await other.peer.closed) as RpcError;
    equal(reason.code, 'PERMISSION_DENIED');
    equal(other.peer.state, 'closed');
  });

  it('does not redial once the server peer closes with a goodbye', async () => {
    const served = await serve(expose);
    const { peer, api } = redialling(served.service.url);
    equal(await api.add(1, 1), 2);
    served.peers[0]!.close('kicked');
    const reason = (await peer.closed) as RpcError;
    equal(reason.message, 'the remote peer closed');
    equal(peer.state, 'closed');
    equal(served.peers.length, 1);
  });

  it('serves what the client exposes to the new server peer after a redial', async () => {
    const served = await serve(expose);
    const { peer, api } = redialling(served.service.url, {}, { expose: { ping: () => 'pong' } });
    equal(await api.add(1, 1), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    served.requests[0]!.socket.destroy();
    await reopened;
    equal(await (await served.peer(1)).call('ping'), 'pong');
  });
});

describe('one ws server under load (reduced: 20 clients × 10 calls in flight)', () => {
  checkLeaks();

  it('answers every call exactly once, to the caller that made it', async () => {
    const seen = new Set<string>();
    let duplicates = 0;
    const served = await serve({}, (peer) => {
      peer.expose({
        work: withContext(async (_ctx, client: number, call: number, payload: Uint8Array) => {
          const key = `${client}:${call}`;
          if (seen.has(key)) duplicates++;
          seen.add(key);
          await new Promise((resolve) => setImmediate(resolve));
          return { client, call, sum: payload.reduce((a, b) => a + b, 0) };
        }),
      });
    });
    const clients = 20;
    const inFlight = 10;
    const rounds = 5;
    const peers: Peer[] = [];
    for (let i = 0; i < clients; i++) peers.push(connect(served.service.url).peer);
    await Promise.all(
      peers.map(async (peer, client) => {
        for (let round = 0; round < rounds; round++) {
          const calls = [];
          for (let j = 0; j < inFlight; j++) {
            const call = round * inFlight + j;
            const payload = new Uint8Array(16).fill((client + call) & 0xff);
            const reply = peer.call<{ client: number; call: number; sum: number }>('work', [client, call, payload]);
            calls.push(reply.then((r) => ({ r, client, call, payload })));
          }
          for (const { r, client: c, call, payload } of await Promise.all(calls)) {
            deepEqual([r.client, r.call], [c, call], 'a reply crossed to the wrong call');
            equal(
              r.sum,
              payload.reduce((a, b) => a + b, 0),
            );
          }
        }
      }),
    );
    equal(seen.size, clients * inFlight * rounds);
    equal(duplicates, 0);
    for (const peer of peers) equal(peer.stats().pendingCalls, 0);
    equal(served.peers.length, clients);
  });
});
