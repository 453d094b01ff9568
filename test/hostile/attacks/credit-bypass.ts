/**
 * Attack 6: open a stream, grant it a normal window of 16, then 200 more credits of 65,536 items,
 * then stop reading the socket. A producer that honours the grants runs on and on against a
 * consumer that takes nothing; it must hold no more than its window allows, and wait for the
 * socket to drain. (The first grant is a normal one so that a producer refusing an oversize first
 * grant still meets the later ones.)
 */
import { openRaw, replyTo } from '../wire.js';
import type { AttackResult, AttackTools } from './types.js';

const GRANTS = 200;
const CREDIT = 65_536;

export async function creditBypass(base: string, { window }: AttackTools): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  socket.send([1, 1, 'ticks', []]);
  const reply = await socket.next(replyTo(1), 'the stream');
  if (reply === 'closed' || reply[0] !== 3) return { outcome: 'no stream' };
  const ref = ((reply[2] as Record<string, unknown[]>)['~ref'] ?? [])[1];
  socket.send([8, ref, 16], ...Array.from({ length: GRANTS }, () => [8, ref, CREDIT]));
  socket.pause();
  await window();
  const received = socket.messages.filter((message) => message[0] === 6).length;
  const closedByServer = socket.isClosed;
  await socket.destroy();
  return { outcome: closedByServer ? 'closed' : 'held', detail: { grants: GRANTS, credit: CREDIT, itemsBeforePause: received } };
}
