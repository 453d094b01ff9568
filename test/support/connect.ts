/**
 * Peer pairs over each transport the runtime has, and the after-each check that nothing leaked:
 * no pending call, no running handler, no armed timer, and, once closed, no listener left.
 */
import { afterEach } from '#harness';
import { createMemoryPair, type MemoryTransport } from '../../adapters/memory.js';
import { fromPort, type PortLike } from '../../adapters/worker.js';
import { createPeer, type Peer, type PeerOptions } from '../../src/index.js';
import { AssertionError } from '../harness/assert.js';

export interface Connection {
  readonly client: Peer;
  readonly server: Peer;
}

export interface Connector {
  readonly name: string;
  readonly kind: 'clone' | 'bytes';
  connect(server?: PeerOptions, client?: PeerOptions): Connection;
}

const peers: Peer[] = [];
const finalChecks: (() => void | Promise<void>)[] = [];

/** Registers a peer (or a check run after every peer has closed) with the leak check. */
export function track<P extends Peer>(peer: P): P {
  peers.push(peer);
  return peer;
}

export function afterClose(check: () => void | Promise<void>): void {
  finalChecks.push(check);
}

/** Installs the leak check for the enclosing `describe`. */
export function checkLeaks(): void {
  afterEach(async () => {
    const found: string[] = [];
    for (const peer of peers.splice(0)) {
      const { pendingCalls, activeHandlers, timers } = peer.stats();
      if (pendingCalls || activeHandlers || timers) {
        found.push(`pendingCalls ${pendingCalls}, activeHandlers ${activeHandlers}, timers ${timers}`);
      }
      peer.close('test over');
      await peer.closed;
      if (peer.stats().timers) found.push('a timer armed after close');
    }
    for (const check of finalChecks.splice(0)) {
      try {
        await check();
      } catch (error) {
        found.push((error as Error).message);
      }
    }
    if (found.length) throw new AssertionError(`leaked: ${found.join('; ')}`);
  });
}

function memoryCheck(ends: MemoryTransport[]): void {
  afterClose(() => {
    for (const end of ends) if (end.receiver) throw new AssertionError('a memory transport still has a receiver');
  });
}

// Not 'exit': Node adds its own exit listener in terminate() and drops every listener once a worker exits.
const eventTypes = ['message', 'messageerror', 'close', 'error'];

/**
 * Counts the listeners on an endpoint that the code under test can have added. Node emitters
 * report their own counts (and add internal listeners of their own, so a wrapper would miscount);
 * DOM targets cannot, so their add/remove calls are counted.
 */
function countListeners(target: object): () => number {
  const emitter = target as { listenerCount?: (type: string) => number };
  if (typeof emitter.listenerCount === 'function') {
    const total = () => eventTypes.reduce((sum, type) => sum + emitter.listenerCount!(type), 0);
    const baseline = total();
    return () => total() - baseline;
  }
  let count = 0;
  const dom = target as { addEventListener: (...args: unknown[]) => void; removeEventListener: (...args: unknown[]) => void };
  const add = dom.addEventListener;
  const remove = dom.removeEventListener;
  dom.addEventListener = function (this: unknown, ...args: unknown[]) {
    count++;
    return add.apply(this, args);
  };
  dom.removeEventListener = function (this: unknown, ...args: unknown[]) {
    count--;
    return remove.apply(this, args);
  };
  return () => count;
}

/** After the peers close, no listener may be left on `target`. */
export function listenerCheck(name: string, target: object): void {
  const count = countListeners(target);
  afterClose(() => {
    if (count() !== 0) throw new AssertionError(`${count()} listeners left on ${name}`);
  });
}

function memory(kind: 'clone' | 'bytes'): Connector {
  return {
    name: `memory (${kind})`,
    kind,
    connect(serverOptions, clientOptions) {
      const [a, b] = createMemoryPair(kind);
      memoryCheck([a, b]);
      const server = track(createPeer(b, serverOptions));
      const client = track(createPeer(a, clientOptions));
      return { client, server };
    },
  };
}

const messageChannel: Connector = {
  name: 'MessageChannel',
  kind: 'clone',
  connect(serverOptions, clientOptions) {
    const { port1, port2 } = new MessageChannel();
    listenerCheck('port1', port1);
    listenerCheck('port2', port2);
    const server = track(createPeer(fromPort(port2 as unknown as PortLike), serverOptions));
    const client = track(createPeer(fromPort(port1 as unknown as PortLike), clientOptions));
    return { client, server };
  },
};

/** Every transport a spec runs on, in both runtimes. */
export const connectors: readonly Connector[] = [memory('clone'), memory('bytes'), messageChannel];
