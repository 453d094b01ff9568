/**
 * The main process of the demo, with both recipes of docs/guide/electron.md:
 * - fromIpcMain ↔ fromIpcRenderer: saltline in the preload, a narrow API for the page;
 * - MessageChannelMain + fromMessagePortMain: a port handed to the page on every load.
 *
 * Build and run with your own Electron: see README.md. (Not run in saltline's CI: no Electron there.)
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, MessageChannelMain } from 'electron';
import { createPeer } from 'saltline';
import { fromIpcMain, fromMessagePortMain } from 'saltline/electron';
import type { ClockApi, MainApi } from './api.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const notes = new Map<string, string>([['todo', 'Water the plants']]);

const mainApi: MainApi = {
  versions: () => ({ electron: process.versions.electron ?? '?', chrome: process.versions.chrome ?? '?', node: process.versions.node }),
  readNote: (name) => notes.get(name),
  writeNote: (name, text) => void notes.set(name, text),
  slow: (ms) => new Promise((resolve) => setTimeout(() => resolve(`waited ${ms} ms`), ms)),
};

const clockApi: ClockApi = {
  async *ticks(count) {
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      yield new Date().toLocaleTimeString();
    }
  },
};

async function openWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 900,
    height: 640,
    webPreferences: { preload: path.join(here, 'preload.cjs'), contextIsolation: true, sandbox: true },
  });

  // Recipe 1: one peer for the window's lifetime; each (re)load of the page is handshaken anew.
  const peer = createPeer(fromIpcMain(ipcMain, win.webContents), { expose: mainApi });
  peer.onStateChange(({ state }) => console.log(`[main] preload link: ${state}`));

  // Recipe 2: a new channel and a new peer on every load.
  win.webContents.on('did-finish-load', () => {
    const { port1, port2 } = new MessageChannelMain();
    win.webContents.postMessage('saltline:port', null, [port2]);
    const peer = createPeer(fromMessagePortMain(port1), { expose: clockApi });
    void peer.closed.then(() => console.log('[main] the page port closed'));
  });

  await win.loadFile(path.join(here, '..', 'app.html')); // out/main.js → demos/electron/app.html
}

await app.whenReady();
await openWindow();
app.on('window-all-closed', () => app.quit());
