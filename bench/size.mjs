#!/usr/bin/env node
// Bundle size per entry point, against the budgets of issue 7: core ≤ 6 KB, each transport adapter
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
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Budgets in bytes, min+gzip. Entries not listed here are reported without a budget. */
export const BUDGETS = {
  core: 6000,
  adapter: 1500,
};
/** Which entries are transport adapters (one file per platform, DESIGN §1). */
const ADAPTERS = new Set(['worker', 'websocket', 'webrtc', 'window', 'electron', 'extension']);

function entries(pkg) {
  const out = [];
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : target?.default ?? target?.import;
    if (typeof file !== 'string' || !file.endsWith('.js')) continue;
    const name = key === '.' ? 'index' : key.replace(/^\.\//, '');
    const role = key === '.' ? 'core' : ADAPTERS.has(name) ? 'adapter' : 'other';
    out.push({ key: key === '.' ? pkg.name : `${pkg.name}/${name}`, name, role, file: join(root, file) });
  }
  return out;
}

async function minify(esbuild, contents, external) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: join(root, 'dist'), loader: 'js', sourcefile: 'size-entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    external,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

const gz = (bytes) => gzipSync(bytes, { level: 9 }).byteLength;
const spec = (file) => JSON.stringify(pathToFileURL(file).pathname);

/** Measures every entry; returns rows { key, role, min, gzip, added, budget, ok, placeholder }. */
export async function measureSizes() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), 'node:*'];
  const esbuild = await import('esbuild');
  const list = entries(pkg);
  const missing = list.filter((e) => !existsSync(e.file));
  if (missing.length) throw new Error(`size: missing ${missing.map((e) => e.file).join(', ')}; run \`npx rollup -c\` first`);
  const core = list.find((e) => e.role === 'core');
  // Namespace imports keep every export alive, the same way for the core alone and core + entry.
  const ns = (files) => files.map((f, i) => `import * as m${i} from ${spec(f)};`).join('') + `export { ${files.map((_, i) => `m${i}`).join(', ')} };`;
  const coreGzip = core ? gz(await minify(esbuild, ns([core.file]), external)) : 0;
  const rows = [];
  for (const e of list) {
    const min = await minify(esbuild, `export * from ${spec(e.file)};`, external);
    // An entry that exports nothing yet (adapters being written) minifies to nothing.
    const placeholder = /^\s*(export\s*\{\s*\}\s*;?)?\s*$/.test(new TextDecoder().decode(min));
    const gzip = gz(min);
    const added = e === core || !core ? undefined : gz(await minify(esbuild, ns([core.file, e.file]), external)) - coreGzip;
    const budget = BUDGETS[e.role];
    // An adapter is judged on what it adds to the core (serveWebSocket, say, makes peers, so its
    // standalone bundle holds the whole core); the core on its standalone size.
    const judged = e.role === 'adapter' ? added : gzip;
    rows.push({ key: e.key, role: e.role, min: min.byteLength, gzip, added, budget, judged, ok: budget === undefined || judged === undefined ? undefined : judged <= budget, placeholder });
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

export function sizeTable(rows) {
  const lines = [
    '| entry | role | min | min+gzip | added to core (gzip) | budget (core: min+gzip; adapters: added) | status |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const status = r.placeholder ? 'placeholder' : r.ok === undefined ? 'no budget' : r.ok ? 'within' : '**OVER**';
    lines.push(`| \`${r.key}\` | ${r.role} | ${kb(r.min)} | ${kb(r.gzip)} | ${kb(r.added)} | ${r.budget ? `≤ ${kb(r.budget)}` : '–'} | ${status} |`);
  }
  return lines.join('\n');
}

/** Plain-text table for the terminal (the build's output). */
export function sizeText(rows) {
  const head = ['entry', 'role', 'min', 'min+gzip', '+core', 'budget', 'status'];
  const body = rows.map((r) => [
    r.key,
    r.role,
    kb(r.min),
    kb(r.gzip),
    kb(r.added),
    r.budget ? `<= ${kb(r.budget)}` : '-',
    r.placeholder ? 'placeholder' : r.ok === undefined ? 'no budget' : r.ok ? 'ok' : 'OVER BUDGET',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return ['size (esbuild minify, deps external, gzip -9; +core = added on top of the saltline core; adapters are judged on +core):', line(head), ...body.map(line)].join('\n');
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
