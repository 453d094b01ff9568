#!/usr/bin/env node
// The IDL's two costs that the issue sets goals for, in one run:
//
//   node --expose-gc bench/idl.bench.mjs [--json=FILE]
//
// 1. Parsing a 5,000-line `.saltline` file (generated here: structs with constraints, enums,
//    unions, errors and services), goal < 50 ms: `parse` (lexer + parser) and `compileSources`
//    (parse + every checker rule), the median of BENCH_ROUNDS × 5 runs after a warm-up.
// 2. Validating a typical call's arguments, goal < 2 µs: the generated validators of
//    `Notes.update(note, expectedRevision)` (a struct of seven fields, a pattern, a length bound,
//    a uint64) and `Notes.get(id)`, through each parameter's Standard Schema `~standard.validate`,
//    the median of BENCH_ROUNDS slices of BENCH_SLICE_MS.
// Each figure is given as wall time and as this thread's CPU time (`process.cpuUsage().user`): on a
// shared, loaded machine the wall time mostly measures waiting for a core, the CPU time does not.
// Runs the TypeScript sources through tsx's loader (no build needed). Markdown on stdout.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import { config, gc, median, table } from './lib/measure.mjs';

register();
const { parse, compileSources } = await import('../src/schema/index.ts');
const { Notes } = await import('../test/fixtures/idl/gen/notes.ts');

/** A realistic file of about `lines` lines: blocks of 25 lines, each a small API of its own. */
function bigFile(lines) {
  const out = ['saltline 1;', 'package bench.big;', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `/// Item ${i}.`,
      `struct Item${i} {`,
      '  @maxLength(200) title: string;',
      '  @min(0) @max(1000) count: int32;',
      '  tags?: list<string>;',
      `  kind?: Kind${i} = a;`,
      '  at: timestamp;',
      `  next?: Item${i};`,
      '}',
      `enum Kind${i} { a, b, c }`,
      `union Event${i} { added: Item${i}, removed: string }`,
      `error Missing${i} : NOT_FOUND { id: string; }`,
      `@pattern("^[a-z]{3,12}$") type Name${i} = string;`,
      `/// Service ${i}.`,
      `service S${i} version 1.2 {`,
      `  @cache(ttl: 30s) get(id: string) -> Item${i} raises Missing${i};`,
      `  find { name?: Name${i}, limit?: uint32 = 50 } -> list<Item${i}>;`,
      `  @idempotent put(item: Item${i}) -> Item${i};`,
      `  watch(topic: string) -> stream Event${i};`,
      `  @since(1.2) upload(name: string, chunks: stream bytes) -> uint64;`,
      '  notify ping(at: uint32);',
      '}',
      '',
      '// ----',
      '',
    );
  }
  return out.join('\n');
}

const text = bigFile(5000);
const lineCount = text.split('\n').length;
const clean = compileSources({ 'big.saltline': text });
if (!clean.ok) throw new Error(`the generated file does not compile: ${clean.diagnostics[0]?.message}`);

/** Median wall and CPU milliseconds of `runs` runs of `fn`. */
function timeRuns(fn, runs) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    cpu.push(process.cpuUsage(c0).user / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

for (let i = 0; i < 5; i++) compileSources({ 'big.saltline': text });
const runs = config.rounds * 5;
const parsing = timeRuns(() => parse(text, 'big.saltline'), runs);
const compiling = timeRuns(() => compileSources({ 'big.saltline': text }), runs);

const note = {
  id: 'n_000000000001',
  title: 'Hello',
  body: new Uint8Array([1, 2, 3]),
  tags: ['a', 'b'],
  visibility: 'team',
  revision: 3n,
  updatedAt: new Date(0),
};
const calls = {
  'Notes.update(note, 3n)': [Notes.methods.update, [note, 3n]],
  "Notes.get('n_…')": [Notes.methods.get, ['n_000000000042']],
};

/** Wall and CPU nanoseconds per validation of every argument, medians of `rounds` slices. */
function nsPerCall(spec, args) {
  const validateAll = () => {
    for (let i = 0; i < args.length; i++) {
      const r = spec.params[i].schema['~standard'].validate(args[i]);
      if (r.issues) throw new Error(r.issues[0].message);
    }
  };
  for (const end = performance.now() + config.warmupMs; performance.now() < end; ) validateAll();
  const wall = [];
  const cpu = [];
  for (let round = 0; round < config.rounds; round++) {
    gc();
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + config.sliceMs;
    do {
      for (let k = 0; k < 100; k++) validateAll();
      n += 100;
    } while (performance.now() < end);
    wall.push(((performance.now() - t0) * 1e6) / n);
    cpu.push((process.cpuUsage(c0).user * 1e3) / n);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const validation = Object.entries(calls).map(([name, [spec, args]]) => [name, nsPerCall(spec, args)]);

const ms = (x) => `${x.toFixed(1)} ms`;
const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;
const markdown = [
  `Parsing a generated ${lineCount}-line file (${text.length} characters; structs with constraints, enums, unions, errors, ` +
    `services), median of ${runs} runs:`,
  '',
  table(
    ['step', 'wall time', 'CPU time', 'goal'],
    [
      ['`parse` (lexer + parser)', ms(parsing.wall), ms(parsing.cpu), '< 50 ms'],
      ['`compileSources` (parse + checker)', ms(compiling.wall), ms(compiling.cpu), '– (the goal is for parsing)'],
    ],
  ),
  '',
  `Validating a call's arguments with the generated validators (\`~standard.validate\` of each parameter), median of ` +
    `${config.rounds} slices of ${config.sliceMs} ms:`,
  '',
  table(
    ['call', 'wall time', 'CPU time', 'goal'],
    validation.map(([name, t]) => [`\`${name}\``, us(t.wall), us(t.cpu), '< 2 µs']),
  ),
].join('\n');
console.log(markdown);

const json = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
if (json) {
  const results = { lines: lineCount, parseMs: parsing, compileMs: compiling, validationNs: Object.fromEntries(validation) };
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), node: process.version, config, results, markdown }, null, 1));
}
