// One build, named inputs: every entry shares one core chunk. Dependencies stay external.
import { readFileSync } from 'node:fs';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';
// Prints min+gzip per entry against the budgets (core ≤ 6 KB, adapters ≤ 1.5 KB) after the JS build.
import { sizeReportPlugin } from './bench/size.mjs';

const read = (file) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));
const pkg = read('./package.json');
// The entry points are package.json's `exports`, each built from the source tsconfig.json's
// `paths` maps it to (the map TypeScript, the tests and knip use): `./worker` → dist/worker.js.
const { paths } = read('./tsconfig.json').compilerOptions;
const input = Object.fromEntries(
  Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => [
      key === '.' ? 'index' : key.slice(2),
      paths[key === '.' ? 'saltline' : `saltline/${key.slice(2)}`][0].replace(/^\.\//, ''),
    ]),
);
// Optional peers (ws, OpenTelemetry, redis, ...) stay external like dependencies: the app brings them.
const dependencies = [pkg.dependencies, pkg.peerDependencies, pkg.optionalDependencies].flatMap((deps) => Object.keys(deps ?? {}));
const external = (id) => dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)) || id.startsWith('node:');

export default [
  {
    input,
    external,
    plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }), sizeReportPlugin()],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'shared/[name]-[hash].js',
      sourcemap: true,
    },
  },
  {
    input,
    external,
    plugins: [dts({ tsconfig: 'tsconfig.json' })],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].d.ts',
      chunkFileNames: 'shared/[name]-[hash].d.ts',
      // Peer has [Symbol.asyncDispose]; rollup-plugin-dts drops the source's reference directive.
      banner: '/// <reference lib="esnext.disposable" />',
    },
  },
];
