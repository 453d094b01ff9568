// Decode cost of the msgpack codec: hostile frames (time and peak memory, one process per frame,
// since a frame that fails may still have allocated) and a small call (ns per decode).
//
//   node --expose-gc --import tsx bench/codec-decode.ts            all cases, one child process each
//   node --expose-gc --import tsx bench/codec-decode.ts small      only the 100-byte call, in-process
//
// Peak memory is the child's maxRSS minus the RSS it had just before decoding, the frame already
// built (so Node, the codec and the frame are left out; for the legitimate frames, encoding them
// may have set the peak, so read their "heap after"); "heap after" is heapUsed right after decode
// returned or threw, before any forced collection.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Decoder } from '@msgpack/msgpack';
import { msgpackCodec } from '../src/msgpack.js';

const MiB = 1024 * 1024;

/** An array32 header claiming `count` elements, then `length` bytes written by `fill`: one allocation. */
function array32(count: number, length: number, fill: (body: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(5 + length);
  out[0] = 0xdd;
  new DataView(out.buffer).setUint32(1, count);
  fill(out.subarray(5));
  return out;
}

const ATTACK = 32 * MiB - 5;

const frames: Record<string, () => Uint8Array> = {
  /** Issue item 2: five bytes claiming 33,554,431 elements. */
  'claimed 2^25 array, 5 bytes': () => new Uint8Array([0xdd, 0x01, 0xff, 0xff, 0xff]),
  /** Issue item 3: a 32 MiB array of empty maps (one byte each). */
  '32 MiB of empty maps': () => array32(ATTACK, ATTACK, (body) => body.fill(0x80)),
  '32 MiB of empty arrays': () => array32(ATTACK, ATTACK, (body) => body.fill(0x90)),
  /** The budget's worst case: arrays of 65,535 empty maps, so that values are built before a claim goes over. */
  'nested: arrays of 65535 maps': () => {
    const chunk = 3 + 0xffff;
    const chunks = Math.floor(ATTACK / chunk);
    return array32(chunks, chunks * chunk, (body) => {
      body.fill(0x80);
      for (let i = 0; i < body.length; i += chunk) body.set([0xdc, 0xff, 0xff], i);
    });
  },
  /** Legitimate: a 32 MiB binary payload, and 1 Mi numbers. */
  'legit: 32 MiB bin': () => msgpackCodec().encode([[3, 1, new Uint8Array(32 * MiB - 64)]]) as Uint8Array,
  'legit: 1 Mi float64s': () => msgpackCodec().encode([[3, 1, Array.from({ length: MiB }, (_, i) => i + 0.5)]]) as Uint8Array,
};

/** About 100 bytes: one CALL with an object argument and trace metadata. */
const smallCall = msgpackCodec().encode([
  1,
  17,
  'users.get',
  [{ id: 12345, name: 'Ada Lovelace', tags: ['admin', 'ops'] }, true],
  { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
]) as Uint8Array;

function one(name: string): void {
  const bytes = frames[name]!();
  const codec = msgpackCodec();
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  let outcome = 'decoded';
  try {
    codec.decode(bytes);
  } catch (error) {
    outcome = `threw ${(error as Error).name}: ${(error as Error).message.slice(0, 70)}`;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const heapAfter = process.memoryUsage().heapUsed;
  const peak = process.resourceUsage().maxRSS * 1024 - rssBefore;
  const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
  console.log(
    `${name.padEnd(30)} ${String(bytes.length).padStart(9)} B  ${ms.toFixed(1).padStart(8)} ms  peak +${mib(peak).padStart(8)}` +
      `  heap after ${mib(heapAfter).padStart(8)}  ${outcome}`,
  );
}

/**
 * ns per decode of the small call, for saltline's codec and for `@msgpack/msgpack`'s Decoder as the
 * codec used it before (same limits, no extensions in play), in alternating runs of one process
 * so that the load of a shared machine falls on both alike.
 */
function small(): void {
  const codec = msgpackCodec();
  const library = new Decoder({ maxStrLength: 32 * MiB, maxBinLength: 32 * MiB, maxArrayLength: 32 * MiB, maxMapLength: 32 * MiB });
  const contenders: [string, () => unknown][] = [
    ['msgpackCodec().decode', () => codec.decode(smallCall)],
    ['@msgpack/msgpack Decoder', () => library.decode(smallCall)],
  ];
  const runs = 11;
  const n = 100_000;
  const results = contenders.map(() => [] as number[]);
  for (const [, decode] of contenders) for (let i = 0; i < n; i++) decode(); // warm up
  for (let r = 0; r < runs; r++) {
    contenders.forEach(([, decode], c) => {
      globalThis.gc?.();
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) decode();
      results[c]!.push(Number(process.hrtime.bigint() - start) / n);
    });
  }
  contenders.forEach(([name], c) => {
    const sorted = results[c]!.sort((a, b) => a - b);
    const median = sorted[runs >> 1]!.toFixed(0);
    console.log(`${smallCall.length}-byte call, ${name.padEnd(26)} median ${median} ns/op (min ${sorted[0]!.toFixed(0)})`);
  });
}

const [mode, name] = process.argv.slice(2);
if (mode === 'one') one(name!);
else if (mode === 'small') small();
else {
  const self = fileURLToPath(import.meta.url);
  for (const frame of Object.keys(frames)) {
    const args = ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', self, 'one', frame];
    try {
      process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 }));
    } catch (error) {
      console.log(`${frame.padEnd(30)} child failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  small();
}
