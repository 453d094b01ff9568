/** The page: calls main through the preload's bridge (window.notes), and streams from main over its own port. */
import { createPeer, type RpcError } from 'saltline';
import { fromPort } from 'saltline/worker';
import type { ClockApi, NotesBridge } from './api.mjs';

declare global {
  interface Window {
    notes: NotesBridge;
  }
}

const $ = (id: string) => document.getElementById(id)!;
const show = (text: string) => ($('out').textContent = text);
const describe = (error: unknown) =>
  error instanceof Error ? `${(error as RpcError).code ?? error.name}: ${error.message}` : String(error);

void window.notes.versions().then((v) => ($('versions').textContent = `Electron ${v.electron}, Chrome ${v.chrome}, Node ${v.node}`));

$('read').addEventListener(
  'click',
  () =>
    void window.notes.read('todo').then(
      (text) => show(`todo: ${text}`),
      (e) => show(describe(e)),
    ),
);
$('write').addEventListener('click', () => {
  const text = ($('text') as HTMLInputElement).value;
  void window.notes.write('todo', text).then(
    () => show('saved'),
    (e) => show(describe(e)),
  );
});
$('slow').addEventListener('click', () => {
  show('slow(5000) running: reload the window (Ctrl+R) and see main log UNAVAILABLE for it…');
  void window.notes.slow(5000).then(show, (e) => show(describe(e)));
});

window.addEventListener('message', (event) => {
  if (event.source !== window || event.data !== 'saltline:port' || !event.ports[0]) return;
  const clock = createPeer(fromPort(event.ports[0])).remote<ClockApi>();
  $('ticks').addEventListener('click', async () => {
    $('clock').textContent = '';
    for await (const tick of clock.ticks(5)) $('clock').textContent += `${tick}\n`;
  });
});
