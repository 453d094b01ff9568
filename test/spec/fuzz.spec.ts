/**
 * Fuzzing a peer from a far end driven by hand: 100,000 frames in all, in families that each aim
 * at one weakness a hostile peer would look for. Random and mutated frames; DAGs (a few hundred
 * bytes that structured clone keeps shared and a naive walk expands to 2^64 nodes) on clone
 * transports; msgpack length claims larger than the bytes behind them; floods of reference
 * markers. Every generator is seeded, so a failure replays. After each family the peer must still
 * answer a valid call and leak nothing; over the whole file, no rejection may escape unhandled.
 */
import { describe, it, watchUnhandledRejections } from '#harness';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { type RawEnd, rawPeer, replyTo } from '../support/raw.js';

/** Watches the whole file; the last test checks it. */
const stopWatching = watchUnhandledRejections();

/** Frames each family sends per test; the file sends `FRAMES_TOTAL` in all (checked at the end). */
const RANDOM_FRAMES = 10_000;
/**
 * Fewer DAG frames: a bounded walk still visits up to 2^20 nodes of one before it starts
 * remembering objects (~5 ms a frame on a loaded 2-core machine), so each is costly by design.
 */
const DAG_FRAMES = 1_000;
const CLAIM_FRAMES = 10_000;
const MARKER_FRAMES = 2_500;
const FRAMES_TOTAL = 100_000;
let framesSent = 0;

/** mulberry32: a seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (rand: () => number, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: () => number, list: readonly T[]): T => list[below(rand, list.length)]!;

function anyValue(rand: () => number, depth = 0): unknown {
  switch (below(rand, depth > 2 ? 8 : 11)) {
    case 0:
      return null;
    case 1:
      return below(rand, 40) - 5;
    case 2:
      return rand() * 1e12;
    case 3:
      return pick(rand, ['add', 'echo', 'count', '__proto__', 'constructor', 'a.b', '', 'toString']);
    case 4:
      return rand() < 0.5;
    case 5:
      return -1;
    case 6:
      return 'x'.repeat(below(rand, 300));
    case 7:
      return new Uint8Array(below(rand, 8));
    case 8:
      return Array.from({ length: below(rand, 5) }, () => anyValue(rand, depth + 1));
    case 9: {
      const [name, message, cause] = [anyValue(rand, depth + 1), anyValue(rand, depth + 1), anyValue(rand, depth + 1)];
      return { name, message, props: { __proto__x: 1 }, cause };
    }
    default:
      return { a: anyValue(rand, depth + 1) };
  }
}

/** A message that looks like protocol, with any field wrong; never a goodbye or a foreign hello. */
function messageLike(rand: () => number): unknown {
  const kinds = [1, 1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 99, -1, 'call', null];
  const message: unknown[] = [pick(rand, kinds)];
  const length = below(rand, 6);
  for (let i = 0; i < length; i++) message.push(anyValue(rand));
  if (rand() < 0.5) message[1] = below(rand, 30);
  return message;
}

function randomFrame(rand: () => number): unknown {
  if (rand() < 0.1) return anyValue(rand);
  return Array.from({ length: 1 + below(rand, 4) }, () => messageLike(rand));
}

/** True for frames that would close the peer on purpose: goodbye, or a hello of another version. */
function closesOnPurpose(frame: unknown): boolean {
  const messages = Array.isArray(frame) && typeof frame[0] === 'number' ? [frame] : frame;
  return Array.isArray(messages) && messages.some((m) => Array.isArray(m) && (m[0] === 12 || (m[0] === 0 && m[1] !== 1)));
}

const codec = msgpackCodec();

/** Random bytes, or an encoded frame with a few bytes flipped and maybe cut short. */
function mutatedBytes(rand: () => number, value: unknown): Uint8Array {
  const bytes = rand() < 0.3 ? crypto.getRandomValues(new Uint8Array(below(rand, 48))) : (codec.encode([value]) as Uint8Array);
  for (let flips = below(rand, 3); flips > 0; flips--) bytes[below(rand, bytes.length)] = below(rand, 256);
  return rand() < 0.2 ? bytes.subarray(0, below(rand, bytes.length)) : bytes;
}

/** Bytes that decode to a goodbye or a foreign hello would close the peer on purpose: not sent. */
function bytesCloseOnPurpose(bytes: Uint8Array): boolean {
  try {
    return closesOnPurpose(codec.decode(bytes));
  } catch {
    return false;
  }
}

// ---- DAGs: small on the wire, 2^depth nodes to a walk that does not remember where it has been ----

/** `[v, v]` or `{ a: v, b: v }`, `depth` times over one leaf: every level shares the one below. */
function dag(rand: () => number, depth: number, leaf: unknown = anyValue(rand, 3)): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = rand() < 0.5 ? [value, value] : { a: value, b: value };
  return value;
}

/** An error's wire form whose `errors` and `cause` share one inner error per level: 65^depth errors, walked naively. */
function errorDag(depth: number): unknown {
  let wire: Record<string, unknown> = { name: 'Error', message: 'leaf' };
  for (let i = 0; i < depth; i++) wire = { name: 'AggregateError', message: `level ${i}`, errors: Array(64).fill(wire), cause: wire };
  return wire;
}

/**
 * A message that carries a DAG where the peer walks values: arguments, results, metadata,
 * errors, reasons. Error DAGs are one frame in five hundred: even bounded, each is many errors
 * to build (and under tsx each error's stack is source-mapped), and the point is that the bound
 * holds, not how often it is hit.
 */
function dagMessage(rand: () => number, callIds: readonly number[], nextId: () => number): unknown[] {
  const depth = 8 + below(rand, 57);
  const id = callIds.length && rand() < 0.5 ? pick(rand, callIds) : below(rand, 30);
  const roll = below(rand, 1000);
  if (roll < 250) return [1, nextId(), 'echo', [dag(rand, depth)]];
  if (roll < 450) return [1, nextId(), 'echo', [dag(rand, depth)], null, null, 1];
  if (roll < 550) return [1, nextId(), 'no such method', [dag(rand, depth)], null, null, 1];
  if (roll < 650) return [1, nextId(), 'count', [dag(rand, depth), dag(rand, depth)], { m: dag(rand, depth) }];
  if (roll < 750) return [2, 'echo', [dag(rand, depth)]];
  if (roll < 980) return [3, id, dag(rand, depth), null, rand() < 0.5 ? 1 : 0];
  if (roll < 990) return [pick(rand, [4, 7, 14]), id, { name: 'Error', message: 'reason', props: { p: dag(rand, depth) } }];
  if (roll < 998) return [pick(rand, [7, 14]), 1 + below(rand, 20), errorDag(1 + below(rand, 8))];
  if (roll < 999) return [4, id, errorDag(1 + below(rand, 8))];
  return [1, nextId(), 'count', [{ '~ref': [3, 1 + below(rand, 1e6), errorDag(1 + below(rand, 8))] }], null, null, 1];
}

// ---- length claims: headers that promise more than the frame holds ----

const u16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** A msgpack header claiming `n` elements or bytes, in any of the length-carrying formats. */
function claim(rand: () => number, n: number): number[] {
  switch (below(rand, 7)) {
    case 0:
      return [0xdc, ...u16(Math.min(n, 0xffff))];
    case 1:
      return [0xdd, ...u32(n)];
    case 2:
      return [0xde, ...u16(Math.min(n, 0xffff))];
    case 3:
      return [0xdf, ...u32(n)];
    case 4:
      return [pick(rand, [0xc6, 0xdb]), ...u32(n)]; // bin 32, str 32
    case 5:
      return [0xc9, ...u32(n), pick(rand, [1, 2, 3, 4, 5, 6, 0x20, 0xff])]; // ext 32 of a saltline or foreign type
    default:
      return [0xc8, ...u16(Math.min(n, 0xffff)), pick(rand, [2, 4, 5])]; // ext 16: error, Map, Set
  }
}

/** A frame that opens like a call, or a saltline ext, and then claims far more than follows. */
function claimFrame(rand: () => number): Uint8Array {
  const prefixes: number[][] = [
    [],
    [0x94, 0x01, 0x01, 0xa4, ...'echo'].map((c) => (typeof c === 'string' ? c.charCodeAt(0) : c)),
    [0x91, 0x94, 0x01, 0x02, 0xa5, ...'count'].map((c) => (typeof c === 'string' ? c.charCodeAt(0) : c)),
    [0xc7, 0x00, 0x04], // ext 8 Map whose payload the claim follows (its length patched below)
    [0x92, 0x92, 0x0a, 0x01],
  ];
  const prefix = pick(rand, prefixes);
  const size = pick(rand, [0x7fffffff, 0xffffffff, 0x1ffffff, 0x10000, 1 + below(rand, 1 << 24)]);
  const tail = Array.from({ length: below(rand, 8) }, () => pick(rand, [0x80, 0x90, 0xc0, 0x00, below(rand, 256)]));
  const bytes = Uint8Array.from([...prefix, ...claim(rand, size), ...tail]);
  if (prefix[0] === 0xc7) bytes[1] = bytes.length - 3;
  return bytes;
}

// ---- marker floods ----

/** One marker of any kind, well formed or not. */
function marker(rand: () => number): unknown {
  const ref = rand() < 0.9 ? 1 + below(rand, 1e6) : pick(rand, [-1, 0.5, 'x', null, 2 ** 53]);
  switch (below(rand, 7)) {
    case 0:
      return { '~ref': [0, ref] };
    case 1:
      return { '~ref': [1, ref] };
    case 2:
      return { '~ref': [2, ref] };
    case 3:
      return { '~ref': [3, ref] };
    case 4:
      return { '~ref': [9, { '~ref': [2, ref] }] };
    case 5:
      return { '~ref': [pick(rand, [4, 8, 99, -1]), ref] };
    default:
      return { '~ref': pick(rand, [[], [2], 'x', { 0: 2 }]) };
  }
}

/** A CALL whose arguments are a flood of markers: mostly a few, sometimes thousands, repeats included. */
function markerCall(rand: () => number, id: number): unknown[] {
  const count = rand() < 0.03 ? 1_000 + below(rand, 9_000) : below(rand, 64);
  const args = Array.from({ length: count }, () => marker(rand));
  const method = pick(rand, ['count', 'count', 'no such method', 'nested.count', 1 + below(rand, 50)]);
  return [1, id, method, args, null, null, 1];
}

/** Streams the far end feeds into the peer's `drain`, so that stream items can carry markers too. */
const STREAMS = 20;

/**
 * Marker floods, as call arguments and as items of streams the peer is reading. Calls get ids
 * from 1 to `MARKER_FRAMES`; the drains, the ids after. Returns once everything is sent and every
 * stream ended.
 */
function markerFlood(end: RawEnd, rand: () => number): void {
  for (let i = 1; i <= STREAMS; i++) end.send([1, MARKER_FRAMES + i, 'drain', [{ '~ref': [1, i] }], null, null, 1]);
  for (let id = 1; id <= MARKER_FRAMES; id++) {
    if (rand() < 0.1) sendFrame(end, [6, 1 + below(rand, STREAMS), Array.from({ length: below(rand, 8) }, () => marker(rand)), 1]);
    sendFrame(end, markerCall(rand, id));
  }
  for (let i = 1; i <= STREAMS; i++) end.send([7, i]);
}

const api = {
  add: (a: number, b: number) => a + b,
  echo: (value: unknown) => value,
  /** Takes anything and keeps none of it. */
  count: (...args: unknown[]) => args.length,
  /** Reads a stream to its end: the peer as a stream consumer, taking items that may hold markers. */
  drain: async (items: AsyncIterable<unknown>) => {
    let count = 0;
    for await (const _ of items) count++;
    return count;
  },
};

function open(kind: 'clone' | 'bytes'): RawEnd {
  const end = rawPeer(kind, { expose: api });
  end.send([0, 1, true, {}]);
  return end;
}

/** Sends a frame as a value (clone) or as bytes: encoded values, or the bytes as they are. */
function sendFrame(end: RawEnd, frame: unknown): void {
  framesSent++;
  if (frame instanceof Uint8Array) end.sendRaw(frame);
  else end.send(...((Array.isArray(frame) && typeof frame[0] !== 'number' ? frame : [frame]) as unknown[][]));
}

/** Once every earlier frame is handled (a ping is answered), the peer still answers a call correctly. */
async function stillAnswers(end: RawEnd, id = 1_000_001): Promise<void> {
  end.send([10, `after ${id}`]);
  await end.next((m) => m[0] === 11 && m[1] === `after ${id}`);
  equal(end.peer.stats().closed, false, 'the peer closed');
  end.send([1, id, 'add', [2, 3]]);
  deepEqual(await end.next(replyTo(id)), [3, id, 5]);
}

/** Random and mutated frames, with the peer's own calls in flight, aborted at the end. */
async function randomFuzz(kind: 'clone' | 'bytes', seed: number): Promise<void> {
  const rand = random(seed);
  const end = open(kind);
  const controller = new AbortController();
  const outgoing = Array.from({ length: 20 }, () => end.peer.call('echo', [1], { signal: controller.signal }).catch(() => 'settled'));
  for (let i = 0; i < RANDOM_FRAMES; i++) {
    const value = randomFrame(rand);
    const frame = kind === 'clone' ? value : mutatedBytes(rand, value);
    if (kind === 'clone' ? closesOnPurpose(frame) : bytesCloseOnPurpose(frame as Uint8Array)) continue;
    end.sendRaw(frame);
    framesSent++;
  }
  await stillAnswers(end);
  ok(end.peer.stats().malformed > 0, 'nothing was counted as malformed');
  const call = end.peer.call('echo', ['after']);
  const sent = await end.next((m) => m[0] === 1 && (m[3] as unknown[])?.[0] === 'after');
  end.send([3, sent[1], 'answered']);
  equal(await call, 'answered');
  controller.abort();
  await Promise.all(outgoing);
}

describe('hostile input (clone)', () => {
  checkLeaks();

  for (const seed of [0x11e, 0x2c10, 0x2c11]) {
    it(`survives ${RANDOM_FRAMES} random and mutated frames (seed ${seed}) and still answers a valid call`, async () => {
      await randomFuzz('clone', seed);
    });
  }

  it(`survives ${DAG_FRAMES} frames whose values are DAGs of shared references and still answers a valid call`, async () => {
    const rand = random(0xda6);
    const end = open('clone');
    // Calls of the peer's own, for DAG replies to answer.
    const outgoing = Array.from({ length: 100 }, (_, i) => end.peer.call('echo', [i], { timeout: 0 }).catch(() => 'failed'));
    await end.next((m) => m[0] === 1 && (m[3] as unknown[])[0] === 99);
    const callIds = end.received.filter((m) => m[0] === 1).map((m) => m[1] as number);
    let id = 1;
    for (let i = 0; i < DAG_FRAMES; i++)
      sendFrame(
        end,
        dagMessage(rand, callIds, () => id++),
      );
    for (const callId of callIds) end.send([3, callId, 'answered']); // any the DAGs left waiting
    await Promise.all(outgoing);
    await stillAnswers(end);
  });

  it(`answers every call when ${MARKER_FRAMES} calls and the items of its streams carry marker floods`, async () => {
    const rand = random(0x3a7c);
    const end = open('clone');
    markerFlood(end, rand);
    for (let id = 1; id <= MARKER_FRAMES + STREAMS; id++) await end.next(replyTo(id));
    await stillAnswers(end);
  });

  it(`holds no reference once calls and stream items carrying marker floods are answered`, async () => {
    const rand = random(0x3a7d);
    const end = open('clone');
    markerFlood(end, rand);
    for (let id = 1; id <= MARKER_FRAMES + STREAMS; id++) await end.next(replyTo(id));
    await stillAnswers(end);
    const { references, streams } = end.peer.stats();
    deepEqual({ references, streams }, { references: 0, streams: 0 });
  });
});

describe('hostile input (bytes)', () => {
  checkLeaks();

  for (const seed of [0x5a17, 0x5a18, 0x5a19]) {
    it(`survives ${RANDOM_FRAMES} random and mutated frames (seed ${seed}) and still answers a valid call`, async () => {
      await randomFuzz('bytes', seed);
    });
  }

  for (const seed of [0xc1a1, 0xc1a2, 0xc1a3]) {
    const name = `survives ${CLAIM_FRAMES} frames whose lengths claim more than they hold (seed ${seed}) and still answers a valid call`;
    it(name, async () => {
      const rand = random(seed);
      const end = open('bytes');
      for (let i = 0; i < CLAIM_FRAMES; i++) sendFrame(end, claimFrame(rand));
      await stillAnswers(end);
      ok(end.peer.stats().malformed >= CLAIM_FRAMES, `only ${end.peer.stats().malformed} frames were counted as malformed`);
    });
  }

  it(`answers every call when ${MARKER_FRAMES} calls and the items of its streams carry marker floods`, async () => {
    const rand = random(0x3a7e);
    const end = open('bytes');
    markerFlood(end, rand);
    for (let id = 1; id <= MARKER_FRAMES + STREAMS; id++) await end.next(replyTo(id));
    await stillAnswers(end);
  });

  it(`holds no reference once calls and stream items carrying marker floods are answered`, async () => {
    const rand = random(0x3a7f);
    const end = open('bytes');
    markerFlood(end, rand);
    for (let id = 1; id <= MARKER_FRAMES + STREAMS; id++) await end.next(replyTo(id));
    await stillAnswers(end);
    const { references, streams } = end.peer.stats();
    deepEqual({ references, streams }, { references: 0, streams: 0 });
  });
});

describe('the whole fuzz suite', () => {
  it('lets no rejection escape unhandled', () => {
    deepEqual(stopWatching(), []);
  });

  // Random frames that would close the peer on purpose (a goodbye) are skipped, a few in a hundred.
  it(`sends the peer at least 95% of ${FRAMES_TOTAL} planned frames`, () => {
    ok(framesSent >= FRAMES_TOTAL * 0.95, `only ${framesSent} frames were sent`);
  });
});
