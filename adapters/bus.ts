/**
 * What the processes serving one API share: a message bus with shared sets whose entries die
 * with the process that added them. `serveWebSocket` (broadcasts) and `signalingService` (rooms)
 * take one; `redisBus` from `saltline/cluster` is one. Types only: no bundle bytes.
 */
export interface Bus {
  /** This process's id on the bus, unique among the live processes. */
  readonly node: string;
  /** Sends `message` to every listener of `channel` on every process, this one included (at once, even while the bus is down). */
  publish(channel: string, message: unknown): void;
  /**
   * Calls `listener` with each message on `channel` and the id of the process that sent it, until
   * the function it resolves with is called; it resolves once messages from every process reach `listener`.
   */
  subscribe(channel: string, listener: (message: unknown, from: string) => void): Promise<() => void>;
  /** Adds `key` to the shared set `set`, owned by this process: it leaves the set when this process dies or closes the bus. */
  add(set: string, key: string): Promise<void>;
  /** Takes `key` out of `set`. */
  remove(set: string, key: string): Promise<void>;
  /** The live keys of `set`, each with the id of the process that owns it. */
  members(set: string): Promise<Map<string, string>>;
  /** Calls `listener` with the id of each process found gone (closed, or its heartbeat lapsed), until the returned function is called. */
  onNodeDown(listener: (node: string) => void): () => void;
}
