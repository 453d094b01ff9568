// Runs inside Chromium (bundled by bench/lib/chromium-ws.mjs): 1 MiB one way over a WebSocket to
// a Node server on 127.0.0.1, sequential, as raw WebSocket, plain saltline, and secure saltline on
// tweetnacl and on libsodium's WebAssembly build, interleaved round by round so every case sees
// the same machine load.

import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer } from '../../src/index.js';
import { loadLibsodium } from '../../src/secure/backend.js';
import { createPeer as createSecurePeer, importIdentity } from '../../src/secure/index.js';

type Rate = (ms: number) => Promise<number>;
interface Setup {
  urls: { raw: string; plain: string; secure: string };
  /** Seeds of the two identities (benchmark keys, not secrets) and the network key. */
  clientSeed: number[];
  serverPublicKey: number[];
  networkKey: number[];
}

const MiB = new Uint8Array(1024 * 1024).map((_, i) => i);

function opened(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error(`could not open ${url}`));
  });
}

/** Sequential calls of `once` for `ms`; MB/s of the 1 MiB payload. */
const rate =
  (once: () => Promise<unknown>): Rate =>
  async (ms) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      await once();
      n++;
    }
    return (n * MiB.byteLength) / 1e6 / ((performance.now() - t0) / 1000);
  };

/**
 * The raw baseline: send the bytes in messages of `size`, wait for the server's answer once it has
 * them all. Chromium sends one 1 MiB message slower than 16 of 64 KiB, so both are measured.
 */
async function raw(url: string, size: number): Promise<{ run: Rate; close(): void }> {
  const socket = await opened(url);
  let waiting: (() => void) | undefined;
  socket.onmessage = () => waiting?.();
  const once = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      for (let offset = 0; offset < MiB.byteLength; offset += size) socket.send(MiB.subarray(offset, offset + size));
    });
  await once();
  return { run: rate(once), close: () => socket.close() };
}

async function peer(make: () => Promise<{ remote(): unknown; close(): void }>): Promise<{ run: Rate; close(): void }> {
  const p = await make();
  const api = p.remote() as { bytes(u8: Uint8Array): Promise<number> };
  const once = async () => {
    if ((await api.bytes(MiB)) !== MiB.byteLength) throw new Error('wrong length');
  };
  await once();
  return { run: rate(once), close: () => p.close() };
}

(globalThis as { runBench?: unknown }).runBench = async (setup: Setup, rounds: number, ms: number) => {
  await loadLibsodium(import('libsodium-wrappers'));
  const identity = importIdentity(new Uint8Array(setup.clientSeed));
  const secure = (crypto: 'tweetnacl' | 'libsodium') => async () =>
    createSecurePeer(fromWebSocket(await opened(setup.urls.secure)), {
      secure: {
        identity,
        networkKey: new Uint8Array(setup.networkKey),
        expectedRemoteKey: new Uint8Array(setup.serverPublicKey),
        crypto,
      },
    });
  const cases: Record<string, { run: Rate; close(): void }> = {
    raw: await raw(setup.urls.raw, MiB.byteLength),
    raw64k: await raw(setup.urls.raw, 64 * 1024),
    plain: await peer(async () => createPeer(fromWebSocket(await opened(setup.urls.plain)))),
    tweetnacl: await peer(secure('tweetnacl')),
    libsodium: await peer(secure('libsodium')),
  };
  const names = Object.keys(cases);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await cases[name]!.run(ms / 2);
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) samples[name]!.push(await cases[name]!.run(ms));
  }
  for (const c of Object.values(cases)) c.close();
  return samples;
};
