#!/usr/bin/env node
// Load on a cluster: PROCESSES server processes sharing one redis-server (saltline/cluster), CLIENTS
// client peers on each, every client subscribed to one topic and keeping one call in flight, while
// one broadcast goes out every BROADCAST_MS from a client of a rotating process. Reports calls/s,
// broadcast fan-out latency (sent by a client → received by every client, p50/p99) and messages
// lost or duplicated; then the same number of clients on ONE process without Redis, in the same run.
//
//   npx rollup -c && node bench/cluster-load.mjs [--processes=3] [--clients=200] [--seconds=5] [--broadcast-ms=20] [--json]
//
// Servers are child processes; the clients all run in this process (one clock for latencies).
// Needs /usr/bin/redis-server (or REDIS_SERVER). Everything stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { WebSocket } from 'ws';
import { createPeer } from '../dist/index.js';
import { fromWebSocket } from '../dist/websocket.js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const PROCESSES = arg('processes', 3);
const CLIENTS = arg('clients', 200);
const SECONDS = arg('seconds', 5);
const BROADCAST_MS = arg('broadcast-ms', 20);
const KEY = 'bench key: 32 bytes or more, not a secret';
const now = () => performance.timeOrigin + performance.now();

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Spawns `args` and resolves with the child once a line of its stdout passes `ready`. */
async function start(command, args, env, ready) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const line = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const found = output.split('\n').find(ready);
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)));
  });
  child.stdout.resume();
  return { child, line };
}

const stop = async (child) => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(processes, perProcess, redisUrl) {
  const servers = await Promise.all(
    Array.from({ length: processes }, () =>
      start(
        process.execPath,
        [new URL('./lib/far-cluster-server.mjs', import.meta.url).pathname],
        redisUrl ? { REDIS_URL: redisUrl, BUS_KEY: KEY } : {},
        (l) => l.startsWith('{'),
      ),
    ),
  );
  const ports = servers.map(({ line }) => JSON.parse(line).port);
  const latencies = [];
  let duplicates = 0;
  const clients = [];
  for (let s = 0; s < processes; s++) {
    for (let c = 0; c < perProcess; c++) {
      const seen = new Set();
      const peer = createPeer(fromWebSocket(new WebSocket(`ws://127.0.0.1:${ports[s]}/`)), {
        expose: {
          tick: (seq, sentAt) => {
            if (seen.has(seq)) duplicates++;
            seen.add(seq);
            latencies.push(now() - sentAt);
          },
        },
      });
      clients.push({ peer, seen, server: s });
    }
  }
  await Promise.all(clients.map(({ peer }) => peer.call('subscribe', ['bench'])));

  let calls = 0;
  let running = true;
  const lanes = clients.map(async ({ peer }) => {
    while (running) {
      await peer.call('add', [1, 2]);
      calls++;
    }
  });
  let seq = 0;
  const started = now();
  const sent = [];
  while (now() - started < SECONDS * 1000) {
    // Not awaited: broadcasts go out on schedule whatever the load.
    sent.push(clients[(seq % processes) * perProcess].peer.call('broadcast', ['bench', seq++, now()]));
    await new Promise((resolve) => setTimeout(resolve, BROADCAST_MS));
  }
  running = false;
  await Promise.all([...lanes, ...sent]);
  const elapsed = (now() - started) / 1000;
  // Wait for the last broadcasts to land (bounded): a message still missing after that is lost.
  const expected = seq * clients.length;
  const deadline = now() + 5000;
  const received = () => clients.reduce((sum, { seen }) => sum + seen.size, 0);
  while (received() < expected && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const lost = expected - received();
  for (const { peer } of clients) peer.close();
  await Promise.all(clients.map(({ peer }) => peer.closed));
  await Promise.all(servers.map(({ child }) => stop(child)));
  latencies.sort((a, b) => a - b);
  return {
    processes,
    clients: clients.length,
    callsPerSecond: Math.round(calls / elapsed),
    broadcasts: seq,
    deliveries: expected,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    lost,
    duplicates,
  };
}

const redisPort = await freePort();
const redis = await start(
  process.env.REDIS_SERVER ?? '/usr/bin/redis-server',
  ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
  {},
  (l) => l.includes('Ready to accept connections'),
);
const load = loadavg()[0].toFixed(2);
let results;
try {
  results = [await run(PROCESSES, CLIENTS, `redis://127.0.0.1:${redisPort}`), await run(1, PROCESSES * CLIENTS, undefined)];
} finally {
  await stop(redis.child);
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ load, cores: availableParallelism(), results }));
else {
  console.log(
    `${CLIENTS} clients per process, ${SECONDS} s, a broadcast every ${BROADCAST_MS} ms; ${availableParallelism()} cores, load ${load}`,
  );
  console.log('| setup | clients | calls/s | broadcasts | deliveries | fan-out p50 | fan-out p99 | lost | duplicated |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const setup = r.processes > 1 ? `${r.processes} processes + Redis` : '1 process, no Redis';
    console.log(
      `| ${setup} | ${r.clients} | ${r.callsPerSecond} | ${r.broadcasts} | ${r.deliveries} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.lost} | ${r.duplicates} |`,
    );
  }
}
