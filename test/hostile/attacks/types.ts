/** What every attack script reports: how the server treated the attacker, in its own words. */
export interface AttackResult {
  /** What the attacker saw: `answered`, `closed`, an error code, ... */
  readonly outcome: string;
  /** Figures of the attack itself (frames, bytes, counts). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AttackTools {
  /**
   * What an attack that lasts (a flood, a stalled reader) holds its pressure for: until the
   * well-behaved probe has had a set number of answers. Counted in answers, not milliseconds.
   */
  window(): Promise<void>;
  /** Asks the server's API something over a well-behaved connection (`totals`, `heap`). */
  ask<T>(method: string): Promise<T>;
}

/** Runs one attack against the server at `base` (`ws://127.0.0.1:PORT`). */
export type Attack = (base: string, tools: AttackTools) => Promise<AttackResult>;
