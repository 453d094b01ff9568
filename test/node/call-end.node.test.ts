/**
 * The core's end-of-call hook (`CallEnd` in src/compose.ts): a watcher directly outside the core
 * (metrics, logging, tracing) is told of each call's end by the session, so it chains no promise
 * on the call's result. Counted with async_hooks, which only Node has.
 */
import { createHook } from 'node:async_hooks';
import { describe, it } from 'node:test';
import type { Interceptor } from '../../src/index.js';
import { rateLimit } from '../../src/limits/index.js';
import { createMetrics } from '../../src/observe/index.js';
import { deepEqual, equal } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const api = { add: (a: number, b: number) => a + b };

/** An interceptor that only passes calls on: the chain's own cost, without watching. */
const passOn: Interceptor = (next) => (call) => next(call);

/** Promises made while `calls` sequential calls of `add` run over a pair with these plugins. */
async function promisesPerCalls(plugin: { interceptors: { outgoing: Interceptor[]; incoming: Interceptor[] } }, calls: number) {
  const { client } = connectors[0]!.connect({ expose: api, plugins: [{ name: 'p', ...plugin }] }, { plugins: [{ name: 'p', ...plugin }] });
  const remote = client.remote<typeof api>();
  await remote.add(1, 2); // the hello, before counting
  let made = 0;
  const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && made++) }).enable();
  try {
    for (let i = 0; i < calls; i++) await remote.add(i, 1);
  } finally {
    hook.disable();
  }
  return made;
}

describe('the end-of-call hook', () => {
  checkLeaks();

  it('lets metrics on both peers watch a call with no more promises than an interceptor that only passes it on', async () => {
    const metrics = createMetrics();
    const watched = await promisesPerCalls({ interceptors: metrics.interceptors as never }, 10);
    const passed = await promisesPerCalls({ interceptors: { outgoing: [passOn], incoming: [passOn] } }, 10);
    equal(watched, passed);
  });

  it('lets metrics placed before rateLimit watch a call with no more promises than an interceptor that only passes it on', async () => {
    const limit = rateLimit({ maxInFlight: 10 }).interceptors!.incoming![0]!;
    const metrics = createMetrics().interceptors!;
    const watched = await promisesPerCalls(
      { interceptors: { outgoing: [...metrics.outgoing!], incoming: [...metrics.incoming!, limit] } },
      10,
    );
    const passed = await promisesPerCalls({ interceptors: { outgoing: [passOn], incoming: [passOn, limit] } }, 10);
    equal(watched, passed);
  });

  it('still counts every call it ended without a chained promise', async () => {
    const metrics = createMetrics();
    const { client } = connectors[0]!.connect({ expose: api, plugins: [metrics] }, { plugins: [metrics] });
    for (let i = 0; i < 3; i++) await client.remote<typeof api>().add(i, 1);
    const sides = metrics.snapshot().methods.map(({ side, total, inFlight }) => ({ side, total, inFlight }));
    deepEqual(
      sides.sort((a, b) => a.side.localeCompare(b.side)),
      [
        { side: 'client', total: 3, inFlight: 0 },
        { side: 'server', total: 3, inFlight: 0 },
      ],
    );
  });
});
