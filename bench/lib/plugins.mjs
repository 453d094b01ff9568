// The per-call cost of the operations plugins (saltline/observe, saltline/otel) against a bare
// peer in the same run: add(2, 3) over a MessageChannel in one thread, one call at a time, the
// plugin on both peers (the caller's outgoing and the server's incoming interceptors both run).
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createPeer } from '../../dist/index.js';
import { createMetrics, logging } from '../../dist/observe.js';
import { tracing } from '../../dist/otel.js';
import { fromPort } from '../../dist/worker.js';
import { config, fmt, fmtRatio, interleave, median, ratio, seq, table } from './measure.mjs';

/** A pino-shaped logger that drops every line: what is measured is the plugin, not the output. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: (level) => level !== 'debug' };

function pair(plugins) {
  const { port1, port2 } = new MessageChannel();
  const server = createPeer(fromPort(port2), { expose: { add: (a, b) => a + b }, plugins });
  const client = createPeer(fromPort(port1), { plugins });
  return { client: client.remote(), close: () => (client.close(), server.close()) };
}

/** CPU time per call in µs for each case: the median over rounds of a fixed number of calls, cases interleaved. */
async function cpuPerCall(cases, calls = 2_000) {
  const samples = cases.map(() => []);
  for (let round = 0; round < config.rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const start = process.cpuUsage();
      for (let n = 0; n < calls; n++) await c.client.add(2, 3);
      const { user, system } = process.cpuUsage(start);
      samples[i].push((user + system) / calls);
    }
  }
  return samples.map(median);
}

export async function pluginCost() {
  // A real SDK that keeps no span (no processor): spans are made and ended, nothing is exported.
  const tracerProvider = new BasicTracerProvider();
  const cases = [
    { name: 'bare peer', plugins: [] },
    { name: 'logging (level info)', plugins: [logging({ logger: quiet })] },
    { name: 'metrics', plugins: [createMetrics()] },
    { name: 'tracing (OpenTelemetry SDK)', plugins: [tracing({ tracerProvider })] },
    { name: 'all three', plugins: [logging({ logger: quiet }), createMetrics(), tracing({ tracerProvider })] },
  ].map((c) => ({ ...c, ...pair(c.plugins) }));
  for (const c of cases) if ((await c.client.add(2, 3)) !== 5) throw new Error(`${c.name}: wrong answer`);
  const s = await interleave(cases.map(({ name, client }) => ({ name, run: (ms) => seq(() => client.add(2, 3), ms) })));
  const cpu = await cpuPerCall(cases);
  for (const c of cases) c.close();
  const rows = cases.map((c, i) => [
    c.name,
    `**${fmt(s[i].median)}**`,
    `${fmt(s[i].min)}–${fmt(s[i].max)}`,
    fmtRatio(ratio(s[i], s[0])),
    (1e6 / s[i].median).toFixed(1),
    cpu[i].toFixed(1),
    fmtRatio(cpu[0] / cpu[i]),
  ]);
  const markdown =
    table(['case', 'sequential calls/s', 'min–max', 'vs bare', 'µs/call', 'CPU µs/call', 'vs bare (CPU)'], rows) +
    '\n\nThe plugin runs on both peers. Goals (issue 14): metrics ≥ 0.90× the bare peer, all three ≥ 0.75×. ' +
    'CPU µs/call is the process CPU time per call (median of rounds): on a shared machine it moves less than wall time.';
  const data = Object.fromEntries(cases.map((c, i) => [c.name, { sequential: s[i], ratio: ratio(s[i], s[0]), cpuMicros: cpu[i] }]));
  return { markdown, data };
}
