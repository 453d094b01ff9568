/**
 * saltline/extension's redial and framing logic against in-process stand-ins for
 * `chrome.runtime.Port` (JSON-serialized messages, asynchronous delivery, `disconnect()` seen only
 * by the far side). The real thing is tested in Chromium by extension.node.test.ts.
 */
import { describe, it } from 'node:test';
import { type ConnectionStateChange, connectExtension, type ExtensionPort, fromExtensionPort } from '../../adapters/extension.js';
import { createPeer, type Peer } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { AssertionError, deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { reaches } from '../support/state.js';

// biome-ignore lint/suspicious/noExplicitAny: the platform's listener signature
type Listener = (...args: any[]) => void;

class FakeEvent {
  readonly listeners = new Set<Listener>();
  addListener(listener: Listener): void {
    this.listeners.add(listener);
  }
  removeListener(listener: Listener): void {
    this.listeners.delete(listener);
  }
  emit(...args: unknown[]): void {
    for (const listener of [...this.listeners]) listener(...args);
  }
}

class FakePort implements ExtensionPort {
  readonly onMessage = new FakeEvent();
  readonly onDisconnect = new FakeEvent();
  far: FakePort | undefined;
  connected = true;

  constructor(
    readonly name: string,
    readonly sender?: { origin: string },
  ) {}

  postMessage(message: unknown): void {
    if (!this.connected) throw new Error('Attempting to use a disconnected port object');
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    const far = this.far;
    setImmediate(() => far?.connected && far.onMessage.emit(copy, far));
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    const far = this.far;
    setImmediate(() => {
      if (!far?.connected) return;
      far.connected = false;
      far.onDisconnect.emit(far);
    });
  }
}

/** A port pair as `runtime.connect` (the caller's end) and `onConnect` (the other end, with a sender) give them. */
function portPair(name = 'saltline'): [FakePort, FakePort] {
  const caller = new FakePort(name);
  const callee = new FakePort(name, { origin: 'https://example.com' });
  caller.far = callee;
  callee.far = caller;
  afterClose(() => {
    for (const port of [caller, callee]) {
      const left = port.onMessage.listeners.size + port.onDisconnect.listeners.size;
      if (left) throw new AssertionError(`${left} listeners left on a port`);
    }
  });
  return [caller, callee];
}

describe('saltline/extension framing and redial (stand-in ports)', () => {
  checkLeaks();

  it('takes the side without a sender as the initiator', () => {
    const [caller, callee] = portPair();
    equal(fromExtensionPort(caller).initiator, true);
    equal(fromExtensionPort(callee).initiator, false);
  });

  it('carries msgpack frames as base64 strings over a JSON-only port', async () => {
    const [caller, callee] = portPair();
    track(createPeer(fromExtensionPort(callee), { expose: service }));
    const peer = track(createPeer(fromExtensionPort(caller)));
    const bytes = (await peer.remote<Service>().echo(new Uint8Array([0, 128, 255]))) as Uint8Array;
    ok(bytes instanceof Uint8Array);
    equal(bytes[1], 128);
  });

  it('counts a frame that is not base64 msgpack as malformed and carries on', async () => {
    const [caller, callee] = portPair();
    const server = track(createPeer(fromExtensionPort(callee), { expose: service }));
    const peer = track(createPeer(fromExtensionPort(caller)));
    caller.postMessage({ not: 'a frame' });
    caller.postMessage('%%% not base64');
    equal(await peer.remote<Service>().add(1, 2), 3);
    equal(server.stats().malformed, 2);
  });

  it('redials after a port that worked drops, failing the call in flight and resuming on the new port', async () => {
    const ends: FakePort[] = [];
    const servers: Peer[] = [];
    const dialer = connectExtension(() => {
      const [caller, callee] = portPair();
      ends.push(callee);
      servers.push(track(createPeer(fromExtensionPort(callee), { expose: service })));
      return caller;
    });
    const peer = track(createPeer(dialer));
    const api = peer.remote<Service>();
    equal(await api.add(1, 2), 3);
    const call = peer.call('wait');
    equal(await api.add(2, 2), 4);
    // The service worker stops: its port disconnects and its peer is gone with it (the goodbye it
    // tries to send meets a dead port).
    ends[0]!.disconnect();
    servers[0]!.close();
    await rejectsWith(call, 'UNAVAILABLE');
    equal(await api.add(3, 3), 6);
    equal(ends.length, 2);
    equal(peer.state, 'open');
  });

  it('tells onStateChange listeners each change as { state, attempt, delay, reason }', async () => {
    const ends: FakePort[] = [];
    const dialer = connectExtension(
      () => {
        const [caller, callee] = portPair();
        ends.push(callee);
        if (ends.length === 2)
          callee.disconnect(); // nobody answers the first redial
        else track(createPeer(fromExtensionPort(callee), { expose: service }));
        return caller;
      },
      { initialDelay: 1, jitter: 0 },
    );
    const peer = track(createPeer(dialer));
    const changes: ConnectionStateChange[] = [];
    peer.onStateChange((change) => changes.push(change));
    equal(await peer.remote<Service>().add(1, 2), 3);
    const down = reaches(peer, 'reconnecting');
    ends[0]!.disconnect();
    await down;
    await reaches(peer, 'open');
    peer.close();
    deepEqual(
      changes.map(({ state, attempt, delay }) => [state, attempt, delay]),
      [
        ['open', 0, undefined],
        ['reconnecting', 1, 1],
        ['reconnecting', 2, 2],
        ['open', 0, undefined],
        ['closed', 0, undefined],
      ],
    );
    ok(changes[1]?.reason instanceof Error && changes[2]?.reason instanceof Error, 'reconnecting says why');
    equal(changes[4]?.reason, undefined);
  });

  it('closes the peer after maxAttempts ports in a row that nobody answers', async () => {
    let dials = 0;
    const dialer = connectExtension(
      () => {
        dials++;
        const [caller, callee] = portPair();
        callee.disconnect(); // "Could not establish connection. Receiving end does not exist."
        return caller;
      },
      { maxAttempts: 3, initialDelay: 1 },
    );
    const peer = track(createPeer(dialer));
    await rejectsWith(peer.remote<Service>().add(1, 2), 'UNAVAILABLE');
    await peer.closed;
    equal(dials, 4);
    equal(peer.state, 'closed');
  });

  it('closes the peer when opening a port throws (the extension was reloaded)', async () => {
    const dialer = connectExtension(() => {
      throw new Error('Extension context invalidated.');
    });
    const peer = track(createPeer(dialer));
    const error = await rejectsWith(peer.remote<Service>().add(1, 2), 'UNAVAILABLE');
    ok(/invalidated/.test(String((error.cause as Error)?.message ?? error.message)), error.message);
  });

  it("fails new calls at once while redialling, with whileDown: 'fail'", async () => {
    const ends: FakePort[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dialer = connectExtension(
      () => {
        const [caller, callee] = portPair();
        ends.push(callee);
        // The second port's far side answers only once the test says so.
        if (ends.length === 1) track(createPeer(fromExtensionPort(callee), { expose: service }));
        else void gate.then(() => track(createPeer(fromExtensionPort(callee), { expose: service })));
        return caller;
      },
      { whileDown: 'fail', initialDelay: 0 },
    );
    const peer = track(createPeer(dialer));
    const api = peer.remote<Service>();
    equal(await api.add(1, 2), 3);
    const down = reaches(peer, 'reconnecting');
    ends[0]!.disconnect();
    await down;
    await rejectsWith(api.add(1, 1), 'UNAVAILABLE');
    const up = reaches(peer, 'open');
    release();
    await up;
    equal(await api.add(2, 3), 5);
  });
});
