/**
 * The demo page: once the extension's content script has said which extension it is
 * (`data-saltline-demo-extension` on <html>), connect to its service worker through
 * externally_connectable, with a redialling peer.
 */
import { createPeer, RpcError } from 'saltline';
import { connectExtension, type ExtensionPort } from 'saltline/extension';
import type { WorkerApi } from './src/api.js';

const PORT_NAME = 'saltline-demo';
const $ = (id: string) => document.getElementById(id)!;

function extensionId(): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const id = document.documentElement.dataset.saltlineDemoExtension;
      if (!id) return false;
      observer.disconnect();
      resolve(id);
      return true;
    };
    const observer = new MutationObserver(check);
    if (!check()) observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-saltline-demo-extension'] });
  });
}

const id = await extensionId();
const runtime = (globalThis as { chrome?: { runtime?: { connect?(id: string, info: { name: string }): ExtensionPort } } }).chrome?.runtime;
if (!runtime?.connect) {
  $('banner').textContent = 'The extension is loaded, but this origin is not in its externally_connectable list.';
} else {
  $('banner').className = 'banner';
  $('banner').textContent = `Extension ${id} found: this page talks to its service worker.`;
  const peer = createPeer(connectExtension(() => runtime.connect!(id, { name: PORT_NAME })));
  peer.onStateChange(({ state }) => ($('state').textContent = state));
  const worker = peer.remote<WorkerApi>();

  const run = (what: string, call: Promise<unknown>) => {
    $('out').className = 'out busy';
    $('out').textContent = `${what} …`;
    call.then(
      (value) => {
        $('out').className = 'out ok';
        $('out').textContent = `${what} → ${JSON.stringify(value, null, 2)}`;
      },
      (error: unknown) => {
        $('out').className = 'out err';
        $('out').textContent = `${what} → ${error instanceof RpcError ? error.code : 'error'}: ${(error as Error).message}`;
      },
    );
  };
  const buttons: [string, () => Promise<unknown>][] = [
    ['info', () => worker.info()],
    ['increment', () => worker.increment()],
    ['titles', () => worker.titles()],
    ['slow', () => worker.slow(20000)],
  ];
  for (const [name, call] of buttons) {
    const button = $(name) as HTMLButtonElement;
    button.disabled = false;
    button.addEventListener('click', () => run(`${name}()`, call()));
  }
  run('info()', worker.info());
}
