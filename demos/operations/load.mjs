/**
 * The operations demo `npm start` runs beside the others: an in-process service with metrics, a
 * rate limit and alert rules, kept under a varying load by a small generator, and the dashboard
 * that shows it live on the demo server at /dashboard. Imports the BUILT package, as a user would.
 */
import { createPeer, RpcError } from 'saltline';
import { serveDashboard } from 'saltline/dashboard';
import { rateLimit } from 'saltline/limits';
import { createMetrics } from 'saltline/observe';
import { fromPort } from 'saltline/worker';

const alerts = [
  { name: 'error rate above 10 %', kind: 'errorRate', above: 0.1, for: 3_000, minCalls: 20, window: 10_000 },
  { name: 'p99 above 40 ms', kind: 'p99', above: 40, for: 2_000, minCalls: 20, window: 10_000 },
  { name: 'rate-limited above 5/s', kind: 'rateLimitedPerSec', above: 5, window: 5_000 },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service worth watching: quick calls, slow ones, a flaky one, and a rate-limited search. */
const api = {
  add: (a, b) => a + b,
  slow: async (ms) => (await sleep(ms), ms),
  flaky: (failRate) => {
    if (Math.random() < failRate) throw new RpcError(Math.random() < 0.5 ? 'INTERNAL' : 'UNAVAILABLE', 'the backend hiccuped');
    return 'ok';
  },
  search: (query) => [query, query.toUpperCase()],
};

/** Starts the service, its load and the dashboard on `server` at `path`; `stop()` ends all three. */
export async function startOperationsDemo({ server, path = '/dashboard' }) {
  const metrics = createMetrics({ alerts });
  const limit = rateLimit({ perMethod: { search: { rate: 20, burst: 10 } } });
  const { port1, port2 } = new MessageChannel();
  const service = createPeer(fromPort(port2), { expose: api, plugins: [metrics, limit] });
  const client = createPeer(fromPort(port1)).remote();
  const dashboard = await serveDashboard({ metrics, server, path });

  // The load: a rate that swells and ebbs over a minute, an error spell every ~40 s, a search burst every ~15 s.
  let tick = 0;
  const ignore = () => undefined;
  const timer = setInterval(() => {
    tick++;
    const seconds = tick / 20;
    const calls = Math.round(6 + 5 * Math.sin((seconds / 60) * 2 * Math.PI));
    const failRate = seconds % 40 < 8 ? 0.4 : 0.02;
    for (let i = 0; i < calls; i++) {
      client.add(i, tick).catch(ignore);
      if (i % 3 === 0) client.slow(2 + Math.random() * (seconds % 30 < 6 ? 80 : 15)).catch(ignore);
      if (i % 2 === 0) client.flaky(failRate).catch(ignore);
    }
    if (tick % 300 < 20) for (let i = 0; i < 4; i++) client.search(`q${tick}`).catch(ignore);
  }, 50);

  return {
    dashboard,
    async stop() {
      clearInterval(timer);
      await dashboard.close();
      service.close();
    },
  };
}
