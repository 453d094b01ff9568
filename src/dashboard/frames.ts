/**
 * What the dashboard page draws, one frame per tick: rates and latency quantiles over the last
 * tick (from the difference of two cumulative readings), errors by code, calls in flight, the
 * busiest methods and every alert. Small and clone/msgpack-safe: it crosses as a stream item.
 */
import type { AlertStatus, Metrics, Side, SideSample } from '../observe/index.js';
import { watchSnapshots } from '../observe/watch.js';

/** Methods listed per frame, busiest first. */
const MAX_ROWS = 50;

/** One method's line in a dashboard frame, over the last tick. */
export interface MethodRow {
  readonly method: string;
  readonly calls: number;
  /** Completed calls that did not end `OK`. */
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly inFlight: number;
  readonly rateLimited: number;
  /** Bytes received with this side's end of the calls since start (requests on the server side, replies on the client's). */
  readonly bytesIn: number;
  /** Bytes sent likewise (replies on the server side, requests on the client's); both 0 over clone transports. */
  readonly bytesOut: number;
}

/** What the dashboard page draws for one tick; small and clone-safe, it crosses as a stream item. */
export interface DashboardFrame {
  /** Wall-clock time of the frame (`Date.now()`). */
  readonly time: number;
  readonly callsPerSecond: number;
  /** Latency over the last tick in ms; 0 when no call completed in it. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly inFlight: number;
  readonly rateLimitedPerSecond: number;
  /** Completed calls since start, by status code. */
  readonly byCode: Readonly<Record<string, number>>;
  readonly methods: readonly MethodRow[];
  readonly alerts: readonly AlertStatus[];
}

/** Frames of `side`'s figures every `interval` ms; the first at once. */
export function dashboardFrames(
  metrics: Metrics,
  side: Side,
  interval: number,
  signal?: AbortSignal,
): AsyncIterableIterator<DashboardFrame> {
  let previous: { at: number; totals: SideSample } | undefined;
  return watchSnapshots(
    () => {
      metrics.evaluate();
      const at = Date.now();
      const totals = metrics.totals(side);
      const first = previous === undefined;
      const seconds = previous ? Math.max(at - previous.at, 1) / 1000 : 1;
      const recent = previous ? totals.histogram.since(previous.totals.histogram) : totals.histogram;
      const calls = totals.calls - (previous?.totals.calls ?? 0);
      const rateLimited = totals.rateLimited - (previous?.totals.rateLimited ?? 0);
      previous = { at, totals };
      const snapshot = metrics.snapshot();
      const byCode: Record<string, number> = {};
      const rows: MethodRow[] = [];
      for (const m of snapshot.methods) {
        if (m.side !== side) continue;
        for (const [code, count] of Object.entries(m.calls)) byCode[code] = (byCode[code] ?? 0) + count;
        const errors = m.total - (m.calls.OK ?? 0);
        const [bytesIn, bytesOut] = side === 'server' ? [m.requestBytes, m.responseBytes] : [m.responseBytes, m.requestBytes];
        const { method, p50, p99, inFlight, rateLimited } = m;
        rows.push({ method, calls: m.total, errors, p50, p99, inFlight, rateLimited, bytesIn, bytesOut });
      }
      rows.sort((a, b) => b.calls - a.calls);
      return {
        time: at,
        callsPerSecond: first ? 0 : calls / seconds,
        p50: recent.quantile(0.5),
        p90: recent.quantile(0.9),
        p99: recent.quantile(0.99),
        inFlight: totals.inFlight,
        rateLimitedPerSecond: first ? 0 : rateLimited / seconds,
        byCode,
        methods: rows.slice(0, MAX_ROWS),
        alerts: snapshot.alerts,
      };
    },
    interval,
    signal,
  );
}
