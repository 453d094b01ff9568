/**
 * `createMetrics()`: a plugin that counts, per method and side, calls by status code, calls in
 * flight, a latency histogram, stream items, rate-limited refusals and request and response bytes
 * (byte transports only); per peer only scalars: its own `stats()` and bytes sent and received. Series are capped: methods past `maxMethods` (or with over-long names, which
 * a far side chooses) count under `_OTHER`. Read it with `snapshot()`, `prometheus()`, `watch()`.
 */
import type { Plugin } from '../plugins.js';
import type { Call, Peer } from '../types.js';
import { type AlertEvent, type AlertRule, type AlertStatus, Alerts, type SideSample } from './alerts.js';
import { type ByteCounts, countingCodec } from './bytes.js';
import { type CallWatcher, type Side, type StatusCode, serverFaults, watchCalls } from './call-watch.js';
import { Histogram } from './histogram.js';
import type { ObserveLogger } from './logging.js';
import { toPrometheus } from './prometheus.js';
import { watchSnapshots } from './watch.js';

/** What `createMetrics()` takes: the caps on series, what is excluded, and the alert rules. */
export interface MetricsOptions {
  /** Distinct methods counted per side; calls to any other count under `_OTHER`. Default 500. */
  readonly maxMethods?: number;
  /** Longest method name counted as itself; longer ones count under `_OTHER`. Default 128. */
  readonly maxMethodLength?: number;
  /** Calls not counted at all. Default: methods under `$sys.` (the dashboard's own traffic). */
  readonly exclude?: (method: string) => boolean;
  /** Milliseconds now, for durations and alert timing. Default `performance.now`. */
  readonly clock?: () => number;
  /** Alert rules, evaluated at each `evaluate()` and each `watch()` tick. Default: none. */
  readonly alerts?: readonly AlertRule[];
  /** Told each alert state change once. Default: nothing. */
  readonly onAlert?: (event: AlertEvent) => void;
  /** Where alert changes are also written: warn when firing, info otherwise. Default: nowhere. */
  readonly logger?: ObserveLogger;
  /**
   * Calls in progress whose method is remembered per link and direction beyond the first 64 (which
   * take fixed slots), to credit their replies' bytes; the oldest are forgotten first, so a far side
   * that never lets its calls finish cannot grow it. Default 10,000.
   */
  readonly maxTrackedCalls?: number;
  /** The plugin's name. Default `metrics`. */
  readonly name?: string;
}

/** The series calls to methods past the cap count under (OpenTelemetry's name for it). */
export const OTHER = '_OTHER';

/** One method's figures on one side, cumulative since the plugin started. */
export interface MethodSnapshot {
  readonly method: string;
  readonly side: Side;
  /** Completed calls by status code (`OK` included). */
  readonly calls: Readonly<Record<string, number>>;
  readonly total: number;
  readonly inFlight: number;
  /** Latency quantiles over every completed call, in ms (within 2.2 %). */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Sum of durations, in ms. */
  readonly durationSum: number;
  /** Counts of durations per `SECONDS_BOUNDS` bucket (not cumulative), then above the last. */
  readonly buckets: readonly number[];
  readonly streamItems: number;
  /** Calls refused with `RESOURCE_EXHAUSTED` carrying `retryAfterMs` (a rate limit). */
  readonly rateLimited: number;
  /** Encoded bytes of the calls' requests (CALL, NOTIFY), over byte transports only. */
  readonly requestBytes: number;
  /** Encoded bytes of the calls' replies (RESULT, ERROR), over byte transports only. */
  readonly responseBytes: number;
}

/** One peer's own scalar `stats()`, as the metrics plugin reads them. */
export interface PeerSnapshot {
  readonly id: number;
  readonly pendingCalls: number;
  readonly activeHandlers: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly malformed: number;
  /** Bytes of every frame sent and received (stream items and callbacks included), over byte transports; 0 over clone ones. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** Every method's and peer's figures and every alert at one moment. */
export interface MetricsSnapshot {
  /** Wall-clock time of the snapshot (`Date.now()`). */
  readonly time: number;
  readonly methods: readonly MethodSnapshot[];
  readonly peers: readonly PeerSnapshot[];
  readonly alerts: readonly AlertStatus[];
}

/** The metrics plugin: give it to `createPeer` in `plugins`, read it as snapshots, Prometheus text or a watch. */
export interface Metrics extends Plugin {
  snapshot(): MetricsSnapshot;
  /** The Prometheus text exposition format (version 0.0.4) of the current figures. */
  prometheus(): string;
  /** Snapshots every `interval` ms (default 1,000), alerts evaluated at each; ends on `signal`. */
  watch(options?: { readonly interval?: number; readonly signal?: AbortSignal }): AsyncIterableIterator<MetricsSnapshot>;
  /** Evaluates the alert rules now (the watch ticks do it too). */
  evaluate(): void;
  /** One side's figures summed over its methods, with their merged histogram (a copy). */
  totals(side: Side): SideSample;
}

class Series {
  readonly calls: Record<string, number> = {};
  total = 0;
  inFlight = 0;
  faults = 0;
  streamItems = 0;
  rateLimited = 0;
  requestBytes = 0;
  responseBytes = 0;
  readonly histogram = new Histogram();

  constructor(
    readonly method: string,
    readonly side: Side,
  ) {}
}

interface Running {
  readonly series: Series;
  readonly started: number;
}

/** True for a refusal by a rate limit: `RESOURCE_EXHAUSTED` that says when to retry. */
function isRateLimited(error: unknown): boolean {
  const data = (error as { data?: { retryAfterMs?: unknown } } | null)?.data;
  return typeof data?.retryAfterMs === 'number';
}

/** A plugin that counts calls per method and side, with bounded series, latency histograms and alerts. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const { maxMethods = 500, maxMethodLength = 128, clock = () => performance.now(), maxTrackedCalls = 10_000 } = options;
  const exclude = options.exclude ?? ((method: string) => method.startsWith('$sys.'));
  const series: Record<Side, Map<string, Series>> = { client: new Map(), server: new Map() };
  const peers = new Map<Peer, number>();
  let peerIds = 0;
  /** Bytes per peer, counted from its first frame (its hello goes before `setup`). */
  const traffic = new WeakMap<Peer, { sent: number; received: number }>();

  /** The series of a method, `undefined` when excluded: the exclusion is asked only of methods not counted yet. */
  const seriesFor = (method: string, side: Side): Series | undefined => {
    const map = series[side];
    let found = map.get(method);
    if (found) return found;
    if (exclude(method)) return undefined;
    if (map.size >= maxMethods || method.length > maxMethodLength) method = OTHER;
    found = map.get(method);
    if (!found) map.set(method, (found = new Series(method, side)));
    return found;
  };

  /** A call to `method` starts now: counted in flight until `end`. */
  const begin = (method: string, side: Side): Running | undefined => {
    const found = seriesFor(method, side);
    if (!found) return undefined;
    found.inFlight++;
    return { series: found, started: clock() };
  };

  const watcher: CallWatcher<Running | undefined> = {
    start: (call: Call, side: Side) => begin(call.method, side),
    item(running) {
      if (running) running.series.streamItems++;
    },
    end(running, code: StatusCode, error: unknown) {
      if (!running) return;
      const { series: found } = running;
      found.inFlight--;
      found.total++;
      found.calls[code] = (found.calls[code] ?? 0) + 1;
      if (serverFaults.has(code)) found.faults++;
      if (code === 'RESOURCE_EXHAUSTED' && isRateLimited(error)) found.rateLimited++;
      found.histogram.record(clock() - running.started);
    },
  };

  /** The counts of one peer's links, for its byte codecs. */
  const byteCounts = (peer: Peer): ByteCounts => {
    let totals = traffic.get(peer);
    if (!totals) traffic.set(peer, (totals = { sent: 0, received: 0 }));
    const scalars = totals;
    return {
      method(method, side, request, size) {
        const found = seriesFor(method, side);
        if (!found) return;
        if (request) found.requestBytes += size;
        else found.responseBytes += size;
      },
      frame(sent, size) {
        if (sent) scalars.sent += size;
        else scalars.received += size;
      },
    };
  };

  const sideSample = (side: Side): SideSample => {
    const sample = { calls: 0, faults: 0, rateLimited: 0, inFlight: 0, histogram: new Histogram() };
    for (const found of series[side].values()) {
      sample.calls += found.total;
      sample.faults += found.faults;
      sample.rateLimited += found.rateLimited;
      sample.inFlight += found.inFlight;
      sample.histogram.merge(found.histogram);
    }
    return sample;
  };

  const report = (event: AlertEvent) => {
    options.onAlert?.(event);
    const fields = { alert: event.rule, state: event.state, value: event.value };
    if (event.state === 'firing') options.logger?.warn(fields, `alert ${event.rule} firing`);
    else options.logger?.info(fields, `alert ${event.rule} ${event.state}`);
  };
  const alerts = new Alerts(options.alerts ?? [], report);
  const evaluate = () => {
    if (options.alerts?.length) alerts.evaluate({ at: clock(), client: sideSample('client'), server: sideSample('server') });
  };

  const snapshot = (): MetricsSnapshot => ({
    time: Date.now(),
    methods: [...series.client.values(), ...series.server.values()].map(
      (found): MethodSnapshot => ({
        method: found.method,
        side: found.side,
        calls: { ...found.calls },
        total: found.total,
        inFlight: found.inFlight,
        p50: found.histogram.quantile(0.5),
        p90: found.histogram.quantile(0.9),
        p99: found.histogram.quantile(0.99),
        durationSum: found.histogram.sum,
        buckets: [...found.histogram.fixed],
        streamItems: found.streamItems,
        rateLimited: found.rateLimited,
        requestBytes: found.requestBytes,
        responseBytes: found.responseBytes,
      }),
    ),
    peers: [...peers].map(([peer, id]) => {
      const { pendingCalls, activeHandlers, messagesSent, messagesReceived, malformed } = peer.stats();
      const bytes = traffic.get(peer);
      const [bytesSent, bytesReceived] = bytes ? [bytes.sent, bytes.received] : [0, 0];
      return { id, pendingCalls, activeHandlers, messagesSent, messagesReceived, malformed, bytesSent, bytesReceived };
    }),
    alerts: alerts.statuses,
  });

  return {
    name: options.name ?? 'metrics',
    interceptors: { outgoing: [watchCalls(watcher, 'client')], incoming: [watchCalls(watcher, 'server')] },
    // Clone transports have no byte sizes: their codec is left as it is, at no cost.
    wrapCodec: (codec, link) => (codec.kind === 'bytes' ? countingCodec(codec, byteCounts(link.peer), maxTrackedCalls) : codec),
    // A call a later plugin refused on admission (a rate limit) never reached the interceptors: counted here.
    refused: (call, error) => watcher.end(begin(call.method, 'server'), error.code, error),
    setup: (peer) => void peers.set(peer, ++peerIds),
    teardown: (peer) => void peers.delete(peer),
    snapshot,
    prometheus: () => toPrometheus(snapshot()),
    watch: (watchOptions = {}) => watchSnapshots(() => (evaluate(), snapshot()), watchOptions.interval ?? 1_000, watchOptions.signal),
    evaluate,
    totals: sideSample,
  };
}
