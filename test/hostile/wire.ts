/**
 * An attacker's socket: a `ws` client that speaks saltline's wire by hand (docs/protocol.md),
 * raw msgpack frames out, decoded messages in, and nothing of the library's session in between.
 */
import WebSocket from 'ws';
import { msgpackCodec } from '../../src/msgpack.js';

/**
 * How long an attack waits for an answer or a close before calling it a hang. A hang detector,
 * not a speed bound: every outcome the suite expects arrives long before it.
 */
export const HANG_MS = 10_000;

/** The attacker's codec sends what the library's own sender would refuse (over `maxValues`). */
const codec = msgpackCodec({ maxValues: Number.MAX_SAFE_INTEGER });

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface RawSocket {
  /** Every message the server sent, decoded and flattened out of its batches. */
  readonly messages: readonly unknown[][];
  /** Sees each message as it arrives: for an attacker that answers the server's calls. */
  onMessage: ((message: unknown[]) => void) | undefined;
  /** Sends bytes as one binary frame, whatever they hold. */
  sendBytes(bytes: Uint8Array): void;
  /** Sends messages as one frame: a lone message as itself, several as a batch. */
  send(...messages: unknown[][]): void;
  /** Sends a batch of any length as one frame (one too many for `send`'s argument list). */
  sendBatch(messages: readonly unknown[][]): void;
  /** The first message `match` accepts, or `'closed'` if the socket closes first; rejects as a hang. */
  next(match: (message: unknown[]) => boolean, what: string): Promise<unknown[] | 'closed'>;
  /** Settles with the close code and reason, whoever closed. */
  readonly closed: Promise<CloseInfo>;
  readonly isClosed: boolean;
  /** Stops reading the socket (TCP backpressure builds up at the server), and starts again. */
  pause(): void;
  resume(): void;
  /** Drops the connection at once and waits for the close. */
  destroy(): Promise<CloseInfo>;
}

/** `[0, 1, false, { maxMessageSize }]`: the opening hello of docs/protocol.md §3. */
export const hello = (features: Record<string, unknown> = { maxMessageSize: 32 * 1024 * 1024 }): unknown[] => [0, 1, false, features];

/** Rejects with a hang report after `HANG_MS`, unless `promise` settles first. */
export function orHang<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no ${what} within ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** Opens a raw socket to `url`; it says hello first unless `sayHello` is false. */
export async function openRaw(url: string, { sayHello = true } = {}): Promise<RawSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const messages: unknown[][] = [];
  const waiters = new Set<() => void>();
  let listener: ((message: unknown[]) => void) | undefined;
  let isClosed = false;
  const closed = new Promise<CloseInfo>((resolve) =>
    socket.once('close', (code, reason) => {
      isClosed = true;
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    }),
  );
  socket.on('error', () => {}); // a refused or reset socket closes; the close is what counts
  socket.on('message', (data: Buffer, binary) => {
    if (!binary) return; // keep-alive text frames
    let frame: unknown;
    try {
      frame = codec.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return;
    for (const message of (typeof frame[0] === 'number' ? [frame] : frame) as unknown[][]) {
      messages.push(message);
      listener?.(message);
    }
    for (const wake of waiters) wake();
  });
  await orHang(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('close', (code) => reject(new Error(`the server refused the socket (${code})`)));
      socket.once('unexpected-response', (request, response) => {
        request.destroy();
        reject(new Error(`the server refused the socket (HTTP ${response.statusCode})`));
      });
    }),
    'open socket',
  );
  const raw: RawSocket = {
    messages,
    get onMessage() {
      return listener;
    },
    set onMessage(value) {
      listener = value;
    },
    sendBytes: (bytes) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(bytes, { binary: true });
    },
    send: (...list) => raw.sendBytes(codec.encode(list.length === 1 ? list[0] : list) as Uint8Array),
    sendBatch: (list) => raw.sendBytes(codec.encode(list) as Uint8Array),
    next(match, what) {
      return orHang(
        new Promise<unknown[] | 'closed'>((resolve) => {
          let seen = 0;
          const check = () => {
            for (; seen < messages.length; seen++) {
              if (match(messages[seen]!)) {
                waiters.delete(check);
                return resolve(messages[seen]!);
              }
            }
            if (isClosed) {
              waiters.delete(check);
              resolve('closed');
            }
          };
          waiters.add(check);
          check();
        }),
        what,
      );
    },
    closed,
    get isClosed() {
      return isClosed;
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy() {
      socket.terminate();
      return closed;
    },
  };
  if (sayHello) raw.send(hello());
  return raw;
}

let nonces = 0;

/**
 * Sends a PING after whatever came before and waits for its PONG: once it arrives, the server
 * has handled every earlier frame of this socket. `'closed'` when the server closed instead.
 */
export async function drained(socket: RawSocket): Promise<'answered' | 'closed'> {
  const nonce = `drain ${++nonces}`;
  socket.send([10, nonce]);
  const reply = await socket.next((message) => message[0] === 11 && message[1] === nonce, 'PONG');
  return reply === 'closed' ? 'closed' : 'answered';
}

/** What a reply says, in a word: `answered` (RESULT), `error CODE` (ERROR), or `closed`. */
export function describeReply(reply: unknown[] | 'closed'): string {
  if (reply === 'closed') return 'closed';
  return reply[0] === 3 ? 'answered' : `error ${(reply[2] as { code?: string } | null)?.code}`;
}

/** Matches the RESULT or ERROR for call `id`. */
export const replyTo = (id: number) => (message: unknown[]) => (message[0] === 3 || message[0] === 4) && message[1] === id;
