/**
 * The `state` / `onStateChange` pair of the transports whose link comes and goes
 * (`connectWebSocket`, `connectExtension`, the window and Electron links, a BroadcastChannel):
 * the current state, and the listeners told of each `ConnectionStateChange`.
 */
import type { ConnectionState, ConnectionStateChange } from '../src/transport.js';

export type { ConnectionState, ConnectionStateChange } from '../src/transport.js';

export abstract class ConnectionStateful {
  #state: ConnectionState = 'connecting';
  readonly #listeners = new Set<(change: ConnectionStateChange) => void>();

  /** `connecting` until the first link, `open`, `reconnecting` while it is down and coming back, `closed` for good. */
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
        // A listener's failure is its own; the transport carries on.
      }
    }
    if (change.state === 'closed') this.#listeners.clear();
  }
}
