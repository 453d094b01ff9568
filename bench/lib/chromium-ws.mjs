// Own-benchmark suite: 1 MiB one way over a WebSocket from Chromium to Node, sequential — raw
// WebSocket, plain saltline, and secure saltline on tweetnacl and on libsodium's WebAssembly build
// (the browser backends; sodium-native serves the Node end). Issue 20's "encrypted 1 MiB over
// WebSocket in Chromium" row. The page (./chromium-ws-page.ts, bundled by esbuild) runs the
// cases interleaved; the servers run in this process on 127.0.0.1 (port 0), which is idle while
// the page measures. Debian's Chromium through puppeteer-core: nothing downloaded, nothing beyond
// loopback. Without a Chromium the suite says so instead of failing the run.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { WebSocketServer } from 'ws';
import { createPeer as createSecurePeer, importIdentity } from '../../dist/secure.js';
import { serveWebSocket } from '../../dist/websocket.js';
import { findChrome, localChromeFlags } from '../../test/support/chrome.mjs';
import { service } from './fixtures.mjs';
import { config, fmt, fmtRatio, median, ratio, table } from './measure.mjs';

const SLICE_MS = 300; // a 1 MiB call from a page takes milliseconds: longer slices than the default

const MiB = 1024 * 1024;

/** Raw ws: answers 'ok' each time a whole MiB has arrived, in one message or in several. */
function rawServer() {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 8 * MiB }, () => resolve(wss));
    wss.on('connection', (socket) => {
      let bytes = 0;
      socket.on('message', (data) => {
        bytes += data.byteLength;
        if (bytes < MiB) return;
        bytes -= MiB;
        socket.send('ok');
      });
    });
  });
}

/** Runs the page's cases; returns { markdown, data }. */
export async function chromiumWs() {
  let executablePath;
  try {
    executablePath = findChrome();
  } catch (error) {
    return { markdown: `_Skipped: ${error.message}_`, data: { skipped: error.message } };
  }
  // Benchmark keys from fixed seeds, not secrets.
  const clientSeed = new Uint8Array(32).fill(0x43);
  const server = importIdentity(new Uint8Array(32).fill(0x53));
  const client = importIdentity(clientSeed);
  const networkKey = new Uint8Array(32).fill(0x4e);
  // The page needs a real origin: serveWebSocket refuses browser origins it was not given, and
  // about:blank's is "null".
  let html = '';
  const site = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html)).listen(0, '127.0.0.1');
  await once(site, 'listening');
  const origin = `http://127.0.0.1:${site.address().port}`;
  const raw = await rawServer();
  const options = { host: '127.0.0.1', port: 0, keepAlive: false, allowOrigins: [origin] };
  const plain = await serveWebSocket({ ...options, peer: { expose: service } }, () => {});
  const secure = await serveWebSocket(
    {
      ...options,
      createPeer: createSecurePeer,
      peer: { expose: service, secure: { identity: server, networkKey, expectedRemoteKey: client.publicKey } },
    },
    () => {},
  );
  const bundle = await build({
    entryPoints: [new URL('./chromium-ws-page.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    preserveSymlinks: true, // node_modules is a symlink in worktrees
    tsconfigRaw: '{}',
    external: ['crypto', 'fs', 'path'], // tweetnacl's and libsodium's Node branches, never taken in a page
  });
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--headless=new', ...localChromeFlags] });
  try {
    const page = await browser.newPage();
    html = `<!doctype html><meta charset="utf-8"><script>${bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script')}</script>`;
    await page.goto(origin);
    const version = await browser.version();
    const setup = {
      urls: { raw: `ws://127.0.0.1:${raw.address().port}`, plain: plain.url, secure: secure.url },
      clientSeed: [...clientSeed],
      serverPublicKey: [...server.publicKey],
      networkKey: [...networkKey],
    };
    const samples = await page.evaluate((s, r, ms) => globalThis.runBench(s, r, ms), setup, config.rounds, SLICE_MS);
    const stat = (name) => {
      const xs = samples[name];
      return { name, samples: xs, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    };
    const cases = [
      ['raw WebSocket, one 1 MiB message (answered once it arrived)', stat('raw')],
      ['raw WebSocket, 16 messages of 64 KiB (the same)', stat('raw64k')],
      ['saltline', stat('plain')],
      ["saltline/secure, `crypto: 'tweetnacl'` (the default in a page)", stat('tweetnacl')],
      ["saltline/secure, `crypto: 'libsodium'` (WebAssembly, opt-in)", stat('libsodium')],
    ];
    const [, rawStat] = cases[0];
    const rows = cases.map(([label, s]) => [label, `**${fmt(s.median)}**`, `${fmt(s.min)}–${fmt(s.max)}`, fmtRatio(ratio(s, rawStat))]);
    const markdown =
      table(['case (Chromium → Node over `ws` on 127.0.0.1)', 'MB/s, bytes(1 MiB) sequential', 'min–max', 'vs raw'], rows) +
      `\n\n${version}, headless; ${config.rounds} interleaved rounds of ${SLICE_MS} ms in one page. The Node end serves with ` +
      "`serveWebSocket` (the secure one with `crypto: 'auto'`, sodium-native where it loads) in the process that drives the page.";
    const data = {
      version,
      raw: rawStat,
      raw64k: stat('raw64k'),
      plain: stat('plain'),
      tweetnacl: stat('tweetnacl'),
      libsodium: stat('libsodium'),
    };
    return { markdown, data };
  } finally {
    await browser.close();
    site.close();
    await plain.close();
    await secure.close();
    await new Promise((resolve) => {
      for (const c of raw.clients) c.terminate();
      raw.close(() => resolve());
    });
  }
}
