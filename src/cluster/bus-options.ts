/* biome-ignore-all lint/suspicious/noExplicitAny: node-redis's own client, passed through */
/** What `redisBus` takes and what it reports: its options, stats and losses. */
import type { Bus } from '../../adapters/bus.js';
import type { Logger } from '../types.js';

/** A loss the bus reports: messages this process could not publish, or missed from another. */
export interface BusLoss {
  readonly channel: string;
  /** Published here while Redis was unreachable: no other process got them. */
  readonly unsent?: number;
  /** Published by `node` and never received here (a gap in its sequence numbers). */
  readonly missed?: number;
  readonly node?: string;
}

/** What `redisBus` takes: the Redis server, the cluster's shared key and the bounds on what arrives. */
export interface RedisBusOptions {
  /** The Redis server. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /**
   * The key every process of the cluster shares, at least 32 bytes (a string counts its UTF-8
   * bytes; e.g. `openssl rand -hex 32`). Messages and entries not sealed with it are dropped. Required.
   */
  readonly key: Uint8Array | string;
  /** Prefix of every Redis key and channel the bus uses. Default `'saltline:'`. */
  readonly prefix?: string;
  /** Milliseconds a process stays alive after its last heartbeat; it beats every third of that. Default 10,000. */
  readonly heartbeat?: number;
  /** Largest sealed message published or taken, in bytes; larger ones are refused. Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** Largest difference between a message's time and this clock, in ms; older messages (replays) are dropped. Default 30,000. */
  readonly maxSkew?: number;
  /** Entries read from one shared set; a larger set makes `members` fail with `RESOURCE_EXHAUSTED`. Default 10,000. */
  readonly maxSetSize?: number;
  /** Processes (and sender×channel pairs) remembered for liveness and replay checks; the oldest are forgotten. Default 10,000. */
  readonly maxNodes?: number;
  /** Called with each loss (see `BusLoss`). Default: `logger.warn`. */
  readonly onLoss?: (loss: BusLoss) => void;
  /** Where refused messages and Redis errors are reported. Default: silent. */
  readonly logger?: Logger;
  /** node-redis's `createClient`, for bundled apps or a configured client. Default: `import('redis')`. */
  readonly createClient?: (options: any) => any;
}

/** A Redis bus's counters at one moment: what went out, came in, was refused or lost. */
export interface RedisBusStats {
  /** `ready` while the connection to Redis is up; `reconnecting` while down; `closed` after `close()`. */
  readonly state: 'ready' | 'reconnecting' | 'closed';
  readonly published: number;
  readonly received: number;
  /** Messages dropped: bad MAC, replayed, stale, sealed for another channel, too large, malformed. */
  readonly refused: number;
  /** Messages published here while Redis was unreachable. */
  readonly unsent: number;
  /** Messages of other processes never received (gaps in their sequence numbers). */
  readonly missed: number;
  /** Other processes heard of and alive. */
  readonly nodes: number;
}

/** A `Bus` over Redis pub/sub: messages between the processes of one cluster, authenticated with its shared key. */
export interface RedisBus extends Bus {
  stats(): RedisBusStats;
  /** Resolves when the connection to Redis is up (at once if it is). */
  ready(): Promise<void>;
  /** Leaves every shared set, tells the other processes, and disconnects. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default `heartbeat`, in ms. */
export const DEFAULT_HEARTBEAT = 10_000;
/** Default `maxMessageSize`, in bytes. */
export const DEFAULT_BUS_MESSAGE_SIZE = 1 << 20;
