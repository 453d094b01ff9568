/**
 * The server the hostile-peer suite attacks: `serveWebSocket` as an application would run it, in
 * its own process (`node --max-old-space-size=256 --import tsx test/hostile/server.ts`), so that
 * a crash, a hang or a heap blow-up shows as what it is. It prints `{"port":N}` once listening.
 *
 *   /rpc     the API below, plain
 *   /secure  the same API through `saltline/secure` (keys in ./keys.ts)
 *   /signal  the WebRTC signaling service
 *   /plugins the API with the wire plugins on: `compression()` on `CompressionStream` (asynchronous)
 *            and `codecs([cborCodec(), jsonCodec()])`, so a frame prefixed `c1 80` is CBOR, `c1 81` JSON
 *   /zlib    the API with `compression()` on Node's `zlib` (synchronous)
 *
 * Options are defaults, except `--hello-timeout=MS`: the suite shortens the hello timeout so
 * that waiting it out stays cheap (the default is the servers' own, documented there).
 */
import { createServer } from 'node:http';
import zlib from 'node:zlib';
import { signalingService } from '../../adapters/signaling.js';
import { type ServeWebSocketOptions, serveWebSocket } from '../../adapters/websocket.js';
import { cborCodec } from '../../src/cbor.js';
import { codecs } from '../../src/codecs/index.js';
import { compression, deflateRaw } from '../../src/compression/index.js';
import { type Peer, type PeerOptions, withContext } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import { createPeer as createSecurePeer } from '../../src/secure/index.js';
import { clientIdentity, serverIdentity } from './keys.js';

const helloTimeout = Number(process.argv.find((arg) => arg.startsWith('--hello-timeout='))?.split('=')[1] ?? NaN);
const peerOptions: PeerOptions = Number.isFinite(helloTimeout) ? { limits: { helloTimeout } } : {};

const services: { readonly peers: ReadonlySet<Peer> }[] = [];

/** Totals over every connection's peer, so a test can see what a hostile session left behind. */
function totals() {
  const sum = { peers: 0, references: 0, pendingCalls: 0, heldCalls: 0, activeHandlers: 0, streams: 0 };
  for (const service of services) {
    for (const peer of service.peers) {
      const stats = peer.stats();
      sum.peers++;
      sum.references += stats.references;
      sum.pendingCalls += stats.pendingCalls;
      sum.heldCalls += stats.heldCalls;
      sum.activeHandlers += stats.activeHandlers;
      sum.streams += stats.streams;
    }
  }
  return sum;
}

const item = 'x'.repeat(1024);

export const api = {
  /** The probe's call: as cheap as a call can be. */
  ping: () => 'pong',
  /** The server's heap in use, in bytes. */
  heap: () => process.memoryUsage().heapUsed,
  /** Heap in use, resident set and the process's peak resident set so far, in bytes. */
  memory: () => ({
    heapUsed: process.memoryUsage().heapUsed,
    rss: process.memoryUsage.rss(),
    maxRss: process.resourceUsage().maxRSS * 1024,
  }),
  /** Totals of the open sessions (references, pending calls, held calls, ...). */
  totals,
  /** An endless stream of 1 KiB strings: what a credit-bypassing consumer drains. */
  async *ticks() {
    for (let i = 0; ; i++) yield `${i} ${item}`;
  },
  /** Calls the caller's function: a callback as argument. */
  invoke: async (fn: (value: number) => unknown, value: number) => fn(value),
  /** Calls the caller's `take(fn)` `count` times at once, each with a callback of its own: the caller as callee. */
  offer: withContext(async (ctx, count: number) => {
    const calls = Array.from({ length: Math.min(count, 5_000) }, (_, i) => ctx.peer!.call('take', [() => i], { timeout: 5_000 }));
    return (await Promise.allSettled(calls)).length;
  }),
};

const server = createServer((_request, response) => response.writeHead(426).end());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const common: ServeWebSocketOptions = { server, peer: peerOptions };
services.push(await serveWebSocket({ ...common, path: '/rpc' }, (peer) => peer.expose(api)));
services.push(
  await serveWebSocket(
    {
      ...common,
      path: '/secure',
      createPeer: (transport, options) =>
        createSecurePeer(transport, { ...options, secure: { identity: serverIdentity(), expectedRemoteKey: clientIdentity().publicKey } }),
    },
    (peer) => peer.expose(api),
  ),
);
const withPlugins = (plugins: PeerOptions['plugins']): ServeWebSocketOptions => ({ ...common, peer: { ...peerOptions, plugins } });
const wire = [compression(), codecs([cborCodec(), jsonCodec()])];
services.push(await serveWebSocket({ ...withPlugins(wire), path: '/plugins' }, (peer) => peer.expose(api)));
const zlibCompression = [compression({ compressors: [deflateRaw({ zlib })] })];
services.push(await serveWebSocket({ ...withPlugins(zlibCompression), path: '/zlib' }, (peer) => peer.expose(api)));
const signaling = signalingService();
services.push(await serveWebSocket({ ...common, path: '/signal' }, (peer) => signaling.accept(peer)));

const address = server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
