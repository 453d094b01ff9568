/**
 * The Prometheus text exposition format (0.0.4) of a metrics snapshot, in seconds, with names
 * after the OpenTelemetry RPC conventions: `rpc_server_call_duration_seconds_bucket{le,rpc_method}`.
 */
import { SECONDS_BOUNDS } from './histogram.js';
import type { MethodSnapshot, MetricsSnapshot } from './metrics.js';

/** A label value with `\`, `"` and newlines escaped, as the format requires. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value: integers as they are, `+Inf`/`-Inf`/`NaN` spelled as the format spells them. */
function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

type Family = readonly [name: string, type: 'counter' | 'gauge' | 'histogram', help: string, lines: (m: MethodSnapshot) => string[]];

const families = (side: 'client' | 'server'): Family[] => {
  const prefix = `rpc_${side}`;
  const method = (m: MethodSnapshot) => `rpc_method="${escapeLabel(m.method)}"`;
  return [
    [
      `${prefix}_calls_total`,
      'counter',
      `Completed ${side} calls by method and status code.`,
      (m) =>
        Object.entries(m.calls).map(
          ([code, count]) => `${prefix}_calls_total{${method(m)},rpc_status_code="${escapeLabel(code)}"} ${number(count)}`,
        ),
    ],
    [
      `${prefix}_call_duration_seconds`,
      'histogram',
      `Duration of ${side} calls, including result streams.`,
      (m) => {
        const name = `${prefix}_call_duration_seconds`;
        let cumulative = 0;
        const lines = SECONDS_BOUNDS.map((bound, i) => {
          cumulative += m.buckets[i] ?? 0;
          return `${name}_bucket{${method(m)},le="${bound}"} ${cumulative}`;
        });
        lines.push(`${name}_bucket{${method(m)},le="+Inf"} ${m.total}`);
        lines.push(`${name}_sum{${method(m)}} ${number(m.durationSum / 1000)}`);
        lines.push(`${name}_count{${method(m)}} ${m.total}`);
        return lines;
      },
    ],
    [`${prefix}_calls_in_flight`, 'gauge', `${side} calls running now.`, (m) => [`${prefix}_calls_in_flight{${method(m)}} ${m.inFlight}`]],
    [
      `${prefix}_stream_items_total`,
      'counter',
      `Items of ${side} result streams.`,
      (m) => [`${prefix}_stream_items_total{${method(m)}} ${m.streamItems}`],
    ],
    [
      `${prefix}_rate_limited_total`,
      'counter',
      `${side} calls refused by a rate limit.`,
      (m) => [`${prefix}_rate_limited_total{${method(m)}} ${m.rateLimited}`],
    ],
    // OpenTelemetry's rpc.*.request.size and response.size, as the byte sums (not per-message histograms).
    [
      `${prefix}_request_size_bytes_total`,
      'counter',
      `Encoded bytes of ${side} call requests (byte transports only).`,
      (m) => [`${prefix}_request_size_bytes_total{${method(m)}} ${m.requestBytes}`],
    ],
    [
      `${prefix}_response_size_bytes_total`,
      'counter',
      `Encoded bytes of ${side} call responses (byte transports only).`,
      (m) => [`${prefix}_response_size_bytes_total{${method(m)}} ${m.responseBytes}`],
    ],
  ];
};

export function toPrometheus(snapshot: MetricsSnapshot): string {
  const out: string[] = [];
  for (const side of ['client', 'server'] as const) {
    const methods = snapshot.methods.filter((m) => m.side === side);
    if (methods.length === 0) continue;
    for (const [name, type, help, lines] of families(side)) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const m of methods) out.push(...lines(m));
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
