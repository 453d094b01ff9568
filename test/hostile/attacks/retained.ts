/**
 * Attack 9: the server calls the attacker 1,000 times at once (`offer` makes it call `take(fn)`,
 * each call with a callback of its own), and the attacker, as callee, answers them last to first,
 * each reply listing in its `retained` field the callbacks of every call still waiting: other
 * calls' references, which it has no claim to. Then it calls the first call's callback, whose
 * call is over.
 */
import { describeReply, openRaw, replyTo } from '../wire.js';
import type { AttackResult, AttackTools } from './types.js';

const CALLS = 1_000;

export async function retainedAbuse(base: string, { ask }: AttackTools): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const calls: { id: unknown; ref: number }[] = [];
  socket.onMessage = (message) => {
    if (message[0] !== 1 || message[2] !== 'take') return;
    const marker = (message[3] as { '~ref'?: unknown[] }[])[0]?.['~ref'];
    if (typeof marker?.[1] === 'number') calls.push({ id: message[1], ref: marker[1] });
    if (calls.length < CALLS) return;
    const replies = [];
    for (let i = calls.length - 1; i >= 0; i--) {
      replies.push([3, calls[i]!.id, null, null, 0, calls.slice(0, i).map((call) => call.ref)]);
    }
    socket.sendBatch(replies);
  };
  socket.send([1, 1, 'offer', [CALLS]]);
  const done = await socket.next(replyTo(1), 'end of the offers');
  if (done === 'closed') return { outcome: 'closed' };
  const pinned = (await ask<{ references: number }>('totals')).references;
  socket.send([1, 2, calls[0]?.ref, []]);
  const late = await socket.next(replyTo(2), 'reply to the old callback');
  await socket.destroy();
  return { outcome: `old callback ${describeReply(late)}`, detail: { calls: CALLS, serverReferencesAfter: pinned } };
}
