/**
 * Mutated `.saltline` inputs for fuzzing the parser and checker: a seeded generator, so a
 * failure prints a seed that reproduces it. The test runs a few thousand; `IDL_FUZZ_COUNT`
 * raises that (the 1,000,000 is a long run, not a CI step).
 */
import { compileSources, format, parse } from '../../src/schema/index.js';

/** mulberry32: small, fast and good enough to pick mutations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '{',
  '}',
  '(',
  ')',
  '<',
  '>',
  ';',
  ',',
  ':',
  '?',
  '=',
  '->',
  '@',
  '"',
  '/*',
  '///',
  '\n',
  'struct',
  'service',
  'stream',
  'list<',
  'map<',
  'int64',
  'version 9.9',
  'raises',
  'reserved',
  '@since(',
  '1e99',
  '0x',
  '\u{1F600}',
  '\u0000',
];

/** One to four edits of `text`: deleting, duplicating or swapping a slice, or inserting a piece. */
export function mutate(text: string, next: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const length = Math.floor(next() * 40);
    const kind = Math.floor(next() * 4);
    if (kind === 0) out = out.slice(0, at) + out.slice(at + length);
    else if (kind === 1) out = out.slice(0, at) + out.slice(at, at + length).repeat(2) + out.slice(at + length);
    else if (kind === 2) out = out.slice(0, at) + PIECES[Math.floor(next() * PIECES.length)]! + out.slice(at);
    else {
      const other = Math.floor(next() * (out.length + 1));
      out = out.slice(0, Math.min(at, other)) + out.slice(Math.max(at, other)) + out.slice(Math.min(at, other), Math.max(at, other));
    }
  }
  return out;
}

/**
 * Parses, checks and (when clean) formats `count` mutants of `sources[main]`; returns how many ran.
 * Anything thrown is rethrown with the seed and the input that caused it.
 */
export function fuzz(sources: Record<string, string>, main: string, count: number, seed = 1): number {
  const next = random(seed);
  let ran = 0;
  for (; ran < count; ran++) {
    const text = mutate(sources[main]!, next);
    try {
      const parsed = parse(text, main);
      compileSources({ ...sources, [main]: text }, [main]);
      if (!parsed.diagnostics.length) parse(format(parsed.ast), main);
    } catch (error) {
      throw new Error(`fuzz case ${ran} (seed ${seed}) threw ${(error as Error).stack}\n--- input ---\n${text}`);
    }
  }
  return ran;
}
