/** The APIs of the demo's three parties (types only, shared by main, preload and page). */

/** Main, as the preload sees it (fromIpcMain ↔ fromIpcRenderer). */
export interface MainApi {
  versions(): { electron: string; chrome: string; node: string };
  readNote(name: string): string | undefined;
  writeNote(name: string, text: string): void;
  /** Waits `ms`, to have a call in flight when you reload the window. */
  slow(ms: number): Promise<string>;
}

/** Main, as the page sees it over its own port (fromMessagePortMain ↔ fromPort). */
export interface ClockApi {
  /** A stream of ticks: `for await (const t of clock.ticks(5))`. */
  ticks(count: number): AsyncIterable<string>;
}

/** What the preload exposes to the page with contextBridge (window.notes). */
export interface NotesBridge {
  versions(): Promise<{ electron: string; chrome: string; node: string }>;
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  slow(ms: number): Promise<string>;
}
