/** Waiting for a redialling transport (window, extension, Electron link) to reach a state. */
interface Stateful<S> {
  readonly state: S;
  onStateChange(listener: (state: S) => void): () => void;
}

/** Resolves when `transport` is in `state`: at once if it is already, else on the change. */
export function reaches<S>(transport: Stateful<S>, state: S): Promise<void> {
  if (transport.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = transport.onStateChange((now) => {
      if (now !== state) return;
      stop();
      resolve();
    });
  });
}
