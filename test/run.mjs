#!/usr/bin/env node
// `npm test`: lint and format (Biome), the type check, dead code (knip), the package checks on a fresh build (publint,
// attw), the Node suite (node's test runner) and the Chromium suite (@web/test-runner), one after
// the other. Output streams through; the last line sums both suites as "N passed, N failed".
// Exits non-zero when any step fails; a failed step does not stop the later ones, so one run
// shows every problem.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

function run(command, args, parse, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let output = '';
    const tee = (stream, target) =>
      stream.on('data', (chunk) => {
        output += chunk;
        target.write(chunk);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code, ...parse(stripVTControlCharacters(output)) }));
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
const noTests = () => ({ passed: 0, failed: 0 });
const steps = [
  // `npm run lint` reports without writing; `npm run format` fixes what it can. Biome colours even
  // a pipe unless told not to.
  ['lint', 'npm', ['run', '--silent', 'lint', '--', '--colors=off'], noTests],
  ['types', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'], noTests],
  // Dead files, exports and dependencies (knip.config.js): an export nobody imports fails the run.
  ['dead code', bin('knip'), ['--no-progress'], noTests],
  // rollup, then publint and attw on what it built; the size table is `npm run build`'s, not a check.
  ['package', 'npm', ['run', '--silent', 'build'], noTests, { SALTLINE_SIZE_REPORT: '0' }],
  [
    'node',
    process.execPath,
    // A test that hangs fails after 2 minutes instead of holding CI until its own time limit.
    [
      '--import',
      'tsx',
      '--test',
      '--test-timeout=120000',
      '--test-reporter=spec',
      ...files('test/spec', '.spec.ts'),
      ...files('test/node', '.node.test.ts'),
    ],
    nodeCounts,
  ],
  ['chromium', bin('web-test-runner'), [], browserCounts],
];

let passed = 0;
let failed = 0;
const broken = [];
for (const [name, command, args, parse, env] of steps) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = performance.now();
  const result = await run(command, args, parse, env);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0) broken.push(name);
  process.stdout.write(`=== ${name}: exit ${result.code}, ${result.passed} passed, ${result.failed} failed, ${seconds} s ===\n`);
}
if (broken.length) process.stdout.write(`failed steps: ${broken.join(', ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(broken.length ? 1 : 0);
