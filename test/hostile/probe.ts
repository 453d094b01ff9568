/**
 * The well-behaved client beside every attack (./probe-loop.ts), run in a worker thread of its
 * own so that the attacker's work in the test's thread cannot delay it.
 */
import { Worker } from 'node:worker_threads';
import { fromWorker } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import type { Probe, ProbeReport } from './probe-loop.js';

export { PROBE_TIMEOUT_MS, type Probe, type ProbeReport } from './probe-loop.js';

export async function startProbe(url: string): Promise<Probe> {
  const worker = new Worker(new URL('./probe-worker.mjs', import.meta.url), { workerData: { url } });
  const peer = createPeer(fromWorker(worker), { timeout: 0 });
  const remote = peer.remote<{ answers(count: number): void; ask(method: string): unknown; stop(): ProbeReport }>();
  const end = async () => {
    peer.close('probe done');
    await peer.closed;
    await worker.terminate();
  };
  // The first answer comes once the probe is connected and the server has answered it.
  await remote.answers(1).catch(async (error: unknown) => {
    await end();
    throw error;
  });
  let stopped: Promise<ProbeReport> | undefined;
  return {
    answers: (count) => remote.answers(count),
    call: <T>(method: string) => remote.ask(method) as Promise<T>,
    stop: () =>
      (stopped ??= (async () => {
        try {
          return await remote.stop();
        } finally {
          await end();
        }
      })()),
  };
}
