#!/usr/bin/env node
// How close to the raw transport can a sequential RPC over a same-thread MessageChannel get?
// The peer-bench's raw baseline matches replies FIFO and sends `['add', 2, 3]` → `5`; an RPC
// needs ids, so this measures the floors between that baseline and saltline, in one
// interleaved run (bench/lib/measure.mjs):
//
//   1. raw: the peer-bench baseline (FIFO, no ids).
//   2. ids: the smallest id-tagged RPC: `[id, 'add', [2, 3]]` → `[id, 5]`, a Map of pending calls.
//   3. shapes: (2) with saltline's message shapes, `[1, id, 'add', [2, 3]]` → `[3, id, 5]`, each
//      side sending from a microtask (saltline's coalescing flush), a deadline read per call.
//   4. saltline, built (dist/).
//
//   node --expose-gc bench/floor.mjs      (after `npx rollup -c`; markdown on stdout)
import { MessageChannel } from 'node:worker_threads';
import { createPeer } from '../dist/index.js';
import { fromPort } from '../dist/worker.js';
import { ids, raw, shapes } from './lib/floors.mjs';
import { fmt, fmtRatio, interleave, ratio, seq, table } from './lib/measure.mjs';

const add = (a, b) => a + b;

function saltline() {
  const { port1, port2 } = new MessageChannel();
  const server = createPeer(fromPort(port1), { expose: { add } });
  const client = createPeer(fromPort(port2));
  const api = client.remote();
  return { call: () => api.add(2, 3), close: () => (client.close(), server.close()) };
}

const ends = [
  ['raw postMessage (FIFO, no ids)', raw()],
  ['id-tagged RPC', ids()],
  ['+ saltline message shapes, microtask flush, deadline', shapes()],
  ['saltline', saltline()],
];
await ends[3][1].call(); // saltline's hello
const stats = await interleave(ends.map(([name, end]) => ({ name, run: (ms) => seq(end.call, ms) })));
for (const [, end] of ends) end.close();
console.log(
  table(
    ['case', 'sequential calls/s', 'min–max', 'vs raw', 'vs id-tagged'],
    stats.map((s) => [
      s.name,
      `**${fmt(s.median)}**`,
      `${fmt(s.min)}–${fmt(s.max)}`,
      fmtRatio(ratio(s, stats[0])),
      fmtRatio(ratio(s, stats[1])),
    ]),
  ),
);
