/**
 * `saltline/otel` against the real OpenTelemetry SDK (in-memory span exporter, a pull metric
 * reader): spans and durations after the RPC semantic conventions, trace context in call meta.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type HistogramMetricData, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RpcError } from '../../src/index.js';
import { SECONDS_BOUNDS } from '../../src/observe/index.js';
import { tracing } from '../../src/otel/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

class PullReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = () => exporter.getFinishedSpans();
  const span = (kind: SpanKind) => {
    const found = spans().filter((s) => s.kind === kind);
    equal(found.length, 1, `one ${SpanKind[kind]} span`);
    return found[0]!;
  };
  return { tracerProvider, meterProvider, spans, span, reader };
}

const api = {
  add: (a: number, b: number) => a + b,
  fail: () => {
    throw new RpcError('INTERNAL', 'broken');
  },
  find: () => {
    throw new RpcError('NOT_FOUND', 'no such user');
  },
  lookup: () => {
    throw new RpcError('NOT_FOUND', 'no method of payment on file');
  },
  async *count(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
};

const connector = connectors[1]!; // memory (bytes): meta crosses encoded, as over a network

describe('saltline/otel', () => {
  checkLeaks();

  it('makes one CLIENT and one SERVER span per call, named after the method, with the RPC attributes', async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    equal(await client.call('add', [1, 2]), 3);
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = otel.span(kind);
      equal(span.name, 'add');
      deepEqual(span.attributes, { 'rpc.system.name': 'saltline', 'rpc.method': 'add', 'rpc.status_code': 'OK' });
      equal(span.status.code, SpanStatusCode.UNSET);
    }
  });

  it("continues the caller's trace on a server that trusts its callers", async () => {
    const otel = sdk();
    const { client } = connector.connect(
      { expose: api, plugins: [tracing({ ...otel, trustRemote: true })] },
      { plugins: [tracing(otel)] },
    );
    await client.call('add', [1, 2]);
    const [caller, server] = [otel.span(SpanKind.CLIENT), otel.span(SpanKind.SERVER)];
    equal(server.spanContext().traceId, caller.spanContext().traceId);
    equal(server.parentSpanContext?.spanId, caller.spanContext().spanId);
  });

  it("starts a new trace linked to the caller's by default", async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    await client.call('add', [1, 2]);
    const [caller, server] = [otel.span(SpanKind.CLIENT), otel.span(SpanKind.SERVER)];
    ok(server.spanContext().traceId !== caller.spanContext().traceId);
    equal(server.parentSpanContext, undefined);
    equal(server.links.length, 1);
    equal(server.links[0]!.context.spanId, caller.spanContext().spanId);
  });

  it('carries tracestate to a trusting server', async () => {
    const otel = sdk();
    const { client } = connector.connect({ expose: api, plugins: [tracing({ ...otel, trustRemote: true })] });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await client.call('add', [1, 2], { meta: { traceparent, tracestate: 'vendor=opaque' } });
    const server = otel.span(SpanKind.SERVER);
    equal(server.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    equal(server.spanContext().traceState?.get('vendor'), 'opaque');
  });

  it('ignores malformed trace context from the far side', async () => {
    const otel = sdk();
    const { client } = connector.connect({ expose: api, plugins: [tracing({ ...otel, trustRemote: true })] });
    for (const traceparent of ['garbage', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`, 42, { x: 1 }, `00-${'a'.repeat(4000)}`]) {
      equal(await client.call('add', [1, 2], { meta: { traceparent, tracestate: 7 } }), 3);
    }
    for (const span of otel.spans()) {
      equal(span.parentSpanContext, undefined);
      equal(span.links.length, 0);
    }
  });

  it('marks every failure on the client, and only server faults on the server', async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    await rejectsWith(client.call('find'), 'NOT_FOUND');
    await rejectsWith(client.call('fail'), 'INTERNAL');
    const of = (name: string, kind: SpanKind) => otel.spans().find((s) => s.name === name && s.kind === kind)!;
    const summary = (span: ReadableSpan) => [span.status.code, span.attributes['rpc.status_code'], span.attributes['error.type']];
    deepEqual(summary(of('find', SpanKind.CLIENT)), [SpanStatusCode.ERROR, 'NOT_FOUND', 'NOT_FOUND']);
    deepEqual(summary(of('find', SpanKind.SERVER)), [SpanStatusCode.UNSET, 'NOT_FOUND', undefined]);
    deepEqual(summary(of('fail', SpanKind.CLIENT)), [SpanStatusCode.ERROR, 'INTERNAL', 'INTERNAL']);
    deepEqual(summary(of('fail', SpanKind.SERVER)), [SpanStatusCode.ERROR, 'INTERNAL', 'INTERNAL']);
  });

  it('names a server span for a method nobody exposed _OTHER, keeping the name called', async () => {
    const otel = sdk();
    const { client } = connector.connect({ expose: api, plugins: [tracing(otel)] });
    await rejectsWith(client.call('no.such'), 'NOT_FOUND');
    const server = otel.span(SpanKind.SERVER);
    equal(server.name, '_OTHER');
    equal(server.attributes['rpc.method'], '_OTHER');
    equal(server.attributes['rpc.method_original'], 'no.such');
  });

  it("keeps a method's own name when its handler's NOT_FOUND reads like the core's", async () => {
    const otel = sdk();
    const { client } = connector.connect({ expose: api, plugins: [tracing(otel)] });
    await rejectsWith(client.call('lookup'), 'NOT_FOUND');
    equal(otel.span(SpanKind.SERVER).name, 'lookup');
  });

  it('records one duration per call in seconds, in histograms with the advised bounds', async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    await client.call('add', [1, 2]);
    await client.call('add', [3, 4]);
    const { resourceMetrics } = await otel.reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics) as HistogramMetricData[];
    deepEqual(found.map((m) => [m.descriptor.name, m.descriptor.unit]).sort(), [
      ['rpc.client.call.duration', 's'],
      ['rpc.server.call.duration', 's'],
    ]);
    for (const metric of found) {
      const [point, ...others] = metric.dataPoints;
      equal(others.length, 0);
      equal(point!.value.count, 2);
      deepEqual(point!.value.buckets.boundaries, [...SECONDS_BOUNDS]);
      ok(point!.value.sum! < 10, 'seconds, not milliseconds');
      deepEqual(point!.attributes, { 'rpc.system.name': 'saltline', 'rpc.method': 'add', 'rpc.status_code': 'OK' });
    }
  });

  it('ends the span of a streaming call when its stream ends', async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    const stream = client.remote<typeof api>().count(3);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    equal(otel.spans().filter((span) => span.kind === SpanKind.CLIENT).length, 0, 'not ended while the stream is open');
    while (!(await iterator.next()).done);
    equal(otel.span(SpanKind.CLIENT).attributes['rpc.status_code'], 'OK');
    await client.call('add', [0, 0]); // a round trip: the server has sent its end
    equal(otel.spans().filter((span) => span.name === 'count').length, 2);
  });

  it('ends the span of a streaming call when the caller cancels its stream', async () => {
    const otel = sdk();
    const plugin = tracing(otel);
    const { client } = connector.connect({ expose: api, plugins: [plugin] }, { plugins: [plugin] });
    for await (const _ of client.remote<typeof api>().count(100)) break;
    await client.call('add', [0, 0]); // a round trip: the server has seen the cancel
    const count = otel.spans().filter((span) => span.name === 'count');
    deepEqual(count.map((span) => span.attributes['rpc.status_code']).sort(), ['CANCELLED', 'CANCELLED']);
  });

  describe('with a context manager', () => {
    const manager = new AsyncLocalStorageContextManager();
    before(() => context.setGlobalContextManager(manager.enable()));
    after(() => {
      manager.disable();
      context.disable();
    });

    it("makes the handler's own spans children of the server span", async () => {
      const otel = sdk();
      const tracer = otel.tracerProvider.getTracer('app');
      const nested = { work: async () => tracer.startActiveSpan('db', (span) => span.end()) };
      const { client } = connector.connect({ expose: nested, plugins: [tracing(otel)] });
      await client.call('work');
      const db = otel.spans().find((span) => span.name === 'db')!;
      equal(db.parentSpanContext?.spanId, otel.span(SpanKind.SERVER).spanContext().spanId);
    });

    it('makes the client span a child of the span active where the call was made', async () => {
      const otel = sdk();
      const tracer = otel.tracerProvider.getTracer('app');
      const { client } = connector.connect({ expose: api }, { plugins: [tracing(otel)] });
      await tracer.startActiveSpan('page', async (span) => {
        await client.call('add', [1, 2]);
        span.end();
      });
      const page = otel.spans().find((span) => span.name === 'page')!;
      equal(otel.span(SpanKind.CLIENT).parentSpanContext?.spanId, page.spanContext().spanId);
      ok(trace.getActiveSpan() === undefined);
    });
  });
});

describe('the core bundle', () => {
  it('imports nothing of saltline/observe, limits, otel, dashboard or OpenTelemetry', () => {
    const src = resolve(import.meta.dirname, '../../src');
    const core = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !/^(observe|limits|otel|dashboard)\//.test(file))
      .map((file) => join(src, file));
    ok(core.length > 20);
    for (const file of core) {
      const text = readFileSync(file, 'utf8');
      ok(!/from '(@opentelemetry\/|\.\.?\/(observe|limits|otel|dashboard)\/)/.test(text), `${file} imports a plugin entry`);
    }
  });
});
