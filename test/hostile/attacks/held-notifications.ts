/**
 * Attack 8: a member joins a signaling room without ever saying hello (a saltline peer handles
 * calls before the hello), then an accomplice sends it 100 signals of 4 MiB. The server holds
 * notifications for a peer until its hello: they must be bounded, and the silent member dropped.
 * A server that refuses the join until hello has defeated the attack: the outcome says so.
 */
import WebSocket from 'ws';
import { fromWebSocket } from '../../../adapters/websocket.js';
import { createPeer } from '../../../src/index.js';
import { describeReply, openRaw, orHang, replyTo } from '../wire.js';
import type { AttackResult } from './types.js';

const SIGNALS = 100;
const SIGNAL_BYTES = 4 * 1024 * 1024;

export async function heldNotifications(base: string): Promise<AttackResult> {
  const silent = await openRaw(`${base}/signal`, { sayHello: false });
  silent.send([1, 1, 'join', ['hostile room']]);
  const joined = await silent.next(replyTo(1), 'join');
  if (joined === 'closed' || joined[0] !== 3) {
    await silent.destroy();
    return { outcome: `join ${describeReply(joined)}` };
  }
  const target = (joined[2] as { id: string }).id;

  const accomplice = createPeer(fromWebSocket(new WebSocket(`${base}/signal`, { perMessageDeflate: false })));
  let refused = 0;
  try {
    await accomplice.call('join', ['hostile room']);
    const data = 'x'.repeat(SIGNAL_BYTES); // a string: it lives on the server's heap, not beside it
    for (let i = 0; i < SIGNALS && !silent.isClosed; i++) {
      await accomplice.call('signal', ['hostile room', target, data]).catch(() => refused++);
    }
  } finally {
    accomplice.close('attack over');
    await accomplice.closed;
  }
  const closed = await orHang(silent.closed, 'close of the silent member');
  return { outcome: 'closed', detail: { signals: SIGNALS, bytesEach: SIGNAL_BYTES, refused, closeCode: closed.code } };
}
