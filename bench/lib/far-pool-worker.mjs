// A pool member for bench/pool-cpu.mjs: a CPU-bound handler in a worker thread (the BUILT package).
import { parentPort } from 'node:worker_threads';
import { createPeer } from '../../dist/index.js';
import { fromWorkerScope } from '../../dist/worker.js';

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
createPeer(fromWorkerScope(parentPort), { expose: { fib } });
