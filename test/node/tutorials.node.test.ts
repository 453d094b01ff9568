/**
 * The tutorials run as written, from the packed package in a fresh folder (packed from dist/:
 * `npm run build` first, as npm test's package step does): their files are taken
 * from their code blocks (docs-site/tutorial-files.ts), the package comes from `npm pack`, the
 * commands are the tutorials' own (tsx for Node, esbuild for the browser), and the browser parts
 * run in Chromium. The registry is not reachable here, so the other packages a tutorial installs
 * (ws, tweetnacl, ...) are linked from this checkout's node_modules.
 *
 * Not run: WebRTC (two tabs need loopback-only ICE, which the tutorial rightly does not filter
 * for), the extension (docs/guide/extension.md's test covers loading one) and Electron (no
 * binary can be had here).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { tutorialFiles } from '../../docs-site/tutorial-files.js';
import { ok } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';
import { type StaticServer, serveFolder } from '../support/static-server.js';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'saltline-tutorials-'));
const tsx = import.meta.resolve('tsx');
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
/** Installed by the tutorials besides saltline, and saltline's own dependencies. */
const LINKED = ['@msgpack/msgpack', 'tweetnacl', 'idb', 'ws'];

let tarball = '';
let browser: Browser;
const processes = new Set<ChildProcess>();
const servers = new Set<StaticServer>();

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh folder with the tutorial's files, `npm init`'s package.json and the packed saltline. */
function project(tutorial: string): string {
  const dir = join(work, tutorial);
  mkdirSync(join(dir, 'node_modules', 'saltline'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `saltline-${tutorial}`, type: 'module', private: true }));
  run('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules', 'saltline'), '--strip-components=1'], dir);
  for (const name of LINKED) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  const markdown = readFileSync(join(root, 'docs', 'tutorials', `${tutorial}.md`), 'utf8');
  for (const [file, content] of tutorialFiles(markdown)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts `node --import tsx file`; resolves with the process once its output contains `ready`. */
function start(file: string, cwd: string, env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', tsx, file], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
  processes.add(child);
  child.once('exit', () => processes.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(ready)) resolve(child);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
}

/** A tab that fails the test on a console error, and the text of `selector` once it matches `done`. */
async function textOnPage(url: string, selector: string, done: RegExp): Promise<{ page: Page; text: string; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  const source = done.source;
  await page.waitForFunction(
    (selector, source) => new RegExp(source).test(document.querySelector(selector)?.textContent ?? ''),
    { timeout: 60_000 },
    selector,
    source,
  );
  const text = await page.$eval(selector, (element) => element.textContent ?? '');
  return { page, text, errors };
}

describe('the tutorials, run as written', () => {
  before(async () => {
    // The dist/ that npm test's package step has just built (a full prepack build here would
    // double the time of this file, which must finish within the runner's per-file timeout).
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as {
      filename: string;
    }[];
    tarball = join(work, packed!.filename);
    browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, args: [...localChromeFlags] });
  });

  after(async () => {
    for (const child of processes) child.kill();
    for (const server of servers) await server.close();
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('worker: the page calls the worker, and the slow call ends (counted or cut off)', async () => {
    const dir = project('worker');
    run(esbuild, ['page.ts', 'worker.ts', '--bundle', '--format=esm', '--outdir=public', '--log-level=error'], dir);
    const server = await serveFolder(join(dir, 'public'));
    servers.add(server);
    const { page, text, errors } = await textOnPage(server.url, 'output', /primes/);
    await page.close();
    ok(/^2 \+ 3 = 5; 6 words; (\d+ primes|primes: DEADLINE_EXCEEDED)$/.test(text), text);
    ok(errors.length === 0, errors.join('\n'));
  });

  it('websocket: a Node client and a page call the secured server, each pinning its key', async () => {
    const dir = project('websocket');
    run(process.execPath, ['--import', tsx, 'keys.ts'], dir);
    const key = readFileSync(join(dir, 'server.pub'), 'utf8').trim();
    run(
      esbuild,
      ['page.ts', '--bundle', '--format=esm', '--outfile=public/page.js', `--define:SERVER_KEY='${key}'`, '--log-level=error'],
      dir,
    );
    const port = String(await freePort());
    const server = await start('server.ts', dir, { PORT: port }, 'open http://');
    try {
      const printed = run(process.execPath, ['--import', tsx, 'client.ts'], dir, { PORT: port }).trim();
      ok(/^2 \+ 3 = 5; the server knows me as [a-z0-9]{4}( [a-z0-9]{4}){3}$/.test(printed), printed);
      const { page, text, errors } = await textOnPage(`http://127.0.0.1:${port}/`, 'output', /I am/);
      const state = await page.$eval('#state', (element) => element.textContent);
      await page.close();
      ok(/^2 \+ 3 = 5; I am [a-z0-9]{4}( [a-z0-9]{4}){3}$/.test(text), text);
      ok(state === 'open', `link state ${state}`);
      ok(errors.length === 0, errors.join('\n'));
    } finally {
      server.kill();
    }
  });

  it('iframe: the host and the widget on two origins call each other', async () => {
    const dir = project('iframe');
    const port = await freePort();
    // The tutorial serves on port 8000; here, on a free one.
    for (const file of ['host.ts', 'widget.ts']) {
      writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8').replaceAll(':8000', `:${port}`));
    }
    run(esbuild, ['host.ts', 'widget.ts', '--bundle', '--format=esm', '--outdir=public', '--log-level=error'], dir);
    const server = await serveFolder(join(dir, 'public'), port);
    servers.add(server);
    const { page, text, errors } = await textOnPage(`http://127.0.0.1:${port}/`, 'output', /total/);
    const frame = page.frames().find((candidate) => candidate.url().startsWith(`http://localhost:${port}/`));
    const widget = await frame?.waitForFunction(() => document.querySelector('output')?.textContent?.includes('theme'));
    const widgetText = await frame?.$eval('output', (element) => element.textContent);
    await widget?.dispose();
    await page.close();
    ok(text === "the widget's total: 7.5", text);
    ok(widgetText === "the host's theme: dark", String(widgetText));
    ok(errors.length === 0, errors.join('\n'));
  });
});
