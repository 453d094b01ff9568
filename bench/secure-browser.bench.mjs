#!/usr/bin/env node
// The secure channel's crypto backends in Chromium, in one page: tweetnacl against libsodium's
// WebAssembly build (`secure.crypto: 'libsodium'`), interleaved round by round (paired ratios).
//
//   node bench/secure-browser.bench.mjs
//
// Rows: seal + open of a 16-byte record (as MB/s of payload), of 1 MiB in 64 KiB records, and
// 1 MiB calls through a secure channel over a MessageChannel with both ends in the page, and
// handshakes/s between two peers in the page. Bundles
// bench/browser/secure-page.ts with esbuild, drives Debian's Chromium with puppeteer-core (nothing
// downloaded, nothing beyond loopback). Markdown on stdout. Knobs: BENCH_ROUNDS (7), BENCH_SLICE_MS (300).
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { findChrome, localChromeFlags } from '../test/support/chrome.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const sliceMs = Number(process.env.BENCH_SLICE_MS ?? 300);

const bundle = await build({
  entryPoints: [new URL('./browser/secure-page.ts', import.meta.url).pathname],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  preserveSymlinks: true, // node_modules is a symlink in worktrees: resolve tsconfig beside the sources
  tsconfigRaw: '{}',
  external: ['crypto', 'fs', 'path'], // tweetnacl's and libsodium's Node branches, never taken in a page
});
const browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, args: ['--headless=new', ...localChromeFlags] });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('[secure-browser-bench] page error', error));
  await page.goto('about:blank');
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const version = await browser.version();
  console.error(`[secure-browser-bench] ${version}: ${rounds} rounds of ${sliceMs} ms`);
  const result = await page.evaluate((r, ms) => globalThis.runBench(r, ms), rounds, sliceMs);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const row = (label, { tweetnacl, libsodium }) => {
    const ratios = libsodium.map((x, i) => x / tweetnacl[i]);
    const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
    return `| ${label} | ${median(tweetnacl).toFixed(1)} (${range(tweetnacl)}) | ${median(libsodium).toFixed(1)} (${range(libsodium)}) | **${median(ratios).toFixed(2)}×** (${range(ratios)}) |`;
  };
  console.log(
    [
      `Chromium (${version}), one page, ${rounds} interleaved rounds of ${sliceMs} ms; MB/s of payload, median (min–max).`,
      '',
      '| case | tweetnacl MB/s | libsodium (WebAssembly) MB/s | libsodium / tweetnacl |',
      '| --- | ---: | ---: | ---: |',
      row('record layer, 16-byte record seal + open', result.small),
      row('record layer, 1 MiB seal + open (64 KiB records)', result.bulk),
      row('secure channel, bytes(1 MiB), MessageChannel in the page', result.channel),
      row('secure handshakes/s (not MB/s), two peers on a MessageChannel in the page', result.handshake),
    ].join('\n'),
  );
} finally {
  await browser.close();
}
