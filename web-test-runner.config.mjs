// Chromium suite: the shared specs (test/spec) and browser-only tests (test/browser), in Debian's
// Chromium (or CHROME_PATH). Nothing here downloads a browser or reaches beyond loopback.
import { readFileSync } from 'node:fs';
import commonjs from '@rollup/plugin-commonjs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import { chromeLauncher } from '@web/test-runner-chrome';
import { findChrome, localChromeFlags } from './test/support/chrome.mjs';

const flags = [
  '--headless=new',
  ...localChromeFlags,
  // WebRTC between tabs over loopback host candidates only.
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];

/** The spec files import their describe/it from #harness: here, mocha's globals. */
const harness = {
  name: 'saltline-harness',
  resolveImport({ source }) {
    if (source === '#harness') return '/test/harness/browser.ts';
  },
};

/**
 * `saltline` and `saltline/x` resolve to their sources through tsconfig.json's `paths`, as tsx does
 * in Node: generated code importing `saltline/schema` then shares one copy of each module with the
 * test (not a second one from a built, maybe stale, dist/).
 */
const { paths } = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')).compilerOptions;
const selfImports = {
  name: 'saltline-self-imports',
  resolveImport({ source }) {
    const to = paths[source]?.[0];
    if (to) return to.replace(/^\./, '');
  },
};

// Servers and plugins that browser tests need (a ws server, a signaling relay), kept beside them.
const { plugins: testPlugins = [] } = await import('./test/browser/plugins.mjs');

export default {
  files: ['test/spec/**/*.spec.ts', 'test/browser/**/*.browser.test.ts'],
  nodeResolve: { browser: true },
  hostname: '127.0.0.1',
  concurrency: 2,
  browsers: [chromeLauncher({ launchOptions: { executablePath: findChrome(), headless: true, args: flags } })],
  plugins: [
    harness,
    selfImports,
    ...testPlugins,
    // tweetnacl is CommonJS; 26.0.3 is the last @rollup/plugin-commonjs that works under dev-server-rollup 1.0.
    fromRollup(commonjs)({ include: ['**/node_modules/tweetnacl/**'] }),
    esbuildPlugin({ ts: true, target: 'es2022' }),
  ],
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 5 * 60 * 1000,
};
