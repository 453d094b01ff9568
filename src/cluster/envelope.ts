/**
 * Messages between processes, sealed with the cluster's shared key so that anyone else who can
 * publish on the Redis server cannot inject one: HMAC-SHA256 over a msgpack body that names its
 * sender, its sequence number on its channel, its time and its channel. A message is taken only
 * once (sequence numbers only rise), only on the channel it was sealed for, and only within
 * `maxSkew` of this clock; a jump in a sender's sequence numbers is reported as messages missed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decode, encode } from '@msgpack/msgpack';

const MAC_BYTES = 32;

/** HMAC-SHA256 of `parts` (joined unambiguously) under `key`. */
export function mac(key: Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    hmac.update(length).update(bytes);
  }
  return hmac.digest();
}

export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** A message as the sender sealed it. */
export interface Opened {
  readonly node: string;
  readonly seq: number;
  readonly data: unknown;
}

export function seal(key: Uint8Array, channel: string, node: string, seq: number, data: unknown): Buffer {
  const body = encode([node, seq, Date.now(), channel, data]);
  return Buffer.concat([mac(key, body), body]);
}

/** The message in `sealed`, or why it is refused. */
export function open(key: Uint8Array, channel: string, sealed: Uint8Array, maxSkew: number): Opened | string {
  if (sealed.byteLength <= MAC_BYTES) return 'too short';
  const body = sealed.subarray(MAC_BYTES);
  if (!sameMac(sealed.subarray(0, MAC_BYTES), mac(key, body))) return 'bad MAC';
  // A plain view, not a Buffer: binary fields decode as Uint8Array views of what is given.
  const fields = decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) as unknown[];
  if (!Array.isArray(fields) || fields.length !== 5) return 'malformed';
  const [node, seq, time, sealedFor, data] = fields;
  if (typeof node !== 'string' || !Number.isSafeInteger(seq) || typeof time !== 'number') return 'malformed';
  if (sealedFor !== channel) return 'sealed for another channel';
  if (Math.abs(Date.now() - time) > maxSkew) return 'stale';
  return { node, seq: seq as number, data };
}

/**
 * The last sequence number taken from each sender on each channel, for at most `max` pairs (the
 * oldest forgotten first): replays are refused, jumps counted as missed messages.
 */
export class Receipts {
  readonly #last = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** How many messages were missed before this one (0 for the first from a sender), or -1 for a replay. */
  take(node: string, channel: string, seq: number): number {
    const id = `${node}\n${channel}`;
    const last = this.#last.get(id);
    if (last !== undefined && seq <= last) return -1;
    this.#last.delete(id); // re-inserted last: the map's order is least recently heard first
    this.#last.set(id, seq);
    if (this.#last.size > this.#max) this.#last.delete(this.#last.keys().next().value as string);
    return last === undefined ? 0 : seq - last - 1;
  }

  /** Forgets a sender that has gone. */
  forget(node: string): void {
    for (const id of this.#last.keys()) if (id.startsWith(`${node}\n`)) this.#last.delete(id);
  }
}
