/**
 * `metrics.prometheus()` read back by a real parser: the Prometheus project's own Python client
 * (`python3-prometheus-client`, installed by .ci/run), so the text is checked against the format
 * as Prometheus reads it, escaping included.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RpcError } from '../../src/index.js';
import { createMetrics } from '../../src/observe/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const python = '/usr/bin/python3';

/** Parses exposition text with prometheus_client: families with their type and samples. */
function parse(text: string): { name: string; type: string; samples: [string, Record<string, string>, number][] }[] {
  const script = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "samples": [[s.name, s.labels, s.value] for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(out))`;
  return JSON.parse(execFileSync(python, ['-c', script], { input: text, encoding: 'utf8' }));
}

const weird = 'odd "name" \\ with\nnewline';
const api = {
  add: (a: number, b: number) => a + b,
  fail: () => {
    throw new RpcError('INTERNAL', 'broken');
  },
  [weird]: () => 'ok',
};

describe('Prometheus text exposition', { skip: !existsSync(python) && 'no /usr/bin/python3' }, () => {
  checkLeaks();

  it("is read by Prometheus's own parser with every family, type and value intact", async () => {
    const metrics = createMetrics();
    const { client } = connectors[0]!.connect({ expose: api, plugins: [metrics] });
    await client.call('add', [1, 2]);
    await client.call('add', [3, 4]);
    await rejectsWith(client.call('fail'), 'INTERNAL');
    const families = parse(metrics.prometheus());
    deepEqual(families.map((f) => `${f.name} ${f.type}`).sort(), [
      'rpc_server_call_duration_seconds histogram',
      'rpc_server_calls counter',
      'rpc_server_calls_in_flight gauge',
      'rpc_server_rate_limited counter',
      'rpc_server_request_size_bytes counter',
      'rpc_server_response_size_bytes counter',
      'rpc_server_stream_items counter',
    ]);
    const calls = families.find((f) => f.name === 'rpc_server_calls')!.samples;
    deepEqual(calls.map(([, labels, value]) => `${labels.rpc_method} ${labels.rpc_status_code} ${value}`).sort(), [
      'add OK 2',
      'fail INTERNAL 1',
    ]);
    const add = families
      .find((f) => f.name === 'rpc_server_call_duration_seconds')!
      .samples.filter(([, labels]) => labels.rpc_method === 'add');
    const buckets = add.filter(([name]) => name.endsWith('_bucket')).map(([, , value]) => value);
    ok(
      buckets.every((value, i) => i === 0 || value >= buckets[i - 1]!),
      'cumulative buckets',
    );
    equal(buckets.at(-1), 2);
    equal(add.find(([name]) => name.endsWith('_count'))![2], 2);
  });

  it("gives a method's request and response bytes over a byte transport as counters read back exactly", async () => {
    const metrics = createMetrics();
    const bytes = connectors.find((connector) => connector.kind === 'bytes')!;
    const { client } = bytes.connect({ expose: api, plugins: [metrics] });
    await client.call('add', [1, 2]);
    const add = metrics.snapshot().methods.find((m) => m.method === 'add')!;
    ok(add.requestBytes > 0 && add.responseBytes > 0);
    const sample = (name: string) => parse(metrics.prometheus()).find((f) => f.name === name)!.samples[0]![2];
    deepEqual([sample('rpc_server_request_size_bytes'), sample('rpc_server_response_size_bytes')], [add.requestBytes, add.responseBytes]);
  });

  it('escapes label values so that they read back exactly', async () => {
    const metrics = createMetrics();
    const { client } = connectors[0]!.connect({ expose: api, plugins: [metrics] });
    equal(await client.call(weird), 'ok');
    const calls = parse(metrics.prometheus()).find((f) => f.name === 'rpc_server_calls')!.samples;
    deepEqual(
      calls.map(([, labels]) => labels.rpc_method),
      [weird],
    );
  });

  it('is empty when nothing was counted', () => {
    equal(createMetrics().prometheus(), '');
  });
});
