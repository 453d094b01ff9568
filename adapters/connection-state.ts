/**
 * The `state` / `onStateChange` pair shared by the transports that re-establish their link
 * (`connectWebSocket`, `connectExtension`, the window and Electron links): the current state, and
 * the listeners told of each `ConnectionStateChange`.
 */
import type { ConnectionState, ConnectionStateChange } from '../src/transport.js';

export type { ConnectionState, ConnectionStateChange } from '../src/transport.js';

export class ConnectionStatus {
  state: ConnectionState = 'connecting';
  readonly #listeners = new Set<(change: ConnectionStateChange) => void>();

  /** Adds `listener`; returns the function that removes it. */
  on(listener: (change: ConnectionStateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Moves to `change.state` and tells every listener (one that throws does not stop the rest); `closed` drops them all. */
  set(change: ConnectionStateChange): void {
    this.state = change.state;
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
