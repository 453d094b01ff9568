/**
 * saltline/window in Chromium, across two real origins: this page is on http://127.0.0.1:PORT and
 * the child (test/browser/fixtures/window-child.ts) on http://localhost:PORT, the same dev server
 * under the other loopback name (the runner's host-resolver rules keep both local).
 */
import { describe, it } from '#harness';
import { type ConnectionStateChange, fromWindow, type WindowOptions } from '../../adapters/window.js';
import { createPeer, type PeerOptions } from '../../src/index.js';
import type { Service } from '../fixtures/service.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, listenerCheck, track } from '../support/connect.js';
import { reaches } from '../support/state.js';

type ChildApi = Service & {
  instance(): string;
  linkId(): string;
  origin(): string;
  askParent(x: number): number;
  reload(): void;
  afterForgeries(): { state: string; origin: string | undefined; malformed: number };
};

const parentOrigin = location.origin;
const childOrigin = `http://localhost:${location.port}`;
const fixtures = '/test/browser/fixtures';

function childUrl(origin = childOrigin, query: Record<string, string> = {}): string {
  const params = new URLSearchParams({ parent: parentOrigin, ...query });
  return `${origin}${fixtures}/window-child.html?${params}`;
}

function iframe(src: string): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.src = src;
  document.body.append(frame);
  afterClose(() => frame.remove());
  return frame;
}

/** The next plain message `{ [key]: value }` from `source`, e.g. the child's `{ fixture: 'ready' }`. */
function nextMessage<T>(source: () => Window | null, key: string, value: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (event: MessageEvent) => {
      if (event.source !== source() || (event.data as Record<string, unknown> | null)?.[key] !== value) return;
      removeEventListener('message', listener);
      resolve(event.data as T);
    };
    addEventListener('message', listener);
  });
}

function connect(target: Window, options: Partial<WindowOptions> = {}, peerOptions: PeerOptions = {}) {
  const transport = fromWindow(target, { origin: childOrigin, ...options });
  const peer = track(createPeer(transport, { expose: { double: (x: number) => 2 * x }, ...peerOptions }));
  return { transport, peer, api: peer.remote<ChildApi>() };
}

describe('saltline/window between a page and a cross-origin iframe', () => {
  checkLeaks();

  it('answers calls made before the iframe has loaded', async () => {
    listenerCheck('window', window);
    const frame = iframe(childUrl());
    const { api, transport } = connect(frame.contentWindow!);
    equal(transport.initiator, true);
    equal(await api.add(40, 2), 42);
    equal(await api.origin(), childOrigin);
    equal(transport.origin, childOrigin);
  });

  it('calls both ways between the page and the iframe', async () => {
    listenerCheck('window', window);
    const { api } = connect(iframe(childUrl()).contentWindow!);
    equal(await api.askParent(21), 42);
    equal(await api.math.square(9), 81);
  });

  it('connects when the page starts its peer after the iframe has loaded', async () => {
    listenerCheck('window', window);
    const frame = iframe(childUrl());
    await nextMessage(() => frame.contentWindow, 'fixture', 'ready');
    const { api } = connect(frame.contentWindow!);
    equal(await api.add(1, 2), 3);
  });

  it('sends no RPC frame through window.postMessage once the channel is handed over', async () => {
    listenerCheck('window', window);
    const frame = iframe(childUrl());
    const seen: unknown[] = [];
    const spy = (event: MessageEvent) => {
      if (event.source === frame.contentWindow) seen.push(event.data);
    };
    addEventListener('message', spy);
    const { api } = connect(frame.contentWindow!);
    for (let i = 0; i < 5; i++) equal(await api.add(i, i), 2 * i);
    equal(await api.askParent(2), 4);
    removeEventListener('message', spy);
    ok(seen.length > 0, 'the handshake went over postMessage');
    ok(
      seen.every((data) => !Array.isArray(data) && typeof data === 'object' && data !== null && ('saltline' in data || 'fixture' in data)),
      `only handshake signals on the window: ${JSON.stringify(seen)}`,
    );
  });

  it('ignores handshake signals and frames that another frame forges', async () => {
    listenerCheck('window', window);
    const child = iframe(childUrl());
    const { api, peer, transport } = connect(child.contentWindow!);
    const childLink = await api.linkId();
    // Pending across the forgeries: it answers once the child has handled them all.
    const report = api.afterForgeries();
    const sibling = [...Array(frames.length).keys()].find((i) => frames[i] === child.contentWindow)!;
    let hostile: HTMLIFrameElement;
    const forgedHere = nextMessage(() => hostile.contentWindow, 'hostile', 'done');
    const query = new URLSearchParams({ sibling: String(sibling), parentId: transport.id, childId: childLink });
    hostile = iframe(`${childOrigin}${fixtures}/window-hostile.html?${query}`);
    await forgedHere;
    equal(peer.state, 'open');
    deepEqual(await report, { state: 'open', origin: parentOrigin, malformed: 0 });
    equal(await api.linkId(), childLink);
    equal(await api.add(2, 3), 5);
    const stats = peer.stats();
    equal(stats.malformed, 0);
  });

  it('ignores a document of another origin in the target window', async () => {
    listenerCheck('window', window);
    // The child fixture, but served from this page's origin, which the transport does not allow.
    const frame = iframe(childUrl(parentOrigin));
    const { api, peer } = connect(frame.contentWindow!);
    await nextMessage(() => frame.contentWindow, 'fixture', 'ready'); // posted after its hello
    equal(peer.state, 'connecting');
    const sum = api.add(20, 22);
    frame.src = childUrl();
    equal(await sum, 42);
    equal(await api.origin(), childOrigin);
  });

  it('fails a call in flight with UNAVAILABLE when the iframe reloads, then serves the new document', async () => {
    listenerCheck('window', window);
    const { api, peer } = connect(iframe(childUrl()).contentWindow!);
    const before = await api.instance();
    const call = peer.call('wait');
    void api.reload();
    await rejectsWith(call, 'UNAVAILABLE');
    // Made while the iframe reloads: held until the new document has answered the handshake.
    equal(await api.add(1, 1), 2);
    ok((await api.instance()) !== before, 'a new document answers');
  });

  it('notices a reload from the new document alone when the old one said no goodbye', async () => {
    listenerCheck('window', window);
    const { api, peer } = connect(iframe(childUrl(childOrigin, { nobye: '1' })).contentWindow!);
    const before = await api.instance();
    const call = peer.call('wait');
    void api.reload();
    await rejectsWith(call, 'UNAVAILABLE');
    await reaches(peer, 'open'); // the new document's one hello is enough
    ok((await api.instance()) !== before, 'a new document answers');
  });

  it('tells onStateChange listeners of a reload: reconnecting, with why, then open', async () => {
    listenerCheck('window', window);
    const { api, peer } = connect(iframe(childUrl()).contentWindow!);
    const before = await api.instance();
    const changes: ConnectionStateChange[] = [];
    peer.onStateChange((change) => changes.push(change));
    void api.reload();
    await reaches(peer, 'reconnecting');
    await reaches(peer, 'open');
    ok((await api.instance()) !== before, 'a new document answers');
    deepEqual(
      changes.map(({ state, attempt }) => [state, attempt]),
      [
        ['reconnecting', 1], // attempt: failed links in a row
        ['open', 0],
      ],
    );
    ok(changes[0]?.reason instanceof Error, 'reconnecting says why');
  });

  it("fails calls at once while the iframe reloads, with whileDown: 'fail'", async () => {
    listenerCheck('window', window);
    const { api, peer } = connect(iframe(childUrl()).contentWindow!, { whileDown: 'fail' });
    const before = await api.instance();
    void api.reload();
    await reaches(peer, 'reconnecting');
    await rejectsWith(api.add(1, 1), 'UNAVAILABLE');
    await reaches(peer, 'open');
    ok((await api.instance()) !== before, 'a new document answers');
  });

  it('keeps two channels between the same windows apart', async () => {
    listenerCheck('window', window);
    const frame = iframe(childUrl(childOrigin, { channel: 'second' }));
    const first = connect(frame.contentWindow!);
    const second = connect(frame.contentWindow!, { channel: 'second' });
    equal(await second.api.add(1, 2), 3);
    equal(first.peer.state, 'connecting');
    first.peer.close();
  });
});

describe('saltline/window origins', () => {
  checkLeaks();

  it("refuses origin '*' unless dangerouslyAllowAnyOrigin is set", () => {
    let error: unknown;
    try {
      fromWindow(window, { origin: '*' });
    } catch (caught) {
      error = caught;
    }
    ok(error instanceof TypeError && /dangerouslyAllowAnyOrigin/.test(error.message), String(error));
  });

  it('refuses an origin with a path or a trailing slash, and says which origin was meant', () => {
    let error: unknown;
    try {
      fromWindow(window, { origin: `${childOrigin}/` });
    } catch (caught) {
      error = caught;
    }
    ok(error instanceof TypeError && error.message.includes(JSON.stringify(childOrigin)), String(error));
  });

  it("talks to any origin with origin '*' and dangerouslyAllowAnyOrigin", async () => {
    listenerCheck('window', window);
    const { api } = connect(iframe(childUrl()).contentWindow!, { origin: '*', dangerouslyAllowAnyOrigin: true });
    equal(await api.add(2, 2), 4);
  });

  it('accepts any origin of a list', async () => {
    listenerCheck('window', window);
    const { api } = connect(iframe(childUrl()).contentWindow!, { origin: ['https://example.com', childOrigin] });
    equal(await api.origin(), childOrigin);
  });
});

describe('saltline/window between an opener and a popup', () => {
  checkLeaks();

  function popup(): Window {
    const win = window.open(childUrl(), '_blank');
    ok(win, 'the popup opened');
    afterClose(() => win.close());
    return win;
  }

  it('calls both ways between a page and the cross-origin popup it opened', async () => {
    listenerCheck('window', window);
    const { api } = connect(popup());
    equal(await api.add(3, 4), 7);
    equal(await api.askParent(5), 10);
  });

  it('fails a call in flight with UNAVAILABLE when the popup is closed', async () => {
    listenerCheck('window', window);
    const win = popup();
    const { api, peer } = connect(win);
    equal(await api.add(1, 2), 3);
    const call = peer.call('wait');
    win.close();
    await rejectsWith(call, 'UNAVAILABLE');
  });
});
