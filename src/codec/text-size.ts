/**
 * Whether `text` takes more than `max` bytes as UTF-8: how text frames are held to the same
 * `maxMessageSize` as binary ones. A UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair, 4 for
 * two), so the length alone settles most strings; only those between max / 3 and max are counted.
 */
export function textOver(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Surrogates count 2 each: 4 for a pair, as UTF-8 writes it (text frames hold no lone ones).
    bytes += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 2 : 3;
    if (bytes > max) return true;
  }
  return false;
}
