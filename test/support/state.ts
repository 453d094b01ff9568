/** Waiting for a transport that re-establishes its link (WebSocket, window, extension, Electron) to reach a state. */
import type { ConnectionState, ConnectionStateChange } from '../../src/connection-state.js';

interface Stateful {
  readonly state: ConnectionState;
  onStateChange(listener: (change: ConnectionStateChange) => void): () => void;
}

/** Resolves with the first state change that `match` accepts. */
export function until(transport: Stateful, match: (change: ConnectionStateChange) => boolean): Promise<ConnectionStateChange> {
  return new Promise((resolve) => {
    const stop = transport.onStateChange((change) => {
      if (!match(change)) return;
      stop();
      resolve(change);
    });
  });
}

/** Resolves when `transport` is in `state`: at once if it is already, else on the change. */
export async function reaches(transport: Stateful, state: ConnectionState): Promise<void> {
  if (transport.state !== state) await until(transport, (change) => change.state === state);
}
