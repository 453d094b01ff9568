// CPU time of both ends, the steadier measure beside issue 20's wall-clock ratios (own benchmarks'
// `cpu` suite; bench/run.mjs --only=issue20 runs it). Both ends live in ONE process — the far end in
// a worker thread, over a MessagePort or a `ws` WebSocket on 127.0.0.1 — so `process.cpuUsage()`
// counts the caller, the callee, and the threads that serve them (GC, libuv). Wall-clock MB/s on a
// shared 2-core VM swing with the load; CPU per MiB moves far less, and minor page faults per MiB
// (`process.resourceUsage()`) show which mode glibc's allocator was in (docs/benchmarks.md, "Issue 20,
// round 2"): the same 1 MiB postMessage costs 0.15 or 3 ms of CPU depending on it.
//
//   node --expose-gc bench/lib/cpu.mjs              one measuring process, markdown on stdout
//   (the suite runs that twice: glibc's default allocator, and one pinned by GLIBC_TUNABLES)
//
// Cases run interleaved like every other table (a slice per case per round, alternating order, a
// full GC before each slice); each slice moves a fixed amount of data (or calls), not a fixed time.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, parentPort, Worker } from 'node:worker_threads';
import { makeBytes, service } from './fixtures.mjs';
import { config, fmt, fmtRatio, gc, median, ratio, table } from './measure.mjs';
import { peerBenchPaths } from './report.mjs';

const SELF = fileURLToPath(import.meta.url);
/** glibc malloc pinned: no dynamic mmap threshold, no trimming (so freed memory is not faulted in again). */
const PINNED_MALLOC = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';
const MiB = 1024 * 1024;
/** An adapter: the module's URL and the export that holds it (the peer-bench's adapter format). */
const adapter = (path) => ({ url: new URL(`../peer-adapters/${path}`, import.meta.url).href, name: 'default' });
const baseline = (name) => ({ url: new URL('./cpu-raw.mjs', import.meta.url).href, name });
const LIBS = {
  port: { raw: baseline('port'), saltline: adapter('port/saltline.mjs'), secure: adapter('port/saltline-secure.mjs') },
  ws: { raw: baseline('ws'), saltline: adapter('ws/saltline.mjs'), secure: adapter('ws/saltline-secure.mjs') },
};
const load = async ({ url, name }) => (await import(url))[name];

// ---- the far end: a worker thread serving each adapter on a transferred port or an HTTP server --

if (!isMainThread) {
  parentPort.on('message', async ({ lib: which, port }) => {
    const lib = await load(which);
    if (port) {
      lib.serve(port, service);
      return parentPort.postMessage({});
    }
    const server = http.createServer();
    await lib.serve(server, service);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    parentPort.postMessage({ url: `ws://127.0.0.1:${server.address().port}/` });
  });
}

// ---- the near end -------------------------------------------------------------------------------

/** One slice: `calls` sequential calls; CPU and page faults of the whole process, and wall time. */
async function slice(call, calls) {
  gc();
  // The collector's helper threads finish sweeping after gc() returns: let that land outside the slice.
  await new Promise((resolve) => setTimeout(resolve, 10));
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await call();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000, faults: process.resourceUsage().minorPageFault - faults, wall };
}

/** The cases: `{ row, lib, bytes, calls, call }`, what one call moves (0 for add) and calls per slice. */
async function openCases(worker) {
  const served = (lib, port) => {
    worker.postMessage({ lib, port }, port ? [port] : []);
    return once(worker, 'message').then(([reply]) => reply);
  };
  const clients = [];
  const client = async (kind, lib) => {
    const which = LIBS[kind][lib];
    let c;
    if (kind === 'port') {
      const { port1, port2 } = new MessageChannel();
      await served(which, port1);
      c = await (await load(which)).client(port2);
    } else c = await (await load(which)).client((await served(which)).url);
    clients.push(c);
    return c;
  };
  const sameThread = async (lib) => {
    const { port1, port2 } = new MessageChannel();
    const l = await load(LIBS.port[lib]);
    l.serve(port1, service);
    const c = await l.client(port2);
    clients.push(c, { close: () => port1.close() });
    return c;
  };
  const KiB64 = makeBytes(64 * 1024);
  const MiB1 = makeBytes(MiB);
  const cases = [];
  for (const lib of ['raw', 'saltline', 'secure']) {
    const port = await client('port', lib);
    const ws = await client('ws', lib);
    const here = await sameThread(lib);
    cases.push(
      { row: 'worker, 64 KiB', lib, bytes: KiB64.byteLength, calls: 512, call: () => port.bytes(KiB64) },
      { row: 'worker, 1 MiB', lib, bytes: MiB, calls: 32, call: () => port.bytes(MiB1) },
      { row: 'WebSocket, 1 MiB', lib, bytes: MiB, calls: 32, call: () => ws.bytes(MiB1) },
      { row: 'MessageChannel, same thread, add(2, 3)', lib, bytes: 0, calls: 20_000, call: () => here.add(2, 3) },
    );
  }
  for (const c of cases) for (let i = 0; i < 4; i++) await c.call(); // handshakes done, code warm
  return { cases, close: () => Promise.all(clients.map((c) => c.close?.())) };
}

/** Measures every case in this process; returns { rows: { [row]: { [lib]: stats } } }. */
async function measure() {
  const worker = new Worker(SELF);
  await once(worker, 'online');
  const { cases, close } = await openCases(worker);
  const samples = cases.map(() => []);
  for (const c of cases) await slice(c.call, c.calls); // warm-up slice
  for (let r = 0; r < config.rounds; r++) {
    const order = cases.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) samples[i].push(await slice(cases[i].call, cases[i].calls));
  }
  await close();
  await worker.terminate();
  const rows = {};
  cases.forEach((c, i) => {
    // Per MiB for payloads, per call for add(2, 3); one value per round, so ratios can be paired.
    const per = c.bytes ? (c.bytes * c.calls) / MiB : c.calls;
    const s = samples[i];
    rows[c.row] ??= {};
    rows[c.row][c.lib] = {
      unit: c.bytes ? 'ms/MiB' : 'µs/call',
      /** CPU per MiB or per call, one per round (named as `ratio()` in ./measure.mjs reads it). */
      samples: s.map((x) => (x.cpu / per) * (c.bytes ? 1 : 1000)),
      faults: median(s.map((x) => x.faults / per)),
      mbps: c.bytes ? median(s.map((x) => (c.bytes * c.calls) / 1e6 / (x.wall / 1000))) : undefined,
    };
  });
  return { rows };
}

function markdownOf(modes) {
  const header = [
    'row',
    'allocator',
    'raw CPU',
    'saltline CPU',
    'vs raw',
    'secure CPU',
    'vs raw',
    'page faults raw / saltline / secure',
    'MB/s raw / saltline / secure',
  ];
  const out = [];
  for (const [mode, { rows }] of Object.entries(modes))
    for (const [row, libs] of Object.entries(rows)) {
      const { raw, saltline, secure } = libs;
      const cpu = (l) => `${fmt(median(l.samples))} ${l.unit}`;
      const all = (f) => [raw, saltline, secure].map((l) => fmt(f(l))).join(' / ');
      const speeds = raw.mbps === undefined ? '' : all((l) => l.mbps);
      // Paired per round; lower is better (1.20× = 20 % more CPU than raw).
      const ratios = [ratio(saltline, raw), ratio(secure, raw)].map(fmtRatio);
      out.push([row, mode, cpu(raw), cpu(saltline), ratios[0], cpu(secure), ratios[1], all((l) => l.faults), speeds]);
    }
  return table(header, out);
}

/**
 * The own benchmarks' suite: this file run twice in a child process, once with glibc's allocator
 * as it comes and once pinned (PINNED_MALLOC), so each mode is measured whole. Where the C library
 * is not glibc, GLIBC_TUNABLES means nothing and both runs measure the same allocator.
 */
export async function cpuSuite() {
  // In the peer-bench's install when it is there, the adapters load its `ws` (with the native
  // `bufferutil` for masking) as they do in the peer comparison; else the project's own.
  const { home } = peerBenchPaths(fileURLToPath(new URL('../..', import.meta.url)));
  const cwd = existsSync(join(home, 'node_modules/ws')) ? home : undefined;
  const modes = {};
  for (const [mode, env] of [
    ['pinned', { GLIBC_TUNABLES: PINNED_MALLOC }],
    ['default', { GLIBC_TUNABLES: '' }],
  ]) {
    const r = spawnSync(process.execPath, ['--expose-gc', SELF, '--json'], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/lib/cpu.mjs (${mode} allocator) failed: ${r.stderr}`);
    modes[mode] = JSON.parse(r.stdout);
  }
  const markdown = [
    'CPU of **both ends** (caller, callee in a worker thread, and the threads serving them: `process.cpuUsage()` of one process) ' +
      `per MiB moved, or per call for \`add(2, 3)\`; medians of ${config.rounds} interleaved rounds, ratios paired per round. ` +
      '"pinned": glibc malloc with a fixed mmap threshold and no trimming (`GLIBC_TUNABLES`, `PINNED_MALLOC` in bench/lib/cpu.mjs); ' +
      '"default": as it comes, where freed buffers are handed back to the kernel and faulted in again (page faults per MiB or call). ' +
      `\`ws\` ${cwd ? "from the peer-bench's install (with `bufferutil`)" : 'from the project (no `bufferutil`: masking in JavaScript)'}.`,
    '',
    markdownOf(modes),
  ].join('\n');
  return { markdown, data: { ...modes, bufferutil: Boolean(cwd) } };
}

if (isMainThread && process.argv[1] === SELF) {
  const result = await measure();
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else console.log(markdownOf({ [process.env.GLIBC_TUNABLES ? 'pinned' : 'default']: result }));
  process.exit(0);
}
