/**
 * What a replayed hello costs a responder: a hello sniffed from a legitimate client is delivered,
 * unchanged, to fresh server peers, and the CPU spent on each delivery is measured (the channel
 * handles a hello synchronously). Also counts how many of them got an answer.
 *
 *   node --import tsx test/node/secure-replay-cost.ts [count]
 */
import { performance } from 'node:perf_hooks';
import { createMemoryPair } from '../../adapters/memory.js';
import type { Transport, TransportReceiver } from '../../src/transport.js';
import { createPeer, generateIdentity } from '../../src/secure/index.js';

const count = Number(process.argv[2] ?? 200);
const networkKey = new Uint8Array(32).fill(7);
const client = generateIdentity();
const server = generateIdentity();
const quiet = { warn() {}, error() {} };

/** A legitimate client's first message, as a relay would record it. */
async function sniffHello(): Promise<Uint8Array> {
  const [near, far] = createMemoryPair('bytes');
  const link: Transport = { ...near, kind: 'bytes', initiator: true, start: (r) => near.start(r), send: (m) => near.send(m), close: () => near.close() };
  const hello = new Promise<Uint8Array>((resolve) => far.start({ message: (m) => resolve(m as Uint8Array), closed() {}, interrupted() {}, resumed() {} }));
  const peer = createPeer(link, { logger: quiet, secure: { identity: client, networkKey, expectedRemoteKey: server.publicKey } });
  const bytes = await hello;
  peer.close();
  far.close();
  await peer.closed.catch(() => {});
  return bytes.slice();
}

/** A responder on a link the script drives: returns how long the hello took and whether it answered. */
function replayOnce(hello: Uint8Array): { ms: number; answered: boolean } {
  let receiver: TransportReceiver | undefined;
  let answered = false;
  const link: Transport = {
    kind: 'bytes',
    initiator: false,
    start: (r) => void (receiver = r),
    send: () => void (answered = true),
    close: () => void (receiver = undefined),
  };
  const peer = createPeer(link, { logger: quiet, secure: { identity: server, networkKey, authorize: () => true } });
  peer.closed.catch(() => {});
  const copy = hello.slice();
  const start = performance.now();
  receiver!.message(copy);
  const ms = performance.now() - start;
  peer.close();
  return { ms, answered };
}

const hello = await sniffHello();
for (let i = 0; i < 20; i++) replayOnce(hello); // warm up the JIT
const cpu = process.cpuUsage();
let wall = 0;
let answered = 0;
for (let i = 0; i < count; i++) {
  const { ms, answered: yes } = replayOnce(hello);
  wall += ms;
  if (yes) answered++;
}
const used = process.cpuUsage(cpu);
console.log(`hello of ${hello.byteLength} bytes replayed to ${count} fresh responders:`);
console.log(`  answered: ${answered} of ${count}`);
console.log(`  time handling the hello: ${((wall / count) * 1000).toFixed(0)} µs each (median-free mean, wall clock)`);
console.log(`  process CPU for the whole loop (incl. making and closing each peer): ${((used.user + used.system) / count / 1000).toFixed(2)} ms per replay`);
