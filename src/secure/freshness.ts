/**
 * Who a responder answers, beyond the hello's MAC: a hello must be fresh (its timestamp within
 * the window of our clock), new (not in the replay cache), and within the handshake budget (a
 * token bucket). A hello that fails any of these costs the responder one MAC check and gets no
 * answer; one that passes costs a handshake (an X25519 and an Ed25519 signature).
 *
 * One guard serves every responder in a JavaScript realm, so a hello replayed to another
 * connection of the same server is caught, and the budget bounds the realm's handshake CPU.
 * Every piece of state is bounded: the cache by `maxEntries`, the bucket by two numbers.
 */

export interface FreshnessLimits {
  /** Milliseconds a hello's timestamp may differ from our clock, either way. Default 120,000 (2 min). */
  readonly window: number;
  /** Handshakes answered per second, sustained, for the realm. Default 40. */
  readonly rate: number;
  /** Handshakes that may be answered at once after a quiet spell. Default 100. */
  readonly burst: number;
  /**
   * Hellos remembered. Default 16,384: more than `burst + rate × 2 × window` (9,700 by default),
   * the most the budget lets in while an entry lives, so a full cache means a clock that jumped.
   */
  readonly maxEntries: number;
}

/** The replay guard's defaults: a 2-minute window, 40 hellos/s with a burst of 100, 16,384 remembered. */
export const DEFAULT_FRESHNESS: FreshnessLimits = { window: 120_000, rate: 40, burst: 100, maxEntries: 16_384 };

/** Bytes of the hello's MAC the cache keys on: 128 bits, so an accidental collision never happens. */
const KEY_BYTES = 16;

function cacheKey(mac: Uint8Array): string {
  let key = '';
  for (let i = 0; i < KEY_BYTES; i++) key += String.fromCharCode(mac[i]!);
  return key;
}

/** Refuses replayed and stale hellos before any key work; share one across a server's sessions. */
export class HelloGuard {
  readonly limits: FreshnessLimits;
  /** MAC prefix → when it may be forgotten. Insertion order is expiry order (one lifetime for all). */
  readonly #seen = new Map<string, number>();
  #tokens: number;
  #refilled = -Infinity;

  constructor(limits: Partial<FreshnessLimits> = {}) {
    this.limits = checkLimits({ ...DEFAULT_FRESHNESS, ...limits });
    this.#tokens = this.limits.burst;
  }

  /** Hellos remembered now (for tests and the bounds documentation). */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Decides on a hello whose MAC checked: `undefined` to answer it (it is then remembered and
   * charged to the budget), or why to stay silent, for the local log.
   */
  admit(time: number, mac: Uint8Array, now: number): string | undefined {
    const { window, rate, burst, maxEntries } = this.limits;
    const skew = now - time;
    if (!(Math.abs(skew) <= window)) return `a hello outside the time window (its clock is ${Math.round(skew / 1000)} s off ours)`;
    this.#forget(now);
    const key = cacheKey(mac);
    if (this.#seen.has(key)) return 'a replayed hello';
    if (this.#seen.size >= maxEntries) return 'a hello while the replay cache is full';
    this.#tokens = Math.min(burst, this.#tokens + (Math.max(0, now - this.#refilled) * rate) / 1000);
    this.#refilled = now;
    if (this.#tokens < 1) return 'a hello over the handshake rate limit';
    this.#tokens -= 1;
    // Kept until its timestamp has left the window: at most 2 × window after now.
    this.#seen.set(key, now + 2 * window);
    return undefined;
  }

  /** Drops the entries whose hellos the window refuses by now anyway. */
  #forget(now: number): void {
    for (const [key, expires] of this.#seen) {
      if (expires > now) return;
      this.#seen.delete(key);
    }
  }
}

function checkLimits(limits: FreshnessLimits): FreshnessLimits {
  const { window, rate, burst, maxEntries } = limits;
  if (!(window > 0 && window < 2 ** 31)) throw new TypeError('handshakeGuard: window must be a positive number of milliseconds');
  if (!(rate > 0 && Number.isFinite(rate))) throw new TypeError('handshakeGuard: rate must be a positive number of handshakes a second');
  if (!(burst >= 1 && Number.isFinite(burst))) throw new TypeError('handshakeGuard: burst must be at least 1');
  if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new TypeError('handshakeGuard: maxEntries must be a positive integer');
  return limits;
}

/**
 * A replay cache and handshake budget for responders to share: pass it as `secure.handshakes` to
 * every `createPeer` of one server to give that server limits of its own. Each limit defaults to
 * the realm's (`DEFAULT_FRESHNESS`); throws a `TypeError` for a limit that is not a positive number.
 */
export function handshakeGuard(limits: Partial<FreshnessLimits> = {}): HelloGuard {
  return new HelloGuard(limits);
}

/** The realm's guard, shared by every responder not given one of its own. */
export const sharedGuard = new HelloGuard();
