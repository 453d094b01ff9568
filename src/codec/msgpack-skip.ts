/**
 * Walking msgpack bytes without building values: the decoder's count of a message's values, the
 * skip past a refused call's arguments, and the boundaries of a batch frame's messages. One pass,
 * no recursion (so no depth to bound) and no allocation: each header read is one value, and a
 * container's header adds its entries to the values still to read, counted by `claim` first.
 */

/** Bytes after the header of float 32, float 64, uint 8 … uint 64, int 8 … int 64 (0xca–0xd3). */
const NUMBER_BYTES = [4, 8, 1, 2, 4, 8, 1, 2, 4, 8];

export const short = (what: string, claimed: number, remain: number): RangeError =>
  new RangeError(`msgpack: ${what} of ${claimed} bytes, but only ${remain} remain`);

/** Where a walk is: `pos` moves on, `end` bounds it. */
export interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
}

/**
 * Moves `cursor` past `toRead` values. `claim(n)` is told of the `n` entries of each container
 * before they are read (it throws past the budget); `nested(type)` says whether an extension
 * type's payload is a msgpack value to walk into.
 */
export function skipValues(cursor: Cursor, toRead: number, claim: (count: number) => void, nested: (type: number) => boolean): void {
  const { bytes, end } = cursor;
  const take = (length: number, what: string): number => {
    const start = cursor.pos;
    if (length > end - start) throw short(what, length, end - start);
    cursor.pos = start + length;
    return start;
  };
  const u8 = () => bytes[take(1, 'a length')]!;
  const u16 = () => {
    const at = take(2, 'a number');
    return (bytes[at]! << 8) | bytes[at + 1]!;
  };
  const u32 = () => {
    const at = take(4, 'a number');
    return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
  };
  /** Past an extension's payload, or into it (one value to read) when it is read in place. */
  const ext = (length: number): number => {
    const at = take(1, 'an extension');
    if (nested((bytes[at]! << 24) >> 24)) return 1;
    take(length, 'an extension');
    return 0;
  };
  for (; toRead > 0; toRead--) {
    const head = bytes[take(1, 'a value')]!;
    let entries = 0;
    if (head < 0x80 || head >= 0xe0) continue;
    else if (head < 0x90) entries = 2 * (head - 0x80);
    else if (head < 0xa0) entries = head - 0x90;
    else if (head < 0xc0) take(head - 0xa0, 'a string');
    else if (head >= 0xca && head <= 0xd3) take(NUMBER_BYTES[head - 0xca]!, 'a number');
    else if (head >= 0xd4 && head <= 0xd8) entries = ext(1 << (head - 0xd4));
    else {
      switch (head) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          continue;
        case 0xc4:
        case 0xd9:
          take(u8(), 'a string or binary');
          continue;
        case 0xc5:
        case 0xda:
          take(u16(), 'a string or binary');
          continue;
        case 0xc6:
        case 0xdb:
          take(u32(), 'a string or binary');
          continue;
        case 0xc7:
          entries = ext(u8());
          break;
        case 0xc8:
          entries = ext(u16());
          break;
        case 0xc9:
          entries = ext(u32());
          break;
        case 0xdc:
          entries = u16();
          break;
        case 0xdd:
          entries = u32();
          break;
        case 0xde:
          entries = 2 * u16();
          break;
        case 0xdf:
          entries = 2 * u32();
          break;
        default:
          throw new RangeError(`msgpack: 0x${head.toString(16)} is not a type`);
      }
    }
    const remain = end - cursor.pos;
    if (entries > remain) throw new RangeError(`msgpack: ${entries} values claimed, but only ${remain} bytes remain`);
    claim(entries);
    toRead += entries;
  }
}

/**
 * Where each element of the array that fills `bytes` (a batch frame) ends: nothing built, every
 * value counted against `maxValues` as decoding counts them.
 */
export function batchEnds(bytes: Uint8Array, maxValues: number, nested: (type: number) => boolean): number[] {
  let values = 0;
  const claim = (count: number) => {
    values += count;
    if (values > maxValues) throw new RangeError(`msgpack: more than maxValues (${maxValues}) values in one message`);
  };
  const head = bytes[0];
  const width = head === 0xdc ? 2 : head === 0xdd ? 4 : head !== undefined && head >= 0x90 && head < 0xa0 ? 0 : -1;
  if (width < 0) throw new RangeError('msgpack: a batch frame is not an array');
  if (bytes.length < 1 + width) throw short('an array length', width, bytes.length - 1);
  let count = head! - 0x90;
  if (width === 2) count = (bytes[1]! << 8) | bytes[2]!;
  if (width === 4) count = bytes[1]! * 0x1000000 + ((bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!);
  const cursor: Cursor = { bytes, pos: 1 + width, end: bytes.length };
  if (count > cursor.end - cursor.pos)
    throw new RangeError(`msgpack: ${count} values claimed, but only ${cursor.end - cursor.pos} bytes remain`);
  claim(count);
  const ends: number[] = [];
  for (let i = 0; i < count; i++) {
    skipValues(cursor, 1, claim, nested);
    ends.push(cursor.pos);
  }
  if (cursor.pos !== cursor.end) throw new RangeError(`msgpack: ${cursor.end - cursor.pos} bytes after the value`);
  return ends;
}
