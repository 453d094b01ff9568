/**
 * W3C Trace Context in call metadata: `traceparent` and `tracestate` written from a span and read
 * back strictly. Malformed values from the far side are ignored, never an error.
 */
import { createTraceState, isSpanContextValid, type SpanContext } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Longest `tracestate` accepted (the W3C limit is 32 members of at most 256 characters; this is generous). */
const MAX_TRACESTATE = 512;

/** Writes `span`'s W3C `traceparent` (and `tracestate`) into call `meta`; an invalid span writes nothing. */
export function injectTraceContext(span: SpanContext, meta: Record<string, unknown>): void {
  if (!isSpanContextValid(span)) return;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  meta.traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
  const state = span.traceState?.serialize();
  if (state) meta.tracestate = state;
}

/** The far side's span context from `meta`, or `undefined` when it sent none or a malformed one. */
export function extractTraceContext(meta: Readonly<Record<string, unknown>>): SpanContext | undefined {
  const parent = meta.traceparent;
  if (typeof parent !== 'string') return undefined;
  const match = TRACEPARENT.exec(parent);
  if (!match) return undefined;
  const state = meta.tracestate;
  const span: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & 1,
    isRemote: true,
    ...(typeof state === 'string' && state.length <= MAX_TRACESTATE ? { traceState: createTraceState(state) } : {}),
  };
  return isSpanContextValid(span) ? span : undefined;
}
