/** Every attack of the hostile-peer suite, by the number the issue gives it. */
import { callFlood } from './call-flood.js';
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
  readonly run: Attack;
}

export const attacks: readonly AttackCase[] = [
  { item: '1', name: 'a HELLO with maxMessageSize 1, then a call', run: tinyLimit },
  { item: '1s', name: 'a HELLO with maxMessageSize 1 inside the secure channel, then a call', run: tinyLimitSecure },
  { item: '2', name: '20 five-byte frames claiming 33,554,431 array elements', run: lengthClaim },
  { item: '3', name: 'a 32 MiB frame of one-byte empty maps', run: emptyMaps },
  { item: '5', name: 'a call to a missing method with 800,000 stream markers', run: markerFlood },
  { item: '6', name: '200 stream credits of 65,536, then a consumer that stops reading', run: creditBypass },
  { item: '7', name: 'one 12 MiB frame of 1,000,000 calls to a missing method', run: callFlood },
  { item: '8', name: 'a signaling member that never says hello, sent 100 signals of 4 MiB', run: heldNotifications },
  { item: '9', name: 'a callee whose replies retain every reference id of the caller', run: retainedAbuse },
  { item: '12', name: '1,000 connections that never say hello', run: idleConnections },
];
