/**
 * The demo's MV3 service worker: one saltline peer per port, from the extension's own pages and
 * content scripts (`onConnect`) and from web pages on loopback (`onConnectExternal`).
 */
import { createPeer, type Peer, withContext } from 'saltline';
import { type ExtensionPort, fromExtensionPort } from 'saltline/extension';
import type { ContentApi, WorkerApi } from './api.js';
import { chrome, PORT_NAME } from './chrome.js';

const instance = Math.random().toString(36).slice(2, 8);
const startedAt = new Date().toLocaleTimeString();
const peers = new Set<Peer>();
const contentScripts = new Set<Peer>();

function serve(port: ExtensionPort, you: string, isContentScript: boolean): void {
  const api: WorkerApi = {
    info: () => ({ instance, startedAt, peers: peers.size, you }),
    async increment() {
      const { count = 0 } = (await chrome.storage.local.get('count')) as { count?: number };
      await chrome.storage.local.set({ count: count + 1 });
      return count + 1;
    },
    slow: withContext(
      (ctx, ms: number) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve(`slow(${ms}) done by worker ${instance}`), ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        }),
    ) as unknown as WorkerApi['slow'],
    titles: () => Promise.all([...contentScripts].map((peer) => peer.remote<ContentApi>().title())),
  };
  const peer = createPeer(fromExtensionPort(port), { expose: api });
  peers.add(peer);
  if (isContentScript) contentScripts.add(peer);
  void peer.closed.then(() => {
    peers.delete(peer);
    contentScripts.delete(peer);
  });
}

// At the top level, so a worker started by a connecting port finds its listener.
chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== PORT_NAME || port.sender?.id !== chrome.runtime.id) return;
  const isContentScript = !port.sender?.url?.startsWith('chrome-extension://');
  serve(port, isContentScript ? `content script in tab ${port.sender?.tab?.id}` : 'extension page (popup)', isContentScript);
});

chrome.runtime.onConnectExternal.addListener((port) => {
  const origin = port.sender?.origin ?? '';
  // Web pages: only the loopback demo server (externally_connectable already says so; check again).
  if (port.name !== PORT_NAME || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin)) return port.disconnect();
  serve(port, `web page ${origin}`, false);
});
