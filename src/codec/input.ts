/** `data` as bytes, refused when it is not bytes or is over `maxMessageSize`: what byte codecs check before reading. */
export function inputBytes(data: unknown, maxMessageSize: number, expected = 'bytes'): Uint8Array {
  if (!(data instanceof Uint8Array || data instanceof ArrayBuffer)) throw new TypeError(`expected ${expected}`);
  if (data.byteLength > maxMessageSize) throw new RangeError('message larger than maxMessageSize');
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** The length of a frame as a transport carries it: bytes, or UTF-16 units of a text frame; 0 for anything else. */
export const frameSize = (data: unknown): number =>
  data instanceof Uint8Array || data instanceof ArrayBuffer ? data.byteLength : typeof data === 'string' ? data.length : 0;
