/**
 * Attack 7: one 12 MiB frame holding a batch of 1,000,000 calls to a method that does not
 * exist. Each is cheap; a million at once, answered in one go, are not. `callFloodUnderBudget`
 * sends 100,000, few enough values for the codec to decode, so the session's own bound is met.
 */
import { drained, openRaw } from '../wire.js';
import type { AttackResult } from './types.js';

export const callFlood = (base: string) => flood(base, 1_000_000);
export const callFloodUnderBudget = (base: string) => flood(base, 100_000);

async function flood(base: string, calls: number): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const batch = Array.from({ length: calls }, (_, i) => [1, i + 1, 'no such method', []]);
  socket.sendBatch(batch);
  const outcome = await drained(socket);
  const errors = socket.messages.filter((message) => message[0] === 4).length;
  await socket.destroy();
  return { outcome, detail: { calls, errorsReceived: errors } };
}
