/**
 * A pass over CBOR bytes that builds nothing and refuses, before any decoder allocates for it:
 * a count larger than the bytes left (cbor-x would pre-size an array from it), more values than
 * `maxValues`, nesting deeper than `maxDepth`, indefinite lengths, trailing bytes, and every tag
 * but the few the CBOR codec maps (so cbor-x's records, packed and shared values stay off).
 */
interface CborLimits {
  readonly maxValues: number;
  readonly maxDepth: number;
}

/** The tag of an error's wire form (docs/protocol.md §11.5, §12): unassigned by IANA, saltline's own. */
export const ERROR_TAG = 39_999;

/**
 * Tags the codec reads: dates (0, 1), bignums (2, 3), cbor-x's Error (27), typed arrays (64–87),
 * Set (258), Map (259), and saltline's errors.
 */
const allowedTag = (tag: number) => tag <= 3 || tag === 27 || (tag >= 64 && tag <= 87) || tag === 258 || tag === 259 || tag === ERROR_TAG;

/** What `scanCbor` reports beside its checks, as bits: which error forms the bytes hold, so only such messages are walked. */
export const GENERIC_OBJECT = 1;
/** `ERROR_TAG` seen: an error's full wire form. */
export const WIRE_ERROR = 2;

/**
 * Throws on what the codec refuses; returns `GENERIC_OBJECT` (tag 27) and `WIRE_ERROR` bits for the
 * tags seen. Given `ends`, also records where each element of the outermost array ends (the last at
 * the frame's length).
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits, ends?: number[]): number {
  let found = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let values = 0;
  /** Items still to read at each open level; the top holds the one value of the message. */
  const open: number[] = [1];
  const fail = (why: string): never => {
    throw new RangeError(`malformed CBOR: ${why}`);
  };
  /** Reads an argument of `info` (the low 5 bits), as a number of at most 2^53 − 1. */
  const argument = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : fail('indefinite or reserved length');
    if (at + size > bytes.byteLength) fail('truncated');
    let value: number;
    if (size === 1) value = view.getUint8(at);
    else if (size === 2) value = view.getUint16(at);
    else if (size === 4) value = view.getUint32(at);
    else value = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
    at += size;
    return value;
  };
  /** The name in a generic object (tag 27: [name, ...args]) that starts at `at`, read without moving. */
  const genericName = (): string | undefined => {
    const start = at;
    try {
      if (bytes[at]! >> 5 !== 4) return undefined;
      argument(bytes[at++]! & 31);
      if (bytes[at]! >> 5 !== 3) return undefined;
      const length = argument(bytes[at++]! & 31);
      return length <= 64 ? new TextDecoder().decode(bytes.subarray(at, at + length)) : undefined;
    } finally {
      at = start;
    }
  };
  /** The item about to be read is the one a tag wraps (its element started at the tag). */
  let tagged = false;
  while (open.length) {
    if (open[open.length - 1] === 0) {
      open.pop();
      continue;
    }
    // An element of the outermost array starts here: the one before it ended here.
    if (ends && open.length === 2 && !tagged && open[0] === 0) ends.push(at);
    tagged = false;
    open[open.length - 1]!--;
    if (at >= bytes.byteLength) fail('truncated');
    if (++values > limits.maxValues) fail(`more than ${limits.maxValues} values`);
    const initial = bytes[at++]!;
    const major = initial >> 5;
    const info = initial & 31;
    switch (major) {
      case 0:
      case 1:
        argument(info);
        break;
      case 2:
      case 3: {
        const length = argument(info);
        if (length > bytes.byteLength - at) fail('a string longer than the bytes left');
        at += length;
        break;
      }
      case 4:
      case 5: {
        const count = argument(info) * (major === 5 ? 2 : 1);
        if (count > bytes.byteLength - at) fail('a count larger than the bytes left');
        if (open.length > limits.maxDepth) fail(`nested more than ${limits.maxDepth} deep`);
        open.push(count);
        break;
      }
      case 6: {
        const tag = argument(info);
        if (!allowedTag(tag)) fail(`tag ${tag}`);
        if (tag === 27) found |= GENERIC_OBJECT;
        if (tag === ERROR_TAG) found |= WIRE_ERROR;
        if (tag === 27 && genericName() === 'RegExp') fail('a RegExp');
        // A tag wraps one item, which the count of the level it stands in does not include.
        open[open.length - 1]!++;
        tagged = true;
        values--;
        break;
      }
      default:
        // Simple values and floats: 20–23 are false, true, null, undefined.
        if (info === 24) at++;
        else if (info === 25) at += 2;
        else if (info === 26) at += 4;
        else if (info === 27) at += 8;
        else if (info >= 28) fail('a reserved simple value or a break');
        else if (info < 20) fail('an unassigned simple value');
        if (at > bytes.byteLength) fail('truncated');
    }
  }
  if (at !== bytes.byteLength) fail('trailing bytes');
  // Each recorded start but the first ends the element before; the last ends with the frame.
  if (ends?.length) ends.push(bytes.byteLength), ends.shift();
  return found;
}
