/** Base64 for the JSON codec's bytes (Node 20 lacks `Uint8Array.prototype.toBase64`). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: spreading a large array into one call would overflow the argument stack.
  for (let at = 0; at < bytes.byteLength; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** Throws on anything but a base64 string. */
export function fromBase64(text: unknown): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string') throw new RangeError('malformed base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
