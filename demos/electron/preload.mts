/**
 * The preload (bundled to preload.cjs: a sandboxed preload can require only Electron's modules).
 * Recipe 1: saltline runs here and exposes a narrow API to the page; recipe 2: it forwards the
 * port main sends on each load to the page's world.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPeer } from 'saltline';
import { fromIpcRenderer } from 'saltline/electron';
import type { MainApi, NotesBridge } from './api.mjs';

const main = createPeer(fromIpcRenderer(ipcRenderer)).remote<MainApi>();

const bridge: NotesBridge = {
  versions: () => main.versions(),
  read: (name) => main.readNote(name),
  write: (name, text) => main.writeNote(name, text),
  slow: (ms) => main.slow(ms),
};
contextBridge.exposeInMainWorld('notes', bridge);

ipcRenderer.on('saltline:port', (event) => {
  window.postMessage('saltline:port', '*', event.ports);
});
