#!/usr/bin/env node
// CPU scaling of saltline/pool: the same CPU-bound calls (naive fib(N) in a worker thread) through
// a pool of 1 worker and of 2 workers, with every member kept busy (8 calls in flight). On a
// machine with 2 free cores the 2-worker pool should take about half the time. Also the same work
// on the main thread, for the cost of one call's round trip beside the work.
//
//   npx rollup -c && node bench/pool-cpu.mjs [--n=27] [--calls=64] [--rounds=3] [--json]
//
// It imports the BUILT package (dist/), as a user would.
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createPool } from '../dist/pool.js';
import { fromWorker } from '../dist/worker.js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const N = arg('n', 27);
const CALLS = arg('calls', 64);
const ROUNDS = arg('rounds', 3);
const IN_FLIGHT = 8;
const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));

async function timePool(size) {
  const pool = createPool(() => fromWorker(new Worker(new URL('./lib/far-pool-worker.mjs', import.meta.url)), { terminate: true }), {
    size,
  });
  const api = pool.remote();
  await Promise.all(Array.from({ length: size * 2 }, () => api.fib(5))); // every member up and warm
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next++ < CALLS) await api.fib(N);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    times.push(performance.now() - started);
  }
  pool.close();
  await pool.closed;
  return Math.min(...times);
}

function timeMainThread() {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) fib(N);
  return performance.now() - started;
}

const load = loadavg()[0].toFixed(2);
const main = timeMainThread();
const one = await timePool(1);
const two = await timePool(2);
const rows = [
  ['main thread, no RPC', main],
  ['pool of 1 worker', one],
  ['pool of 2 workers', two],
];
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ n: N, calls: CALLS, cores: availableParallelism(), load, rows }));
} else {
  console.log(`fib(${N}) × ${CALLS} calls, ${IN_FLIGHT} in flight, best of ${ROUNDS}; ${availableParallelism()} cores, load ${load}`);
  console.log('| run | time | calls/s | vs 1 worker |\n| --- | ---: | ---: | ---: |');
  for (const [name, ms] of rows) {
    console.log(`| ${name} | ${ms.toFixed(0)} ms | ${((CALLS * 1000) / ms).toFixed(1)} | ${(one / ms).toFixed(2)}× |`);
  }
}
