// Timing for saltline's own benchmarks, the same method as the shared peer-bench harness
// (bench/run.mjs; it may be absent): every case runs one slice per round, rounds alternate forward and reverse order, one
// untimed warm-up slice per case first, a full GC before every slice; we report the median over
// rounds, the min–max, and paired ratios (median over rounds of case / baseline in that round).
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** `gc()`: the global one under --expose-gc, else the same trick the peer-bench uses. */
export const gc = typeof globalThis.gc === 'function' ? globalThis.gc : (v8.setFlagsFromString('--expose-gc'), vm.runInNewContext('gc'));

const envNum = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
export const config = {
  sliceMs: envNum('BENCH_SLICE_MS', 150),
  warmupMs: envNum('BENCH_WARMUP_MS', 100),
  rounds: envNum('BENCH_ROUNDS', 7),
  depth: envNum('BENCH_DEPTH', 100),
};

const now = () => performance.now();

/** One call at a time. Returns calls/s. */
export async function seq(call, ms) {
  let n = 0;
  const t0 = now();
  const end = t0 + ms;
  do {
    await call();
    n++;
  } while (now() < end);
  return n / ((now() - t0) / 1000);
}

/** `depth` loops, each awaiting its own call. Returns calls/s. */
export async function inflight(call, ms, depth = config.depth) {
  let n = 0;
  const t0 = now();
  const end = t0 + ms;
  const lane = async () => {
    do {
      await call();
      n++;
    } while (now() < end);
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return n / ((now() - t0) / 1000);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs `cases` ([{ name, run(ms) -> rate }]) interleaved; returns [{ name, samples, median, min, max }]. */
export async function interleave(cases, { rounds = config.rounds, sliceMs = config.sliceMs, warmupMs = config.warmupMs } = {}) {
  const samples = cases.map(() => []);
  for (const c of cases) await c.run(warmupMs);
  for (let r = 0; r < rounds; r++) {
    const order = cases.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      gc();
      samples[i].push(await cases[i].run(sliceMs));
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    samples: samples[i],
    median: median(samples[i]),
    min: Math.min(...samples[i]),
    max: Math.max(...samples[i]),
  }));
}

/** Paired ratio: median over rounds of (sample / base sample of the same round). */
export function ratio(stat, base) {
  if (!stat || !base) return undefined;
  return median(stat.samples.map((x, i) => x / base.samples[i]));
}

/** 1234567 -> "1.23M", 45678 -> "45.7k", 123.4 -> "123" (as the peer-bench prints). */
export function fmt(x) {
  if (x == null || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  if (a >= 999.5e3) return (x / 1e6).toFixed(a >= 9.995e6 ? 1 : 2) + 'M';
  if (a >= 999.5) return (x / 1e3).toFixed(a >= 99.95e3 ? 0 : a >= 9.995e3 ? 1 : 2) + 'k';
  if (a >= 99.95) return x.toFixed(0);
  if (a >= 9.995) return x.toFixed(1);
  return x.toFixed(2);
}

export const fmtRatio = (r) => (r === undefined ? '–' : `${r.toFixed(r >= 10 ? 1 : 2)}×`);

export function table(header, rows) {
  const out = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

export const log = (...a) => console.error('[own-bench]', ...a);
