/**
 * The `state` / `onStateChange` pair of a peer whose links come and go (`reconnecting()`): the
 * current state, and the listeners told of each `ConnectionStateChange`.
 */

/** `connecting` until the first link is up, `open`, `reconnecting` while it is down and coming back, `closed` for good. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What `onStateChange` listeners receive, on every change. */
export interface ConnectionStateChange {
  readonly state: ConnectionState;
  /** Failed links in a row (dials that failed, links that dropped); 0 once open. */
  readonly attempt: number;
  /** With `reconnecting`: milliseconds until the next dial. */
  readonly delay?: number;
  /** With `reconnecting`, and with `closed` when the peer gave up: why the link went down. */
  readonly reason?: unknown;
}

export abstract class ConnectionStateful {
  #state: ConnectionState = 'connecting';
  readonly #listeners = new Set<(change: ConnectionStateChange) => void>();

  get state(): ConnectionState {
    return this.#state;
  }

  /** Calls `listener` with `{ state, attempt, delay?, reason? }` on every change; returns the function that stops it. */
  onStateChange(listener: (change: ConnectionStateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Moves to `change.state` and tells every listener (one that throws does not stop the rest); `closed` drops them all. */
  protected setState(change: ConnectionStateChange): void {
    this.#state = change.state;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the peer carries on.
      }
    }
    if (change.state === 'closed') this.#listeners.clear();
  }
}
