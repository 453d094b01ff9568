// Dead files, exports and dependencies (`npm run knip`). The package's entry points are the
// `exports` of package.json, mapped to their sources through tsconfig.json's `paths` (the same
// map TypeScript and the tests use), so a new entry point needs no change here.
import { readFileSync } from 'node:fs';

const read = (file) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));
const { exports } = read('./package.json');
const { paths } = read('./tsconfig.json').compilerOptions;
const packageEntries = Object.keys(exports)
  .map((key) => paths[`saltline${key.slice(1)}`]?.[0])
  .filter((source) => source !== undefined);

/** @type {import('knip').KnipConfig} */
export default {
  entry: [
    ...packageEntries,
    // Test files, the fixtures that workers, pages and extensions load by URL, and the runners.
    'test/spec/*.spec.ts',
    'test/node/*.node.test.ts',
    'test/browser/**/*.browser.test.ts',
    'test/browser/fixtures/*.ts',
    'test/fixtures/**/*.{ts,mjs}',
    'test/types/*.test-d.ts',
    // Benchmarks: the runners, the peer-bench adapters and the far ends started as processes or workers.
    'bench/*.mjs',
    'bench/peer-adapters/**/*.mjs',
    'bench/lib/far-*.mjs',
    // Demos: every page, worker, server and build script is started on its own.
    'demos/**/*.{ts,mts,mjs}',
    // The documentation site's search script, loaded by its pages (the builder is `npm run docs`).
    'docs-site/assets/*.js',
    // Knip has no plugin for @web/test-runner: its config is an entry like any other.
    'web-test-runner.config.mjs',
  ],
  project: [
    'src/**/*.ts',
    'adapters/**/*.ts',
    'docs-site/**/*.{ts,js}',
    'test/**/*.{ts,mts,mjs}',
    'bench/**/*.mjs',
    'demos/**/*.{ts,mts,mjs}',
  ],
  // The Electron demo is its own package (it installs electron itself): not part of this one's graph.
  ignore: ['demos/electron/**'],
  // An export its own module uses (a type in a signature, a limit beside its check) is not dead code.
  ignoreExportsUsedInFile: true,
  // Loaded by name through createRequire (src/secure/backend.ts), which no bundler or knip follows.
  ignoreDependencies: ['sodium-native'],
};
