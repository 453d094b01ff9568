/**
 * saltline/electron against stand-ins with Electron 45's shapes (test/support/electron.ts): no
 * Electron binary can run here.
 */
import { describe, it } from 'node:test';
import { fromIpcMain, fromIpcRenderer, fromMessagePortMain, type IpcMainDialer, type IpcRendererDialer } from '../../adapters/electron.js';
import { fromPort, type PortLike } from '../../adapters/worker.js';
import type { ConnectionStateChange } from '../../src/connection-state.js';
import { createPeer, type Peer, type ReconnectingPeer, transfer } from '../../src/index.js';
import { type Service, service } from '../fixtures/service.js';
import { AssertionError, deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, listenerCheck, track } from '../support/connect.js';
import { IpcMain, type IpcRenderer, MessageChannelMain, WebContents } from '../support/electron.js';
import { reaches } from '../support/state.js';

type RendererApi = Service & { page(): number; double(x: number): number };
type MainApi = Service & { askRenderer(x: number): number };

/** A window: main's stand-ins, with a check that main's listeners are gone after the test. */
function window() {
  const ipcMain = new IpcMain();
  const contents = new WebContents(ipcMain);
  afterClose(() => {
    const left = ipcMain.listenerCount('saltline') + contents.listenerCount('destroyed') + contents.listenerCount('render-process-gone');
    if (left) throw new AssertionError(`${left} listeners left on ipcMain or webContents`);
  });
  return { ipcMain, contents };
}

function main(ipcMain: IpcMain, contents: WebContents, options: Parameters<typeof fromIpcMain>[2] = undefined) {
  const transport: IpcMainDialer = fromIpcMain(ipcMain, contents, options);
  const peer: ReconnectingPeer = track(
    createPeer(transport, { expose: { ...service, askRenderer: (x: number) => peer.remote<RendererApi>().double(x) } }),
  );
  return { transport, peer, api: peer.remote<RendererApi>() };
}

let pages = 0;
/** The preload of the page loaded in `renderer`: serves `page()` (which load this is) and `double`. */
function preload(renderer: IpcRenderer, options: { channel?: string; whileDown?: 'wait' | 'fail' } = {}) {
  const page = ++pages;
  const transport: IpcRendererDialer = fromIpcRenderer(renderer, { page: renderer.page, ...options });
  const peer = track(createPeer(transport, { expose: { ...service, page: () => page, double: (x: number) => 2 * x } }));
  afterClose(() => {
    if (renderer.listenerCount(options.channel ?? 'saltline')) throw new AssertionError('a listener left on ipcRenderer');
  });
  return { transport, peer, page, api: peer.remote<MainApi>() };
}

describe('saltline/electron over ipcMain and ipcRenderer (stand-ins with Electron 45 shapes)', () => {
  checkLeaks();

  it('calls both ways over the MessagePort the handshake hands over, not through ipcMain', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const r = preload(contents.load());
    equal(await r.api.add(40, 2), 42);
    equal(await m.api.double(21), 42);
    equal(await r.api.askRenderer(5), 10);
    equal(m.peer.state, 'open');
    ok(
      ipcMain.received.every(({ args }) => (args[0] as { saltline?: string }).saltline === 'link/1'),
      'only handshake signals went through ipcMain',
    );
    ok(ipcMain.received.length <= 2, `${ipcMain.received.length} signals`);
  });

  it('connects when the renderer starts before main listens', async () => {
    const { ipcMain, contents } = window();
    const r = preload(contents.load());
    const call = r.api.add(1, 2);
    main(ipcMain, contents);
    equal(await call, 3);
  });

  it("fails main's calls in flight with UNAVAILABLE when the page reloads, then serves the new page", async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const first = preload(contents.load());
    equal(await m.api.page(), first.page);
    const call = m.peer.call('wait');
    equal(await m.api.add(1, 1), 2); // 'wait' is running in the page
    const second = preload(contents.load());
    await rejectsWith(call, 'UNAVAILABLE');
    equal(await m.api.page(), second.page);
    equal(await second.api.add(2, 2), 4);
  });

  it('fails calls in flight with UNAVAILABLE when the renderer process crashes, and resumes with the next page', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const first = preload(contents.load());
    const call = m.peer.call('wait');
    equal(await m.api.add(1, 1), 2);
    contents.crash();
    first.peer.close(); // its process is gone, and its peer with it
    await rejectsWith(call, 'UNAVAILABLE');
    equal(m.peer.state, 'reconnecting');
    const held = m.api.page(); // held until a page is back
    const second = preload(contents.load());
    equal(await held, second.page);
    ok(second.page !== first.page);
  });

  it('notices a new page by its hello alone when the old one vanished without a word', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const renderer = contents.load();
    const first = preload(renderer, {});
    equal(await m.api.page(), first.page);
    const call = m.peer.call('wait');
    equal(await m.api.add(1, 1), 2);
    // The page is replaced with no pagehide and no crash event (as if its events were lost).
    renderer.gone = true;
    contents.renderer = undefined;
    const second = preload(contents.load());
    await rejectsWith(call, 'UNAVAILABLE');
    equal(await m.api.page(), second.page);
    // Main dropped the old channel; the old page (still running here) sees its port close.
    await reaches(first.peer, 'reconnecting');
  });

  it('tells onStateChange listeners each change as { state, attempt, reason }', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const changes: ConnectionStateChange[] = [];
    m.peer.onStateChange((change) => changes.push(change));
    const first = preload(contents.load());
    equal(await m.api.add(1, 1), 2);
    contents.crash();
    first.peer.close();
    preload(contents.load());
    equal(await m.api.add(2, 2), 4);
    contents.destroy();
    await m.peer.closed.catch(() => {});
    deepEqual(
      changes.map(({ state, attempt }) => [state, attempt]),
      [
        ['open', 0],
        ['reconnecting', 1],
        ['open', 0],
        ['closed', 1],
      ], // attempt: failed links in a row
    );
    // The reason is the session's: UNAVAILABLE, caused by what the link said.
    equal(((changes[1]!.reason as Error).cause as Error).message, 'the renderer process is gone');
    equal(((changes[3]!.reason as Error).cause as Error).message, 'the window was destroyed');
    equal(m.peer.state, 'closed');
  });

  it("closes main's peer with UNAVAILABLE when the window is destroyed", async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    const page = preload(contents.load());
    const call = m.peer.call('wait');
    equal(await m.api.add(1, 1), 2);
    contents.destroy();
    page.peer.close(); // its window is gone, and its peer with it
    await rejectsWith(call, 'UNAVAILABLE');
    ok(m.peer.stats().closed, 'the peer closed');
  });

  it('ignores signals from another window and from a subframe', async () => {
    const { ipcMain, contents } = window();
    const other = new WebContents(ipcMain);
    const m = main(ipcMain, contents);
    // Another window's page and a subframe of this one (nodeIntegrationInSubFrames) both say hello.
    const stranger = preload(other.load());
    const { IpcRenderer } = await import('../support/electron.js');
    const subframe = new IpcRenderer(contents, { processId: contents.mainFrame.processId, routingId: 99 });
    const fromSubframe = preload(subframe);
    const page = preload(contents.load());
    equal(await m.api.page(), page.page);
    equal(await page.api.add(1, 2), 3);
    equal(stranger.peer.state, 'connecting');
    equal(fromSubframe.peer.state, 'connecting');
  });

  it('keeps two channels of one window apart', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents, 'second');
    afterClose(() => {
      if (ipcMain.listenerCount('second')) throw new AssertionError('a listener left on ipcMain');
    });
    const renderer = contents.load();
    const other = preload(renderer);
    const page = preload(renderer, { channel: 'second' });
    equal(await m.api.page(), page.page);
    equal(other.peer.state, 'connecting');
  });

  it('copies transferred buffers from main, whose ports can transfer only ports', async () => {
    const { ipcMain, contents } = window();
    const m = main(ipcMain, contents);
    preload(contents.load());
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const back = (await m.api.echo(transfer(buffer, [buffer]))) as ArrayBuffer;
    equal(new Uint8Array(back)[2], 3);
  });
});

describe('saltline/electron fromMessagePortMain (the MessageChannelMain pattern, stand-ins)', () => {
  checkLeaks();

  /** Main makes a channel, keeps port1 and posts port2 to the page, which serves on it. */
  function handOver() {
    const { contents } = window();
    const renderer = contents.load();
    const { port1, port2 } = new MessageChannelMain();
    listenerCheck('port1', port1);
    const page = new Promise<{ port: MessagePort; peer: Peer }>((resolve) => {
      renderer.once('saltline:port', (event) => {
        const port = event.ports[0]!;
        const peer = track(createPeer(fromPort(port as unknown as PortLike), { expose: service }));
        resolve({ port, peer });
      });
    });
    contents.postMessage('saltline:port', null, [port2]);
    const peer = track(createPeer(fromMessagePortMain(port1), { expose: { double: (x: number) => 2 * x } }));
    return { peer, page, api: peer.remote<Service>() };
  }

  it('calls both ways between main and the page over the port main handed over', async () => {
    const { api, page } = handOver();
    equal(await api.add(2, 3), 5);
    const { peer } = await page;
    equal(await peer.remote<{ double(x: number): number }>().double(4), 8);
  });

  it("closes main's peer with UNAVAILABLE when the page's port closes", async () => {
    const { api, peer, page } = handOver();
    const call = peer.call('wait');
    equal(await api.add(1, 1), 2);
    (await page).port.close(); // the page is gone: its end of the channel with it
    await rejectsWith(call, 'UNAVAILABLE');
    ok(peer.stats().closed);
  });
});
