#!/usr/bin/env node
/**
 * From the host: two clients, one on each of two hubs, meet through the Redis bus. Signaling: alice
 * joins a room on hub 1, bob joins it on hub 2 and sees her, and a signal crosses both ways. Relay:
 * two secure peers (`fromRelay`), one on each hub, call each other through it. Exits 0 when all of it worked.
 *
 *   node deploy/smoke-client.mjs ws://127.0.0.1:8081 ws://127.0.0.1:8082
 */
import { WebSocket } from 'ws';
import { createPeer } from 'saltline';
import { createPeer as createSecurePeer, generateIdentity } from 'saltline/secure';
import { fromRelay, fromWebSocket } from 'saltline/websocket';

const [hub1, hub2] = process.argv.slice(2);
let step = 'connecting';
const timer = setTimeout(() => {
  console.error(`smoke: timed out ${step}`);
  process.exit(1);
}, 60_000);

/**
 * An open socket to `url`. The first connections through a just-started container's published
 * port may be reset while Docker's proxy settles (seen after /healthz answered, even): try for 10 s.
 */
async function open(url, attempt = 1) {
  try {
    return await new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: 5000 });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  } catch (error) {
    if (attempt >= 20) throw error;
    const health = await fetch(new URL('/healthz', url.replace(/^ws/, 'http')), { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      (e) => e.cause?.code ?? e.message,
    );
    console.warn(`smoke: ${url}: ${error.message} (/healthz: ${health}); trying again`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return open(url, attempt + 1);
  }
}

async function member(url) {
  const signals = [];
  let wake = () => {};
  const peer = createPeer(fromWebSocket(await open(`${url}/signal`)), {
    expose: { joined: () => {}, left: () => {}, signal: (room, from, data) => (signals.push({ from, data }), wake()) },
  });
  const next = () => (signals.length ? Promise.resolve(signals.shift()) : new Promise((r) => (wake = () => r(signals.shift()))));
  return { peer, next };
}

const alice = await member(hub1);
const bob = await member(hub2);
const room = `smoke-${process.pid}`;
step = 'joining on hub 1';
const a = await alice.peer.call('join', [room]);
step = 'joining on hub 2';
const b = await bob.peer.call('join', [room]);
step = 'signaling';
if (b.members[0] !== a.id) throw new Error(`bob did not see alice: ${JSON.stringify(b.members)}`);
await bob.peer.call('signal', [room, a.id, { type: 'offer' }]);
const offer = await alice.next();
await alice.peer.call('signal', [room, b.id, { type: 'answer' }]);
const answer = await bob.next();
if (offer.from !== b.id || answer.from !== a.id) throw new Error('signals crossed wrongly');
console.log('smoke: signaling across two hubs ok');

step = 'relaying';
// Two secure peers, one on each hub, through the relay: the hubs forward frames they cannot read.
const pair = `pair-${process.pid}-${Date.now()}`;
const [left, right] = [generateIdentity(), generateIdentity()];
const networkKey = new Uint8Array(32).fill(1);
// Both ends must be at the relay before either transport is ready: open them together.
const transports = await Promise.all([hub1, hub2].map(async (url) => fromRelay(await open(`${url}/relay?pair=${pair}`))));
const secureEnd = (transport, me, other, name) =>
  createSecurePeer(transport, { secure: { identity: me, networkKey, expectedRemoteKey: other.publicKey }, expose: { whoami: () => name } });
const ends = [secureEnd(transports[0], left, right, 'left'), secureEnd(transports[1], right, left, 'right')];
const names = await Promise.all(ends.map((end) => end.call('whoami')));
if (names.join() !== 'right,left') throw new Error(`the relay answered ${names}`);
console.log('smoke: secure peers through the relay across two hubs ok');

alice.peer.close();
bob.peer.close();
for (const end of ends) end.close();
clearTimeout(timer);
