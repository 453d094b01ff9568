/**
 * Attacks 15a–15d, on `compression()` (docs/protocol.md §17): frames `c1 · 00 · length · deflate`
 * that lie about their length, and a flood that arrives while inflating is asynchronous. The
 * server decodes a compressed frame by its own list whatever the attacker announced, so the
 * attacker's hello needs no compression of its own.
 */
import { deflateRawSync } from 'node:zlib';
import { msgpackCodec } from '../../../src/msgpack.js';
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

/** A compressed frame for the server's first compressor (deflate-raw), announcing `length`. */
function envelope(length: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(6 + payload.byteLength);
  frame[0] = 0xc1;
  new DataView(frame.buffer).setUint32(2, length);
  frame.set(payload, 6);
  return frame;
}

const BOMB_BYTES = 32 * 1024 * 1024;
const DECLARED = 64 * 1024;

/** 15a / 15b: 32 MiB of zeros (about 32 KiB deflated) in a frame that announces 64 KiB. */
export const bomb =
  (path: string) =>
  async (base: string): Promise<AttackResult> => {
    const payload = deflateRawSync(new Uint8Array(BOMB_BYTES), { level: 9 });
    const socket = await openRaw(`${base}${path}`);
    socket.sendBytes(envelope(DECLARED, payload));
    const outcome = await drained(socket);
    await socket.destroy();
    return { outcome, detail: { sentBytes: payload.byteLength + 6, announced: DECLARED, inflates: BOMB_BYTES } };
  };

/** 15c: a frame announcing 4 GiB − 1 before a few bytes of deflate. */
export async function hugeLength(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/plugins`);
  socket.sendBytes(envelope(0xffffffff, deflateRawSync(new Uint8Array(1024))));
  const outcome = await drained(socket);
  await socket.destroy();
  return { outcome, detail: { announced: 0xffffffff } };
}

const FLOOD = 20_000;

/** 15d: 20,000 small compressed PINGs in one burst at a server that inflates asynchronously. */
export async function compressedFlood(base: string): Promise<AttackResult> {
  const codec = msgpackCodec();
  const socket = await openRaw(`${base}/plugins`);
  for (let i = 0; i < FLOOD; i++) {
    const ping = codec.encode([10, i]) as Uint8Array;
    socket.sendBytes(envelope(ping.byteLength, deflateRawSync(ping)));
  }
  const outcome = await drained(socket);
  const pongs = socket.messages.filter((message) => message[0] === 11).length;
  await socket.destroy();
  return { outcome, detail: { frames: FLOOD, pongs } };
}
