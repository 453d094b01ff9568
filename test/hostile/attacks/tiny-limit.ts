/**
 * Attack 1: a HELLO announcing `maxMessageSize: 1`, then a call. No reply fits in one byte; the
 * server must neither recurse on the oversize reply nor crash, and the attacker must hear back
 * (a reply the server chose to send anyway, an error, or a closed session), not hang.
 */
import { describeReply, hello, openRaw, replyTo } from '../wire.js';
import type { AttackResult } from './types.js';

export async function tinyLimit(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`, { sayHello: false });
  socket.send(hello({ maxMessageSize: 1 }));
  socket.send([1, 1, 'ping', []]);
  const reply = await socket.next(replyTo(1), 'reply to the call');
  await socket.destroy();
  return { outcome: describeReply(reply) };
}
