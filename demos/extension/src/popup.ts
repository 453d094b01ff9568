/** The demo's popup: calls the service worker through a redialling port. */
import { createPeer, RpcError } from 'saltline';
import { connectExtension } from 'saltline/extension';
import type { WorkerApi } from './api.js';
import { chrome, PORT_NAME } from './chrome.js';

const $ = (id: string) => document.getElementById(id)!;
const peer = createPeer(connectExtension(() => chrome.runtime.connect({ name: PORT_NAME })));
peer.onStateChange(({ state }) => ($('state').textContent = state));
const worker = peer.remote<WorkerApi>();

function run(what: string, call: Promise<unknown>): void {
  $('out').textContent = `${what} …`;
  call.then(
    (value) => ($('out').textContent = `${what} → ${JSON.stringify(value, null, 1)}`),
    (error: unknown) =>
      ($('out').textContent = `${what} → ${error instanceof RpcError ? error.code : 'error'}: ${(error as Error).message}`),
  );
}

$('info').addEventListener('click', () => run('info()', worker.info()));
$('increment').addEventListener('click', () => run('increment()', worker.increment()));
$('titles').addEventListener('click', () => run('titles()', worker.titles()));
$('slow').addEventListener('click', () => run('slow(20000)', worker.slow(20000)));
