/**
 * The probe's own thread: its pings keep their pace and their timers fire on time even while the
 * attacking thread is busy building a 32 MiB frame, so a late answer is the server's doing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fromWorkerScope } from '../../adapters/worker.js';
import { createPeer } from '../../src/index.js';
import { startProbe } from './probe-loop.js';

const probe = await startProbe((workerData as { url: string }).url);
createPeer(fromWorkerScope(parentPort!), {
  timeout: 0,
  expose: {
    answers: (count: number) => probe.answers(count),
    ask: (method: string) => probe.call(method),
    // Errors do not cross as themselves; the report carries the failure's message.
    stop: async () => {
      const report = await probe.stop();
      const { failure } = report;
      return { ...report, failure: failure === undefined ? undefined : String((failure as Error)?.message ?? failure) };
    },
  },
});
