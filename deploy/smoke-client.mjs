#!/usr/bin/env node
/**
 * From the host: two clients, one on each of two hubs, meet through the Redis bus. Signaling: alice
 * joins a room on hub 1, bob joins it on hub 2 and sees her, and a signal crosses both ways. Relay:
 * two sockets of one pair exchange a binary frame across the hubs. Exits 0 when all of it worked.
 *
 *   node deploy/smoke-client.mjs ws://127.0.0.1:8081 ws://127.0.0.1:8082
 */
import { WebSocket } from 'ws';
import { createPeer } from 'saltline';
import { fromWebSocket } from 'saltline/websocket';

const [hub1, hub2] = process.argv.slice(2);
const timer = setTimeout(() => {
  console.error('smoke: timed out');
  process.exit(1);
}, 20_000);

function member(url) {
  const signals = [];
  let wake = () => {};
  const peer = createPeer(fromWebSocket(new WebSocket(`${url}/signal`)), {
    expose: { joined: () => {}, left: () => {}, signal: (room, from, data) => (signals.push({ from, data }), wake()) },
  });
  const next = () => (signals.length ? Promise.resolve(signals.shift()) : new Promise((r) => (wake = () => r(signals.shift()))));
  return { peer, next };
}

const alice = member(hub1);
const bob = member(hub2);
const room = `smoke-${process.pid}`;
const a = await alice.peer.call('join', [room]);
const b = await bob.peer.call('join', [room]);
if (b.members[0] !== a.id) throw new Error(`bob did not see alice: ${JSON.stringify(b.members)}`);
await bob.peer.call('signal', [room, a.id, { type: 'offer' }]);
const offer = await alice.next();
await alice.peer.call('signal', [room, b.id, { type: 'answer' }]);
const answer = await bob.next();
if (offer.from !== b.id || answer.from !== a.id) throw new Error('signals crossed wrongly');
console.log('smoke: signaling across two hubs ok');

const pair = `pair-${process.pid}-smoke`;
const open = (url) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/relay?pair=${pair}`);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
const left = await open(hub1);
const right = await open(hub2);
const frame = new Promise((resolve) => right.once('message', (data) => resolve(new Uint8Array(data))));
// The relay subscribes before it answers the upgrade; still, resend until the far side has it.
const sending = setInterval(() => left.send(new Uint8Array([1, 2, 3])), 200);
const got = await frame;
clearInterval(sending);
if (got.join() !== '1,2,3') throw new Error(`relay delivered ${got}`);
console.log('smoke: relay across two hubs ok');

alice.peer.close();
bob.peer.close();
left.close();
right.close();
clearTimeout(timer);
