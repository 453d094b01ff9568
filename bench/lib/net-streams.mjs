// Own-benchmark suites over the network transports, run by bench/own.mjs:
//
//   netStreams(): stream throughput over WebSocket (`ws` on 127.0.0.1) and over a WebRTC data
//     channel (@roamhq/wrtc, loopback candidates only): a handler (`async function*`) yields
//     Uint8Array chunks, consumed here with `for await`; raw transport, plain saltline and
//     secure saltline (saltline/secure) interleaved, MB/s and paired ratios.
//   handshakes(): time from `new WebSocket(url)` to the socket's open event (raw), or to the
//     first answer of a plain and a secure saltline peer, on a fresh connection each time.
//
// The far end runs in a child process (bench/lib/far-net.mjs), one core each, as in the
// peer-bench's WebSocket scenarios. Everything is closed at the end: peers, sockets, data
// channels, both RTCPeerConnections, the child.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import wrtc from '@roamhq/wrtc';
import nacl from 'tweetnacl';
import { WebSocket } from 'ws';
import { createPeer } from '../../dist/index.js';
import { createPeer as createSecurePeer, generateIdentity } from '../../dist/secure.js';
import { fromDataChannel, loopbackOnly } from '../../dist/webrtc.js';
import { fromWebSocket } from '../../dist/websocket.js';
import { fmt, fmtRatio, gc, interleave, log, median, ratio, seq, table } from './measure.mjs';

const MB = 1e6;
const KiB = 1024;
const envNum = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
/** One stream = COUNT chunks of CHUNK bytes (16 MiB by default). */
const CHUNK = 64 * KiB;
const COUNT = envNum('BENCH_STREAM_CHUNKS', 256);
const BYTES = COUNT * CHUNK;
/** The data channel's raw baseline cuts each chunk into messages of this size too (saltline's default fragment). */
const DC_MESSAGE = 16 * KiB;
/** How the data-channel table was measured (its method line, after the WebSocket one). */
const DC_METHOD =
  ' Data channel: one `@roamhq/wrtc` RTCPeerConnection per end, loopback candidates only, two ordered reliable channels on it; the ' +
  'raw baseline paces by hand as the adapter does on `@roamhq/wrtc` (it has no `bufferedamountlow` event), with chunks cut into ' +
  "64 KiB messages or into 16 KiB ones like saltline's fragments.";

// ---- the far end ------------------------------------------------------------------------------

/** Forks bench/lib/far-net.mjs; `request(message, replyType)` waits for the reply of that type. */
async function farEnd() {
  const child = fork(new URL('./far-net.mjs', import.meta.url), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const listeners = new Map();
  child.on('message', (message) => listeners.get(message.type)?.(message));
  const on = (type, listener) => listeners.set(type, listener);
  const request = (message, replyType) =>
    new Promise((resolve, reject) => {
      const failed = (code) => reject(new Error(`far-net exited (${code}) before answering ${message.type}`));
      child.once('exit', failed);
      on(replyType, (reply) => {
        child.off('exit', failed);
        resolve(reply);
      });
      child.send(message);
    });
  return {
    child,
    on,
    request,
    send: (message) => child.send(message),
    async close() {
      await request({ type: 'close' }, 'closed');
      const timer = setTimeout(() => {
        log(`far-net (pid ${child.pid}) did not exit 5 s after closing; killing it`);
        child.kill();
      }, 5000);
      const [code] = await exited;
      clearTimeout(timer);
      if (code) throw new Error(`far-net exited with ${code}`);
    },
  };
}

// ---- clients ----------------------------------------------------------------------------------

async function dial(url) {
  const socket = new WebSocket(url);
  await once(socket, 'open');
  return socket;
}

const closeSocket = async (socket) => {
  if (socket.readyState === WebSocket.CLOSED) return;
  const closed = once(socket, 'close');
  socket.close();
  await closed;
};

/** Raw ws: one text request, then binary chunks until the text 'end'. */
async function rawWsClient(url) {
  const socket = await dial(url);
  let current;
  socket.on('message', (data, isBinary) => {
    if (isBinary) current.bytes += data.byteLength;
    else current.resolve(current.bytes);
  });
  return {
    stream: (count, size) =>
      new Promise((resolve) => {
        current = { resolve, bytes: 0 };
        socket.send(`${count} ${size}`);
      }),
    close: () => closeSocket(socket),
  };
}

/** A saltline peer's stream, consumed with for await, counting bytes. */
function peerStreamClient(peer, close) {
  const api = peer.remote();
  return {
    async stream(count, size) {
      let bytes = 0;
      for await (const chunk of api.chunks(count, size)) bytes += chunk.byteLength;
      return bytes;
    },
    async close() {
      peer.close('done');
      await peer.closed;
      await close?.();
    },
  };
}

async function wsPeerClient(url, make, options) {
  const socket = new WebSocket(url);
  const peer = make(fromWebSocket(socket), options);
  return peerStreamClient(peer, () => closeSocket(socket));
}

/** Raw data channel: one text request, then binary messages until the text 'end'. */
function rawChannelClient(channel) {
  let current;
  channel.onmessage = ({ data }) => {
    if (typeof data === 'string') current.resolve(current.bytes);
    else current.bytes += data.byteLength;
  };
  return {
    stream: (count, size, message = size) =>
      new Promise((resolve) => {
        current = { resolve, bytes: 0 };
        channel.send(`${count} ${size} ${message}`);
      }),
    close: async () => channel.close(),
  };
}

/** An RTCPeerConnection to the far end, candidates relayed over IPC (loopback only), with data channels `labels`. */
async function rtcConnection(far, labels) {
  const connection = new wrtc.RTCPeerConnection({ iceServers: [] });
  connection.onicecandidate = ({ candidate }) => {
    if (candidate && loopbackOnly({ candidate: candidate.toJSON() })) far.send({ type: 'candidate', candidate: candidate.toJSON() });
  };
  // The far end's candidates may come before its answer: hold them until the answer is set.
  let early = [];
  const failed = (error) => log('addIceCandidate failed:', error);
  far.on('candidate', ({ candidate }) => (early ? early.push(candidate) : connection.addIceCandidate(candidate).catch(failed)));
  const channels = Object.fromEntries(labels.map((label) => [label, connection.createDataChannel(label)]));
  for (const channel of Object.values(channels)) channel.binaryType = 'arraybuffer';
  const offer = await connection.createOffer();
  await connection.setLocalDescription(offer);
  const { answer } = await far.request({ type: 'rtc', offer: loopbackOnly({ type: offer.type, sdp: offer.sdp }) }, 'rtc');
  await connection.setRemoteDescription(answer);
  for (const candidate of early) await connection.addIceCandidate(candidate);
  early = undefined;
  const opened = (channel) =>
    channel.readyState === 'open' ? undefined : new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
  let timer;
  const timeout = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error('the data channels did not open in 20 s')), 20_000)),
  );
  try {
    await Promise.race([Promise.all(Object.values(channels).map(opened)), timeout]);
  } catch (error) {
    connection.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { connection, channels };
}

/** Checks that each case streams the right number of bytes before it is timed. */
async function check(cases) {
  for (const { name, client, args = [] } of cases) {
    let got;
    try {
      got = await client.stream(COUNT, CHUNK, ...args);
    } catch (error) {
      throw new Error(`${name}: the check stream failed`, { cause: error });
    }
    if (got !== BYTES) throw new Error(`${name}: the check stream carried ${got} bytes, expected ${BYTES}`);
  }
}

// ---- suites -----------------------------------------------------------------------------------

/** Interleaves `cases` ([{ name, client, args? }]) streaming COUNT × CHUNK; rows with MB/s and paired ratios. */
async function measureStreams(cases) {
  const stats = await interleave(
    cases.map(({ name, client, args = [] }) => ({ name, run: (ms) => seq(() => client.stream(COUNT, CHUNK, ...args), ms) })),
  );
  return cases.map((c, i) => ({ name: c.name, stats: stats[i], mbps: (stats[i].median * BYTES) / MB }));
}

/** The far end's ws servers (raw, plain, secure), with fresh identities pinned to each other. */
async function wsFarEnd() {
  const far = await farEnd();
  const clientIdentity = generateIdentity();
  const serverIdentity = generateIdentity();
  const networkKey = nacl.randomBytes(32);
  const { urls } = await far.request(
    { type: 'ws', secure: { identity: serverIdentity, networkKey, expectedRemoteKey: clientIdentity.publicKey } },
    'ws',
  );
  return { far, urls, secure: { identity: clientIdentity, networkKey, expectedRemoteKey: serverIdentity.publicKey } };
}

/** Stream throughput over a WebRTC data channel: raw 64 KiB and 16 KiB messages, and saltline. */
async function dataChannelStreams(far, keep, clients) {
  log(`stream throughput over a WebRTC data channel (${COUNT} × 64 KiB a call)`);
  const rtc = await rtcConnection(far, ['raw', 'saltline']);
  try {
    const raw = keep(rawChannelClient(rtc.channels.raw));
    const peer = keep(
      peerStreamClient(createPeer(fromDataChannel(rtc.channels.saltline, { initiator: true, connection: rtc.connection }))),
    );
    const dcCases = [
      { name: 'raw data channel, 64 KiB messages (paced: under 1 MiB buffered, polled every 5 ms)', client: raw, args: [CHUNK] },
      { name: 'raw data channel, 16 KiB messages (same pacing)', client: raw, args: [DC_MESSAGE] },
      { name: 'saltline (streamWindow 16; 16 KiB fragments)', client: peer },
    ];
    await check(dcCases);
    return await measureStreams(dcCases);
  } finally {
    for (const client of clients.splice(0)) await client.close();
    rtc.connection.close();
  }
}

/**
 * Stream throughput over WebSocket, then (unless `dataChannel` is false: the quick issue-20 run
 * needs only WebSocket) over a WebRTC data channel. Returns { markdown, data }.
 */
export async function netStreams({ dataChannel = true } = {}) {
  const { far, urls, secure } = await wsFarEnd();
  const clients = [];
  const keep = (client) => (clients.push(client), client);
  try {
    log(`stream throughput over WebSocket (${COUNT} × 64 KiB a call)`);
    const wsCases = [
      { name: 'raw ws (every chunk sent at once, then an end marker)', client: await rawWsClient(urls.raw) },
      { name: 'saltline (streamWindow 16, the default)', client: await wsPeerClient(urls.plain, createPeer) },
      { name: 'saltline (streamWindow 64)', client: await wsPeerClient(urls.window64, createPeer, { streamWindow: 64 }) },
      { name: 'saltline/secure (streamWindow 16)', client: await wsPeerClient(urls.secure, createSecurePeer, { secure }) },
    ];
    for (const c of wsCases) keep(c.client);
    await check(wsCases);
    const ws = await measureStreams(wsCases);

    const dc = dataChannel ? await dataChannelStreams(far, keep, clients) : undefined;

    const rows = [];
    const data = {};
    const dcVs16 = dc && ratio(dc[2].stats, dc[1].stats);
    const add = (transport, results, plain) =>
      results.forEach((r) => {
        const vsRaw = ratio(r.stats, results[0].stats);
        const vsPlain = plain && r.name.startsWith('saltline/secure') ? ratio(r.stats, plain.stats) : undefined;
        rows.push([
          transport,
          r.name,
          `**${fmt(r.mbps)}**`,
          `${fmt((r.stats.min * BYTES) / MB)}–${fmt((r.stats.max * BYTES) / MB)}`,
          fmtRatio(vsRaw),
          vsPlain === undefined ? '' : `**${fmtRatio(vsPlain)}**`,
        ]);
        data[`${transport}: ${r.name}`] = {
          stats: r.stats,
          mbps: r.mbps,
          ratio: vsRaw,
          ...(vsPlain === undefined ? {} : { secureVsPlain: vsPlain }),
        };
      });
    add('WebSocket', ws, ws[1]);
    if (dc) add('data channel', dc);
    const markdown = [
      table(['transport', 'case', `MB/s (${COUNT} × 64 KiB a call)`, 'min–max', 'vs raw', 'secure / plain'], rows),
      '',
      `A handler \`async function*\` yields ${COUNT} chunks of 64 KiB (${BYTES / (1024 * 1024)} MiB a call) in the far process; this ` +
        `one consumes them with \`for await\`. "vs raw" is the paired ratio to the first row of the same transport; "secure / plain" is ` +
        `secure saltline against plain saltline (streamWindow 16) on the same \`ws\`. ` +
        'WebSocket: `ws` 8 on 127.0.0.1, the far end served by `serveWebSocket` (keep-alive off); the raw baseline sends every chunk at ' +
        'once (no flow control: `ws` queues them on the TCP socket).' +
        (dc ? DC_METHOD : ''),
      '',
      `${dc ? `saltline over the data channel against the raw 16 KiB messages (paired): **${fmtRatio(dcVs16)}**. ` : ''}` +
        'The secure channel\'s own figures are in "Secure channel" below (`bench/secure.bench.mjs`).',
    ].join('\n');
    return { markdown, data: { bytesPerCall: BYTES, cases: data, secureVsPlain: ratio(ws[3].stats, ws[1].stats), dcVsRaw16k: dcVs16 } };
  } finally {
    for (const client of clients.splice(0)) await client.close();
    await far.close();
  }
}

export async function handshakes() {
  const { far, urls, secure } = await wsFarEnd();
  const count = envNum('BENCH_HANDSHAKES', 40);
  const cases = [
    {
      name: 'raw ws: `new WebSocket(url)` to its open event',
      async run() {
        const t0 = performance.now();
        const socket = await dial(urls.raw);
        const ms = performance.now() - t0;
        await closeSocket(socket);
        return ms;
      },
    },
    ...[
      ['saltline: `createPeer(fromWebSocket(new WebSocket(url)))` to the first answer', urls.plain, createPeer, {}],
      ['saltline/secure: the same with `createPeer` from `saltline/secure`', urls.secure, createSecurePeer, { secure }],
    ].map(([name, url, make, options]) => ({
      name,
      async run() {
        const t0 = performance.now();
        const socket = new WebSocket(url);
        const peer = make(fromWebSocket(socket), options);
        if ((await peer.remote().add(1, 1)) !== 2) throw new Error(`${name}: add(1, 1) !== 2`);
        const ms = performance.now() - t0;
        peer.close('done');
        await peer.closed;
        await closeSocket(socket);
        return ms;
      },
    })),
  ];
  const times = cases.map(() => []);
  try {
    log(`handshakes over WebSocket (${count} per case, interleaved)`);
    for (const c of cases) await c.run(); // warm-up
    for (let i = 0; i < count; i++) {
      const order = cases.map((_, j) => j);
      if (i % 2) order.reverse();
      for (const j of order) {
        gc();
        times[j].push(await cases[j].run());
      }
    }
  } finally {
    await far.close();
  }
  const stat = (xs) => ({ samples: xs, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  const stats = times.map(stat);
  const ms = (x) => x.toFixed(2);
  const rows = cases.map((c, i) => [
    c.name,
    `**${ms(stats[i].median)}**`,
    `${ms(stats[i].min)}–${ms(stats[i].max)}`,
    i ? ms(stats[i].median - stats[0].median) : '',
  ]);
  const markdown = [
    table(['connection, far end in another process', 'median ms', 'min–max', 'over raw (ms)'], rows),
    '',
    `${count} fresh connections per case, interleaved, a GC before each. The secure handshake is two Ed25519 signatures, two ` +
      `verifications and two X25519 in pure JS (tweetnacl) on top of saltline's hellos; \`bench/secure.bench.mjs\` times it over a ` +
      `MessagePort (see "Secure channel").`,
  ].join('\n');
  return { markdown, data: Object.fromEntries(cases.map((c, i) => [c.name, stats[i]])) };
}
