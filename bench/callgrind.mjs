#!/usr/bin/env node
// Instructions per call under callgrind: steadier than wall time on a shared machine. Each case
// runs twice under `valgrind --tool=callgrind` (after 2,000 warm-up calls, N = 2,000 and 6,000
// sequential `add(1, 2)` calls over a same-thread MessageChannel, plugins on both peers); the
// per-call cost is the difference of the two totals / 4,000, so start-up and warm-up cancel out.
// `raw`, `ids` and `shapes` are bench/floor.mjs's floors (bench/lib/floors.mjs) for the same count.
//
//   node bench/callgrind.mjs [bare,metrics,logging,tracing,all,raw,ids,shapes,sdk,bytes,metrics-bytes]  (after `npx rollup -c`)
// `bytes` and `metrics-bytes` are the same calls over a byte transport (msgpack frames over the
// same-thread MessageChannel), where the metrics plugin also counts bytes; they compare to `bytes`.
// `sdk` is the OpenTelemetry SDK's own cost: two spans per call, no saltline (sdkSpans below).
//   SALTLINE_DIST=/tmp/build node bench/callgrind.mjs bare          (another build of dist/)
//   CALLGRIND_COUNTS=2000,12000 node bench/callgrind.mjs           (the two call counts)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ids, raw, shapes } from './lib/floors.mjs';

const WARMUP = 2_000;
/** The two call counts whose totals are subtracted; more apart, less noise from one-off JIT and GC work. */
const COUNTS = (process.env.CALLGRIND_COUNTS ?? '2000,6000').split(',').map(Number);
const floors = { raw, ids, shapes };
const dist = process.env.SALTLINE_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url));
const from = (file) => import(pathToFileURL(join(dist, file)).href);

/** A pino-shaped logger that drops every line and has debug off. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: (level) => level !== 'debug' };

async function pluginsFor(name) {
  if (name === 'bare' || name === 'bytes') return [];
  const { createMetrics, logging } = await from('observe.js');
  const otel = async () => {
    const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
    const { tracing } = await from('otel.js');
    return tracing({ tracerProvider: new BasicTracerProvider() });
  };
  switch (name) {
    case 'metrics':
    case 'metrics-bytes':
      return [createMetrics()];
    case 'logging':
      return [logging({ logger: quiet })];
    case 'tracing':
      return [await otel()];
    case 'all':
      return [logging({ logger: quiet }), createMetrics(), await otel()];
    default:
      throw new Error(`unknown case ${name}`);
  }
}

/**
 * The OpenTelemetry SDK alone, outside saltline: per "call", a CLIENT and a SERVER span started
 * and ended with the attributes the plugin gives them, from the same `BasicTracerProvider` setup,
 * awaiting a resolved promise between (as the calls do).
 */
async function sdkSpans(calls) {
  const { SpanKind } = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const tracer = new BasicTracerProvider().getTracer('saltline');
  const attributes = { 'rpc.system.name': 'saltline', 'rpc.method': 'add' };
  const ended = { ...attributes, 'rpc.status_code': 'OK' };
  for (let i = 0; i < WARMUP + calls; i++) {
    const client = tracer.startSpan('add', { kind: SpanKind.CLIENT, attributes });
    const server = tracer.startSpan('add', { kind: SpanKind.SERVER, attributes });
    await undefined;
    server.setAttributes(ended);
    server.end();
    client.setAttributes(ended);
    client.end();
  }
}

/** A byte transport over a same-thread port: each frame a msgpack `Uint8Array`, as a socket would carry. */
async function bytesOver() {
  const { msgpackCodec } = await from('msgpack.js');
  return (port) => ({
    encoding: { codec: msgpackCodec },
    start(receiver) {
      port.onmessage = (event) => receiver.message(event.data);
    },
    send: (message) => port.postMessage(message),
    close() {
      port.onmessage = null;
      port.close();
    },
  });
}

/** The measured child: a pair of peers in one thread, `WARMUP + calls` sequential calls. */
async function child(name, calls) {
  if (name === 'sdk') return sdkSpans(calls);
  if (Object.hasOwn(floors, name)) {
    const end = floors[name]();
    for (let i = 0; i < WARMUP + calls; i++) if ((await end.call()) !== 5) throw new Error('wrong answer');
    return end.close();
  }
  const { createPeer } = await from('index.js');
  const { fromPort } = await from('worker.js');
  const plugins = await pluginsFor(name);
  const { port1, port2 } = new MessageChannel();
  const link = name.endsWith('bytes') ? await bytesOver() : fromPort;
  const server = createPeer(link(port2), { expose: { add: (a, b) => a + b }, plugins });
  const client = createPeer(link(port1), { plugins });
  const api = client.remote();
  for (let i = 0; i < WARMUP + calls; i++) if ((await api.add(1, 2)) !== 3) throw new Error('wrong answer');
  client.close();
  server.close();
}

function instructions(name, calls, dir) {
  const out = join(dir, `${name}-${calls}.out`);
  execFileSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, fileURLToPath(import.meta.url), '--child', name, String(calls)],
    {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: process.env,
    },
  );
  const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!totals) throw new Error(`no totals in ${out}`);
  return Number(totals[1]);
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  const names = (process.argv[2] ?? 'bare,metrics,logging,tracing,all').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'saltline-callgrind-'));
  const bare = {};
  console.log('| case | instructions/call | vs bare |\n| --- | ---: | ---: |');
  try {
    for (const name of names) {
      const [low, high] = COUNTS.map((calls) => instructions(name, calls, dir));
      const perCall = Math.round((high - low) / (COUNTS[1] - COUNTS[0]));
      // Byte-transport cases compare to `bytes`, the others to `bare`.
      const base = name.endsWith('bytes') ? 'bytes' : 'bare';
      if (name === base) bare[base] = perCall;
      const of = bare[base];
      const versus = of ? `${perCall >= of ? '+' : ''}${((perCall / of - 1) * 100).toFixed(0)} %` : '–';
      console.log(`| ${name} | ${perCall.toLocaleString('en')} | ${versus} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
