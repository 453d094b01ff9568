// The far end of the own benchmarks' network suites (bench/lib/net-streams.mjs), in a child
// process so that each end has a core: `ws` servers on 127.0.0.1 (port 0) and one WebRTC peer
// connection (@roamhq/wrtc, loopback candidates only), each serving raw or saltline (the BUILT
// package). Forked with `serialization: 'advanced'`; the parent drives it over IPC:
//
//   { type: 'ws', secure }           -> { type: 'ws', urls: { raw, plain, window64, secure } }
//   { type: 'rtc', offer }           -> { type: 'rtc', answer }, then { type: 'candidate', candidate }s
//   { type: 'candidate', candidate } (the parent's, already filtered to loopback)
//   { type: 'close' }                -> closes everything, then { type: 'closed' } and exits
import wrtc from '@roamhq/wrtc';
import { WebSocketServer } from 'ws';
import { createPeer } from '../../dist/index.js';
import { createPeer as createSecurePeer } from '../../dist/secure.js';
import { fromDataChannel, loopbackOnly } from '../../dist/webrtc.js';
import { serveWebSocket } from '../../dist/websocket.js';
import { chunkOf, service } from './fixtures.mjs';

const closers = [];
const send = (message) => process.send(message);

/** Raw request: the text `count size`. */
const parseRequest = (data) => String(data).split(' ').map(Number);

/** Raw ws: every chunk at once (ws queues them on the TCP socket), then the text 'end'. */
function rawWsServer() {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 }, () => resolve(wss));
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const [count, size] = parseRequest(data);
        const chunk = chunkOf(size);
        for (let i = 0; i < count; i++) socket.send(chunk);
        socket.send('end');
      });
    });
  });
}

async function startWs({ secure }) {
  const raw = await rawWsServer();
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const client of raw.clients) client.terminate();
        raw.close(() => resolve());
      }),
  );
  const serve = async (options) => {
    const s = await serveWebSocket({ host: '127.0.0.1', port: 0, keepAlive: false, ...options }, () => {});
    closers.push(() => s.close());
    return s.url;
  };
  const urls = {
    raw: `ws://127.0.0.1:${raw.address().port}`,
    plain: await serve({ peer: { expose: service } }),
    window64: await serve({ peer: { expose: service, streamWindow: 64 } }),
    secure: await serve({ createPeer: createSecurePeer, peer: { expose: service, secure } }),
  };
  send({ type: 'ws', urls });
}

// ---- WebRTC -----------------------------------------------------------------------------------

let connection;
/** The parent's candidates, held until the offer is set (they may arrive first). */
let early = [];
const addCandidate = (candidate) => (early ? early.push(candidate) : connection.addIceCandidate(candidate).catch(fail));

/**
 * Raw data channel: `count` chunks of `size` bytes cut into messages of `message` bytes, paced by
 * hand the way the adapter does it on @roamhq/wrtc (no `bufferedamountlow` event there): send while
 * the channel holds under 1 MiB, else look again in 5 ms; then the text 'end'.
 */
function serveRawChannel(channel) {
  const HIGH = 1024 * 1024;
  channel.onmessage = ({ data }) => {
    const [count, size, message] = parseRequest(data);
    const chunk = chunkOf(size);
    const pieces = [];
    for (let offset = 0; offset < size; offset += message) pieces.push(chunk.subarray(offset, offset + message));
    const total = count * pieces.length;
    let i = 0;
    const pump = () => {
      if (channel.readyState !== 'open') return;
      while (i < total && channel.bufferedAmount < HIGH) channel.send(pieces[i++ % pieces.length]);
      if (i < total) setTimeout(pump, 5);
      else channel.send('end');
    };
    pump();
  };
}

async function startRtc({ offer }) {
  connection = new wrtc.RTCPeerConnection({ iceServers: [] });
  closers.push(() => connection.close());
  connection.onicecandidate = ({ candidate }) => {
    if (candidate && loopbackOnly({ candidate: candidate.toJSON() })) send({ type: 'candidate', candidate: candidate.toJSON() });
  };
  connection.ondatachannel = ({ channel }) => {
    channel.binaryType = 'arraybuffer';
    if (channel.label === 'raw') serveRawChannel(channel);
    else {
      const peer = createPeer(fromDataChannel(channel, { initiator: false, connection }), { expose: service });
      closers.unshift(() => peer.close());
    }
  };
  await connection.setRemoteDescription(loopbackOnly(offer));
  for (const candidate of early) await connection.addIceCandidate(candidate);
  early = undefined;
  const answer = await connection.createAnswer();
  await connection.setLocalDescription(answer);
  send({ type: 'rtc', answer: loopbackOnly({ type: answer.type, sdp: answer.sdp }) });
}

// ---- control ----------------------------------------------------------------------------------

const fail = (error) => {
  console.error('[far-net]', error);
  process.exit(1);
};

let closing = false;
/** Closes everything; `then` runs after (reply to the parent, or nothing when it is gone). */
const closeAll = (then) => {
  closing = true;
  (async () => {
    for (const close of closers.splice(0)) await close();
    then();
  })().catch(fail);
};

// The parent went away without asking (it crashed or was killed): close and exit all the same.
process.on('disconnect', () => {
  if (closing) return;
  setTimeout(() => process.exit(1), 5000).unref();
  closeAll(() => {});
});

process.on('message', (message) => {
  if (message.type === 'ws') startWs(message).catch(fail);
  else if (message.type === 'rtc') startRtc(message).catch(fail);
  else if (message.type === 'candidate') addCandidate(message.candidate);
  else if (message.type === 'close')
    closeAll(() => {
      send({ type: 'closed' });
      process.disconnect();
    });
});
