/** Every attack of the hostile-peer suite, by the number the issue gives it. */
import { callFlood, callFloodUnderBudget } from './call-flood.js';
import { cborFrameAttack, jsonFrameAttack } from './codec-frames.js';
import { bomb, compressedFlood, hugeLength } from './compression-bombs.js';
import { creditBypass } from './credit-bypass.js';
import { emptyMaps } from './empty-maps.js';
import { heldNotifications } from './held-notifications.js';
import { idleConnections } from './idle-connections.js';
import { lengthClaim } from './length-claim.js';
import { markerFlood } from './marker-flood.js';
import { retainedAbuse } from './retained.js';
import { tinyLimit } from './tiny-limit.js';
import { tinyLimitSecure } from './tiny-limit-secure.js';
import type { Attack } from './types.js';

export type { Attack, AttackResult, AttackTools } from './types.js';

export interface AttackCase {
  /** The number for it. */
  readonly item: string;
  readonly name: string;
  /** What bounds it, as docs/security.md's table says. */
  readonly bound: string;
  readonly run: Attack;
}

export const attacks: readonly AttackCase[] = [
  {
    item: '1',
    name: 'a HELLO with maxMessageSize 1, then a call',
    bound: 'a far side announcing a `maxMessageSize` under 1 KiB is refused at hello (the session closes)',
    run: tinyLimit,
  },
  {
    item: '1s',
    name: 'a HELLO with maxMessageSize 1 inside the secure channel, then a call',
    bound: 'the same check, inside the encrypted session',
    run: tinyLimitSecure,
  },
  {
    item: '2',
    name: '20 five-byte frames claiming 33,554,431 array elements',
    bound: 'the decoder checks every claimed length against the bytes that remain before allocating',
    run: lengthClaim,
  },
  {
    item: '3',
    name: 'a 32 MiB frame of one-byte empty maps',
    bound: '`maxValues` per message (2^21), counted before any value is built',
    run: emptyMaps,
  },
  {
    item: '5',
    name: 'a call to a missing method with 800,000 stream markers',
    bound:
      'references are imported only once the method exists; ' +
      '`limits.maxReferencesPerMessage` (1,000), `limits.maxReferences` (10,000)',
    run: markerFlood,
  },
  {
    item: '6',
    name: '200 stream credits of 65,536, then a consumer that stops reading',
    bound:
      'credit never exceeds the window (first grant at most 1,024); producers wait for the transport to drain ' +
      'and yield every 64 items; `limits.maxBufferedBytes`',
    run: creditBypass,
  },
  {
    item: '7',
    name: 'one 12 MiB frame of 1,000,000 calls to a missing method',
    bound: 'at most 4,096 messages a batch (over it the session closes); `maxValues`',
    run: callFlood,
  },
  {
    item: '7b',
    name: 'one frame of 100,000 calls to a missing method, within the value budget',
    bound: 'at most 4,096 messages a batch: over it the session closes',
    run: callFloodUnderBudget,
  },
  {
    item: '8',
    name: 'a signaling member that never says hello, sent 100 signals of 4 MiB',
    bound:
      'the signaling service seats no member before its hello; `limits.helloTimeout` ' +
      '(servers: 10 s; 2 s in this suite); held messages capped',
    run: heldNotifications,
  },
  {
    item: '9',
    name: 'a callee whose replies retain every reference id of the caller',
    bound: '`retained` keeps only functions exported with that call',
    run: retainedAbuse,
  },
  {
    item: '12',
    name: '1,000 connections that never say hello',
    bound: '`maxConnections` (1,000; 503 before the handshake); `limits.helloTimeout` (10 s; 2 s in this suite)',
    run: idleConnections,
  },
  {
    item: '15a',
    name: 'a deflate frame announcing 64 KiB that inflates to 32 MiB (CompressionStream)',
    bound: 'inflating stops past the announced length: `RESOURCE_EXHAUSTED`, the session closes',
    run: bomb('/plugins'),
  },
  {
    item: '15b',
    name: 'the same bomb against zlib',
    bound: "zlib's `maxOutputLength` is the announced length: `RESOURCE_EXHAUSTED`, the session closes",
    run: bomb('/zlib'),
  },
  {
    item: '15c',
    name: 'a deflate frame announcing 4 GiB',
    bound: 'an announced length over `maxMessageSize` closes the session before inflating',
    run: hugeLength,
  },
  {
    item: '15d',
    name: '20,000 compressed frames in one burst while inflating is asynchronous',
    bound: 'at most 4,096 frames or 4 × `maxMessageSize` wait behind an inflation; past it the session closes',
    run: compressedFlood,
  },
  {
    item: '15e',
    name: 'CBOR frames claiming 2^64 items, a 4 GiB string, nesting a million deep, indefinite lengths',
    bound: 'a scan before cbor-x: counts against the bytes left, `maxDepth` (100), `maxValues` (2^21), no indefinite lengths',
    run: cborFrameAttack,
  },
  {
    item: '15f',
    name: 'a JSON frame of 32 MiB holding 11 million empty objects, then arrays nested a million deep',
    bound: 'a scan of the text before `JSON.parse`: `maxValues` (2^21) values and keys, nesting 2 × `maxDepth` (200)',
    run: jsonFrameAttack,
  },
];
