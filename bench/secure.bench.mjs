#!/usr/bin/env node
// The secure channel's cost, in one run on one transport:
//
//   node --expose-gc bench/secure.bench.mjs [--json=FILE]
//
// Plain saltline (structured clone) against secure saltline (msgpack in records, transferred) on
// the same transport, measured interleaved (bench/lib/measure.mjs: rounds alternate order, a GC
// before every slice, medians and paired ratios), over two transports: a MessageChannel with
// both ends in this thread (one core does all the work, so the ceiling below is a true ceiling),
// and a worker_threads Worker serving on ports the main thread transfers to it (sealing and
// opening run on two cores and overlap). The ceiling for payloads is tweetnacl's own
// `secretbox` + `secretbox.open` of the same bytes in 64 KiB boxes, in one thread — the crypto
// the channel cannot avoid. For small calls, the crypto floor is the record layer alone
// (`RecordCipher`: seal + open of one small record, the CALL or the RESULT of `add(2, 3)`), beside
// `nacl.secretbox` + `nacl.secretbox.open` of the same bytes; a call is two such records. Runs the
// TypeScript sources through tsx's loader, registered here in both threads (no build needed).
// Markdown on stdout, progress on stderr. Knobs: BENCH_ROUNDS, BENCH_SLICE_MS, BENCH_WARMUP_MS,
// BENCH_DEPTH as in bench/lib/measure.mjs; BENCH_HANDSHAKES (40). `--backends` runs only the crypto
// backends' tables (records, handshakes and their primitives, 1 MiB to the worker).
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import nacl from 'tweetnacl';
import { makeBytes, service } from './lib/fixtures.mjs';
import { config, fmt, fmtRatio, gc, inflight, interleave, ratio, seq, table } from './lib/measure.mjs';

register();
const { createPeer } = await import('../src/index.ts');
const { createPeer: createSecurePeer, generateIdentity, handshakeGuard } = await import('../src/secure/index.ts');
const { fromPort } = await import('../adapters/worker.ts');
const { RecordCipher, FROM_INITIATOR, WHOLE } = await import('../src/secure/records.ts');
const { loadLibsodium, sodiumNative, tweetnaclBackend } = await import('../src/secure/backend.ts');
/** Every secretbox backend this process can load, compared in one run. */
const backends = [tweetnaclBackend, sodiumNative(), await loadLibsodium(import('libsodium-wrappers')).catch(() => null)].filter(Boolean);

const MB = 1e6;
const RECORD_PAYLOAD = 64 * 1024 - 17; // what one record carries

// ---- the far side -----------------------------------------------------------------------------

if (!isMainThread) {
  const { serverIdentity, clientKey, networkKey } = workerData;
  parentPort.on('message', ({ id, kind, port }) => {
    const transport = fromPort(port);
    if (kind === 'plain') createPeer(transport, { expose: service, timeout: 0 });
    else
      createSecurePeer(transport, {
        expose: service,
        timeout: 0,
        secure: { identity: serverIdentity, networkKey, expectedRemoteKey: clientKey, crypto: kind.split(':')[1] ?? 'auto' },
      });
    parentPort.postMessage({ id });
  });
} else {
  await main();
  process.exit(0);
}

// ---- the near side ----------------------------------------------------------------------------

async function main() {
  const log = (...a) => console.error('[secure-bench]', ...a);
  const json = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
  const onlyBackends = process.argv.includes('--backends');
  const clientIdentity = generateIdentity();
  const serverIdentity = generateIdentity();
  const networkKey = nacl.randomBytes(32);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { serverIdentity, clientKey: clientIdentity.publicKey, networkKey },
  });
  await once(worker, 'online');
  let next = 0;
  const waiting = new Map();
  worker.on('message', ({ id }) => waiting.get(id)());
  const open = async (kind) => {
    const { port1, port2 } = new MessageChannel();
    const id = next++;
    const served = new Promise((resolve) => waiting.set(id, resolve));
    worker.postMessage({ id, kind, port: port1 }, [port1]);
    await served;
    return port2;
  };
  const clientOptions = { timeout: 0, secure: { identity: clientIdentity, networkKey, expectedRemoteKey: serverIdentity.publicKey } };
  const serverOptions = {
    expose: service,
    timeout: 0,
    secure: { identity: serverIdentity, networkKey, expectedRemoteKey: clientIdentity.publicKey },
  };
  const peers = [];
  const client = (kind, port) => {
    const crypto = kind.split(':')[1] ?? 'auto';
    const peer =
      kind === 'plain'
        ? createPeer(fromPort(port), { timeout: 0 })
        : createSecurePeer(fromPort(port), { ...clientOptions, secure: { ...clientOptions.secure, crypto } });
    peers.push(peer);
    return peer;
  };
  /** Both ends in this thread: all the work on one core, so the crypto ceiling applies as is. */
  const local = (kind) => {
    const { port1, port2 } = new MessageChannel();
    peers.push(
      kind === 'plain' ? createPeer(fromPort(port1), { expose: service, timeout: 0 }) : createSecurePeer(fromPort(port1), serverOptions),
    );
    return client(kind, port2);
  };
  /** The far end in the worker: sealing and opening overlap on two cores. */
  const remote = async (kind) => client(kind, await open(kind));
  const transports = [
    { name: 'MessageChannel, both ends in one thread', connect: async (kind) => local(kind) },
    { name: 'worker_threads Worker (far end in the worker)', connect: remote },
  ];

  /** A slice runner for `interleave`: calls `once` in batches of `batch` for `ms`; returns calls/s. */
  const timedLoop = (once, batch) => (ms) => {
    let n = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    do {
      for (let i = 0; i < batch; i++) once();
      n += batch;
    } while (performance.now() < end);
    return Promise.resolve(n / ((performance.now() - t0) / 1000));
  };

  /** tweetnacl's secretbox + open of `size` bytes in record-sized boxes: public API, or in place as the channel does it. */
  const sealOpenRate = (size, inPlace) => {
    const bytes = makeBytes(size);
    const key = nacl.randomBytes(32);
    const nonce = nacl.randomBytes(24);
    const { crypto_secretbox: seal, crypto_secretbox_open: open } = nacl.lowlevel;
    const once = inPlace
      ? () => {
          for (let offset = 0; offset < size; offset += RECORD_PAYLOAD) {
            const chunk = bytes.subarray(offset, offset + RECORD_PAYLOAD);
            const buffer = new Uint8Array(32 + chunk.byteLength);
            buffer.set(chunk, 32);
            seal(buffer, buffer, buffer.length, nonce, key);
            const box = buffer.subarray(16);
            const padded = new Uint8Array(box.byteLength + 16);
            padded.set(box, 16);
            if (open(padded, padded, padded.length, nonce, key) !== 0) throw new Error('did not open');
          }
        }
      : () => {
          for (let offset = 0; offset < size; offset += RECORD_PAYLOAD) {
            const box = nacl.secretbox(bytes.subarray(offset, offset + RECORD_PAYLOAD), nonce, key);
            if (!nacl.secretbox.open(box, nonce, key)) throw new Error('secretbox did not open');
          }
        };
    return timedLoop(once, 1);
  };

  /** Seal + open of one small record, one thread: the record layer, or tweetnacl's public secretbox. Records/s. */
  const recordRate = (size, viaRecords) => {
    const payload = makeBytes(size);
    const key = nacl.randomBytes(32);
    const sealer = new RecordCipher(key.slice(), FROM_INITIATOR);
    const opener = new RecordCipher(key.slice(), FROM_INITIATOR);
    const nonce = new Uint8Array(24);
    const once = viaRecords
      ? () => {
          if (!opener.open(sealer.seal(WHOLE, payload), true)) throw new Error('a record did not open');
        }
      : () => {
          const box = nacl.secretbox(payload, nonce, key);
          if (!nacl.secretbox.open(box, nonce, key)) throw new Error('secretbox did not open');
        };
    return timedLoop(once, 100);
  };
  const SMALL_RECORD = 16; // bytes of msgpack: about what add(2, 3) and its answer take
  log('record layer alone');
  const records = await interleave([
    { name: 'RecordCipher seal + open', run: recordRate(SMALL_RECORD, true) },
    { name: 'nacl.secretbox + nacl.secretbox.open', run: recordRate(SMALL_RECORD, false) },
  ]);

  // Backends: the record layer alone (seal + open in one thread), then 1 MiB through the channel
  // to the worker with both ends on that backend, beside plain, all interleaved in one run.
  log('backends: record layer alone');
  const bulkRate = (backend, size) => {
    const bytes = makeBytes(size);
    const key = nacl.randomBytes(32);
    const sealer = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
    const opener = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
    return timedLoop(() => {
      for (let offset = 0; offset < size; offset += RECORD_PAYLOAD) {
        if (!opener.open(sealer.seal(WHOLE, bytes.subarray(offset, offset + RECORD_PAYLOAD)), true)) throw new Error('did not open');
      }
    }, 1);
  };
  const smallRate = (backend) => {
    const payload = makeBytes(SMALL_RECORD);
    const key = nacl.randomBytes(32);
    const sealer = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
    const opener = new RecordCipher(key.slice(), FROM_INITIATOR, () => backend);
    return timedLoop(() => {
      if (!opener.open(sealer.seal(WHOLE, payload), true)) throw new Error('a record did not open');
    }, 100);
  };
  const backendSmall = await interleave(backends.map((b) => ({ name: b.name, run: smallRate(b) })));
  const backendBulk = await interleave(backends.map((b) => ({ name: b.name, run: bulkRate(b, 1024 * 1024) })));
  const handshakes = await handshakeRows(backends, { clientIdentity, serverIdentity, networkKey }, timedLoop, log);
  log('backends: 1 MiB to the worker');
  const MiB = makeBytes(1024 * 1024);
  const backendApis = { plain: (await remote('plain')).remote() };
  for (const b of backends) backendApis[b.name] = (await remote(`secure:${b.name}`)).remote();
  const backendWire = await interleave(
    Object.entries(backendApis).map(([name, api]) => ({ name, run: (ms) => seq(() => api.bytes(MiB), ms) })),
  );

  const results = [];
  for (const transport of onlyBackends ? [] : transports) {
    const apis = {};
    for (const kind of ['plain', 'secure']) {
      apis[kind] = (await transport.connect(kind)).remote();
      if ((await apis[kind].add(2, 3)) !== 5) throw new Error(`${kind}: add(2, 3) !== 5`);
    }
    const kinds = ['plain', 'secure'];
    log(`${transport.name}: calls`);
    const sequential = await interleave(kinds.map((kind) => ({ name: kind, run: (ms) => seq(() => apis[kind].add(2, 3), ms) })));
    const pipelined = await interleave(kinds.map((kind) => ({ name: kind, run: (ms) => inflight(() => apis[kind].add(2, 3), ms) })));
    const payloads = {};
    for (const size of [64 * 1024, 1024 * 1024]) {
      log(`${transport.name}: payload ${size}`);
      const bytes = makeBytes(size);
      payloads[size] = await interleave([
        ...kinds.map((kind) => ({ name: kind, run: (ms) => seq(() => apis[kind].bytes(bytes), ms) })),
        { name: 'nacl.secretbox + nacl.secretbox.open', run: sealOpenRate(size, false) },
        { name: 'lowlevel crypto_secretbox + open, in place', run: sealOpenRate(size, true) },
      ]);
    }
    results.push({ transport: transport.name, sequential, pipelined, payloads });
  }

  // Handshakes: createPeer to the first answer, over a fresh port to the worker each time.
  log('handshakes');
  const times = [];
  const count = onlyBackends ? 0 : Number(process.env.BENCH_HANDSHAKES ?? 40);
  for (let i = 0; i < count; i++) {
    const port = await open('secure');
    gc();
    const t0 = performance.now();
    const peer = createSecurePeer(fromPort(port), clientOptions);
    await peer.remote().add(1, 1);
    times.push(performance.now() - t0);
    peer.close();
    await peer.closed;
  }
  times.sort((a, b) => a - b);
  if (!count) times.push(Number.NaN);
  const handshake = { median: times[times.length >> 1], min: times[0], max: times[times.length - 1] };

  for (const peer of peers) peer.close();
  await worker.terminate();

  const callRow = (transport, label, stats) => [
    transport,
    label,
    fmt(stats[0].median),
    `**${fmt(stats[1].median)}**`,
    `${fmt(stats[1].min)}–${fmt(stats[1].max)}`,
    `**${fmtRatio(ratio(stats[1], stats[0]))}**`,
  ];
  const payloadRow = (transport, size, [p, s, c, l]) => {
    const mbs = (x) => fmt((x * size) / MB);
    return [
      transport,
      size === 65536 ? '64 KiB' : '1 MiB',
      mbs(p.median),
      `**${mbs(s.median)}**`,
      `${mbs(s.min)}–${mbs(s.max)}`,
      mbs(c.median),
      mbs(l.median),
      fmtRatio(ratio(s, p)),
      `**${fmtRatio(ratio(s, c))}**`,
      fmtRatio(ratio(s, l)),
    ];
  };
  const cryptoAlone =
    `Crypto alone, one thread, seal + open of one ${SMALL_RECORD}-byte record: record layer **${(1e6 / records[0].median).toFixed(2)} ` +
    `µs** (${fmt(records[0].median)}/s), \`nacl.secretbox\` + \`nacl.secretbox.open\` ${(1e6 / records[1].median).toFixed(2)} µs ` +
    `(${fmt(records[1].median)}/s); a call is two records, so its crypto alone caps sequential calls in one thread at ` +
    `${fmt(records[0].median / 2)}/s.`;
  const markdown = [
    ...(onlyBackends
      ? []
      : [
          table(
            ['transport', 'add(2, 3)', 'plain calls/s', 'secure calls/s', 'min–max', 'secure / plain'],
            results.flatMap((r) => [
              callRow(r.transport, 'sequential', r.sequential),
              callRow(r.transport, `${config.depth} in flight`, r.pipelined),
            ]),
          ),
          '',
          table(
            [
              'transport',
              'bytes(u8), one way',
              'plain MB/s',
              'secure MB/s',
              'min–max',
              'nacl.secretbox + open MB/s',
              'in-place secretbox + open MB/s',
              'secure / plain',
              'secure / nacl.secretbox',
              'secure / in-place',
            ],
            results.flatMap((r) => Object.entries(r.payloads).map(([size, stats]) => payloadRow(r.transport, Number(size), stats))),
          ),
          '',
          cryptoAlone,
          '',
        ]),
    table(
      [
        'secretbox backend',
        'small record seal + open µs',
        '1 MiB seal + open MB/s',
        'min–max',
        'vs tweetnacl',
        '1 MiB to a worker MB/s',
        'min–max',
        'vs plain',
      ],
      backends.map((b, i) => {
        const mbs = (x) => fmt((x * 1024 * 1024) / MB);
        const wire = backendWire[i + 1];
        return [
          b.name,
          (1e6 / backendSmall[i].median).toFixed(2),
          `**${mbs(backendBulk[i].median)}**`,
          `${mbs(backendBulk[i].min)}–${mbs(backendBulk[i].max)}`,
          fmtRatio(ratio(backendBulk[i], backendBulk[0])),
          `**${mbs(wire.median)}**`,
          `${mbs(wire.min)}–${mbs(wire.max)}`,
          `**${fmtRatio(ratio(wire, backendWire[0]))}**`,
        ];
      }),
    ),
    '',
    handshakeTable(handshakes),
    '',
    `Plain 1 MiB to the same worker in that run: ${fmt((backendWire[0].median * 1024 * 1024) / MB)} MB/s. The other tables' ` +
      `secure rows use \`crypto: 'auto'\` (sodium-native where it loads).`,
    ...(onlyBackends
      ? []
      : [
          '',
          `Handshake, \`createPeer\` to the first answer, far end in the worker, a fresh MessagePort each time (${count} runs): ` +
            `median **${handshake.median.toFixed(2)} ms** (min ${handshake.min.toFixed(2)}, max ${handshake.max.toFixed(2)}).`,
        ]),
  ].join('\n');
  console.log(markdown);
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  const machine =
    `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.platform()} ${os.arch()}, Node ${process.version}, load ${load}`;
  console.error(`[secure-bench] ${machine}`);
  if (json)
    writeFileSync(
      json,
      JSON.stringify({ date: new Date().toISOString(), machine, config, records, results, handshake, markdown }, null, 1),
    );
}

/**
 * Per backend, interleaved: handshakes/s between two peers on a MessageChannel in this thread
 * (createPeer on both ends to the first answer, then both closed), and the handshake's primitives.
 */
async function handshakeRows(backends, { clientIdentity, serverIdentity, networkKey }, timedLoop, log) {
  log('backends: handshakes');
  const asyncLoop = (once) => async (ms) => {
    let n = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    do {
      await once();
      n++;
    } while (performance.now() < end);
    return n / ((performance.now() - t0) / 1000);
  };
  const handshake = (backend) => {
    // A guard of its own for both ends: the shared one would (rightly) rate-limit a benchmark's hellos.
    const guard = handshakeGuard({ rate: 1e9, burst: 1e9, maxEntries: 1e7 });
    const secure = (identity, remote) => ({ identity, networkKey, expectedRemoteKey: remote.publicKey, crypto: backend.name });
    return asyncLoop(async () => {
      const { port1, port2 } = new MessageChannel();
      const server = createSecurePeer(fromPort(port1), {
        expose: service,
        timeout: 0,
        secure: { ...secure(serverIdentity, clientIdentity), handshakes: guard },
      });
      const client = createSecurePeer(fromPort(port2), {
        timeout: 0,
        secure: { ...secure(clientIdentity, serverIdentity), handshakes: guard },
      });
      await client.remote().add(1, 1);
      client.close();
      server.close();
      await Promise.all([client.closed, server.closed]);
    });
  };
  const message = nacl.randomBytes(64 + 12); // a label and a transcript hash, what each side signs
  const primitives = {
    X25519: (b) => {
      const ours = b.boxKeyPair();
      const theirs = b.boxKeyPair().publicKey;
      return () => b.scalarMult(ours.secretKey, theirs);
    },
    'Ed25519 sign': (b) => {
      const { secretKey } = b.signKeyPair(nacl.randomBytes(32));
      return () => b.sign(message, secretKey);
    },
    'Ed25519 verify': (b) => {
      const { publicKey, secretKey } = b.signKeyPair(nacl.randomBytes(32));
      const signature = b.sign(message, secretKey);
      return () => {
        if (!b.verify(message, signature, publicKey)) throw new Error('did not verify');
      };
    },
    'SHA-512, 128 bytes': (b) => {
      const input = nacl.randomBytes(128);
      return () => b.hash(input);
    },
  };
  const rows = { handshake: await interleave(backends.map((b) => ({ name: b.name, run: handshake(b) }))) };
  for (const [name, make] of Object.entries(primitives)) {
    log(`backends: ${name}`);
    rows[name] = await interleave(backends.map((b) => ({ name: b.name, run: timedLoop(make(b), 10) })));
  }
  return { backends: backends.map((b) => b.name), rows };
}

/** One row per backend: the handshake in ms, each primitive in µs, medians with the handshake's min–max. */
function handshakeTable({ backends, rows }) {
  const names = Object.keys(rows).filter((name) => name !== 'handshake');
  return table(
    ['backend', 'handshake, in-process pair (ms)', 'min–max', 'speed vs tweetnacl', ...names.map((name) => `${name} (µs)`)],
    backends.map((name, i) => {
      const hs = rows.handshake[i];
      return [
        name,
        `**${(1e3 / hs.median).toFixed(2)}**`,
        `${(1e3 / hs.max).toFixed(2)}–${(1e3 / hs.min).toFixed(2)}`,
        fmtRatio(ratio(hs, rows.handshake[0])),
        ...names.map((primitive) => (1e6 / rows[primitive][i].median).toFixed(1)),
      ];
    }),
  );
}
