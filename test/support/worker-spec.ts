/**
 * The behaviours every worker kind shares, run by test/node/worker.node.test.ts (worker_threads)
 * and test/browser/worker.browser.test.ts (a web Worker), each with its own way to start one.
 */
import { it } from '#harness';
import type { Peer, Remote } from '../../src/index.js';
import type { WorkerApi } from '../fixtures/service.js';
import { equal, ok, rejects, rejectsWith } from '../harness/assert.js';

export interface StartedWorker {
  readonly peer: Peer;
  readonly api: Remote<WorkerApi>;
}

export function workerSpec(startWorker: () => StartedWorker): void {
  it('answers calls made before its script has loaded, in namespaces too', async () => {
    const { api } = startWorker();
    equal(await api.add(40, 2), 42);
    equal(await api.math.square(9), 81);
  });

  it('calls back into the thread that created it', async () => {
    const { api } = startWorker();
    equal(await api.askParent(21), 42);
  });

  it('sends handler errors across with their class and cause', async () => {
    const { api } = startWorker();
    const error = await rejects(api.fail());
    ok(error instanceof RangeError);
    ok((error as Error).cause instanceof Error);
    await rejectsWith(api.denied(), 'PERMISSION_DENIED');
  });

  it('cancels a call inside the worker', async () => {
    const { peer } = startWorker();
    const controller = new AbortController();
    const call = peer.call('wait', [], { signal: controller.signal });
    equal(await peer.call('add', [1, 1]), 2);
    controller.abort();
    await rejectsWith(call, 'CANCELLED');
  });

  it('carries binary and bigint values by structured clone', async () => {
    const { api } = startWorker();
    const back = (await api.echo({ bytes: new Uint8Array([1, 2, 3]), big: 10n ** 30n })) as { bytes: Uint8Array; big: bigint };
    equal(back.big, 10n ** 30n);
    equal(back.bytes[2], 3);
  });
}
