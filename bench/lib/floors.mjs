// The floors bench/floor.mjs measures saltline against (and bench/callgrind.mjs counts
// instructions of): each is `{ call() -> Promise<5>, close() }` over a same-thread MessageChannel.
import { MessageChannel } from 'node:worker_threads';

const add = (a, b) => a + b;
const settled = Promise.resolve();

export function raw() {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', ([, a, b]) => port1.postMessage(add(a, b)));
  const waiting = [];
  port2.on('message', (value) => waiting.shift()(value));
  return {
    call: () => new Promise((resolve) => (waiting.push(resolve), port2.postMessage(['add', 2, 3]))),
    close: () => (port1.close(), port2.close()),
  };
}

export function ids() {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', ([id, , args]) => port1.postMessage([id, add(...args)]));
  const pending = new Map();
  let next = 1;
  port2.on('message', ([id, value]) => {
    const resolve = pending.get(id);
    pending.delete(id);
    resolve(value);
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        port2.postMessage([id, 'add', [2, 3]]);
      }),
    close: () => (port1.close(), port2.close()),
  };
}

/** Sends what `queue` collects once per tick, from a microtask, as saltline's flush does. */
function flusher(port) {
  let outbox = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = outbox;
    outbox = [];
    port.postMessage(batch.length === 1 ? batch[0] : batch);
  };
  return (message) => {
    outbox.push(message);
    if (!scheduled) {
      scheduled = true;
      void settled.then(flush);
    }
  };
}

export function shapes() {
  const { port1, port2 } = new MessageChannel();
  const reply = flusher(port1);
  port1.on('message', ([, id, , args]) => reply([3, id, add(...args)]));
  const send = flusher(port2);
  const pending = new Map();
  let next = 1;
  port2.on('message', ([, id, value]) => {
    const call = pending.get(id);
    pending.delete(id);
    call.resolve(value);
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, { resolve, deadline: performance.now() + 30_000 });
        send([1, id, 'add', [2, 3]]);
      }),
    close: () => (port1.close(), port2.close()),
  };
}
