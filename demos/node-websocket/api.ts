/** The demo's two APIs, shared by the browser page (and documenting the Node server and client). */

/** What the Node service exposes to each client. */
export interface ServiceApi {
  /** Names this client; returns its number and how many clients are connected. */
  hello(name: string): { id: number; clients: number };
  /** Broadcasts `text` to every connected client (their `said`). */
  say(text: string): void;
  /** The server's clock, ISO 8601. */
  time(): string;
  /** SHA-256 of the bytes, in hex: binary crosses as it is, never base64. */
  sha256(bytes: Uint8Array): string;
  /** Counts to `n`, one step every `ms`, calling the client's `progress` each step; cancellable. */
  count(n: number, ms: number): number;
  /** Connected clients, calls served, uptime. */
  stats(): { clients: number; calls: number; uptimeSeconds: number };
  /** Notification: the server drops this connection (to watch a redial). */
  drop(): void;
}

/** What each client exposes to the service. */
export interface ClientApi {
  said(from: string, text: string): void;
  progress(step: number, of: number): void;
  whoAreYou(): string;
}
