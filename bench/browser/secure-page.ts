// Runs inside Chromium (bundled by bench/secure-browser.bench.mjs): the record layer and a secure
// channel over a MessageChannel in this page, tweetnacl against libsodium's WebAssembly build,
// interleaved round by round so both see the same machine load.
import { fromPort } from '../../adapters/worker.js';
import { loadLibsodium, tweetnaclBackend } from '../../src/secure/backend.js';
import { createPeer, generateIdentity, handshakeGuard } from '../../src/secure/index.js';
import { FROM_INITIATOR, RecordCipher, WHOLE } from '../../src/secure/records.js';

const RECORD_PAYLOAD = 64 * 1024 - 17;
const MiB = new Uint8Array(1024 * 1024).map((_, i) => i);

async function channel(crypto: 'tweetnacl' | 'libsodium') {
  const server = generateIdentity();
  const client = generateIdentity();
  const { port1, port2 } = new MessageChannel();
  createPeer(fromPort(port1), {
    expose: { bytes: (u8: Uint8Array) => u8.byteLength },
    secure: { identity: server, expectedRemoteKey: client.publicKey, crypto },
  });
  const peer = createPeer(fromPort(port2), { secure: { identity: client, expectedRemoteKey: server.publicKey, crypto } });
  const api = peer.remote() as unknown as { bytes(u8: Uint8Array): Promise<number> };
  await api.bytes(MiB);
  return async (ms: number) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) n += (await api.bytes(MiB)) > 0 ? 1 : 0;
    return (n * MiB.byteLength) / 1e6 / ((performance.now() - t0) / 1000);
  };
}

/** Handshakes/s: two peers on a MessageChannel in the page, `createPeer` on both ends to the first answer, then closed. */
function handshakes(crypto: 'tweetnacl' | 'libsodium') {
  const server = generateIdentity();
  const client = generateIdentity();
  const guard = handshakeGuard({ rate: 1e9, burst: 1e9, maxEntries: 1e7 }); // both ends: the shared one rate-limits a benchmark
  return async (ms: number) => {
    let n = 0;
    const t0 = performance.now();
    do {
      const { port1, port2 } = new MessageChannel();
      const near = createPeer(fromPort(port1), {
        expose: { ping: () => 1 },
        secure: { identity: server, expectedRemoteKey: client.publicKey, crypto, handshakes: guard },
      });
      const far = createPeer(fromPort(port2), {
        secure: { identity: client, expectedRemoteKey: server.publicKey, crypto, handshakes: guard },
      });
      await (far.remote() as unknown as { ping(): Promise<number> }).ping();
      far.close();
      near.close();
      await Promise.all([near.closed, far.closed]);
      n++;
    } while (performance.now() - t0 < ms);
    return n / ((performance.now() - t0) / 1000);
  };
}

function records(backend: typeof tweetnaclBackend, size: number) {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const sealer = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
  const opener = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
  const payload = MiB.subarray(0, size);
  return async (ms: number) => {
    let bytes = 0;
    const t0 = performance.now();
    do {
      for (let offset = 0; offset < size; offset += RECORD_PAYLOAD) {
        if (!opener.open(sealer.seal(WHOLE, payload.subarray(offset, offset + RECORD_PAYLOAD)), true)) throw new Error('did not open');
      }
      bytes += size;
    } while (performance.now() - t0 < ms);
    return bytes / 1e6 / ((performance.now() - t0) / 1000);
  };
}

/** Rounds alternate the order; returns every case's samples (MB/s). */
async function interleave(cases: Record<string, (ms: number) => Promise<number>>, rounds: number, ms: number) {
  const names = Object.keys(cases);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await cases[name]!(ms / 2);
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) samples[name]!.push(await cases[name]!(ms));
  }
  return samples;
}

(globalThis as { runBench?: unknown }).runBench = async (rounds: number, ms: number) => {
  const wasm = await loadLibsodium(import('libsodium-wrappers'));
  return {
    small: await interleave({ tweetnacl: records(tweetnaclBackend, 16), libsodium: records(wasm, 16) }, rounds, ms),
    bulk: await interleave({ tweetnacl: records(tweetnaclBackend, MiB.byteLength), libsodium: records(wasm, MiB.byteLength) }, rounds, ms),
    channel: await interleave({ tweetnacl: await channel('tweetnacl'), libsodium: await channel('libsodium') }, rounds, ms),
    handshake: await interleave({ tweetnacl: handshakes('tweetnacl'), libsodium: handshakes('libsodium') }, rounds, ms),
  };
};
