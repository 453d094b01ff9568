/**
 * Copies of outgoing messages for a socket that writes the bytes it is handed later (a `ws` server
 * socket, which queues the caller's buffer on the TCP socket). Copying lets the codec encode every
 * message into one reused buffer and lets callers reuse theirs; the copies of large messages go
 * into buffers that return to a process-wide pool once the socket reports them written, because a
 * fresh 64 KiB allocation per message (and its garbage) cost a streaming producer more than the
 * copy itself (docs/benchmarks.md, "Streams over WebSocket").
 */

/** Messages under this many bytes are copied into a plain new array: small allocations are cheap. */
const POOLED_FROM = 4 * 1024;
/** Messages over this many bytes are copied into a plain new array too, so the pool never holds a giant. */
const POOLED_UP_TO = 4 * 1024 * 1024;
/** Free buffers the pool keeps, shared by every socket of the process. */
const MAX_FREE = 16;
/** Bytes the free buffers may hold in all, shared by every socket of the process. */
const MAX_FREE_BYTES = 8 * 1024 * 1024;

const free: Uint8Array[] = [];
let freeBytes = 0;

/** A socket's send with a callback that runs once the data is written (`ws`: `send(data, cb)`). */
type SendWithCallback = (data: Uint8Array, written: (error?: unknown) => void) => void;

/**
 * Sends a copy of `message` through `send`: from the pool for a large message, returned to it
 * once written; a failed write drops the copy (the socket may still hold it).
 */
export function sendCopy(message: Uint8Array, send: SendWithCallback): void {
  const size = message.byteLength;
  if (size < POOLED_FROM || size > POOLED_UP_TO) return send(message.slice(), ignore);
  const buffer = take(size);
  buffer.set(message);
  send(buffer.subarray(0, size), (error) => {
    if (error === undefined || error === null) give(buffer);
  });
}

const ignore = (): void => {};

/** A free buffer of at least `size` bytes and at most twice that, or a new one (a power of two). */
function take(size: number): Uint8Array {
  for (let i = free.length - 1; i >= 0; i--) {
    const buffer = free[i]!;
    if (buffer.byteLength >= size && buffer.byteLength <= 2 * size) {
      free.splice(i, 1);
      freeBytes -= buffer.byteLength;
      return buffer;
    }
  }
  return new Uint8Array(2 ** Math.ceil(Math.log2(size)));
}

function give(buffer: Uint8Array): void {
  if (free.length >= MAX_FREE || freeBytes + buffer.byteLength > MAX_FREE_BYTES) return;
  free.push(buffer);
  freeBytes += buffer.byteLength;
}

/** What the pool holds now (for tests): free buffers and their bytes. */
export function pooled(): { readonly buffers: number; readonly bytes: number } {
  return { buffers: free.length, bytes: freeBytes };
}
