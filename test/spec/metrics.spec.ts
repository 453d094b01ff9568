import { describe, it } from '#harness';
import { RpcError, withContext } from '../../src/index.js';
import { type AlertEvent, createMetrics, Histogram, type MethodSnapshot, type Metrics, OTHER } from '../../src/observe/index.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

/** A clock the tests move by hand: durations and alert timing are exact, no sleeping. */
function fakeClock() {
  const clock = { now: 0, read: () => clock.now };
  return clock;
}

function series(metrics: Metrics, method: string, side: 'client' | 'server'): MethodSnapshot {
  const found = metrics.snapshot().methods.find((m) => m.method === method && m.side === side);
  ok(found, `no ${side} series for ${method}`);
  return found;
}

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('latency histogram', () => {
  it('answers p50, p90 and p99 within 3 % of the exact quantiles', () => {
    const next = random(7);
    const values = Array.from({ length: 20_000 }, () => Math.exp(next() * 12 - 4)); // 0.02 ms to 3 s
    const histogram = new Histogram();
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const error = Math.abs(histogram.quantile(q) - exact) / exact;
      ok(error < 0.03, `p${q * 100} off by ${(error * 100).toFixed(2)} %`);
    }
  });

  it('subtracts an earlier copy to give what was recorded since', () => {
    const histogram = new Histogram();
    histogram.record(1);
    const earlier = histogram.copy();
    histogram.record(100);
    histogram.record(100);
    const since = histogram.since(earlier);
    equal(since.count, 2);
    ok(Math.abs(since.quantile(0.5) - 100) / 100 < 0.03);
  });
});

for (const connector of connectors) {
  describe(`metrics over ${connector.name}`, () => {
    checkLeaks();

    const clock = fakeClock();
    const api = {
      add: (a: number, b: number) => a + b,
      /** Takes `ms` of the fake clock. */
      work: (ms: number) => {
        clock.now += ms;
        return ms;
      },
      fail: () => {
        throw new RpcError('INTERNAL', 'broken');
      },
      missing: () => {
        throw new RpcError('NOT_FOUND', 'no such user');
      },
      throwsNothing: () => {
        throw undefined;
      },
      async *count(n: number) {
        for (let i = 0; i < n; i++) yield i;
      },
      wait: withContext((ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))),
    };

    it('counts calls by method, side and status code', async () => {
      const server = createMetrics();
      const client = createMetrics();
      const pair = connector.connect({ expose: api, plugins: [server] }, { plugins: [client] });
      await pair.client.call('add', [1, 2]);
      await pair.client.call('add', [3, 4]);
      await rejectsWith(pair.client.call('fail'), 'INTERNAL');
      deepEqual(series(server, 'add', 'server').calls, { OK: 2 });
      deepEqual(series(server, 'fail', 'server').calls, { INTERNAL: 1 });
      deepEqual(series(client, 'add', 'client').calls, { OK: 2 });
      deepEqual(series(client, 'fail', 'client').calls, { INTERNAL: 1 });
    });

    it('counts a handler that throws undefined as a failure on both sides, not OK', async () => {
      const server = createMetrics();
      const client = createMetrics();
      const pair = connector.connect({ expose: api, plugins: [server] }, { plugins: [client] });
      // What was thrown crosses as it is (undefined); the call still failed.
      equal(
        await pair.client.call('throwsNothing').then(
          () => 'resolved',
          () => 'rejected',
        ),
        'rejected',
      );
      deepEqual(series(server, 'throwsNothing', 'server').calls, { UNKNOWN: 1 });
      deepEqual(series(client, 'throwsNothing', 'client').calls, { UNKNOWN: 1 });
    });

    it('measures each call on the injected clock', async () => {
      const metrics = createMetrics({ clock: clock.read });
      const { client } = connector.connect({ expose: api, plugins: [metrics] });
      for (const ms of [5, 5, 5, 80]) await client.call('work', [ms]);
      const work = series(metrics, 'work', 'server');
      equal(work.durationSum, 95);
      ok(Math.abs(work.p50 - 5) / 5 < 0.03, `p50 ${work.p50}`);
      ok(Math.abs(work.p99 - 80) / 80 < 0.03, `p99 ${work.p99}`);
    });

    it('brings calls in flight back to 0 after success, failure, cancel and streams', async () => {
      const server = createMetrics();
      const client = createMetrics();
      const pair = connector.connect({ expose: api, plugins: [server] }, { plugins: [client] });
      await pair.client.call('add', [1, 1]);
      await rejectsWith(pair.client.call('fail'), 'INTERNAL');
      await rejectsWith(pair.client.call('nope'), 'NOT_FOUND');
      const controller = new AbortController();
      const waiting = pair.client.call('wait', [], { signal: controller.signal });
      controller.abort();
      await rejectsWith(waiting, 'CANCELLED');
      for await (const _ of pair.client.remote<typeof api>().count(3));
      for await (const _ of pair.client.remote<typeof api>().count(100)) break;
      await pair.client.call('add', [0, 0]); // a round trip: the server has seen the cancels
      for (const metrics of [server, client]) {
        for (const m of metrics.snapshot().methods) equal(m.inFlight, 0, `${m.side} ${m.method} still in flight`);
      }
    });

    it('counts stream items and ends the call when its stream ends', async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: api }, { plugins: [metrics] });
      const items: number[] = [];
      for await (const item of client.remote<typeof api>().count(4)) items.push(item);
      const count = series(metrics, 'count', 'client');
      equal(count.streamItems, 4);
      deepEqual(count.calls, { OK: 1 });
    });

    it(`folds 10,000 distinct unknown methods into ${OTHER} beyond the series cap`, async () => {
      const metrics = createMetrics({ maxMethods: 50 });
      const { client } = connector.connect({ expose: api, plugins: [metrics] });
      // In batches: more than 1,000 at once would be refused before any interceptor sees them.
      for (let batch = 0; batch < 10; batch++) {
        await Promise.allSettled(Array.from({ length: 1_000 }, (_, i) => client.call(`m${batch * 1_000 + i}`)));
      }
      const server = metrics.snapshot().methods.filter((m) => m.side === 'server');
      equal(server.length, 51);
      equal(series(metrics, OTHER, 'server').total, 10_000 - 50);
    });

    it('counts a method with an over-long name under _OTHER', async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: api, plugins: [metrics] });
      await rejectsWith(client.call('x'.repeat(200)), 'NOT_FOUND');
      equal(series(metrics, OTHER, 'server').total, 1);
    });

    it('leaves calls to $sys methods out of the figures', async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: { $sys: { ping: () => 'pong' } }, plugins: [metrics] });
      equal(await client.call('$sys.ping'), 'pong');
      deepEqual(metrics.snapshot().methods, []);
    });

    it("keeps per peer only the peer's own scalars", async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: api, plugins: [metrics] });
      await client.call('add', [1, 2]);
      const [peer, ...others] = metrics.snapshot().peers;
      equal(others.length, 0);
      ok(peer && peer.messagesReceived >= 1 && peer.activeHandlers === 0);
      deepEqual(Object.keys(peer).sort(), [
        'activeHandlers',
        'bytesReceived',
        'bytesSent',
        'id',
        'malformed',
        'messagesReceived',
        'messagesSent',
        'pendingCalls',
      ]);
    });

    it('streams a first snapshot at once and then one per tick, until the consumer stops', async () => {
      const metrics = createMetrics();
      const { client } = connector.connect({ expose: { $sys: { watch: () => metrics.watch({ interval: 1 }) } }, plugins: [metrics] });
      const times: number[] = [];
      for await (const snapshot of client.remote().$sys.watch()) {
        times.push((snapshot as { time: number }).time);
        if (times.length === 3) break;
      }
      await client.call('nothing').catch(() => undefined); // a round trip: the server has seen the cancel
      equal(times.length, 3);
      ok(times[0]! <= times[1]! && times[1]! <= times[2]!);
    });

    it('counts only server-fault codes toward the error rate', async () => {
      const events: AlertEvent[] = [];
      const rules = [{ name: 'errors', kind: 'errorRate', above: 0.1, minCalls: 1 }] as const;
      const metrics = createMetrics({ clock: clock.read, alerts: rules, onAlert: (event) => events.push(event) });
      const { client } = connector.connect({ expose: api, plugins: [metrics] });
      for (let i = 0; i < 5; i++) await rejectsWith(client.call('missing'), 'NOT_FOUND');
      metrics.evaluate();
      deepEqual(events, []);
      await rejectsWith(client.call('fail'), 'INTERNAL');
      metrics.evaluate();
      deepEqual(
        events.map((event) => event.state),
        ['firing'],
      );
    });
  });
}

describe('alerts', () => {
  checkLeaks();

  const connector = connectors[0]!;

  it('reports inactive → pending → firing → resolved, each change once', async () => {
    const clock = fakeClock();
    const events: AlertEvent[] = [];
    const rules = [{ name: 'errors', kind: 'errorRate', above: 0.5, for: 2_000, minCalls: 2, window: 10_000 }] as const;
    const metrics = createMetrics({ clock: clock.read, alerts: rules, onAlert: (event) => events.push(event) });
    const { client } = connector.connect({ expose: { fail: () => Promise.reject(new Error('bug')), ok: () => 1 }, plugins: [metrics] });
    const states = () => events.map((event) => `${event.rule} ${event.state} @${event.at}`);
    metrics.evaluate();
    await rejects(client.call('fail'));
    await rejects(client.call('fail'));
    clock.now = 1_000;
    metrics.evaluate(); // 2 of 2 failed: pending
    clock.now = 2_000;
    metrics.evaluate(); // held 1 s of 2: still pending, not reported again
    clock.now = 3_000;
    metrics.evaluate(); // held 2 s: firing
    clock.now = 4_000;
    metrics.evaluate(); // still firing, not reported again
    clock.now = 20_000;
    for (let i = 0; i < 5; i++) await client.call('ok');
    metrics.evaluate(); // the window now holds only successes: resolved
    deepEqual(states(), ['errors pending @1000', 'errors firing @3000', 'errors resolved @20000']);
    equal(metrics.snapshot().alerts[0]?.state, 'resolved');
  });

  it('holds an alert inactive while the window has fewer than minCalls calls', async () => {
    const clock = fakeClock();
    const events: AlertEvent[] = [];
    const rules = [{ name: 'errors', kind: 'errorRate', above: 0.1, minCalls: 3 }] as const;
    const metrics = createMetrics({ clock: clock.read, alerts: rules, onAlert: (event) => events.push(event) });
    const { client } = connector.connect({ expose: { fail: () => Promise.reject(new Error('bug')) }, plugins: [metrics] });
    await rejects(client.call('fail'));
    await rejects(client.call('fail'));
    metrics.evaluate();
    deepEqual(events, []);
    await rejects(client.call('fail'));
    metrics.evaluate();
    equal(events.length, 1);
  });

  it('fires a p99 latency alert from the durations in its window', async () => {
    const clock = fakeClock();
    const events: AlertEvent[] = [];
    const rules = [{ name: 'slow', kind: 'p99', above: 50, minCalls: 1 }] as const;
    const metrics = createMetrics({ clock: clock.read, alerts: rules, onAlert: (event) => events.push(event) });
    const work = (ms: number) => {
      clock.now += ms;
      return ms;
    };
    const { client } = connector.connect({ expose: { work }, plugins: [metrics] });
    await client.call('work', [10]);
    metrics.evaluate();
    equal(events.length, 0);
    await client.call('work', [200]);
    metrics.evaluate();
    equal(events[0]?.state, 'firing');
    ok(Math.abs(events[0]!.value - 200) / 200 < 0.03);
  });

  it('fires an in-flight alert while too many calls run and resolves when they finish', async () => {
    const events: AlertEvent[] = [];
    const rules = [{ name: 'busy', kind: 'inFlight', above: 1 }] as const;
    const metrics = createMetrics({ alerts: rules, onAlert: (event) => events.push(event) });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { client } = connector.connect({ expose: { hold: () => gate }, plugins: [metrics] });
    const calls = [client.call('hold'), client.call('hold')];
    await client.call('nothing').catch(() => undefined); // a round trip: both holds are running
    metrics.evaluate();
    release();
    await Promise.all(calls);
    metrics.evaluate();
    deepEqual(
      events.map((event) => event.state),
      ['firing', 'resolved'],
    );
  });

  it('writes alert changes to the logger: warn when firing, info otherwise', async () => {
    const lines: string[] = [];
    const record = (level: string) => (_fields: object, message: string) => lines.push(`${level} ${message}`);
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const metrics = createMetrics({ alerts: [{ name: 'busy', kind: 'inFlight', above: -1 }], logger });
    metrics.evaluate();
    deepEqual(lines, ['warn alert busy firing']);
  });
});
