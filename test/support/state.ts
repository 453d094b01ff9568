/** Waiting for a transport that re-establishes its link (WebSocket, window, extension, Electron) to reach a state. */
import type { ConnectionState, ConnectionStateChange } from '../../src/transport.js';

interface Stateful {
  readonly state: ConnectionState;
  onStateChange(listener: (change: ConnectionStateChange) => void): () => void;
}

/** Resolves when `transport` is in `state`: at once if it is already, else on the change. */
export function reaches(transport: Stateful, state: ConnectionState): Promise<void> {
  if (transport.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = transport.onStateChange((change) => {
      if (change.state !== state) return;
      stop();
      resolve();
    });
  });
}
