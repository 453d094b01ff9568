// One build, named inputs: every entry shares one core chunk. Dependencies stay external.
import { readFileSync } from 'node:fs';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';
// Prints min+gzip per entry against the budgets (core ≤ 6 KB, adapters ≤ 1.5 KB) after the JS build.
import { sizeReportPlugin } from './bench/size.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const input = {
  index: 'src/index.ts',
  worker: 'adapters/worker.ts',
  secure: 'src/secure/index.ts',
  msgpack: 'src/msgpack.ts',
  websocket: 'adapters/websocket.ts',
  webrtc: 'adapters/webrtc.ts',
  window: 'adapters/window.ts',
  extension: 'adapters/extension.ts',
  electron: 'adapters/electron.ts',
};
const dependencies = Object.keys(pkg.dependencies ?? {});
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
