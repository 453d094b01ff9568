/**
 * `saltline/observe`: logging, metrics and alerts as plugins. Nothing in the core imports this
 * entry, so a peer that uses none of it carries none of it.
 */
export type { AlertEvent, AlertRule, AlertState, AlertStatus, SideSample } from './alerts.js';
export { type CallWatcher, codeOf, type Side, type StatusCode, serverFaults, watchCalls } from './call-watch.js';
export { Histogram, SECONDS_BOUNDS } from './histogram.js';
export { type Logging, type LoggingOptions, type LogLevel, logging, type ObserveLogger } from './logging.js';
export {
  createMetrics,
  type MethodSnapshot,
  type Metrics,
  type MetricsOptions,
  type MetricsSnapshot,
  OTHER,
  type PeerSnapshot,
} from './metrics.js';
export { escapeLabel } from './prometheus.js';
export { REDACTED, redact, redactText, secretKeys } from './redact.js';
