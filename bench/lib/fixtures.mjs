// The service and payloads of the own benchmarks (the same shapes as the peer-bench's).
export const service = {
  add: (a, b) => a + b,
  bytes: (u8) => u8.byteLength,
  /** Streams `count` chunks of `size` bytes (the same bytes each time; each send copies them). */
  async *chunks(count, size) {
    const chunk = chunkOf(size);
    for (let i = 0; i < count; i++) yield chunk;
  },
};

const chunkCache = new Map();
/** One deterministic chunk per size, made once. */
export function chunkOf(size) {
  let chunk = chunkCache.get(size);
  if (!chunk) chunkCache.set(size, (chunk = makeBytes(size)));
  return chunk;
}

/** Deterministic, not all zeros. */
export function makeBytes(n) {
  const u8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) u8[i] = (i * 31 + 7) & 0xff;
  return u8;
}

export const MiB1 = makeBytes(1024 * 1024);
