/**
 * Attack 5: a CALL to a method that does not exist, whose arguments are 800,000 ReadableStream
 * markers (about 9.8 MiB). Each marker, imported, would be a live stream; the server must refuse
 * the call without making them: answer it with an error, close the session, or drop the frame as
 * malformed (a codec over its value budget does), which a later call's answer shows.
 */
import { describeReply, openRaw, replyTo } from '../wire.js';
import type { AttackResult } from './types.js';

const MARKERS = 800_000;

export async function markerFlood(base: string): Promise<AttackResult> {
  const socket = await openRaw(`${base}/rpc`);
  const markers = Array.from({ length: MARKERS }, (_, i) => ({ '~ref': [2, i + 1] }));
  socket.send([1, 1, 'no such method', markers, null, null, 1]);
  // Frames are handled in order: once call 2 is answered, call 1's answer would have come first.
  socket.send([1, 2, 'ping', []]);
  const later = await socket.next(replyTo(2), 'reply to the call after the flood');
  const reply = socket.messages.find(replyTo(1));
  await socket.destroy();
  const outcome = reply ? describeReply(reply) : later === 'closed' ? 'closed' : 'dropped';
  return { outcome, detail: { markers: MARKERS } };
}
