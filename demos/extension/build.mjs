#!/usr/bin/env node
/**
 * Builds the demo extension into demos/extension/dist/ (load that folder unpacked): bundles
 * src/*.ts with esbuild, with `saltline` and `saltline/<entry>` taken from the repository's built
 * package (dist/, from `npm run build`), as a user's bundler would take them from node_modules.
 *
 *   npm run build && node demos/extension/build.mjs
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const packageDist = path.join(root, 'dist');
const out = path.join(here, 'dist');

if (!existsSync(path.join(packageDist, 'index.js'))) {
  console.error('dist/index.js is missing: run `npm run build` in the repository first');
  process.exit(1);
}

/** `saltline` → dist/index.js, `saltline/extension` → dist/extension.js. */
const saltline = {
  name: 'saltline-from-dist',
  setup(builder) {
    builder.onResolve({ filter: /^saltline(\/[a-z]+)?$/ }, (args) => ({
      path: path.join(packageDist, `${args.path === 'saltline' ? 'index' : args.path.slice('saltline/'.length)}.js`),
    }));
  },
};

mkdirSync(out, { recursive: true });
const common = { bundle: true, platform: 'browser', target: 'es2022', outdir: out, plugins: [saltline], logLevel: 'error' };
const src = (name) => path.join(here, 'src', name);
await build({ ...common, format: 'esm', entryPoints: [src('background.ts'), src('popup.ts')] });
await build({ ...common, format: 'iife', entryPoints: [src('content.ts')] }); // content scripts are classic scripts
for (const file of ['manifest.json', 'popup.html']) copyFileSync(src(file), path.join(out, file));
console.log(`built the demo extension in ${path.relative(process.cwd(), out) || '.'}: load it unpacked (see demos/extension/README.md)`);
