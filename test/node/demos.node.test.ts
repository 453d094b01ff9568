/**
 * Every demo page, served as `npm start` serves it (demos/serve.mjs over the built dist/), opens in
 * Chromium without a console error or a failed request — a missing favicon included. Needs
 * `npm run build` first (npm test's package step does it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { deepEqual } from '../harness/assert.js';
import { findChrome, localChromeFlags } from '../support/chrome.mjs';

const root = resolve(import.meta.dirname, '../..');
const demos = readdirSync(join(root, 'demos'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'demos', entry.name, 'index.html')))
  .map((entry) => entry.name);

describe('the demo pages', () => {
  let server: ChildProcess;
  let base = '';
  let browser: Browser;

  before(async () => {
    server = spawn(process.execPath, ['demos/serve.mjs'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: 'pipe' });
    base = await new Promise<string>((resolve, reject) => {
      let output = '';
      const read = (chunk: Buffer) => {
        output += chunk;
        const found = /saltline demos: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (found) resolve(found[1]!);
      };
      server.stdout!.on('data', read);
      server.stderr!.on('data', read);
      server.once('exit', (code) => reject(new Error(`demos/serve.mjs exited with ${code}:\n${output}`)));
    });
    browser = await puppeteer.launch({ executablePath: findChrome(), headless: true, pipe: true, args: [...localChromeFlags] });
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
  });

  for (const name of ['', ...demos]) {
    it(`opens ${name ? `the ${name} demo` : 'the demo index'} without a console error`, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
      page.on('response', (response) => response.status() >= 400 && errors.push(`${response.url()}: ${response.status()}`));
      try {
        await page.goto(`${base}/demos/${name ? `${name}/` : ''}`, { waitUntil: 'networkidle0', timeout: 60_000 });
      } finally {
        await page.close();
      }
      deepEqual(errors, []);
    });
  }
});
