#!/usr/bin/env node
// `npm run bench`: every benchmark, and the docs that show them.
//
//   node bench/run.mjs [--only=size,peer,own,secure,cache,compression,idl] [--build] [--report-only]
//   node bench/run.mjs --only=issue20      (issue 20's goals table alone, in a few minutes)
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
// 9. Issue 20's goals (bench/lib/issue20.mjs), from what ran in this invocation: the peer comparison
//    and the own benchmarks (streams over WebSocket, Chromium). `--only=issue20` runs just what it needs: the
//    peer comparison's scenarios 1 and 3 with saltline's adapters only (kept apart, as
//    bench/results/issue20-peer-latest.json; the "Peer comparison" block is not rewritten) and
//    `bench/own.mjs --only=ws-streams,chromium-ws,cpu` (bench/results/issue20-own-latest.json; `cpu`
//    is the CPU of both ends per MiB, the steadier figure beside each row: bench/lib/cpu.mjs).
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
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issue20Goals, issue20Table } from './lib/issue20.mjs';
import { callsChart, goals, goalsTable, load, machine, machineLine, nestHeadings, peerBenchPaths, writeBlock } from './lib/report.mjs';

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

/** The backend `secure.crypto: 'auto'` picks in this Node (src/secure/backend.ts): sodium-native when it loads. */
function secureBackend() {
  try {
    createRequire(join(root, 'dist/secure.js'))('sodium-native');
    return 'sodium-native';
  } catch {
    return 'tweetnacl (sodium-native did not load)';
  }
}

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

/**
 * Runs the shared peer-bench harness (`run bench bench/peer-adapters`) with `env` added, keeps its
 * results as bench/results/<name>-latest.{json,md}, and returns { data, markdown }, or undefined
 * when it did not run (with --report-only: the last kept results).
 */
function peerBench(name, env = {}) {
  const kept = join(results, `${name}-latest.json`);
  const keptMd = join(results, `${name}-latest.md`);
  if (reportOnly)
    return existsSync(kept) ? { data: JSON.parse(readFileSync(kept, 'utf8')), markdown: readFileSync(keptMd, 'utf8') } : undefined;
  const { dir, home } = peerBenchPaths(root);
  const run = join(dir, 'run');
  if (!existsSync(run)) {
    say(`PEER COMPARISON SKIPPED: the shared peer-bench harness is not at ${dir}`);
    say('  (it is expected next to this repository as ../shared/peer-bench; set PEER_BENCH_DIR to point elsewhere)');
    failed++;
    return undefined;
  }
  const extra = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const started = load();
  say(`peer comparison: ${[...extra, relative(root, run)].join(' ')} bench bench/peer-adapters  (load ${started})`);
  const t0 = Date.now();
  const r = spawnSync('bash', [run, 'bench', 'bench/peer-adapters'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  const json = join(home, 'results/latest.json');
  if (r.status !== 0 || !existsSync(json) || statSync(json).mtimeMs < t0) {
    say(`the peer-bench run failed (exit ${r.status}); the docs keep the previous peer comparison`);
    failed++;
    return undefined;
  }
  const data = JSON.parse(readFileSync(json, 'utf8'));
  const markdown = readFileSync(join(home, 'results/latest.md'), 'utf8');
  data.saltline = { machine: m, loadStart: started, loadEnd: load(), knobs: [knobs(), ...extra].filter(Boolean).join(' ') };
  writeFileSync(kept, JSON.stringify(data, null, 1));
  writeFileSync(keptMd, markdown);
  return { data, markdown };
}

/** What ran in this invocation, for issue 20's goals table (a suite left out: its rows say so). */
const issue20 = {};
/** The quick issue-20 run's peer comparison: MessagePort calls and payloads, saltline's adapters only. */
const ISSUE20_PEER = { BENCH_SCENARIOS: '1,3', BENCH_ONLY: '^saltline(-secure)?\\.mjs$' };
/** ... and its own benchmarks: the WebSocket stream table, 1 MiB over a WebSocket from Chromium, CPU of both ends. */
const ISSUE20_OWN = 'ws-streams,chromium-ws,cpu';

if (only.includes('peer')) {
  const peer = peerBench('peer');
  if (peer) {
    const { data, markdown } = peer;
    issue20.peer = data;
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
        `### Issue 7 goals: ${met} of ${main.length} met in this run`,
        '',
        'Paired ratios to the raw transport in the same run (median over rounds of saltline / raw in that round). The encrypted goals ' +
          'are in "Secure channel" below (`bench/secure.bench.mjs`); issue 20\'s goals in "Issue 20 goals" above.',
        '',
        goalsTable(rows),
        '',
        '![add(a, b) calls per second by library and transport](bench-calls.svg)',
        '',
        nestHeadings(markdown.trim()),
      ].join('\n'),
    );
    console.log('\nIssue 7 goals (this run):\n' + goalsTable(rows));
  }
} else if (only.includes('issue20')) {
  issue20.peer = peerBench('issue20-peer', ISSUE20_PEER)?.data;
}

/**
 * Runs `node --expose-gc bench/<script> [extraArgs] --json=<results>/<name>-latest.json` (or, with
 * --report-only, reads the last results) and returns them with this run's machine and load,
 * or undefined when there are none.
 */
function jsonBench(name, script, what, extraArgs = []) {
  const out = join(results, `${name}-latest.json`);
  if (reportOnly) return existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
  say(`${what}: node --expose-gc bench/${[script, ...extraArgs].join(' ')} (load ${load()})`);
  const loadStart = load();
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'bench', script), ...extraArgs, `--json=${out}`], {
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
  issue20.own = own;
} else if (only.includes('issue20')) {
  issue20.own = jsonBench('issue20-own', 'own.mjs', 'streams over WebSocket, 1 MiB from Chromium, CPU per MiB', [`--only=${ISSUE20_OWN}`]);
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

// ---- 9. issue 20's goals -------------------------------------------------------------------------

if (['peer', 'own', 'issue20'].some((part) => only.includes(part))) {
  const rows = issue20Goals(issue20);
  const shown = args.filter((a) => a !== '--report-only');
  const sm = issue20.peer?.saltline?.machine ?? issue20.own?.saltline?.machine ?? m;
  const backend = secureBackend();
  const met = rows.filter((r) => r.met).length;
  const ran = (label, data, command) =>
    data
      ? `${label}: \`${command}\`${data.saltline?.knobs ? ` with \`${data.saltline.knobs}\`` : ''}, ${data.date}, load ` +
        `${data.saltline?.loadStart ?? '?'} at the start, ${data.saltline?.loadEnd ?? '?'} at the end.`
      : `${label}: did not run this time.`;
  const table = issue20Table(rows, backend);
  writeBlock(
    doc,
    'issue20',
    'Issue 20 goals',
    [
      `Measured on ${machineLine(sm)} by \`node bench/run.mjs${shown.length ? ` ${shown.join(' ')}` : ''}\`` +
        `${reportOnly ? ' (this block rewritten from its kept results by --report-only)' : ''}; the suites' dates ` +
        `and load averages (1 / 5 / 15 min) are below. **${met} of ${rows.length} met.**`,
      '',
      'Paired ratios (median over rounds of saltline / baseline in that round, both in one interleaved table). The encrypted rows use ' +
        `\`createPeer\` from \`saltline/secure\` with its default backend (\`crypto: 'auto'\`): **${backend}** here. ` +
        '`node bench/run.mjs --only=issue20` runs only what this table needs (a few minutes); `npm run bench` writes it from the ' +
        'full peer comparison and own benchmarks.',
      '',
      `- ${ran('Peer comparison', issue20.peer, '../shared/peer-bench/run bench bench/peer-adapters')}`,
      `- ${ran('Own benchmarks', issue20.own, `node --expose-gc bench/own.mjs${only.includes('own') ? '' : ` --only=${ISSUE20_OWN}`}`)}`,
      '',
      table,
    ].join('\n'),
  );
  console.log(`\nIssue 20 goals (this run):\n${table}`);
}

say(
  `docs: ${relative(root, doc)}${only.includes('peer') ? `, ${relative(root, chart)}` : ''}; raw results in ${relative(root, results)}/`,
);
if (failed) say(`${failed} part(s) did not run; see above`);
process.exit(failed ? 1 : 0);
