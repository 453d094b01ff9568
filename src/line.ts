/**
 * What the `Peer` facade calls through, and how a dialer starts one. A dialer made by
 * `reconnecting()` registers its starter here, so `createPeer` on a plain transport bundles none
 * of the reconnection code: only apps that call `reconnecting()` carry it.
 */
import type { Meta } from './protocol.js';
import type { Call, Logger, Peer, PeerOptions, PeerStats } from './types.js';

/** What the facade calls through: one `Session`, or the `Links` of `reconnecting()` (a session per link). */
export interface Line {
  readonly closed: Promise<unknown>;
  readonly defaultTimeout: number;
  readonly logger: Logger | undefined;
  readonly isClosed: boolean;
  readonly remoteIdentity: Uint8Array | undefined;
  set api(api: object | undefined);
  send(
    target: string,
    args: readonly unknown[],
    meta: Meta | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    call: Call | undefined,
  ): Promise<unknown>;
  notify(method: string, args: readonly unknown[], meta: Meta | undefined): void;
  close(reason?: unknown): void;
  stats(): PeerStats;
}

/** Starts the line of one peer: the `Links` of a dialer. */
export type LineStarter = (options: PeerOptions, peer: Peer) => Line;

const starters = new WeakMap<object, LineStarter>();

export function registerDialer(target: object, start: LineStarter): void {
  starters.set(target, start);
}

/** The starter of a dialer `reconnecting()` made; `undefined` for anything else (a transport). */
export function starterOf(target: unknown): LineStarter | undefined {
  return typeof target === 'object' && target !== null ? starters.get(target) : undefined;
}
