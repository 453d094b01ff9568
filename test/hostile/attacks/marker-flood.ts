/**
 * Attack 5: a CALL to a method that does not exist, whose arguments are 800,000 ReadableStream
 * markers (about 9.8 MiB). Each marker, imported, would be a live stream; the server must refuse
 * the call without making them.
 */
import { describeReply, openRaw, replyTo } from '../wire.js';
import type { AttackResult } from './types.js';

const MARKERS = 800_000;

export async function markerFlood(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const markers = Array.from({ length: MARKERS }, (_, i) => ({ '~ref': [2, i + 1] }));
  socket.send([1, 1, 'no such method', markers, null, null, 1]);
  const reply = await socket.next(replyTo(1), 'reply to the call');
  await socket.destroy();
  return { outcome: describeReply(reply), detail: { markers: MARKERS } };
}
