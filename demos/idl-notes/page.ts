/**
 * The browser side of the idl-notes demo: `peer.remote(Notes)` is a typed client generated from
 * notes.saltline. The "invalid call" button goes around the types (`peer.call` with a number as
 * the title) to show what the server's validation answers.
 */
import { createPeer, RpcError } from 'saltline';
import { versions } from 'saltline/schema';
import { connectWebSocket } from 'saltline/websocket';
import { Notes } from './gen/notes.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, text: string, state: 'ok' | 'err' = 'ok') => {
  const out = $(id);
  out.className = `out ${state}`;
  out.textContent = text;
};
const describe = (error: unknown) =>
  error instanceof RpcError ? `${error.code}: ${error.message}\n${JSON.stringify(error.data, null, 2)}` : String(error);

const peer = createPeer(connectWebSocket(`ws://${location.host}${location.pathname}ws`), {
  plugins: [versions({ uses: [Notes] })],
  timeout: 10_000,
});
const notes = peer.remote(Notes);
addEventListener('pagehide', () => peer.close());

async function refresh() {
  const list = await notes.list();
  show(
    'notes-out',
    list.map((n) => `${n.id}  ${n.title}  (rev ${n.revision}, ${n.createdAt.toLocaleTimeString()})`).join('\n') || 'no notes yet',
  );
}

$('add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const note = await notes.add($<HTMLInputElement>('title').value, $<HTMLInputElement>('body').value);
    show('add-out', `added ${note.id}`);
    await refresh();
  } catch (error) {
    show('add-out', describe(error), 'err');
  }
});

$('invalid').addEventListener('click', async () => {
  try {
    await peer.call('demo.notes.Notes@1.add', [42, 'x'.repeat(3000)]);
    show('invalid-out', 'accepted?!', 'err');
  } catch (error) {
    show('invalid-out', describe(error), 'err');
  }
});

$('missing').addEventListener('click', async () => {
  try {
    await notes.get('n999999');
  } catch (error) {
    show('invalid-out', describe(error), 'err');
  }
});

refresh().catch((error) => show('notes-out', describe(error), 'err'));
