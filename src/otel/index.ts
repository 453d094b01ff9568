/**
 * `saltline/otel`: OpenTelemetry tracing and metrics for saltline calls, after the RPC semantic
 * conventions: one CLIENT or SERVER span per call (streams included, ended when the stream ends
 * or is cancelled), `rpc.client.call.duration` / `rpc.server.call.duration` histograms in
 * seconds, and W3C trace context carried in call `meta`. Needs `@opentelemetry/api` (an optional
 * peer dependency the core never imports).
 */
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type MeterProvider,
  metrics,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { isUnexposedMethod } from '../callee.js';
import { type CallWatcher, type Side, type StatusCode, serverFaults, watchCalls } from '../observe/call-watch.js';
import { SECONDS_BOUNDS } from '../observe/histogram.js';
import type { Plugin } from '../plugins.js';
import type { Call } from '../types.js';
import { extractTraceContext, injectTraceContext } from './trace-context.js';

/** What `tracing()` takes: the providers to use and whether to trust the far side's trace. */
export interface TracingOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Where duration histograms go. Default: the global meter provider. */
  readonly meterProvider?: MeterProvider;
  /**
   * Continue the far side's trace: the server span becomes the child of the caller's. Default
   * false: a caller may be anyone, so the server span starts a new trace and links to the caller's.
   */
  readonly trustRemote?: boolean;
  /** The plugin's name. Default `otel`. */
  readonly name?: string;
}

const SYSTEM = 'saltline';
/** What OpenTelemetry calls a method it does not know. */
const OTHER = '_OTHER';
const SCOPE = 'saltline';

interface Traced {
  readonly span: Span;
  readonly context: Context;
  readonly side: Side;
  readonly started: number;
  method: string;
}

/** A plugin that makes an OpenTelemetry span and a duration record per call, with W3C trace context in `meta`. */
export function tracing(options: TracingOptions = {}): Plugin {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const advice = { explicitBucketBoundaries: [...SECONDS_BOUNDS] };
  const durations: Record<Side, Histogram> = {
    client: meter.createHistogram('rpc.client.call.duration', { unit: 's', description: 'Duration of calls made', advice }),
    server: meter.createHistogram('rpc.server.call.duration', { unit: 's', description: 'Duration of calls answered', advice }),
  };

  const start = (call: Call, side: Side): Traced => {
    const attributes: Attributes = { 'rpc.system.name': SYSTEM, 'rpc.method': call.method };
    let parent: Context;
    let links: { context: ReturnType<Span['spanContext']> }[] | undefined;
    if (side === 'client') {
      // Captured now, synchronously: in a browser nothing carries the context across awaits.
      parent = context.active();
    } else {
      const remote = extractTraceContext(call.meta);
      if (remote && options.trustRemote) parent = trace.setSpanContext(ROOT_CONTEXT, remote);
      else {
        parent = ROOT_CONTEXT;
        if (remote) links = [{ context: remote }];
      }
    }
    const kind = side === 'client' ? SpanKind.CLIENT : SpanKind.SERVER;
    const span = tracer.startSpan(call.method, { kind, attributes, ...(links ? { links, root: true } : {}) }, parent);
    if (side === 'client') injectTraceContext(span.spanContext(), call.meta);
    return { span, context: trace.setSpan(parent, span), side, started: performance.now(), method: call.method };
  };

  const watcher: CallWatcher<Traced> = {
    start,
    run: (traced, proceed) => context.with(traced.context, proceed),
    end(traced, code: StatusCode, error: unknown) {
      const { span, side } = traced;
      // The core's own NOT_FOUND for a method nobody exposed: the name the far side chose is not a method.
      if (side === 'server' && code === 'NOT_FOUND' && isUnexposedMethod(error)) {
        span.updateName(OTHER);
        span.setAttributes({ 'rpc.method': OTHER, 'rpc.method_original': traced.method });
        traced.method = OTHER;
      }
      const failed = code !== 'OK' && (side === 'client' || serverFaults.has(code));
      const attributes: Attributes = { 'rpc.system.name': SYSTEM, 'rpc.method': traced.method, 'rpc.status_code': code };
      if (failed) {
        attributes['error.type'] = code;
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | undefined)?.message ?? code });
      }
      span.setAttributes(attributes);
      span.end();
      durations[side].record((performance.now() - traced.started) / 1000, attributes);
    },
  };

  return {
    name: options.name ?? 'otel',
    interceptors: { outgoing: [watchCalls(watcher, 'client')], incoming: [watchCalls(watcher, 'server')] },
  };
}

export { extractTraceContext, injectTraceContext } from './trace-context.js';
