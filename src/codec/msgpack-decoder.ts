import { CALL, MAX_BATCH, NOTIFY } from '../protocol.js';
import type { AdmitHeader } from './codec.js';
import { short, skipValues } from './msgpack-skip.js';
import { decodeUtf8, KeyCache } from './utf8.js';

/**
 * How an extension type is decoded: from its payload bytes, or (`nested`) from the msgpack value
 * its payload holds, which this decoder reads in place so it shares the message's budget and limits.
 */
export type ExtDecoder =
  | { readonly nested: false; decode(data: Uint8Array, type: number): unknown }
  | {
      readonly nested: true;
      decode(value: unknown): unknown;
    };

export interface DecoderLimits {
  /** Values one message may hold, counting every element, key and value, at any depth. */
  readonly maxValues: number;
  /** Levels of arrays and maps, the outermost value being level 1; each nested payload counts afresh. */
  readonly maxDepth: number;
  /** Nested payloads (a Map in a Set in an Error ...) inside one another. */
  readonly maxNesting: number;
}

const EMPTY = new Uint8Array(0);

/**
 * A msgpack decoder for bytes nobody vouches for. Each claimed length is checked against the bytes
 * that remain before anything is allocated (an element takes at least one byte), and each array
 * or map header counts its elements against `maxValues` before they are read (a message longer
 * than `maxValues` bytes is counted whole first), so decoding n bytes costs O(n) time, and memory
 * for at most `maxValues` values. Produces what `@msgpack/msgpack`'s decoder does, except that a
 * `__proto__` map key becomes an own property instead of an error, and malformed UTF-8 is read
 * without reaching past its string.
 */
export class MsgpackDecoder {
  readonly #limits: DecoderLimits;
  readonly #exts: ReadonlyMap<number, ExtDecoder>;
  readonly #fallback: (data: Uint8Array, type: number) => unknown;
  readonly #keys = new KeyCache();
  #bytes: Uint8Array = EMPTY;
  #view: DataView | undefined;
  #pos = 0;
  #end = 0;
  #values = 0;
  #nesting = 0;
  #busy = false;
  readonly #claimer = (count: number) => this.#claim(count);
  /** True for an extension type whose payload this decoder reads in place (a msgpack value). */
  readonly #nested = (type: number) => this.#exts.get(type)?.nested === true;

  /** `fallback` decodes an extension type that `exts` does not list. */
  constructor(limits: DecoderLimits, exts: ReadonlyMap<number, ExtDecoder>, fallback: (data: Uint8Array, type: number) => unknown) {
    this.#limits = limits;
    this.#exts = exts;
    this.#fallback = fallback;
  }

  /**
   * One msgpack value that fills `bytes` exactly; throws a RangeError on anything else. With
   * `admit`, the value is a frame: each CALL's or NOTIFY's header is shown to `admit` as it is
   * read, and a message it refuses is skipped unbuilt, its place taken by what `admit` returned.
   */
  decode(bytes: Uint8Array, admit?: AdmitHeader): unknown {
    // An extension of the user's may decode with this codec from inside a decode.
    if (this.#busy) return this.#another().decode(bytes, admit);
    this.#begin(bytes);
    try {
      // A message shorter than the budget cannot hold more values than it has bytes.
      if (bytes.length > this.#limits.maxValues) this.#countAll();
      this.#claim(1);
      const value = admit ? this.#frame(admit) : this.#value(1);
      if (this.#pos !== this.#end) throw new RangeError(`msgpack: ${this.#end - this.#pos} bytes after the value`);
      return value;
    } finally {
      this.#finish();
    }
  }

  /**
   * Throws the RangeError `decode` would throw for more than `maxValues` values, without decoding:
   * the encoder's check, so that a sender refuses what a receiver with the same limit would drop.
   */
  checkValues(bytes: Uint8Array): void {
    if (bytes.length <= this.#limits.maxValues) return;
    if (this.#busy) return this.#another().checkValues(bytes);
    this.#begin(bytes);
    try {
      this.#countAll();
    } finally {
      this.#finish();
    }
  }

  #another(): MsgpackDecoder {
    return new MsgpackDecoder(this.#limits, this.#exts, this.#fallback);
  }

  #begin(bytes: Uint8Array): void {
    this.#busy = true;
    this.#bytes = bytes;
    this.#view = undefined;
    this.#pos = 0;
    this.#end = bytes.length;
    this.#values = 0;
    this.#nesting = 0;
  }

  #finish(): void {
    this.#bytes = EMPTY;
    this.#view = undefined;
    this.#busy = false;
  }

  /** Counts `count` values about to be read against the budget. */
  #claim(count: number): void {
    this.#values += count;
    if (this.#values > this.#limits.maxValues) {
      throw new RangeError(`msgpack: more than maxValues (${this.#limits.maxValues}) values in one message`);
    }
  }

  /**
   * Counts every value of the message without building any, so that one over the budget is refused
   * before the work of building it. One pass, no allocation: each header read is one value, and a
   * container's header adds its entries to the values still to read. The decode that follows
   * checks everything again; this pass only has to count.
   */
  #countAll(): void {
    this.#skip(1);
    this.#pos = 0;
    this.#values = 0;
  }

  /** Moves past `toRead` values without building them, counting what containers hold against the budget. */
  #skip(toRead: number): void {
    const cursor = { bytes: this.#bytes, pos: this.#pos, end: this.#end };
    skipValues(cursor, toRead, this.#claimer, this.#nested);
    this.#pos = cursor.pos;
  }

  /** Moves past `length` bytes that must all be there, and returns where they start. */
  #take(length: number, what: string): number {
    const start = this.#pos;
    if (length > this.#end - start) throw short(what, length, this.#end - start);
    this.#pos = start + length;
    return start;
  }

  #u8(): number {
    return this.#bytes[this.#take(1, 'a length')]!;
  }

  #u16(): number {
    const at = this.#take(2, 'a number');
    return (this.#bytes[at]! << 8) | this.#bytes[at + 1]!;
  }

  #u32(): number {
    const at = this.#take(4, 'a number');
    const b = this.#bytes;
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  }

  /** A DataView for the rarer wide numbers, made only when one appears. */
  #dataView(): DataView {
    return (this.#view ??= new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength));
  }

  /** A 64-bit integer as a number, losing precision past 2^53 exactly as @msgpack/msgpack does. */
  #int64(signed: boolean): number {
    const at = this.#take(8, 'a number');
    const view = this.#dataView();
    return (signed ? view.getInt32(at) : view.getUint32(at)) * 0x100000000 + view.getUint32(at + 4);
  }

  #value(depth: number): unknown {
    const head = this.#bytes[this.#take(1, 'a value')]!;
    if (head < 0x80) return head;
    if (head < 0x90) return this.#map(head - 0x80, depth);
    if (head < 0xa0) return this.#array(head - 0x90, depth);
    if (head < 0xc0) return this.#string(head - 0xa0);
    if (head >= 0xe0) return head - 0x100;
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#binary(this.#u8());
      case 0xc5:
        return this.#binary(this.#u16());
      case 0xc6:
        return this.#binary(this.#u32());
      case 0xc7:
        return this.#ext(this.#u8());
      case 0xc8:
        return this.#ext(this.#u16());
      case 0xc9:
        return this.#ext(this.#u32());
      case 0xca: {
        const at = this.#take(4, 'a number');
        return this.#dataView().getFloat32(at);
      }
      case 0xcb: {
        const at = this.#take(8, 'a number');
        return this.#dataView().getFloat64(at);
      }
      case 0xcc:
        return this.#u8();
      case 0xcd:
        return this.#u16();
      case 0xce:
        return this.#u32();
      case 0xcf:
        return this.#int64(false);
      case 0xd0: {
        const byte = this.#u8();
        return byte < 0x80 ? byte : byte - 0x100;
      }
      case 0xd1: {
        const word = this.#u16();
        return word < 0x8000 ? word : word - 0x10000;
      }
      case 0xd2:
        return this.#u32() | 0;
      case 0xd3:
        return this.#int64(true);
      case 0xd4:
        return this.#ext(1);
      case 0xd5:
        return this.#ext(2);
      case 0xd6:
        return this.#ext(4);
      case 0xd7:
        return this.#ext(8);
      case 0xd8:
        return this.#ext(16);
      case 0xd9:
        return this.#string(this.#u8());
      case 0xda:
        return this.#string(this.#u16());
      case 0xdb:
        return this.#string(this.#u32());
      case 0xdc:
        return this.#array(this.#u16(), depth);
      case 0xdd:
        return this.#array(this.#u32(), depth);
      case 0xde:
        return this.#map(this.#u16(), depth);
      case 0xdf:
        return this.#map(this.#u32(), depth);
      default:
        throw new RangeError(`msgpack: 0x${head.toString(16)} is not a type`);
    }
  }

  /** The length of the array whose header is at `#pos` (moving past it), or -1 (not moving) for any other value. */
  #arrayHeader(): number {
    const head = this.#pos < this.#end ? this.#bytes[this.#pos]! : 0;
    if (head >= 0x90 && head < 0xa0) return (this.#pos++, head - 0x90);
    if (head !== 0xdc && head !== 0xdd) return -1;
    this.#pos++;
    return head === 0xdc ? this.#u16() : this.#u32();
  }

  /** A frame: one message, or a batch (an array of messages), each read by `#message`. */
  #frame(admit: AdmitHeader): unknown {
    const start = this.#pos;
    const count = this.#arrayHeader();
    const head = this.#pos < this.#end ? this.#bytes[this.#pos]! : 0;
    const batch = count > 0 && ((head >= 0x90 && head < 0xa0) || head === 0xdc || head === 0xdd);
    if (!batch || count > MAX_BATCH) {
      this.#pos = start;
      // A batch over the protocol's cap is decoded as it is, for the session to refuse whole, no call admitted.
      return batch ? this.#value(1) : this.#message(1, admit);
    }
    this.#open('an array', count, count, 1);
    const messages = new Array<unknown>(count);
    for (let i = 0; i < count; i++) messages[i] = this.#message(2, admit);
    return messages;
  }

  /** One message at `depth`, built as `#value` builds it, unless `admit` refuses its header. */
  #message(depth: number, admit: AdmitHeader): unknown {
    const start = this.#pos;
    const count = this.#arrayHeader();
    if (count < 2) {
      this.#pos = start;
      return this.#value(depth);
    }
    this.#open('an array', count, count, depth);
    const message = new Array<unknown>(count);
    const kind = (message[0] = this.#value(depth + 1));
    message[1] = this.#value(depth + 1);
    let read = 2;
    let refusal: unknown;
    if (kind === CALL && count > 2) {
      const target = (message[read++] = this.#value(depth + 1));
      if (typeof target === 'string') refusal = admit(CALL, message[1], target);
    } else if (kind === NOTIFY && typeof message[1] === 'string') refusal = admit(NOTIFY, undefined, message[1]);
    if (refusal !== undefined) {
      // Still checked as decoding checks it (lengths, value budget), but nothing built.
      this.#skip(count - read);
      return refusal;
    }
    for (let i = read; i < count; i++) message[i] = this.#value(depth + 1);
    return message;
  }

  /** Checks a container's claimed size before anything is allocated for it. */
  #open(what: string, count: number, minBytes: number, depth: number): void {
    const remain = this.#end - this.#pos;
    if (minBytes > remain) throw new RangeError(`msgpack: ${what} claims ${count} entries, but only ${remain} bytes remain`);
    if (depth >= this.#limits.maxDepth) throw new RangeError(`msgpack: values nested deeper than maxDepth (${this.#limits.maxDepth})`);
    this.#claim(minBytes);
  }

  #array(length: number, depth: number): unknown[] {
    if (length === 0) return [];
    this.#open('an array', length, length, depth);
    const array = new Array<unknown>(length);
    for (let i = 0; i < length; i++) array[i] = this.#value(depth + 1);
    return array;
  }

  #map(size: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    if (size === 0) return map;
    this.#open('a map', size, 2 * size, depth);
    for (let i = 0; i < size; i++) {
      const head = this.#pos < this.#end ? this.#bytes[this.#pos]! : 0;
      let key: unknown;
      if (head >= 0xa0 && head < 0xc0) {
        const start = this.#take(head - 0x9f, 'a string') + 1;
        key = this.#keys.decode(this.#bytes, start, this.#pos);
      } else {
        key = this.#value(depth + 1);
        if (typeof key !== 'string' && typeof key !== 'number') throw new RangeError(`msgpack: a map key of type ${typeof key}`);
      }
      const value = this.#value(depth + 1);
      // Assigning `__proto__` would set the prototype: define it as the own property it was.
      if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
      else map[key as string] = value;
    }
    return map;
  }

  #string(length: number): string {
    const start = this.#take(length, 'a string');
    return decodeUtf8(this.#bytes, start, this.#pos);
  }

  /** A view of the input, as `@msgpack/msgpack` returns it (no copy). */
  #binary(length: number): Uint8Array {
    const start = this.#take(length, 'a binary');
    return this.#bytes.subarray(start, this.#pos);
  }

  #ext(length: number): unknown {
    const at = this.#take(length + 1, 'an extension');
    const type = (this.#bytes[at]! << 24) >> 24;
    const ext = this.#exts.get(type);
    if (!ext?.nested) {
      const data = this.#bytes.subarray(at + 1, this.#pos);
      return ext ? ext.decode(data, type) : this.#fallback(data, type);
    }
    if (this.#nesting >= this.#limits.maxNesting) {
      throw new RangeError(`msgpack: extension payloads nested more than ${this.#limits.maxNesting} deep`);
    }
    // The payload is one msgpack value: read it in place, within the payload's bounds.
    const end = this.#end;
    this.#end = this.#pos;
    this.#pos = at + 1;
    this.#nesting++;
    this.#claim(1);
    const inner = this.#value(1);
    if (this.#pos !== this.#end) throw new RangeError(`msgpack: ${this.#end - this.#pos} bytes after the value in extension ${type}`);
    this.#nesting--;
    this.#end = end;
    return ext.decode(inner);
  }
}
