/**
 * Attack 12: 1,000 connections that never say hello. The server must refuse those over its
 * connection cap before the WebSocket handshake, and close the others when their hello is late.
 */
import { openRaw, orHang, type RawSocket } from '../wire.js';
import type { AttackResult } from './types.js';

const CONNECTIONS = 1_000;
const AT_ONCE = 50;

export async function idleConnections(base: string): Promise<AttackResult> {
  const open: RawSocket[] = [];
  let refused = 0;
  for (let i = 0; i < CONNECTIONS; i += AT_ONCE) {
    const batch = await Promise.allSettled(Array.from({ length: AT_ONCE }, () => openRaw(`${base}/rpc`, { sayHello: false })));
    for (const result of batch) {
      if (result.status === 'fulfilled') open.push(result.value);
      else refused++;
    }
  }
  try {
    await orHang(Promise.all(open.map((socket) => socket.closed)), 'close of every idle connection');
  } finally {
    await Promise.all(open.map((socket) => socket.destroy()));
  }
  return { outcome: 'closed', detail: { connections: CONNECTIONS, accepted: open.length, refused } };
}
