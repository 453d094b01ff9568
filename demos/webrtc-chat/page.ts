/**
 * Two tabs, one room: the signaling helper finds the other members and wires a simple-peer to
 * each; every data channel gets a saltline peer whose API is `message` and `file`.
 *
 * No STUN or TURN servers are configured, so this works between tabs and machines on one
 * network. `?loopback` keeps only loopback ICE candidates (for headless checks on one machine,
 * where Chromium runs with --allow-loopback-in-peer-connection).
 */

import { createPeer, type Peer, type Remote, RpcError } from 'saltline';
import { connectSignaling, fromSimplePeer, loopbackOnly } from 'saltline/webrtc';
import { fromWebSocket } from 'saltline/websocket';
import type SimplePeerType from 'simple-peer';

const SimplePeer = (globalThis as unknown as { SimplePeer: typeof SimplePeerType }).SimplePeer;
const params = new URLSearchParams(location.search);
const MAX_FILE = 30 * 1024 * 1024;

interface ChatApi {
  message(text: string): void;
  /** Receives a file; returns its SHA-256 (hex) as the receiver computed it. */
  file(name: string, type: string, bytes: Uint8Array): Promise<string>;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const log = (id: string, line: string, state: 'ok' | 'err' | 'busy' = 'ok') => {
  const out = $(id);
  out.className = `out ${state}`;
  out.textContent = `${line}\n${out.textContent ?? ''}`.split('\n').slice(0, 14).join('\n');
};
const hex = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource))].map((b) => b.toString(16).padStart(2, '0')).join('');

// ---- the room --------------------------------------------------------------------------------

if (!location.hash) location.hash = crypto.randomUUID().slice(0, 8);
const room = location.hash.slice(1);
$<HTMLAnchorElement>('room-link').href = location.href;
$('room-link').textContent = room;

const peers = new Map<string, Peer>();
const received: string[] = [];
const showPeers = () =>
  ($('peers-out').textContent = peers.size
    ? [...peers.keys()].map((id) => `connected: ${id.slice(0, 8)}`).join('\n')
    : 'waiting for someone to join…');

const signaling = connectSignaling(fromWebSocket(new WebSocket(`ws://${location.host}${location.pathname}signal`)));
addEventListener('pagehide', () => {
  for (const peer of peers.values()) peer.close();
  signaling.close();
});

const me = await signaling.join(room, {
  createSimplePeer: (initiator) => new SimplePeer({ initiator, config: { iceServers: [] } }),
  filterSignal: params.has('loopback') ? loopbackOnly : undefined,
  onPeer(simplePeer, remoteId) {
    const who = remoteId.slice(0, 8);
    const api: ChatApi = {
      message(text) {
        received.push(text);
        log('chat-out', `${who}: ${text}`);
      },
      async file(name, type, bytes) {
        const digest = await hex(bytes);
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: type || 'application/octet-stream' }));
        link.download = name;
        link.textContent = `${name} (${bytes.byteLength.toLocaleString('en')} bytes) from ${who}`;
        const item = document.createElement('li');
        item.append(link);
        $('files').append(item);
        return digest;
      },
    };
    // 30 MiB files plus their envelope: raise the message limit above the 32 MiB default's margin.
    const peer = createPeer(fromSimplePeer(simplePeer), { expose: api, limits: { maxMessageSize: 40 * 1024 * 1024 }, timeout: 120_000 });
    peers.set(remoteId, peer);
    showPeers();
    void peer.closed.then(() => {
      peers.delete(remoteId);
      showPeers();
      log('chat-out', `${who} left`);
    });
  },
  onLeave: (remoteId) => log('chat-out', `${remoteId.slice(0, 8)} left the room`),
});
log('chat-out', `joined room ${room} as ${me.id.slice(0, 8)}`);

const everyone = <T>(call: (api: Remote<ChatApi>) => Promise<T>) =>
  Promise.all([...peers.values()].map((peer) => call(peer.remote<ChatApi>())));

$('say-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $<HTMLInputElement>('say-text').value;
  log('chat-out', `me: ${text}`);
  everyone((api) => api.message(text)).catch((e: unknown) => log('chat-out', String(e), 'err'));
});

$('file').addEventListener('change', async () => {
  const file = $<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  if (file.size > MAX_FILE) return log('file-out', `${file.name} is over 30 MiB`, 'err');
  if (!peers.size) return log('file-out', 'nobody to send to yet', 'err');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const started = performance.now();
  log('file-out', `sending ${file.name} (${file.size.toLocaleString('en')} bytes)…`, 'busy');
  try {
    const mine = await hex(bytes);
    const theirs = await everyone((api) => api.file(file.name, file.type, bytes));
    const ok = theirs.every((digest) => digest === mine);
    log(
      'file-out',
      `${file.name}: ${ok ? 'received intact' : 'DIGEST MISMATCH'} (${Math.round(performance.now() - started)} ms)`,
      ok ? 'ok' : 'err',
    );
  } catch (error) {
    log('file-out', error instanceof RpcError ? `${error.code}: ${error.message}` : String(error), 'err');
  }
});

// For headless checks: `window.chat` drives the page like a user would.
Object.assign(globalThis, {
  chat: {
    peers: () => peers.size,
    received: () => [...received],
    say: (text: string) => everyone((api) => api.message(text)),
    send: async (size: number) => {
      const bytes = new Uint8Array(size).map((_, i) => i & 0xff);
      const theirs = await everyone((api) => api.file('check.bin', 'application/octet-stream', bytes));
      return theirs.every((digest) => digest === theirs[0]) && theirs[0] === (await hex(bytes));
    },
  },
});
