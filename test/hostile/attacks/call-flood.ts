/**
 * Attack 7: one 12 MiB frame holding a batch of 1,000,000 calls to a method that does not
 * exist. Each is cheap; a million at once, answered in one go, are not.
 */
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

const CALLS = 1_000_000;

export async function callFlood(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const batch = Array.from({ length: CALLS }, (_, i) => [1, i + 1, 'no such method', []]);
  socket.sendBatch(batch);
  const outcome = await drained(socket);
  const errors = socket.messages.filter((message) => message[0] === 4).length;
  await socket.destroy();
  return { outcome, detail: { calls: CALLS, errorsReceived: errors } };
}
