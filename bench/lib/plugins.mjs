// The per-call cost of the operations plugins (saltline/observe, saltline/otel) against a bare
// peer in the same run: add(2, 3) over a MessageChannel in one thread, one call at a time, the
// plugin on both peers (the caller's outgoing and the server's incoming interceptors both run).
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createPeer } from '../../dist/index.js';
import { createMetrics, logging } from '../../dist/observe.js';
import { tracing } from '../../dist/otel.js';
import { fromPort } from '../../dist/worker.js';
import { fmt, fmtRatio, interleave, ratio, seq, table } from './measure.mjs';

/** A pino-shaped logger that drops every line: what is measured is the plugin, not the output. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: (level) => level !== 'debug' };

function pair(plugins) {
  const { port1, port2 } = new MessageChannel();
  const server = createPeer(fromPort(port2), { expose: { add: (a, b) => a + b }, plugins });
  const client = createPeer(fromPort(port1), { plugins });
  return { client: client.remote(), close: () => (client.close(), server.close()) };
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
  for (const c of cases) c.close();
  const rows = cases.map((c, i) => [
    c.name,
    `**${fmt(s[i].median)}**`,
    `${fmt(s[i].min)}–${fmt(s[i].max)}`,
    fmtRatio(ratio(s[i], s[0])),
    (1e6 / s[i].median).toFixed(1),
  ]);
  const markdown =
    table(['case', 'sequential calls/s', 'min–max', 'vs bare', 'µs/call'], rows) +
    '\n\nThe plugin runs on both peers. Goals (issue 14): metrics ≥ 0.90× the bare peer, all three ≥ 0.75×.';
  const data = Object.fromEntries(cases.map((c, i) => [c.name, { sequential: s[i], ratio: ratio(s[i], s[0]) }]));
  return { markdown, data };
}
