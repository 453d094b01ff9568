/**
 * Alert rules evaluated in the library, with Prometheus's states: a rule whose condition holds
 * is `pending` until it has held for `for` ms, then `firing`; when it stops holding, a firing rule
 * is `resolved` (a pending one goes back to `inactive`). Each change is reported once.
 */
import type { Side } from './call-watch.js';
import type { Histogram } from './histogram.js';

/** Where a rule stands, as in Prometheus: `pending` while its condition holds for less than `for`. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** A condition on one side's calls, evaluated in the library; each state change is reported once. */
export interface AlertRule {
  /** Names the rule in events, logs and the dashboard. */
  readonly name: string;
  /**
   * What is measured over the last `window` ms of the rule's `side`: `errorRate` the share (0 to 1)
   * of calls that ended with a server-fault code (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
   * INTERNAL, UNAVAILABLE, DATA_LOSS), `p99` the 99th percentile latency in ms, `inFlight` the
   * calls running now, `rateLimitedPerSec` calls refused by a rate limit per second.
   */
  readonly kind: 'errorRate' | 'p99' | 'inFlight' | 'rateLimitedPerSec';
  /** The condition holds when the value is above this. */
  readonly above: number;
  /** Milliseconds the condition must hold before the rule fires. Default 0: it fires at once. */
  readonly for?: number;
  /** `errorRate` and `p99` hold only over at least this many calls in the window. Default 10. */
  readonly minCalls?: number;
  /** Milliseconds of history the value is computed over. Default 60,000. */
  readonly window?: number;
  /** Which calls: `server` (answered by this side) or `client` (made by it). Default `server`. */
  readonly side?: Side;
}

/** One state change of one rule. */
export interface AlertEvent {
  readonly rule: string;
  readonly state: AlertState;
  /** The rule's value when it changed state. */
  readonly value: number;
  /** The metrics clock's time of the change, in ms. */
  readonly at: number;
}

/** Where a rule stands, as snapshots carry it. */
export interface AlertStatus {
  readonly rule: string;
  readonly state: AlertState;
  readonly value: number;
  /** When the rule entered its state (metrics clock, ms). */
  readonly since: number;
}

/** Cumulative figures of one side at one evaluation. */
export interface SideSample {
  readonly calls: number;
  readonly faults: number;
  readonly rateLimited: number;
  readonly inFlight: number;
  readonly histogram: Histogram;
}

export interface Sample {
  readonly at: number;
  readonly client: SideSample;
  readonly server: SideSample;
}

interface RuleState {
  state: AlertState;
  since: number;
  value: number;
}

export class Alerts {
  readonly #rules: readonly AlertRule[];
  readonly #states: RuleState[];
  readonly #report: (event: AlertEvent) => void;
  /** Samples back to the longest window, oldest first. */
  readonly #samples: Sample[] = [];
  readonly #horizon: number;

  constructor(rules: readonly AlertRule[], report: (event: AlertEvent) => void) {
    const names = new Set<string>();
    for (const rule of rules) {
      if (names.has(rule.name)) throw new TypeError(`two alert rules are named "${rule.name}"`);
      names.add(rule.name);
    }
    this.#rules = rules;
    this.#states = rules.map(() => ({ state: 'inactive', since: 0, value: 0 }));
    this.#report = report;
    this.#horizon = Math.max(0, ...rules.map((rule) => rule.window ?? 60_000));
  }

  get statuses(): AlertStatus[] {
    return this.#rules.map((rule, i) => {
      const { state, since, value } = this.#states[i]!;
      return { rule: rule.name, state, value, since };
    });
  }

  /** Adds a sample and moves each rule to the state it now has. */
  evaluate(sample: Sample): void {
    const samples = this.#samples;
    samples.push(sample);
    while (samples.length > 2 && samples[1]!.at <= sample.at - this.#horizon) samples.shift();
    this.#rules.forEach((rule, i) => {
      this.#step(rule, this.#states[i]!, sample);
    });
  }

  #step(rule: AlertRule, current: RuleState, now: Sample): void {
    const { holds, value } = this.#measure(rule, now);
    current.value = value;
    let next = current.state;
    if (holds) {
      if (current.state === 'inactive' || current.state === 'resolved') next = (rule.for ?? 0) > 0 ? 'pending' : 'firing';
      else if (current.state === 'pending' && now.at - current.since >= (rule.for ?? 0)) next = 'firing';
    } else if (current.state === 'pending') next = 'inactive';
    else if (current.state === 'firing') next = 'resolved';
    if (next === current.state) return;
    current.state = next;
    current.since = now.at;
    this.#report({ rule: rule.name, state: next, value, at: now.at });
  }

  #measure(rule: AlertRule, now: Sample): { holds: boolean; value: number } {
    const side = rule.side ?? 'server';
    const latest = now[side];
    if (rule.kind === 'inFlight') return { holds: latest.inFlight > rule.above, value: latest.inFlight };
    // The baseline is the last sample from before the window; without one, everything so far counts.
    const from = now.at - (rule.window ?? 60_000);
    let base: Sample | undefined;
    for (const sample of this.#samples) if (sample.at <= from) base = sample;
    const earlier = base?.[side];
    const calls = latest.calls - (earlier?.calls ?? 0);
    if (rule.kind === 'rateLimitedPerSec') {
      const oldest = base ?? this.#samples[0]!;
      const seconds = (now.at - oldest.at) / 1000;
      const value = seconds > 0 ? (latest.rateLimited - oldest[side].rateLimited) / seconds : 0;
      return { holds: value > rule.above, value };
    }
    const enough = calls >= (rule.minCalls ?? 10);
    const value =
      rule.kind === 'errorRate'
        ? calls > 0
          ? (latest.faults - (earlier?.faults ?? 0)) / calls
          : 0
        : (earlier ? latest.histogram.since(earlier.histogram) : latest.histogram).quantile(0.99);
    return { holds: enough && value > rule.above, value };
  }
}
