/**
 * The widget, in an iframe on another origin: serves its notes to the host page that embeds it,
 * and calls the host back. A real widget would list the origins allowed to embed it; this demo
 * takes the host's origin from `?host=` (any other page that passes itself gets nothing from the
 * host-checking transport on the other side: it must be the parent window, of that origin).
 */
import { createPeer, withContext } from 'saltline';
import { fromWindow } from 'saltline/window';
import type { HostApi, Note, WidgetApi } from './api.js';

const hostOrigin = new URLSearchParams(location.search).get('host');
if (!hostOrigin || window.parent === window) throw new Error('embed this widget in the demo page (it needs ?host=)');

const $ = (id: string) => document.getElementById(id)!;
const instance = { id: Math.random().toString(36).slice(2, 8), origin: location.origin, loadedAt: new Date().toLocaleTimeString() };
$('origin').textContent = location.origin;
$('loaded').textContent = instance.loadedAt;

const notes: Note[] = [];
let nextId = 1;

function addNote(text: string): Note {
  const note = { id: nextId++, text: String(text).slice(0, 200), at: new Date().toLocaleTimeString() };
  notes.push(note);
  const item = document.createElement('li');
  item.textContent = `${note.text} (${note.at})`;
  $('notes').append(item);
  return note;
}

const api: WidgetApi = {
  addNote,
  notes: () => notes,
  instance: () => instance,
  slowExport: withContext(
    (ctx, ms: number) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve(JSON.stringify(notes)), ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        });
      }),
  ) as unknown as WidgetApi['slowExport'],
};

// `window.parent` is the host; only messages from it, of hostOrigin, are heard.
const peer = createPeer(fromWindow(window.parent, { origin: hostOrigin }), { expose: api });
const host = peer.remote<HostApi>();

void host.theme().then((theme) => {
  $('theme').textContent = theme.name;
  document.documentElement.style.setProperty('--accent', theme.accent);
});

$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  const note = addNote(($('text') as HTMLInputElement).value);
  void host.notify(`note ${note.id} added in the widget: “${note.text}”`);
});
