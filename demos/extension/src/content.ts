/**
 * The demo's content script, on the demo page: a redialling peer to the service worker, a badge
 * in the page showing the link, and the extension's id for the page (which then connects on its
 * own, through externally_connectable).
 */
import { createPeer } from 'saltline';
import { connectExtension } from 'saltline/extension';
import type { ContentApi, WorkerApi } from './api.js';
import { chrome, PORT_NAME } from './chrome.js';

document.documentElement.dataset.saltlineDemoExtension = chrome.runtime.id;

const badge = document.createElement('div');
badge.style.cssText =
  'position:fixed;right:12px;bottom:12px;z-index:9999;padding:8px 12px;border-radius:8px;background:#1d2329;color:#fff;font:13px ' +
  'system-ui;box-shadow:0 2px 8px #0004';
badge.textContent = 'content script: connecting…';
document.body.append(badge);

const api: ContentApi = { title: () => document.title };
const peer = createPeer(
  connectExtension(() => chrome.runtime.connect({ name: PORT_NAME })),
  { expose: api },
);
const worker = peer.remote<WorkerApi>();

async function refresh(): Promise<void> {
  try {
    const info = await worker.info();
    badge.textContent = `content script ↔ service worker ${info.instance} (started ${info.startedAt}): ${peer.state}`;
  } catch {
    badge.textContent = `content script: ${peer.state}`;
  }
}
peer.onStateChange(({ state }) => {
  badge.textContent = `content script: ${state}`;
  if (state === 'open') void refresh();
});
void refresh();
