#!/usr/bin/env node
// `npm test`: the type check, the Node suite (node's test runner) and the Chromium suite
// (@web/test-runner), one after the other. Output streams through; the last line sums both
// suites as "N passed, N failed". Exits non-zero when any step fails.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const strip = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

function run(command, args, parse) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    const tee = (stream, target) =>
      stream.on('data', (chunk) => {
        output += chunk;
        target.write(chunk);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code, ...parse(strip(output)) }));
  });
}

const files = (dir, suffix) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .map((name) => `${dir}/${name}`);

const last = (text, pattern) => [...text.matchAll(pattern)].pop();
const nodeCounts = (text) => ({
  passed: Number(last(text, /ℹ pass (\d+)/g)?.[1] ?? 0),
  failed: Number(last(text, /ℹ fail (\d+)/g)?.[1] ?? 0),
});
const browserCounts = (text) => {
  const match = last(text, /(\d+) passed, (\d+) failed/g);
  return { passed: Number(match?.[1] ?? 0), failed: Number(match?.[2] ?? 0) };
};

const bin = (name) => `node_modules/.bin/${name}`;
const steps = [
  ['types', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'], () => ({ passed: 0, failed: 0 })],
  [
    'node',
    process.execPath,
    // A test that hangs fails after 2 minutes instead of holding CI until its own time limit.
    ['--import', 'tsx', '--test', '--test-timeout=120000', '--test-reporter=spec', ...files('test/spec', '.spec.ts'), ...files('test/node', '.node.test.ts')],
    nodeCounts,
  ],
  ['chromium', bin('web-test-runner'), [], browserCounts],
];

let passed = 0;
let failed = 0;
let broken = [];
for (const [name, command, args, parse] of steps) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const result = await run(command, args, parse);
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0) broken.push(name);
  process.stdout.write(`=== ${name}: exit ${result.code}, ${result.passed} passed, ${result.failed} failed ===\n`);
}
if (broken.length) process.stdout.write(`failed steps: ${broken.join(', ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(broken.length ? 1 : 0);
