import { once } from 'node:events';
import { describe, it } from 'node:test';
import { pooled } from '../../adapters/send-copies.js';
import { fromWebSocket } from '../../adapters/websocket.js';
import { equal, ok } from '../harness/assert.js';
import { afterClose, checkLeaks } from '../support/connect.js';
import { client, rawServer, type WebSocket } from '../support/ws-node.js';

const MiB = 1024 * 1024;

/** A `ws` server socket wrapped by the adapter (as `serveWebSocket` does) and the client's socket, both open. */
async function serverTransport() {
  const { server, url } = await rawServer({ maxPayload: 64 * MiB });
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const socket = client(url, { maxPayload: 64 * MiB });
  const [serverSocket] = await accepted;
  await once(socket, 'open');
  const transport = fromWebSocket(serverSocket, { initiator: false, keepAlive: false });
  transport.start({ message: () => {}, closed: () => {} });
  afterClose(() => transport.close());
  const received: Uint8Array[] = [];
  const arrived = (count: number) =>
    new Promise<Uint8Array[]>((resolve) => {
      const onMessage = (data: Buffer) => {
        received.push(new Uint8Array(data));
        if (received.length < count) return;
        socket.off('message', onMessage);
        resolve(received);
      };
      socket.on('message', onMessage);
    });
  afterClose(() => socket.close());
  return { transport, arrived };
}

describe('sending over a ws server socket (Node, ws, 127.0.0.1)', () => {
  checkLeaks();

  it('sends a copy, so the sender may reuse its buffer while the socket is still writing', async () => {
    const { transport, arrived } = await serverTransport();
    const done = arrived(2);
    // 16 MiB cannot be written at once, so the next message waits in the socket's queue.
    transport.send(new Uint8Array(16 * MiB));
    const reused = new Uint8Array(64 * 1024).fill(7);
    transport.send(reused);
    reused.fill(0);
    const [, second] = await done;
    equal(second!.byteLength, 64 * 1024);
    ok(second!.every((byte) => byte === 7));
  });

  it('sends copies of small and very large messages too', async () => {
    const { transport, arrived } = await serverTransport();
    const done = arrived(3);
    const messages = [new Uint8Array(16 * MiB), new Uint8Array(100).fill(1), new Uint8Array(5 * MiB).fill(2)];
    for (const message of messages) transport.send(message);
    messages[1]!.fill(0);
    messages[2]!.fill(0);
    const [, small, large] = await done;
    ok(small!.every((byte) => byte === 1));
    equal(large!.byteLength, 5 * MiB);
    ok(large!.every((byte) => byte === 2));
  });

  it('keeps at most 16 free buffers and 8 MiB in its pool, however many messages were in flight', async () => {
    const { transport, arrived } = await serverTransport();
    const done = arrived(64);
    for (let i = 0; i < 64; i++) transport.send(new Uint8Array(512 * 1024));
    await done;
    const { buffers, bytes } = pooled();
    ok(buffers <= 16, `${buffers} free buffers`);
    ok(bytes <= 8 * MiB, `${bytes} free bytes`);
  });
});
