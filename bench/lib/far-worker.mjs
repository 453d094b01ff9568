// The far end of the own benchmarks' worker transport: serves `raw` or `saltline` (the BUILT
// package) on each MessagePort the main thread transfers to it.
import { parentPort } from 'node:worker_threads';
import { createPeer } from '../../dist/index.js';
import { fromPort } from '../../dist/worker.js';
import { chunkOf, service } from './fixtures.mjs';

const serve = {
  /** Bare postMessage of [method, ...args]; the reply is the bare result (FIFO, like peer-bench's raw). */
  raw(port) {
    port.on('message', ([m, ...args]) => port.postMessage(service[m](...args)));
  },
  /** A one-way firehose: ['chunks', count, size] -> `count` chunks, then the number `count` (no flow control). */
  rawStream(port) {
    port.on('message', ([, count, size]) => {
      const chunk = chunkOf(size);
      for (let i = 0; i < count; i++) port.postMessage(chunk);
      port.postMessage(count);
    });
  },
  saltline(port, options) {
    createPeer(fromPort(port), { ...options, expose: service });
  },
};

parentPort.on('message', ({ id, kind, port, options }) => {
  try {
    serve[kind](port, options ?? {});
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.stack ?? error) });
  }
});
