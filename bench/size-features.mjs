#!/usr/bin/env node
// What the page ↔ worker app (createPeer + fromWorker, as in bench/size.mjs) pays per feature,
// min+gzip, from src/ directly (no build needed).
//
//   node bench/size-features.mjs [--markdown]
//
// Method: the app is bundled and minified by esbuild as bench/size.mjs does, each source module
// opening with a legal comment that names it (kept in place by minification), so the bundle cuts
// into one chunk per module; chunks are grouped by feature (FEATURES below: a module belongs to
// the feature it exists for). A feature's cost is leave-one-out: gzip -9 of every chunk, minus
// gzip of every chunk but its own. That is what the bundle would shrink by if the feature's
// modules were an opt-in entry, not counting the lines other modules spend on it (session.ts
// dispatches stream and reference messages, for one), so the features' sum is a little less than
// the whole.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Feature → the modules that exist for it; every other module is the call path. */
const FEATURES = {
  'references and callbacks': ['ref-table', 'ref-imports', 'ref-markers', 'retain', 'target', 'map-keepers'],
  streams: ['streams'],
  errors: ['errors', 'error-wire'],
  'lookup and the expose() check': ['lookup'],
  'plugins (and the semver check)': ['plugins', 'semver'],
  'protocol checks (parse, builders)': ['protocol'],
  'reconnecting(dial)': ['reconnect', 'dialer', 'connection-state'],
  'remote proxy': ['proxy'],
  'adapter (fromWorker)': ['adapters/'],
  '(dependencies)': ['(dependencies)'],
};

const esbuild = await import('esbuild');
const gz = (text) => gzipSync(Buffer.from(text), { level: 9 }).byteLength;

/** Marks each module's code with a legal comment naming it, which minification keeps in place. */
const marker = {
  name: 'module-marker',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (args.path.includes('node_modules/') || args.path === '<stdin>') return undefined;
      const source = await readFile(args.path, 'utf8');
      return {
        contents: `/*! @module ${args.path.slice(root.length + 1)} */\n${source}`,
        loader: args.path.endsWith('.ts') ? 'ts' : 'js',
      };
    });
  },
};

const built = await esbuild.build({
  stdin: {
    contents: `export { createPeer } from './src/index.ts'; export { fromWorker } from './adapters/worker.ts';`,
    resolveDir: root,
    loader: 'ts',
    sourcefile: 'app.ts',
  },
  bundle: true,
  minify: true,
  legalComments: 'inline',
  format: 'esm',
  target: 'es2022',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  external: ['node:*', 'crypto'],
  plugins: [marker],
  write: false,
  logLevel: 'silent',
});

/** The minified bundle cut at each module's marker: `[module path, code]` (dependencies: "(dependencies)"). */
function chunks(text) {
  const parts = [];
  let at = 0;
  let path = '(dependencies)';
  for (const match of text.matchAll(/\/\*! @module (\S+) \*\/\n?/g)) {
    parts.push([path, text.slice(at, match.index)]);
    path = match[1];
    at = match.index + match[0].length;
  }
  parts.push([path, text.slice(at)]);
  return parts.filter(([, code]) => code.length > 0);
}

const featureOf = (path) => {
  const name = path.replace(/^src\//, '').replace(/\.[cm]?[jt]s$/, '');
  for (const [feature, modules] of Object.entries(FEATURES)) {
    if (modules.some((m) => (m.endsWith('/') ? path.includes(m) : name === m))) return feature;
  }
  return 'call path (peer, session, caller, callee, outbox, ...)';
};

const parts = chunks(built.outputFiles[0].text);
const whole = gz(parts.map(([, code]) => code).join(''));
const rows = [];
for (const feature of new Set(parts.map(([path]) => featureOf(path)))) {
  const mine = parts.filter(([path]) => featureOf(path) === feature);
  const rest = parts.filter(([path]) => featureOf(path) !== feature);
  rows.push({
    feature,
    modules: mine.map(([path]) => path.replace(/^.*node_modules\//, '')).join(', '),
    min: mine.reduce((sum, [, code]) => sum + code.length, 0),
    gzip: whole - gz(rest.map(([, code]) => code).join('')),
  });
}
rows.sort((a, b) => b.gzip - a.gzip);

const kb = (bytes) => (bytes / 1000).toFixed(2);
if (process.argv.includes('--markdown')) {
  console.log('| feature | modules | min KB | min+gzip KB (leave-one-out) |\n| --- | --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.feature} | ${r.modules} | ${kb(r.min)} | ${kb(r.gzip)} |`);
  console.log(`| **whole app** | | ${kb(rows.reduce((s, r) => s + r.min, 0))} | ${kb(whole)} |`);
} else {
  for (const r of rows) console.log(`${kb(r.gzip).padStart(6)} KB  ${kb(r.min).padStart(6)} KB min  ${r.feature}: ${r.modules}`);
  console.log(`${kb(whole).padStart(6)} KB  whole app (every chunk, markers removed)`);
}
