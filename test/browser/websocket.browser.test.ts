import { describe, it } from '#harness';
import { connectWebSocket, fromWebSocket } from '../../adapters/websocket.js';
import { createPeer, type RpcError } from '../../src/index.js';
import type { Service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';
import { until } from '../support/state.js';

// Served by test/browser/servers.ts on this page's own dev server (127.0.0.1).
const url = (path: string) => `ws://${location.host}${path}`;
type Api = Service & { askPage(x: number): number; refusedOrigins(): number };

function socket(path: string): WebSocket {
  const ws = new WebSocket(url(path));
  listenerCheck('a WebSocket', ws);
  return ws;
}

function connect(path = '/__saltline/ws', options: Parameters<typeof fromWebSocket>[1] = {}, peerOptions = {}) {
  const peer = track(createPeer(fromWebSocket(socket(path), options), peerOptions));
  return { peer, api: peer.remote<Api>() };
}

async function closeCause(peer: { closed: Promise<unknown> }): Promise<RpcError> {
  return (await peer.closed) as RpcError;
}

describe('a browser WebSocket to a Node saltline server', () => {
  checkLeaks();

  it('answers calls from the page', async () => {
    const { api } = connect();
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(9), 81);
  });

  it('lets the Node server call back into the page', async () => {
    const { api } = connect('/__saltline/ws', {}, { expose: { double: (x: number) => 2 * x } });
    equal(await api.askPage(21), 42);
  });

  it('carries 4 MiB of bytes both ways as binary frames', async () => {
    const { api } = connect();
    const bytes = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 13) & 0xff);
    const back = await api.echo(bytes);
    ok(back instanceof Uint8Array);
    deepEqual(back, bytes);
  });

  it('sends handler errors to the page with their class and code', async () => {
    const { api } = connect();
    const error = await rejects(api.fail());
    ok(error instanceof RangeError);
    await rejectsWith(api.denied(), 'PERMISSION_DENIED');
  });

  it('rejects the pending calls with UNAVAILABLE when the server drops the connection', async () => {
    const { api, peer } = connect();
    equal(await api.add(1, 1), 2);
    const pending = api.wait();
    peer.notify('drop');
    await rejectsWith(pending, 'UNAVAILABLE');
    equal((await closeCause(peer)).code, 'UNAVAILABLE');
  });

  it('redials after a drop and is served again', async () => {
    const peer = track(createPeer(connectWebSocket(() => socket('/__saltline/ws'), { reconnect: { initialDelay: 5, maxDelay: 20 } })));
    const api = peer.remote<Api>();
    equal(await api.add(1, 1), 2);
    const reopened = until(peer, (c) => c.state === 'open');
    peer.notify('drop');
    await reopened;
    equal(await api.add(2, 2), 4);
  });

  it('closes with UNAVAILABLE when the accept hook refuses the connection', async () => {
    const { peer } = connect('/__saltline/ws-refuse');
    const cause = await closeCause(peer);
    equal(cause.code, 'UNAVAILABLE');
    equal((cause.data as { code: number }).code, 1006);
  });

  it('is refused before the handshake by a server that does not list the page origin', async () => {
    const { api } = connect();
    const before = await api.refusedOrigins();
    const { peer } = connect('/__saltline/ws-foreign');
    equal((await closeCause(peer)).code, 'UNAVAILABLE');
    ok((await api.refusedOrigins()) > before, 'the server did not refuse the page for its origin');
  });

  it('maps the close code and reason the server sends to the close reason', async () => {
    const { api, peer } = connect();
    equal(await api.add(1, 1), 2);
    peer.notify('closeWith', 1008, 'policy says no');
    const cause = await closeCause(peer);
    equal(cause.code, 'PERMISSION_DENIED');
    deepEqual(cause.data, { code: 1008, reason: 'policy says no', wasClean: true });
  });

  it('closes when the server stops answering keep-alive pings', async () => {
    const { peer } = connect('/__saltline/ws-silent', { keepAlive: { interval: 20 } });
    const cause = await closeCause(peer);
    equal(cause.code, 'UNAVAILABLE');
    ok(cause.message.includes('keep-alive'), cause.message);
  });
});
