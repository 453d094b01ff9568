import { describe, it } from '#harness';
import { type BroadcastChannelOptions, fromBroadcastChannel } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';

/** One endpoint on the channel `name`, serving the test service; `page` stands in for its window. */
function endpoint(name: string, options: BroadcastChannelOptions = {}) {
  const channel = new BroadcastChannel(name);
  listenerCheck(`channel ${name}`, channel);
  const page = new EventTarget();
  listenerCheck('its page', page);
  const transport = fromBroadcastChannel(channel, { page, ...options });
  const peer = track(createPeer(transport, { expose: service }));
  return { channel, page, transport, peer, api: peer.remote<Service>() };
}

/** Resolves once `channel` has delivered a `{ marker }` message; listeners added earlier have seen everything before it. */
function markerOn(channel: BroadcastChannel, marker: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (event: MessageEvent) => {
      if ((event.data as { marker?: string } | null)?.marker !== marker) return;
      channel.removeEventListener('message', listener);
      resolve();
    };
    channel.addEventListener('message', listener);
  });
}

describe('saltline/worker over a BroadcastChannel', () => {
  checkLeaks();

  it('calls both ways between two endpoints on one channel name', async () => {
    const name = crypto.randomUUID();
    const a = endpoint(name);
    const b = endpoint(name);
    equal(await a.api.add(1, 2), 3);
    equal(await b.api.math.square(4), 16);
    equal(a.transport.partner, b.transport.id);
    equal(b.transport.partner, a.transport.id);
  });

  it('ignores frames and signals that are not addressed to it', async () => {
    const name = crypto.randomUUID();
    const a = endpoint(name);
    const b = endpoint(name);
    equal(await a.api.add(1, 2), 3);
    const controller = new AbortController();
    const call = a.peer.call('wait', [], { signal: controller.signal });
    const forger = new BroadcastChannel(name);
    const delivered = markerOn(a.channel, 'done');
    forger.postMessage([[2, 1, 'forged']]);
    for (const type of ['data', 'hello', 'offer', 'accept', 'bye']) {
      forger.postMessage({ saltline: 'bc/1', type, from: 'forger', data: [[2, 2, 'forged']] });
      forger.postMessage({ saltline: 'bc/1', type, from: 'forger', to: a.transport.id, data: [[2, 2, 'forged']] });
    }
    forger.postMessage({ marker: 'done' });
    await delivered;
    forger.close();
    equal(a.peer.state, 'open');
    equal(a.transport.partner, b.transport.id);
    equal(a.peer.stats().malformed, 0);
    equal(a.peer.stats().pendingCalls, 1);
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
    equal(await a.api.add(2, 3), 5); // after b has heard the cancel
  });

  it('leaves a third endpoint unpaired, then pairs it when a partner goes away', async () => {
    const name = crypto.randomUUID();
    const a = endpoint(name);
    const b = endpoint(name);
    equal(await a.api.add(1, 2), 3);
    const c = endpoint(name);
    const held = c.api.add(20, 22); // waits for a partner
    const inFlight = a.peer.call('wait');
    b.page.dispatchEvent(new Event('pagehide')); // b's page goes away: a is free again
    await rejectsWith(inFlight, 'UNAVAILABLE');
    equal(await held, 42);
    equal(await a.api.add(3, 4), 7);
    equal(a.transport.partner, c.transport.id);
    equal(c.transport.partner, a.transport.id);
    ok(b.transport.partner === undefined, 'b is unpaired');
  });

  it("fails new calls at once after the partner left, with whileDown: 'fail'", async () => {
    const name = crypto.randomUUID();
    const a = endpoint(name, { whileDown: 'fail' });
    const b = endpoint(name);
    equal(await a.api.add(1, 2), 3);
    const bye = markerOn(a.channel, 'after-bye');
    b.page.dispatchEvent(new Event('pagehide'));
    b.channel.postMessage({ marker: 'after-bye' }); // after b's goodbye, from the same sender
    const changes: string[] = [];
    // The reason is the session's UNAVAILABLE, with what the link said as its cause.
    const stop = a.peer.onStateChange((change) => changes.push(`${change.state}: ${((change.reason as Error)?.cause as Error)?.message}`));
    await bye;
    stop();
    equal(a.peer.state, 'reconnecting');
    deepEqual(changes, ['reconnecting: the other side went away']);
    await rejectsWith(a.api.add(1, 1), 'UNAVAILABLE');
  });
});
