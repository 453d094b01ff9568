/**
 * What the cache keeps per peer on the calling side, and the two small helpers every half of the
 * cache shares. Its own module so the read path and the invalidation half can both use it.
 */
import type { Peer } from '../types.js';
import type { Flights } from './flights.js';

/** What one peer of this cache knows of the far side, as a caller. */
export interface Link {
  readonly peer: Peer;
  scope: string;
  stable: boolean;
  ep: string | undefined;
  lastSeq: number;
  /** Entries ordered before this are treated as invalidated: stored by an earlier page, or before a resync. */
  staleBefore: number;
  syncing: Promise<void> | undefined;
  readonly flights: Flights;
  /** Methods whose results came back without a policy: their calls skip the cache entirely. */
  readonly uncacheable: Set<string>;
  /** Methods whose results came back with one: their identical calls may be coalesced. */
  readonly cacheable: Set<string>;
}

export const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

let lastOrder = 0;
/** A start order that grows across reloads (entries persisted by an earlier page compare right). */
export const nextOrder = () => (lastOrder = Math.max(lastOrder + 1, Date.now() * 1000));
