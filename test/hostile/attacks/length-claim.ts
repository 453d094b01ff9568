/**
 * Attack 2: five-byte frames `dd 01 ff ff ff`, each an array that claims 33,554,431 elements and
 * holds none. Decoding one must cost what five bytes cost, not a 256 MiB allocation.
 */
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

const FRAMES = 20;

export async function lengthClaim(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  for (let i = 0; i < FRAMES; i++) socket.sendBytes(Uint8Array.of(0xdd, 0x01, 0xff, 0xff, 0xff));
  const outcome = await drained(socket);
  await socket.destroy();
  return { outcome, detail: { frames: FRAMES, bytes: FRAMES * 5 } };
}
