#!/usr/bin/env node
// Bundle size per entry point, against the size budgets: core ≤ 6 KB, each transport adapter
// ≤ 1.5 KB, minified + gzipped.
//
//   node bench/size.mjs [--markdown] [--json] [--modules]   (after `npx rollup -c`; the build prints it too)
//   --modules also lists the core's minified bytes per source module (from src/).
//
// Method: every `dist/*.js` entry named in package.json "exports" is bundled by esbuild with its
// shared chunks inlined, minified (ES2022), with the package's dependencies (@msgpack/msgpack,
// tweetnacl) and node: built-ins external, then gzipped (level 9). "Added to core" is what an
// app that already imports `saltline` pays for the entry: gzip(core + entry) − gzip(core); the
// adapter budget applies to it (an adapter may import the core, e.g. serveWebSocket makes peers),
// the core budget to the core's own size. KB = 1000 bytes (the strict reading of the budget).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Budgets in bytes, min+gzip. Entries not listed here are reported without a budget. */
export const BUDGETS = {
  core: 6000,
  adapter: 1500,
};
/** Which entries are transport adapters (one file per platform). */
const ADAPTERS = new Set(['worker', 'websocket', 'webrtc', 'window', 'electron', 'extension']);
/** Adapters over bytes: they use the byte codec (saltline/msgpack), which they share with each other and the secure channel. */
const BYTE_ADAPTERS = new Set(['websocket', 'webrtc', 'extension']);
/**
 * Entries that hold more than a transport adapter: the transport factories themselves (what the
 * adapter budget reads as "a transport adapter": a factory and its small class), each
 * measured alone, and the helpers beside them (a redialling client, a server, a signaling service).
 */
const PARTS = {
  websocket: [
    ['fromWebSocket', 'factory'],
    ['connectWebSocket', 'helper'],
    ['serveWebSocket', 'helper'],
  ],
  webrtc: [
    ['fromDataChannel', 'factory'],
    ['fromSimplePeer', 'factory'],
    ['connectSignaling', 'helper'],
    ['signalingService', 'helper'],
  ],
  // A page imports the side it needs (a worker, a shared worker, a broadcast channel); the worker its scope.
  worker: [
    ['fromPort', 'factory'],
    ['fromWorker', 'factory'],
    ['fromWorkerScope', 'factory'],
    ['fromSharedWorker', 'factory'],
    ['fromSharedWorkerScope', 'factory'],
    ['fromBroadcastChannel', 'factory'],
  ],
  // The main process and a renderer are two bundles: each imports its own side.
  electron: [
    ['fromIpcMain', 'factory'],
    ['fromIpcRenderer', 'factory'],
    ['fromMessagePortMain', 'factory'],
  ],
};
/**
 * Whole apps as they ship, with their dependencies bundled (@msgpack/msgpack, tweetnacl):
 * `[label, imports]`, each import `[entry, names]`.
 */
const APPS = [
  [
    'page ↔ worker (createPeer + fromWorker)',
    [
      ['index', ['createPeer']],
      ['worker', ['fromWorker']],
    ],
  ],
  [
    'WebSocket client (createPeer + fromWebSocket)',
    [
      ['index', ['createPeer']],
      ['websocket', ['fromWebSocket']],
    ],
  ],
  [
    'encrypted WebSocket client (secure createPeer + fromWebSocket)',
    [
      ['secure', ['createPeer', 'generateIdentity']],
      ['websocket', ['fromWebSocket']],
    ],
  ],
];
/**
 * The secure channel's secretbox backends (`secure.crypto`), what each adds to an app's bundles:
 * `[label, module or undefined, note]`. tweetnacl is in every bundle of `saltline/secure` (the
 * fallback); sodium-native is native code that Node loads at run time (no bundler sees it);
 * libsodium's WebAssembly build is a chunk of its own, imported lazily by the app
 * (`loadLibsodium(import('libsodium-wrappers'))`), so it is not in the initial bundle.
 */
const BACKENDS = [
  ['tweetnacl', 'tweetnacl', 'in every saltline/secure bundle: the fallback'],
  ['sodium-native', undefined, 'Node only: native, loaded at run time; nothing bundled'],
  ['libsodium', 'libsodium-wrappers', 'a lazy chunk the app imports, WebAssembly inlined; not in the initial bundle'],
];
/** The peer libraries, measured the same way when installed (comlink is a devDependency; the others live in peer-bench's install). */
const PEERS = [
  ['comlink', 'comlink'],
  ['birpc', 'birpc'],
  ['capnweb', 'capnweb'],
  ['post-me', 'post-me'],
];

function entries(pkg) {
  const out = [];
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : (target?.default ?? target?.import);
    if (typeof file !== 'string' || !file.endsWith('.js')) continue;
    const name = key === '.' ? 'index' : key.replace(/^\.\//, '');
    const role = key === '.' ? 'core' : ADAPTERS.has(name) ? 'adapter' : 'other';
    out.push({ key: key === '.' ? pkg.name : `${pkg.name}/${name}`, name, role, file: join(root, file) });
  }
  return out;
}

async function minify(esbuild, contents, external, resolveDir = join(root, 'dist')) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir, loader: 'js', sourcefile: 'size-entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

const gz = (bytes) => gzipSync(bytes, { level: 9 }).byteLength;
const spec = (file) => JSON.stringify(pathToFileURL(file).pathname);
// Namespace imports keep every export alive, the same way for a base alone and base + entry.
const ns = (files) =>
  files.map((f, i) => `import * as m${i} from ${spec(f)};`).join('') + `export { ${files.map((_, i) => `m${i}`).join(', ')} };`;
const named = (file, names, tag) => `import { ${names.map((n) => `${n} as ${n}_${tag}`).join(', ')} } from ${spec(file)};`;
const exported = (names, tag) => names.map((n) => `${n}_${tag}`);

/** Where peer-bench installed its peers (its `run` script), when it has run on this machine. */
function peerBenchModules() {
  const here = join(root, '..', 'shared', 'peer-bench', 'package-lock.json');
  if (!existsSync(here)) return undefined;
  const hash = createHash('sha256').update(readFileSync(here)).digest('hex').slice(0, 12);
  const home = process.env.PEER_BENCH_HOME ?? join(process.env.TMPDIR ?? '/tmp', `peer-bench-${hash}`);
  return existsSync(join(home, 'node_modules')) ? home : undefined;
}

/**
 * Measures every entry; returns rows { key, role, min, gzip, added, budget, judged, ok, placeholder }.
 * Roles: core, adapter, other (entries); factory and helper (parts of an adapter entry, `added`
 * only); app, backend and peer (whole bundles with dependencies, `gzip` only).
 */
export async function measureSizes() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), 'node:*'];
  const esbuild = await import('esbuild');
  const list = entries(pkg);
  const missing = list.filter((e) => !existsSync(e.file));
  if (missing.length) throw new Error(`size: missing ${missing.map((e) => e.file).join(', ')}; run \`npx rollup -c\` first`);
  const byName = Object.fromEntries(list.map((e) => [e.name, e]));
  const core = byName.index;
  const codec = byName.msgpack;
  // What an adapter is judged against: the core, and for a byte adapter the core and the byte codec.
  const baseOf = (name) => [core.file, ...(BYTE_ADAPTERS.has(name) && codec ? [codec.file] : [])];
  const baseGzip = new Map();
  const gzipOfBase = async (files) => {
    const key = files.join();
    if (!baseGzip.has(key)) baseGzip.set(key, gz(await minify(esbuild, ns(files), external)));
    return baseGzip.get(key);
  };
  const rows = [];
  for (const e of list) {
    const min = await minify(esbuild, `export * from ${spec(e.file)};`, external);
    // An entry that exports nothing yet (adapters being written) minifies to nothing.
    const placeholder = /^\s*(export\s*\{\s*\}\s*;?)?\s*$/.test(new TextDecoder().decode(min));
    const gzip = gz(min);
    const base = e === core ? [] : e.role === 'adapter' ? baseOf(e.name) : [core.file];
    const added = base.length ? gz(await minify(esbuild, ns([...base, e.file]), external)) - (await gzipOfBase(base)) : undefined;
    // An entry split into parts is judged by its transport factories (rows below), not as a whole.
    const budget = PARTS[e.name] ? undefined : BUDGETS[e.role];
    // An adapter is judged on what it adds (serveWebSocket, say, makes peers, so its standalone
    // bundle holds the whole core); the core on its standalone size.
    const judged = e.role === 'adapter' ? added : gzip;
    const base_ = e.role === 'adapter' && BYTE_ADAPTERS.has(e.name) ? 'core + msgpack' : base.length ? 'core' : undefined;
    rows.push({
      key: e.key,
      role: e.role,
      base: base_,
      min: min.byteLength,
      gzip,
      added,
      budget,
      judged,
      ok: budget === undefined || judged === undefined ? undefined : judged <= budget,
      placeholder,
    });
    for (const [part, role] of PARTS[e.name] ?? []) {
      const base = baseOf(e.name);
      const contents = ns(base).replace(/export \{/, `${named(e.file, [part], 'p')}export { ${part}_p, `);
      const partAdded = gz(await minify(esbuild, contents, external)) - (await gzipOfBase(base));
      const partBudget = role === 'factory' ? BUDGETS.adapter : undefined;
      rows.push({
        key: `${e.key} { ${part} }`,
        role,
        base: BYTE_ADAPTERS.has(e.name) ? 'core + msgpack' : 'core',
        added: partAdded,
        budget: partBudget,
        judged: partAdded,
        ok: partBudget === undefined ? undefined : partAdded <= partBudget,
      });
    }
  }
  // Whole apps, dependencies included: what a user's bundle grows by.
  for (const [label, imports] of APPS) {
    const contents =
      imports.map(([entry, names], i) => named(byName[entry].file, names, i)).join('') +
      `export { ${imports.flatMap(([, names], i) => exported(names, i)).join(', ')} };`;
    // tweetnacl's Node fallback require('crypto') is left out, as browser bundlers do.
    const bytes = await minify(esbuild, contents, ['node:*', 'crypto']);
    rows.push({ key: label, role: 'app', min: bytes.byteLength, gzip: gz(bytes) });
  }
  for (const [label, module, note] of BACKENDS) {
    if (module && !existsSync(join(root, 'node_modules', module, 'package.json'))) continue;
    const bytes = module ? await minify(esbuild, `export * from '${module}';`, ['node:*', 'crypto', 'path', 'fs'], root) : undefined;
    rows.push({ key: `secure backend ${label} (${note})`, role: 'backend', min: bytes?.byteLength ?? 0, gzip: bytes ? gz(bytes) : 0 });
  }
  const peerHome = peerBenchModules();
  for (const [label, module] of PEERS) {
    for (const dir of [root, peerHome].filter(Boolean)) {
      if (!existsSync(join(dir, 'node_modules', module, 'package.json'))) continue;
      const version = JSON.parse(readFileSync(join(dir, 'node_modules', module, 'package.json'), 'utf8')).version;
      const bytes = await minify(esbuild, `export * from '${module}';`, ['node:*'], dir);
      rows.push({ key: `${label} ${version} (whole package)`, role: 'peer', min: bytes.byteLength, gzip: gz(bytes) });
      break;
    }
  }
  return rows;
}

/** Minified bytes per source module of the core entry (from src/, via esbuild's metafile): where the size goes. */
export async function coreModules() {
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const result = await esbuild.build({
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    external: [...Object.keys(pkg.dependencies ?? {}), 'node:*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return Object.entries(output.inputs)
    .map(([file, { bytesInOutput }]) => ({ file, min: bytesInOutput }))
    .filter((m) => m.min > 0)
    .sort((a, b) => b.min - a.min);
}

const kb = (n) => (n === undefined ? '–' : `${(n / 1000).toFixed(2)} KB`);

const statusOf = (r) => (r.placeholder ? 'placeholder' : r.ok === undefined ? 'no budget' : r.ok ? 'within' : '**OVER**');

export function sizeTable(rows) {
  const entries = rows.filter((r) => ['core', 'adapter', 'other', 'factory', 'helper'].includes(r.role));
  const bundles = rows.filter((r) => r.role === 'app' || r.role === 'peer' || r.role === 'backend');
  const lines = [
    '| entry (or part of one) | role | min | min+gzip | added (gzip) | added to | budget | status |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | --- |',
  ];
  for (const r of entries) {
    lines.push(
      `| \`${r.key}\` | ${r.role} | ${kb(r.min)} | ${kb(r.gzip)} | ${kb(r.added)} | ${r.base ?? '–'} | ` +
        `${r.budget ? `≤ ${kb(r.budget)}` : '–'} | ${statusOf(r)} |`,
    );
  }
  if (bundles.length) {
    lines.push(
      '',
      'Whole bundles, dependencies included (what an app ships):',
      '',
      '| bundle | min | min+gzip |',
      '| --- | ---: | ---: |',
    );
    for (const r of bundles) lines.push(`| ${r.role === 'app' ? `saltline: ${r.key}` : r.key} | ${kb(r.min)} | ${kb(r.gzip)} |`);
  }
  return lines.join('\n');
}

/** Plain-text table for the terminal (the build's output). */
export function sizeText(rows) {
  const head = ['entry', 'role', 'min', 'min+gzip', 'added', 'to', 'budget', 'status'];
  const body = rows.map((r) => [
    r.key,
    r.role,
    kb(r.min),
    kb(r.gzip),
    kb(r.added),
    r.base ?? '-',
    r.budget ? `<= ${kb(r.budget)}` : '-',
    statusOf(r).replaceAll('*', ''),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => ([0, 1, 5, 7].includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    'size (esbuild minify, gzip -9; "added" = what the entry adds on top of "to"; adapters are judged on it, byte adapters on top of ' +
      'core + msgpack; app and peer rows bundle their dependencies):',
    line(head),
    ...body.map(line),
  ].join('\n');
}

/** A rollup plugin: prints the table after the JS build has written dist/ (SALTLINE_SIZE_REPORT=0 silences it). */
export function sizeReportPlugin() {
  return {
    name: 'saltline-size-report',
    async writeBundle() {
      if (process.env.SALTLINE_SIZE_REPORT === '0') return;
      try {
        console.error('\n' + sizeText(await measureSizes()) + '\n');
      } catch (error) {
        console.warn(`size report skipped: ${error.message}`);
      }
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await measureSizes();
  if (process.argv.includes('--modules')) {
    console.log('core, minified bytes per module (before gzip):');
    for (const m of await coreModules()) console.log(`${String(m.min).padStart(7)}  ${m.file}`);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 1));
  else if (process.argv.includes('--markdown')) console.log(sizeTable(rows));
  else console.log(sizeText(rows));
}
