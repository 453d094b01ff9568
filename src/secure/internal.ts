/**
 * Seams for tests only, kept out of the public options: fixed ephemeral keys (test vectors),
 * short rekey intervals, and a look at each secure transport. Attached to a `secure` options
 * object with `withSeams`; nothing in `saltline/secure` exports this module.
 */
import type { SecureTransport } from './channel.js';
import type { KeyPair } from './primitives.js';

export interface Seams {
  /** Ephemeral key pairs for the next handshakes, used in order (copied, then wiped as usual). */
  readonly ephemerals?: KeyPair[];
  /** Records per key before the sender rekeys (default 2^20). */
  readonly rekeyRecords?: number;
  /** Milliseconds per key before the sender rekeys (default 10 minutes). */
  readonly rekeyInterval?: number;
  /** Told of each rekey, as it happens. */
  readonly onEvent?: (event: 'rekey sent' | 'rekey received') => void;
  /** The clock for hello timestamps and their checks (default `Date.now`). */
  readonly clock?: () => number;
  /** Called with every secure transport made with these options. */
  readonly onTransport?: (transport: SecureTransport) => void;
}

const seams = new WeakMap<object, Seams>();

/** Returns `options` with test seams attached. */
export function withSeams<T extends object>(options: T, seam: Seams): T {
  seams.set(options, seam);
  return options;
}

export function seamsOf(options: object): Seams | undefined {
  return seams.get(options);
}
