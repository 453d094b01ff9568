/**
 * Attack 9: the server calls the attacker (`offer` makes it call `take(fn)` again and again),
 * and the attacker, as callee, lists in every reply's `retained` field every reference id the
 * server ever sent it, pinning them all; then it calls the first call's callback, long over.
 */
import { describeReply, openRaw, replyTo } from '../wire.js';
import type { AttackResult, AttackTools } from './types.js';

const CALLS = 1_000;

export async function retainedAbuse(base: string, { ask }: AttackTools): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const seen: number[] = [];
  socket.onMessage = (message) => {
    if (message[0] !== 1 || message[2] !== 'take') return;
    const marker = (message[3] as { '~ref'?: unknown[] }[])[0]?.['~ref'];
    if (typeof marker?.[1] === 'number') seen.push(marker[1]);
    socket.send([3, message[1], null, null, 0, [...seen]]);
  };
  socket.send([1, 1, 'offer', [CALLS]]);
  const done = await socket.next(replyTo(1), 'end of the offers');
  if (done === 'closed') return { outcome: 'closed' };
  const pinned = (await ask<{ references: number }>('totals')).references;
  socket.send([1, 2, seen[0], []]);
  const late = await socket.next(replyTo(2), 'reply to the old callback');
  await socket.destroy();
  return { outcome: `old callback ${describeReply(late)}`, detail: { calls: CALLS, serverReferencesAfter: pinned } };
}
