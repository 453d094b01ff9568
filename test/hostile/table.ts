/**
 * Prints the docs/security.md table ("Hostile peers: bounds and measurements") from the figures
 * of the last suite run (results.json, written by test/node/hostile.node.test.ts):
 *
 *   node --import tsx --test test/node/hostile.node.test.ts; node --import tsx test/hostile/table.ts
 */
import { readFileSync } from 'node:fs';
import { attacks } from './attacks/index.js';

interface Figures {
  outcome: string;
  ms: number;
  probeAnswers: number;
  probeWorstMs: number;
  probeFailure?: string;
  heapPeakMiB: number;
  maxRssMiB: number;
  serverExit: unknown;
}

const results = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as Record<string, Figures>;
const rows = attacks.map(({ item, name, bound }) => {
  const run = results[item];
  if (!run) return `| ${item} | ${name} | ${bound} | not run |`;
  const server = run.serverExit === 'running' ? 'up' : `**down** (${JSON.stringify(run.serverExit)})`;
  const probe = run.probeFailure
    ? `**failed** (${run.probeFailure}) after ${run.probeAnswers} answers`
    : `${run.probeAnswers} answers, worst ${run.probeWorstMs} ms`;
  const memory = `heap ≤ ${run.heapPeakMiB} MiB, max RSS ${run.maxRssMiB} MiB`;
  return `| ${item} | ${name} | ${bound} | ${run.outcome}; server ${server}; probe ${probe}; ${memory}; ${(run.ms / 1000).toFixed(1)} s |`;
});
process.stdout.write(['| # | Attack | Bound | Measured |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n');
