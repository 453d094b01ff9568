/**
 * What a replayed hello costs a responder: a hello sniffed from a legitimate client is delivered,
 * unchanged, to fresh server peers, and the CPU spent on each delivery is measured (the channel
 * handles a hello synchronously). Also counts how many of them got an answer. For scale, the same
 * for a hello whose MAC is wrong (a stranger's: the cheapest refusal there is), and the MAC alone.
 *
 *   node --import tsx test/node/secure-replay-cost.ts [count]
 */
import { performance } from 'node:perf_hooks';
import { createMemoryPair } from '../../adapters/memory.js';
import { HELLO_LABEL } from '../../src/secure/handshake.js';
import { hmac } from '../../src/secure/hmac.js';
import { createPeer, generateIdentity } from '../../src/secure/index.js';
import type { Transport, TransportReceiver } from '../../src/transport.js';

const count = Number(process.argv[2] ?? 200);
const networkKey = new Uint8Array(32).fill(7);
const client = generateIdentity();
const server = generateIdentity();
const quiet = { warn() {}, error() {} };

/** A legitimate client's first message, as a relay would record it. */
async function sniffHello(): Promise<Uint8Array> {
  const [near, far] = createMemoryPair('bytes');
  const link: Transport = {
    encoding: {},
    initiator: true,
    start: (r) => near.start(r),
    send: (m) => near.send(m),
    close: () => near.close(),
  };
  const hello = new Promise<Uint8Array>((resolve) => far.start({ message: (m) => resolve(m as Uint8Array), closed() {} }));
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
    encoding: {},
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

function measure(name: string, hello: Uint8Array): void {
  for (let i = 0; i < 20; i++) replayOnce(hello); // warm up the JIT (the first delivery is the genuine one)
  const cpu = process.cpuUsage();
  let wall = 0;
  let answered = 0;
  for (let i = 0; i < count; i++) {
    const { ms, answered: yes } = replayOnce(hello);
    wall += ms;
    if (yes) answered++;
  }
  const used = process.cpuUsage(cpu);
  console.log(`${name}, ${hello.byteLength} bytes, delivered to ${count} fresh responders:`);
  console.log(`  answered: ${answered} of ${count}`);
  console.log(`  handling it, refusal and peer close included: ${((wall / count) * 1000).toFixed(0)} µs each (mean, wall clock)`);
  console.log(`  process CPU for the loop, making each peer included: ${((used.user + used.system) / count / 1000).toFixed(2)} ms each`);
}

const hello = await sniffHello();
measure('a replayed hello', hello);
const stranger = hello.slice();
stranger[stranger.length - 1]! ^= 1;
measure('a hello with a wrong MAC', stranger);
for (let i = 0; i < count; i++) hmac(networkKey, [HELLO_LABEL, hello.subarray(0, 40)]);
const macStart = performance.now();
for (let i = 0; i < count; i++) hmac(networkKey, [HELLO_LABEL, hello.subarray(0, 40)]);
console.log(`the hello's MAC alone (HMAC-SHA-512 on tweetnacl): ${(((performance.now() - macStart) / count) * 1000).toFixed(0)} µs`);
