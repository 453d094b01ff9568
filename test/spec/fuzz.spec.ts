import { describe, it, watchUnhandledRejections } from '#harness';
import { msgpackCodec } from '../../src/msgpack.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { kindIs, rawPeer, replyTo } from '../support/raw.js';

const FRAMES = 10_000;

/** mulberry32: a seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function anyValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 2 ? 8 : 11));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(rand() * 40) - 5;
    case 2:
      return rand() * 1e12;
    case 3:
      return ['add', 'echo', '__proto__', 'constructor', 'a.b', '', 'toString'][Math.floor(rand() * 7)];
    case 4:
      return rand() < 0.5;
    case 5:
      return -1;
    case 6:
      return 'x'.repeat(Math.floor(rand() * 300));
    case 7:
      return new Uint8Array(Math.floor(rand() * 8));
    case 8:
      return Array.from({ length: Math.floor(rand() * 5) }, () => anyValue(rand, depth + 1));
    case 9:
      return {
        name: anyValue(rand, depth + 1),
        message: anyValue(rand, depth + 1),
        props: { __proto__x: 1 },
        cause: anyValue(rand, depth + 1),
      };
    default:
      return { a: anyValue(rand, depth + 1) };
  }
}

/** A message that looks like protocol, with any field wrong; never a goodbye or a foreign hello. */
function messageLike(rand: () => number): unknown {
  const kinds = [1, 1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 13, 99, -1, 'call', null];
  const message: unknown[] = [kinds[Math.floor(rand() * kinds.length)]];
  const length = Math.floor(rand() * 6);
  for (let i = 0; i < length; i++) message.push(anyValue(rand));
  if (rand() < 0.5) message[1] = Math.floor(rand() * 30);
  return message;
}

function frame(rand: () => number): unknown {
  if (rand() < 0.1) return anyValue(rand);
  return Array.from({ length: 1 + Math.floor(rand() * 4) }, () => messageLike(rand));
}

/** True for frames that would close the peer on purpose: goodbye, or a hello of another version. */
function closesOnPurpose(batch: unknown): boolean {
  return Array.isArray(batch) && batch.some((m) => Array.isArray(m) && (m[0] === 12 || (m[0] === 0 && m[1] !== 1)));
}

const api = { add: (a: number, b: number) => a + b, echo: (value: unknown) => value };

for (const kind of ['clone', 'bytes'] as const) {
  describe(`hostile input (${kind})`, () => {
    checkLeaks();

    it(`survives ${FRAMES} random and mutated frames and still answers a valid call`, async () => {
      const stopWatching = watchUnhandledRejections();
      const rand = random(kind === 'bytes' ? 0x5a17 : 0x11e);
      const end = rawPeer(kind, { expose: api });
      const codec = msgpackCodec();
      end.send([0, 1, true, {}]);
      const controller = new AbortController();
      const outgoing = Array.from({ length: 20 }, () => end.peer.call('echo', [1], { signal: controller.signal }).catch(() => 'settled'));
      for (let i = 0; i < FRAMES; i++) {
        const value = frame(rand);
        if (closesOnPurpose(value)) continue;
        if (kind === 'clone') {
          end.sendRaw(value);
          continue;
        }
        const bytes =
          rand() < 0.3 ? crypto.getRandomValues(new Uint8Array(Math.floor(rand() * 48))) : (codec.encode([value]) as Uint8Array);
        for (let flips = Math.floor(rand() * 3); flips > 0; flips--) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        const cut = rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
        let decoded: unknown;
        try {
          decoded = codec.decode(cut);
        } catch {
          decoded = undefined;
        }
        if (closesOnPurpose(decoded)) continue;
        end.sendRaw(cut);
      }
      end.send([10, 424242]);
      await end.next((m) => m[0] === 11 && m[1] === 424242);
      equal(end.peer.stats().closed, false, 'the peer closed');
      ok(end.peer.stats().malformed > 0, 'nothing was counted as malformed');

      end.send([1, 1_000_001, 'add', [2, 3]]);
      deepEqual(await end.next(replyTo(1_000_001)), [3, 1_000_001, 5]);
      const call = end.peer.call('echo', ['after']);
      const sent = await end.next((m) => m[0] === 1 && (m[3] as unknown[])?.[0] === 'after');
      end.send([3, sent[1], 'answered']);
      equal(await call, 'answered');

      controller.abort();
      await Promise.all(outgoing);
      await end.next(kindIs(11));
      deepEqual(stopWatching(), []);
    });
  });
}
