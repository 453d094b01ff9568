/**
 * The host page: embeds the widget from the other loopback origin and talks to it with
 * saltline/window. Open with `?selftest` to run the checks once and report in a banner (and on
 * `document.documentElement.dataset.selftest`).
 */
import { createPeer, RpcError } from 'saltline';
import { fromWindow } from 'saltline/window';
import type { HostApi, WidgetApi } from './api.js';

// The demo server answers on both loopback names: the widget gets the one this page is not on.
const otherHost = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
const widgetOrigin = `${location.protocol}//${otherHost}:${location.port}`;
const widgetUrl = `${widgetOrigin}/demos/iframe-widget/widget.html?host=${encodeURIComponent(location.origin)}`;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
$('host-origin').textContent = location.origin;
$('widget-origin').textContent = widgetOrigin;

const frame = $<HTMLIFrameElement>('widget');
frame.src = widgetUrl;

// ---- the peer --------------------------------------------------------------------------------

const host: HostApi = {
  theme: () => ({ accent: '#2457c5', name: 'saltline blue' }),
  notify: (message) => log(`widget says: ${message}`),
};

// The peer is made now, before the iframe has loaded: calls made early wait for the handshake.
const transport = fromWindow(frame.contentWindow!, { origin: widgetOrigin });
const peer = createPeer(transport, { expose: host });
const widget = peer.remote<WidgetApi>();
peer.onStateChange(({ state }) => {
  $('state').textContent = state;
  $('state').dataset.state = state;
  log(`link ${state}${transport.origin ? ` (${transport.origin})` : ''}`);
});

// ---- the cards -------------------------------------------------------------------------------

function log(line: string): void {
  const out = $('log');
  out.textContent = `${new Date().toLocaleTimeString()}  ${line}\n${out.textContent ?? ''}`;
}

function show(text: string, ok = true): void {
  $('out').className = `out ${ok ? 'ok' : 'err'}`;
  $('out').textContent = text;
}

const describeError = (error: unknown) => (error instanceof RpcError ? `${error.code}: ${error.message}` : String(error));

async function run<T>(what: string, call: Promise<T>): Promise<T> {
  show(`${what} …`);
  try {
    const value = await call;
    show(`${what} → ${JSON.stringify(value, null, 2)}`);
    return value;
  } catch (error) {
    show(`${what} → ${describeError(error)}`, false);
    throw error;
  }
}

$('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void run('addNote', widget.addNote($<HTMLInputElement>('note-text').value)).catch(() => {});
});
$('instance').addEventListener('click', () => void run('instance()', widget.instance()).catch(() => {}));
$('slow').addEventListener('click', () => void run('slowExport(3000)', widget.slowExport(3000)).catch(() => {}));
$('reload').addEventListener('click', reloadWidget);
$('hostile').addEventListener('click', () => void addHostileFrame());

function reloadWidget(): void {
  // Cross-origin, the page cannot call the frame's location.reload(): it navigates it again.
  frame.src = `${widgetUrl}&load=${Date.now()}`;
}

/** A frame on the widget's origin that forges handshake signals and replies to this page and the widget. */
function addHostileFrame(): Promise<void> {
  const hostile = document.createElement('iframe');
  hostile.title = 'hostile frame';
  hostile.src = `${widgetOrigin}/demos/iframe-widget/hostile.html`;
  const done = new Promise<void>((resolve) => {
    const listener = (event: MessageEvent) => {
      if (event.source !== hostile.contentWindow || (event.data as { hostile?: string } | null)?.hostile !== 'done') return;
      removeEventListener('message', listener);
      log(`a hostile frame sent ${(event.data as { forged: number }).forged} forged messages: ignored (link ${peer.state})`);
      resolve();
    };
    addEventListener('message', listener);
  });
  $('hostile-slot').replaceChildren(hostile);
  return done;
}

addEventListener('pagehide', () => peer.close());

// ---- self-test ---------------------------------------------------------------------------------

async function selftest(): Promise<void> {
  const checks: { name: string; ok: boolean; detail?: string }[] = [];
  const check = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
      checks.push({ name, ok: true });
    } catch (error) {
      checks.push({ name, ok: false, detail: describeError(error) });
    }
  };
  const expect = (condition: unknown, detail: string) => {
    if (!condition) throw new Error(detail);
  };
  const stateBecomes = (state: string) =>
    new Promise<void>((resolve) => {
      if (peer.state === state) return resolve();
      const stop = peer.onStateChange((now) => now.state === state && (stop(), resolve()));
    });

  await check('the widget answers from the other origin', async () => {
    const info = await widget.instance();
    expect(info.origin === widgetOrigin && transport.origin === widgetOrigin, JSON.stringify(info));
  });
  await check('addNote and notes() round-trip', async () => {
    const note = await widget.addNote('self-test');
    const notes = await widget.notes();
    expect(
      notes.some((n) => n.id === note.id && n.text === 'self-test'),
      JSON.stringify(notes),
    );
  });
  await check('a reload fails the call in flight with UNAVAILABLE', async () => {
    const before = await widget.instance();
    const slow = widget.slowExport(5000).then(
      () => 'resolved',
      (error: unknown) => (error instanceof RpcError ? error.code : String(error)),
    );
    reloadWidget();
    expect((await slow) === 'UNAVAILABLE', `the call ended with ${await slow}`);
    const after = await widget.instance(); // held until the new document is connected
    expect(after.id !== before.id, 'the same document answered');
  });
  await check('forged messages from a hostile frame are ignored', async () => {
    await stateBecomes('open');
    const before = await widget.instance();
    await addHostileFrame();
    expect(peer.state === 'open', `link ${peer.state}`);
    const after = await widget.instance();
    expect(after.id === before.id && peer.stats().malformed === 0, JSON.stringify(peer.stats()));
  });

  const failed = checks.filter((c) => !c.ok);
  const banner = $('banner');
  banner.hidden = false;
  banner.className = failed.length ? 'banner err' : 'banner';
  banner.textContent =
    `Self-test: ${checks.length - failed.length}/${checks.length} checks ` +
    `passed${failed.length ? ` — failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}` : ''}`;
  for (const c of checks) (c.ok ? console.info : console.error)(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  document.documentElement.dataset.selftest = failed.length ? 'fail' : 'pass';
}

if (new URLSearchParams(location.search).has('selftest')) void selftest();
