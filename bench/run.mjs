#!/usr/bin/env node
// `npm run bench`: every benchmark, and the docs that show them.
//
//   node bench/run.mjs [--only=size,peer,own,secure,cache,compression,idl] [--build] [--report-only]
//
// 1. Builds dist/ when it is missing (or with --build): the benchmarks import the BUILT package.
// 2. Size: min+gzip per entry against the budgets (bench/size.mjs).
// 3. Peer comparison: the shared peer-bench harness's `run bench bench/peer-adapters` (saltline's
//    adapters beside the peers', ~3 min); says so and skips it when the harness is absent.
// 4. Own benchmarks: `node --expose-gc bench/own.mjs` (memory per idle peer; worker calls, payloads
//    and streams; stream throughput over WebSocket and a WebRTC data channel, plain and secure;
//    connection and handshake time over WebSocket).
// 5. The secure channel: `node --expose-gc bench/secure.bench.mjs` (encrypted against plain, 1 MiB
//    against tweetnacl's own secretbox, handshake time).
// 6. Cached results: `node --expose-gc bench/cache.bench.mjs` (a hit against the call it replaces
//    over a worker and WebSocket, IndexedDB hits, coalescing, the cost of a configured cache).
// 7. Compression: `node --expose-gc bench/compression.bench.mjs` (bytes on the wire and MB/s over
//    WebSocket for JSON-like results, with and without `saltline/compression`).
// 8. The IDL: `node --expose-gc bench/idl.bench.mjs` (parsing a 5,000-line file, validating a
//    call's arguments).
// Each part writes its generated block of docs/benchmarks.md (Peer comparison, Own benchmarks,
// Size, Secure channel, IDL; and docs/bench-calls.svg); raw results go to bench/results/.
// --report-only rewrites the blocks from there.
//
// Environment: PEER_BENCH_DIR (default ../shared/peer-bench), PEER_BENCH_HOME (where `run` installs
// the harness; default as `run` has it, ${TMPDIR:-/tmp}/peer-bench-<hash>), and the timing knobs
// BENCH_ROUNDS, BENCH_SLICE_MS, BENCH_WARMUP_MS, BENCH_DEPTH, BENCH_ONLY, BENCH_SCENARIOS; for the
// own benchmarks also BENCH_PEERS, BENCH_STREAM_CHUNKS, BENCH_HANDSHAKES (see bench/own.mjs).
// The machine is shared: run when `uptime` shows a low load; the docs record the load.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callsChart, goals, goalsTable, load, machine, machineLine, nestHeadings, writeBlock } from './lib/report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'bench/results');
const doc = join(root, 'docs/benchmarks.md');
const chart = join(root, 'docs/bench-calls.svg');
const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',') ?? ['size', 'peer', 'own', 'secure', 'cache', 'compression', 'idl'];
const reportOnly = args.includes('--report-only');
const say = (...a) => console.error('[bench]', ...a);
const KNOBS = [
  'BENCH_ROUNDS',
  'BENCH_SLICE_MS',
  'BENCH_WARMUP_MS',
  'BENCH_DEPTH',
  'BENCH_ONLY',
  'BENCH_SCENARIOS',
  'BENCH_PEERS',
  'BENCH_STREAM_CHUNKS',
  'BENCH_HANDSHAKES',
];
const knobs = () =>
  KNOBS.filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`)
    .join(' ');
let failed = 0;

mkdirSync(results, { recursive: true });
mkdirSync(dirname(doc), { recursive: true });

// ---- 1. dist --------------------------------------------------------------------------------------

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'adapters']) if (existsSync(join(root, d))) walk(join(root, d));
  return newest;
}

if (!reportOnly) {
  const entries = ['index.js', 'worker.js'].map((f) => join(root, 'dist', f));
  if (args.includes('--build') || entries.some((f) => !existsSync(f))) {
    say(args.includes('--build') ? 'building dist/ (--build)' : 'dist/ is missing: building it (npx rollup -c)');
    const r = spawnSync('npx', ['rollup', '-c'], { cwd: root, stdio: 'inherit', env: { ...process.env, SALTLINE_SIZE_REPORT: '0' } });
    if (r.status !== 0) {
      say('the build failed; nothing to measure');
      process.exit(1);
    }
  } else if (newestSource() > statSync(entries[0]).mtimeMs) {
    say('note: src/ or adapters/ changed after dist/ was built; measuring the old build (pass --build to rebuild)');
  }
}

const m = machine(root);
const loadStart = load();
const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

// ---- 2. size --------------------------------------------------------------------------------------

if (only.includes('size')) {
  const { measureSizes, sizeTable, sizeText, coreModules } = await import('./size.mjs');
  let rows;
  let modules;
  let sizeWhen = when;
  let sm = m;
  if (reportOnly && existsSync(join(results, 'size-latest.json'))) {
    ({ rows, modules, date: sizeWhen, machine: sm } = JSON.parse(readFileSync(join(results, 'size-latest.json'), 'utf8')));
  } else if (!reportOnly) {
    rows = await measureSizes();
    modules = await coreModules();
    writeFileSync(join(results, 'size-latest.json'), JSON.stringify({ date: when, machine: m, rows, modules }, null, 1));
    console.log(sizeText(rows));
  }
  if (rows) {
    const over = rows.filter((r) => r.ok === false);
    writeBlock(
      doc,
      'size',
      'Size',
      [
        `Measured ${sizeWhen} from dist/ of saltline \`${sm.commit}\` (built ${sm.built}). Command: \`node bench/size.mjs --markdown\` ` +
          `(\`npm run build\` prints the same table).`,
        'Each entry of package.json "exports" is bundled by esbuild with its shared chunks, minified (ES2022), with the dependencies ' +
          '(`@msgpack/msgpack`, `tweetnacl`) and `node:` built-ins external, then gzipped at level 9; KB = 1000 B. "Added" is what an ' +
          'app pays for the entry (or for one export of it, tree-shaken) on top of what it already has: the core, and for a byte ' +
          'adapter the core and the byte codec (`saltline/msgpack`), which every byte transport and the secure channel share. The core ' +
          'budget (6 KB) applies to the core alone; the adapter budget (1.5 KB) to each transport factory (a factory and its small ' +
          'class), so an entry that also holds helpers (a redialling client, a server, a signaling service) or both ends of a link ' +
          '(Electron main and renderer) is judged by its factories, and its helpers are listed without a budget. The bundles at the end ' +
          'include their dependencies and are measured the same way as the peers beside them (comlink is a devDependency; the others ' +
          'come from the peer-bench install, when it has run on this machine).',
        '',
        sizeTable(rows),
        '',
        over.length ? `**Over budget:** ${over.map((r) => `\`${r.key}\``).join(', ')}.` : 'Every entry with a budget is within it.',
        '',
        'Where the core goes (minified bytes per source module, before gzip; `node bench/size.mjs --modules`):',
        '',
        '| module | min bytes |',
        '| --- | ---: |',
        ...(modules ?? []).map((x) => `| \`${x.file}\` | ${x.min} |`),
      ].join('\n'),
    );
  }
}

// ---- 3. peer comparison ------------------------------------------------------------------------------

if (only.includes('peer')) {
  const dir = resolve(root, process.env.PEER_BENCH_DIR ?? '../shared/peer-bench');
  const run = join(dir, 'run');
  const home =
    process.env.PEER_BENCH_HOME ??
    join(
      process.env.TMPDIR ?? '/tmp',
      `peer-bench-${
        existsSync(join(dir, 'package-lock.json'))
          ? createHash('sha256')
              .update(readFileSync(join(dir, 'package-lock.json')))
              .digest('hex')
              .slice(0, 12)
          : 'none'
      }`,
    );
  let data;
  let markdown;
  if (reportOnly) {
    if (existsSync(join(results, 'peer-latest.json'))) {
      data = JSON.parse(readFileSync(join(results, 'peer-latest.json'), 'utf8'));
      markdown = readFileSync(join(results, 'peer-latest.md'), 'utf8');
    }
  } else if (!existsSync(run)) {
    say(`PEER COMPARISON SKIPPED: the shared peer-bench harness is not at ${dir}`);
    say('  (it is expected next to this repository as ../shared/peer-bench; set PEER_BENCH_DIR to point elsewhere)');
    failed++;
  } else {
    say(`peer comparison: ${relative(root, run)} bench bench/peer-adapters  (~3 min; load ${loadStart})`);
    const t0 = Date.now();
    const r = spawnSync('bash', [run, 'bench', 'bench/peer-adapters'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    const json = join(home, 'results/latest.json');
    if (r.status !== 0 || !existsSync(json) || statSync(json).mtimeMs < t0) {
      say(`the peer-bench run failed (exit ${r.status}); the docs keep the previous peer comparison`);
      failed++;
    } else {
      copyFileSync(json, join(results, 'peer-latest.json'));
      copyFileSync(join(home, 'results/latest.md'), join(results, 'peer-latest.md'));
      data = JSON.parse(readFileSync(json, 'utf8'));
      markdown = readFileSync(join(home, 'results/latest.md'), 'utf8');
      data.saltline = { machine: m, loadStart, loadEnd: load(), knobs: knobs() };
      writeFileSync(join(results, 'peer-latest.json'), JSON.stringify(data, null, 1));
    }
  }
  if (data && markdown) {
    writeFileSync(chart, callsChart(data));
    const sm = data.saltline ?? {};
    const rows = goals(data);
    const main = rows.filter((g) => !g.note);
    const met = main.filter((g) => g.ratio !== undefined && g.ratio >= g.target).length;
    writeBlock(
      doc,
      'peer',
      'Peer comparison',
      [
        `Measured ${data.date} on ${sm.machine ? machineLine(sm.machine) : `Node ${data.node}`}; load average (1 / 5 / 15 min) ` +
          `${sm.loadStart ?? '?'} at the start, ${sm.loadEnd ?? '?'} at the end.`,
        '',
        `Command: \`npm run bench\` (\`node bench/run.mjs\`), which runs \`../shared/peer-bench/run bench ` +
          `bench/peer-adapters\`${sm.knobs ? ` with \`${sm.knobs}\`` : ''}. saltline's adapters ` +
          `(\`bench/peer-adapters/{port,ws}/saltline.mjs\`) use the built package with its defaults (30 s per-call timeout). Raw ` +
          `samples: \`bench/results/peer-latest.json\`.`,
        '',
        `### Benchmark goals: ${met} of ${main.length} met in this run`,
        '',
        'Paired ratios to the raw transport in the same run (median over rounds of saltline / raw in that round). The encrypted goals ' +
          'are in "Secure channel" below (`bench/secure.bench.mjs`).',
        '',
        goalsTable(rows),
        '',
        '![add(a, b) calls per second by library and transport](bench-calls.svg)',
        '',
        nestHeadings(markdown.trim()),
      ].join('\n'),
    );
    console.log('\nBenchmark goals (this run):\n' + goalsTable(rows));
  }
}

/**
 * Runs `node --expose-gc bench/<script> --json=<results>/<name>-latest.json` (or, with
 * --report-only, reads the last results) and returns them with this run's machine and load,
 * or undefined when there are none.
 */
function jsonBench(name, script, what) {
  const out = join(results, `${name}-latest.json`);
  if (reportOnly) return existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
  say(`${what}: node --expose-gc bench/${script} (load ${load()})`);
  const loadStart = load();
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'bench', script), `--json=${out}`], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0 || !existsSync(out)) {
    say(`${what} failed (exit ${r.status})`);
    failed++;
    return undefined;
  }
  const data = JSON.parse(readFileSync(out, 'utf8'));
  data.saltline = { machine: m, loadStart, loadEnd: load(), knobs: knobs() };
  writeFileSync(out, JSON.stringify(data, null, 1));
  return data;
}

/** The generated block of one `jsonBench` result: when, where, the command, then its markdown. */
function writeJsonBench(id, heading, data, script, method) {
  const sm = data.saltline ?? {};
  writeBlock(
    doc,
    id,
    heading,
    [
      `Measured ${data.date} on ${sm.machine ? machineLine(sm.machine) : `Node ${data.node ?? process.version}`}; load average ` +
        `${sm.loadStart ?? '?'} at the start, ${sm.loadEnd ?? '?'} at the end.`,
      '',
      `Command: \`node --expose-gc bench/${script}\`${sm.knobs ? ` with \`${sm.knobs}\`` : ''} (part of \`npm run bench\`).${method} ` +
        `Raw samples: \`bench/results/${id}-latest.json\`.`,
      '',
      data.markdown.trim(),
    ].join('\n'),
  );
}

// ---- 4. own benchmarks ---------------------------------------------------------------------------------

if (only.includes('own')) {
  const own = jsonBench('own', 'own.mjs', 'own benchmarks');
  if (own) {
    const method =
      ` Same method as the peer comparison: interleaved ${own.config.sliceMs} ms slices (at least one whole call or stream ` +
      `each), ${own.config.rounds} rounds, full GC before each slice, paired ratios to raw; the network suites' far end runs in a child ` +
      `process.`;
    writeJsonBench('own', 'Own benchmarks', own, 'own.mjs', method);
  }
}

// ---- 5. the secure channel -----------------------------------------------------------------------

if (only.includes('secure')) {
  const secure = jsonBench('secure', 'secure.bench.mjs', 'the secure-channel benchmark');
  if (secure) writeJsonBench('secure', 'Secure channel', secure, 'secure.bench.mjs', '');
}

// ---- 6. cached results -----------------------------------------------------------------------

if (only.includes('cache')) {
  const cache = jsonBench('cache', 'cache.bench.mjs', 'the cache benchmark');
  if (cache) {
    const method = ` Interleaved ${cache.config.sliceMs} ms slices, ${cache.config.rounds} rounds, one call at a time; ratios are paired per round.`;
    writeJsonBench('cache', 'Cached results', cache, 'cache.bench.mjs', method);
  }
}

// ---- 7. compression ------------------------------------------------------------------------------

if (only.includes('compression')) {
  const compression = jsonBench('compression', 'compression.bench.mjs', 'the compression benchmark');
  if (compression) writeJsonBench('compression', 'Compression', compression, 'compression.bench.mjs', '');
}

// ---- 8. the IDL -------------------------------------------------------------------------------------

if (only.includes('idl')) {
  const idl = jsonBench('idl', 'idl.bench.mjs', 'the IDL benchmark');
  if (idl) writeJsonBench('idl', 'IDL', idl, 'idl.bench.mjs', '');
}

say(
  `docs: ${relative(root, doc)}${only.includes('peer') ? `, ${relative(root, chart)}` : ''}; raw results in ${relative(root, results)}/`,
);
if (failed) say(`${failed} part(s) did not run; see above`);
process.exit(failed ? 1 : 0);
