/** `data` as bytes, refused when it is not bytes or is over `maxMessageSize`: what byte codecs check before reading. */
export function inputBytes(data: unknown, maxMessageSize: number): Uint8Array {
  if (!(data instanceof Uint8Array || data instanceof ArrayBuffer)) throw new TypeError('expected bytes');
  if (data.byteLength > maxMessageSize) throw new RangeError('message larger than maxMessageSize');
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
