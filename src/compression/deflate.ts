import type { Compressor } from './compressor.js';
import { tooLarge } from './envelope.js';

/** The part of `node:zlib` that `deflateRaw({ zlib })` uses: pass the module itself. */
export interface ZlibLike {
  deflateRawSync(data: Uint8Array, options?: { level?: number }): Uint8Array;
  inflateRawSync(data: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array;
}

/** What `deflateRaw()` takes: which zlib to use and how hard it works. */
export interface DeflateOptions {
  /**
   * Node's `zlib` module (`import zlib from 'node:zlib'`): synchronous and several times faster
   * than the platform's streams (docs/benchmarks.md). Default: `CompressionStream`, present in
   * browsers and Node ≥ 18, so browser bundles never reference `node:zlib`.
   */
  readonly zlib?: ZlibLike;
  /** zlib's level, 1 (fast) to 9 (small), with `zlib` only. Default 1: least time per call (docs/benchmarks.md). */
  readonly level?: number;
}

/**
 * Inflating feeds the stream this much input at a time, so no single step can produce more than
 * ~1 MiB (deflate expands at most ~1,032×) before the reader sees it and stops.
 */
const INPUT_SLICE = 1024;

/** deflate-raw (RFC 1951): no header or checksum; the frame's announced length is the check. */
export function deflateRaw(options: DeflateOptions = {}): Compressor {
  const { zlib, level = 1 } = options;
  if (zlib) {
    return {
      name: 'deflate-raw',
      compress: (data) => zlib.deflateRawSync(data, { level }),
      decompress: (data, length) => {
        try {
          return zlib.inflateRawSync(data, { maxOutputLength: length });
        } catch (error) {
          // zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE: the frame is a bomb.
          throw (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(length) : error;
        }
      },
    };
  }
  return { name: 'deflate-raw', compress: deflateStream, decompress: inflateStream };
}

async function deflateStream(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads the inflated output as it comes and gives up (cancelling the stream) past `length` bytes. */
async function inflateStream(data: Uint8Array, length: number): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const feeding = feed(writer, data);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > length) throw tooLarge(length);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    await feeding;
    throw error;
  }
  await feeding;
  if (total !== length) throw new RangeError(`a compressed frame inflates to ${total} bytes, not the announced ${length}`);
  return join(chunks, total);
}

/** Writes `data` slice by slice, waiting for the stream to take each; a cancelled read ends it quietly. */
async function feed(writer: WritableStreamDefaultWriter<BufferSource>, data: Uint8Array): Promise<void> {
  try {
    for (let at = 0; at < data.byteLength; at += INPUT_SLICE) {
      await writer.ready;
      await writer.write(data.subarray(at, at + INPUT_SLICE) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  } catch {
    // The reader reports what went wrong (corrupt input, or its own cancel).
  }
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
