/**
 * Bytes per method for `createMetrics()`: a layer around one link's byte codec (`Plugin.wrapCodec`)
 * that sees each frame as it is encoded or decoded and credits each message's encoded size to its
 * method. A CALL or NOTIFY names its method; a RESULT or ERROR only its call id, so the layer keeps,
 * per link and direction, the method of each call in progress (bounded: a far side that sends CALLs
 * it never lets finish cannot grow it). A batch frame's per-message sizes come from the codec's
 * `boundaries`. Stream items, callbacks, calls to exported objects and the protocol's own messages
 * count only to the peer's totals.
 */

import type { Codec } from '../codec/codec.js';
import { frameSize } from '../codec/input.js';
import { CALL, CANCEL, ERROR, NOTIFY, RESULT } from '../protocol.js';
import type { Side } from './call-watch.js';

/** Where the counts go. */
export interface ByteCounts {
  /** `size` bytes of a request (`request`) or response of `method`, on `side`. */
  method(method: string, side: Side, request: boolean, size: number): void;
  /** `size` bytes of one whole frame this side sent (`sent`) or received. */
  frame(sent: boolean, size: number): void;
}

/** Slots for calls in progress before the map is used: more than a link usually has at once. */
const RING = 64;

/**
 * The methods of calls in progress one way, by call id. A call takes the slot its id picks in a
 * small ring, which costs no allocation (a map that gains and loses an entry per call costs more
 * than the rest of the counting); a call whose slot is busy goes to a map, whose oldest entries
 * go first past `max`.
 */
class CallMethods {
  readonly #ids = new Array<unknown>(RING).fill(undefined);
  readonly #methods = new Array<string | undefined>(RING).fill(undefined);
  readonly #overflow = new Map<unknown, string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  add(id: unknown, method: string): void {
    const slot = (id as number) & (RING - 1);
    if (this.#methods[slot] === undefined || this.#ids[slot] === id) {
      this.#ids[slot] = id;
      this.#methods[slot] = method;
      return;
    }
    const overflow = this.#overflow;
    if (overflow.size >= this.#max && !overflow.has(id)) overflow.delete(overflow.keys().next().value);
    overflow.set(id, method);
  }

  take(id: unknown): string | undefined {
    const slot = (id as number) & (RING - 1);
    let method = this.#ids[slot] === id ? this.#methods[slot] : undefined;
    if (method !== undefined) this.#methods[slot] = undefined;
    else if (this.#overflow.size > 0 && (method = this.#overflow.get(id)) !== undefined) this.#overflow.delete(id);
    return method;
  }
}

/** A codec that counts what `codec` encodes and decodes into `counts`; `maxCalls` bounds each id map. */
export function countingCodec(codec: Codec, counts: ByteCounts, maxCalls: number): Codec {
  /** Calls this side sent (their replies arrive) and received (its replies go). */
  const sent = new CallMethods(maxCalls);
  const received = new CallMethods(maxCalls);

  /** One message of `size` bytes going out (`out`) or coming in. */
  const message = (raw: unknown, size: number, out: boolean) => {
    if (!Array.isArray(raw)) return;
    const kind = raw[0];
    const id = raw[1];
    if (kind === CALL && typeof raw[2] === 'string') {
      (out ? sent : received).add(id, raw[2]);
      counts.method(raw[2], out ? 'client' : 'server', true, size);
    } else if (kind === NOTIFY && typeof id === 'string') {
      counts.method(id, out ? 'client' : 'server', true, size);
    } else if (kind === RESULT || kind === ERROR) {
      const method = (out ? received : sent).take(id);
      if (method !== undefined) counts.method(method, out ? 'server' : 'client', false, size);
    } else if (kind === CANCEL) {
      (out ? sent : received).take(id);
    }
  };

  /** A whole frame: a lone message is its own size; a batch is cut at the codec's boundaries. */
  const frame = (value: unknown, data: unknown, out: boolean) => {
    const size = frameSize(data);
    counts.frame(out, size);
    if (!Array.isArray(value)) return;
    if (!Array.isArray(value[0])) return message(value, size, out);
    let ends: readonly number[] | undefined;
    try {
      ends = codec.boundaries?.(data);
    } catch {
      // Not this layer's to judge: the frame decoded, so the session handles it; its messages stay uncounted.
    }
    if (ends?.length !== value.length) return;
    for (let i = 0, start = 0; i < value.length; start = ends[i++]!) message(value[i], ends[i]! - start, out);
  };

  const counting: Codec = {
    get name() {
      return codec.name;
    },
    kind: codec.kind,
    text: codec.text,
    encode(value) {
      const data = codec.encode(value);
      frame(value, data, true);
      return data;
    },
    decode(data) {
      const value = codec.decode(data);
      frame(value, data, false);
      return value;
    },
    // A call refused as it was decoded stands as a refusal, not a message: its bytes count to the peer only.
    decodeAdmitted:
      codec.decodeAdmitted &&
      ((data, admit) => {
        const value = codec.decodeAdmitted!(data, admit);
        frame(value, data, false);
        return value;
      }),
    boundaries: codec.boundaries && ((data) => codec.boundaries!(data)),
  };
  if (codec.encodeShared) {
    counting.encodeShared = (value) => {
      const data = codec.encodeShared!(value);
      frame(value, data, true);
      return data;
    };
  }
  return counting;
}
