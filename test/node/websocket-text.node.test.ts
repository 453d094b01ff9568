/**
 * Negotiated JSON over a `ws` WebSocket goes as text frames, seen on the server's raw socket; a
 * peer without it keeps binary msgpack; text frames are held to maxMessageSize like binary ones.
 */
import { describe, it } from 'node:test';
import { fromWebSocket } from '../../adapters/websocket.js';
import { codecs } from '../../src/codecs/index.js';
import { compression } from '../../src/compression/index.js';
import { createPeer, type Plugin } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { type Service, service } from '../fixtures/service.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import { client, closeCause, rawServer, serve, type WebSocket } from '../support/ws-node.js';

const json = (): Plugin => codecs([jsonCodec()]);

/** A saltline server with `plugins`, and every frame its sockets receive: whether text, and its data. */
async function recordingServer(plugins: Plugin[]) {
  const frames: { text: boolean; data: string }[] = [];
  const served = await serve({
    peer: { expose: service, plugins },
    createPeer: (transport, options) => {
      const socket = (transport as unknown as { socket: WebSocket }).socket;
      socket.on('message', (data: Buffer, isBinary: boolean) => frames.push({ text: !isBinary, data: isBinary ? '' : data.toString() }));
      return createPeer(transport, options);
    },
  });
  return { url: served.service.url, frames };
}

function connect(url: string, plugins: Plugin[]) {
  const peer = track(createPeer(fromWebSocket(client(url)), { plugins }));
  return { peer, api: peer.remote<Service>() };
}

describe('JSON as WebSocket text frames (Node, ws, 127.0.0.1)', () => {
  checkLeaks();

  it('sends the frames of a JSON-negotiated session as text frames after the binary hello', async () => {
    const { url, frames } = await recordingServer([json()]);
    const { api } = connect(url, [json()]);
    equal(await api.add(1, 2), 3);
    deepEqual(await api.echo({ when: new Date(0), big: 10n }), { when: new Date(0), big: 10n });
    equal(frames[0]?.text, false, 'the hello is binary msgpack');
    const text = frames.filter((frame) => frame.text);
    ok(text.length >= 2, `text frames: ${text.length} of ${frames.length}`);
    for (const frame of text) ok(Array.isArray(JSON.parse(frame.data)), frame.data);
  });

  it('keeps binary msgpack frames from a client that offers no JSON codec', async () => {
    const { url, frames } = await recordingServer([json()]);
    const { api } = connect(url, []);
    equal(await api.add(1, 2), 3);
    ok(frames.length >= 2);
    ok(frames.every((frame) => !frame.text));
  });

  it('sends large frames compressed as binary and small ones as text when compression sits below the codecs', async () => {
    const plugins = () => [compression(), json()];
    const { url, frames } = await recordingServer(plugins());
    const { api } = connect(url, plugins());
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `user ${i}` }));
    equal(await api.add(1, 2), 3);
    deepEqual(await api.echo(rows), rows);
    ok(frames.some((frame) => frame.text));
    ok(frames.some((frame, i) => i > 0 && !frame.text));
  });

  it('closes with RESOURCE_EXHAUSTED on a text frame over maxMessageSize, counted in UTF-8 bytes', async () => {
    const { server, url } = await rawServer();
    server.on('connection', (socket) => {
      // 40 Ki characters, 80 KiB in UTF-8: over a 64 KiB limit only when counted as bytes.
      socket.send('é'.repeat(40 * 1024));
      socket.close(1000);
    });
    const peer = track(createPeer(fromWebSocket(client(url), { maxMessageSize: 64 * 1024 }), { plugins: [json()] }));
    equal((await closeCause(peer)).code, 'RESOURCE_EXHAUSTED');
  });

  it('drops and counts a valid JSON text frame over the peer’s own smaller limit', async () => {
    const { server, url } = await rawServer();
    server.on('connection', (socket) => {
      socket.send(JSON.stringify([2, 'note', ['x'.repeat(80 * 1024)]]));
      socket.close(1000);
    });
    let notes = 0;
    const peer = track(
      createPeer(fromWebSocket(client(url), { maxMessageSize: 1 << 20 }), {
        plugins: [json()],
        limits: { maxMessageSize: 64 * 1024 },
        expose: { note: () => void notes++ },
      }),
    );
    await peer.closed;
    equal(peer.stats().malformed, 1);
    equal(notes, 0);
  });
});
