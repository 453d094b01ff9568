/** What the demo's service worker serves, and what a content script serves back. Types only. */

export interface WorkerInfo {
  /** Random per start of the service worker: it changes when Chrome has stopped and restarted it. */
  readonly instance: string;
  readonly startedAt: string;
  /** Open peers: content scripts, popups and web pages connected now. */
  readonly peers: number;
  /** Who is asking, as the worker sees the port: `content script`, `popup` or the page's origin. */
  readonly you: string;
}

export interface WorkerApi {
  info(): WorkerInfo;
  /** A counter kept in chrome.storage.local, so it survives the worker being stopped. */
  increment(): Promise<number>;
  /** Waits `ms` (cancellable): stop the worker meanwhile and the call fails with UNAVAILABLE. */
  slow(ms: number): Promise<string>;
  /** Asks each connected content script for its page's title (the worker calling back). */
  titles(): Promise<string[]>;
}

export interface ContentApi {
  title(): string;
}
